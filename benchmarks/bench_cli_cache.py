"""Two labs on one machine, the AWS CLI as the post's role: how many uploads fail?

Run from the repository root:  python benchmarks/bench_cli_cache.py  [--uploads 100] [--without-fix]

Starts two labs (``s3kms-lab serve --port 0``, each with its own config folder), then uploads
``--uploads`` files with the post's command (``aws s3 cp ... --sse aws:kms --sse-kms-key-id ARN`` as the
``uploader`` profile, which assumes ``DataUploaderRole`` with session name ``uploader``), half to each
lab, from two threads at once. Both labs issue credentials for the same role ARN and session name, so
with one shared CLI cache (``~/.aws/cli/cache``) one lab's cached credentials reach the other lab and are
refused as ``InvalidAccessKeyId``. Prints the failure count (target: 0).

``--without-fix`` removes the lab's ``[plugins]`` section from both config files first, i.e. shows the
collision the per-lab cache prevents. A temporary HOME is used, so the machine's own CLI cache is left alone.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BUCKET = "my-secure-bucket"


def aws_cli() -> str:
    candidate = Path(sys.executable).parent / "aws"
    return str(candidate) if candidate.exists() else (shutil.which("aws") or "aws")


def start_lab(config_dir: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """Start ``s3kms-lab serve`` on a free port; returns the process and its exported environment."""
    proc = subprocess.Popen([sys.executable, "-m", "s3kms_lab.cli", "serve", "--port", "0", "--config-dir",
                             str(config_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    env: dict[str, str] = {}
    deadline = time.time() + 60
    while time.time() < deadline and len(env) < 4:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("export "):
            name, _, value = line[len("export "):].strip().partition("=")
            env[name] = value
    if len(env) < 4:
        proc.kill()
        raise RuntimeError(f"lab did not start: {proc.stderr.read()}")
    return proc, env


def strip_plugin(config_file: Path) -> None:
    """Remove the lab's ``[plugins]`` section (the CLI then caches in ~/.aws/cli/cache again)."""
    text = config_file.read_text()
    config_file.write_text(re.sub(r"\[plugins\][^\[]*", "", text))


def upload(env: dict[str, str], key_arn: str, body: Path, key: str) -> str | None:
    """One post-style upload; None on success, else the CLI's error text."""
    done = subprocess.run([aws_cli(), "s3", "cp", str(body), f"s3://{BUCKET}/{key}", "--sse", "aws:kms",
                           "--sse-kms-key-id", key_arn], env=env, capture_output=True, text=True, timeout=120)
    return None if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())


def run(uploads: int, without_fix: bool = False) -> list[str]:
    """Upload ``uploads`` files, half to each of two labs at once; returns the error texts (empty = all ok)."""
    from s3kms_lab.lab.scenario import load_scenario
    key_arn = load_scenario("seed").main_key_arn
    with tempfile.TemporaryDirectory(prefix="s3kms-bench-cli-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        body = root / "file.txt"
        body.write_text("hello\n")
        labs = [start_lab(root / name) for name in ("lab-a", "lab-b")]
        try:
            envs = []
            for _proc, exported in labs:
                if without_fix:
                    strip_plugin(Path(exported["AWS_CONFIG_FILE"]))
                envs.append(dict(os.environ, **exported, HOME=str(home), AWS_PROFILE="uploader", AWS_PAGER=""))
            jobs = [(envs[i % 2], f"bench-{i}.txt") for i in range(uploads)]
            with ThreadPoolExecutor(max_workers=2) as pool:
                results = list(pool.map(lambda job: upload(job[0], key_arn, body, job[1]), jobs))
        finally:
            for proc, _ in labs:
                proc.send_signal(signal.SIGTERM)
                proc.communicate(timeout=30)
    return [r for r in results if r is not None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=100)
    parser.add_argument("--without-fix", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    errors = run(args.uploads, args.without_fix)
    print(f"CLI uploads as uploader, two labs at once{' (shared ~/.aws/cli/cache)' if args.without_fix else ''}: "
          f"{len(errors)} of {args.uploads} failed ({time.perf_counter() - started:.1f} s)")
    for text in sorted(set(e.splitlines()[-1] for e in errors))[:3]:
        print("  e.g.", text)
    return 0 if args.without_fix or not errors else 1


if __name__ == "__main__":
    sys.exit(main())
