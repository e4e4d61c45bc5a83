"""The AWS CLI's assumed-role cache is per lab: two labs on one machine never reuse each other's credentials.

Both labs issue credentials for the same role ARN and session name (``DataUploaderRole``/``uploader``), which
is all the CLI's shared cache (``~/.aws/cli/cache``) keys on (botocore's ``AssumeRoleCredentialFetcher``).
``benchmarks/bench_cli_cache.py`` runs the same check with 100 uploads.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from s3kms_lab import Lab


def aws_cli() -> str:
    """The `aws` command installed next to this Python (the project's venv)."""
    candidate = Path(sys.executable).parent / "aws"
    return str(candidate) if candidate.exists() else (shutil.which("aws") or "aws")


def _serve(config_dir: Path) -> tuple[subprocess.Popen, dict[str, str]]:
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
    assert len(env) == 4, proc.stderr.read()
    return proc, env


@pytest.fixture
def two_labs(tmp_path):
    """An in-process lab and an `s3kms-lab serve` lab, and a HOME of our own (the real CLI cache is left alone)."""
    home = tmp_path / "home"
    home.mkdir()
    proc, served_env = _serve(tmp_path / "served")
    try:
        with Lab("seed", config_dir=tmp_path / "inproc") as lab:
            yield home, lab.env(), served_env
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def _aws(home: Path, lab_env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, **lab_env, HOME=str(home), AWS_PROFILE="uploader", AWS_PAGER="")
    return subprocess.run([aws_cli(), *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_uploads_alternating_between_two_labs_never_fail(two_labs, tmp_path):
    home, first, second = two_labs
    body = tmp_path / "file.txt"
    body.write_text("hello\n")
    key_arn = Lab("seed").key_arn
    failures = []
    for i in range(3):  # each round: lab 1 then lab 2; the second call to each lab reads that lab's cache
        for lab_env in (first, second):
            done = _aws(home, lab_env, "s3", "cp", str(body), f"s3://my-secure-bucket/f{i}.txt", "--sse", "aws:kms",
                        "--sse-kms-key-id", key_arn)
            if done.returncode != 0:
                failures.append(done.stderr)
    assert failures == []
    # The mechanism: nothing in the shared cache, one cached session in each lab's own folder.
    assert not list((home / ".aws" / "cli" / "cache").glob("*.json"))
    for lab_env in (first, second):
        cached = list((Path(lab_env["AWS_CONFIG_FILE"]).parent / "cli-cache").glob("*.json"))
        assert len(cached) == 1
        assert json.loads(cached[0].read_text())["AssumedRoleUser"]["Arn"].endswith(
            "assumed-role/DataUploaderRole/uploader")


def test_learners_still_see_the_posts_session_name(two_labs):
    """The fix must not change what committed notebook outputs show (the assumed-role ARN)."""
    home, first, _second = two_labs
    done = _aws(home, first, "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"] == "arn:aws:sts::123456789012:assumed-role/DataUploaderRole/uploader"


def test_a_restarted_lab_in_the_same_folder_forgets_the_old_cached_session(tmp_path):
    """`serve --config-dir` reuses its folder: a previous lab's cached credentials must not be offered."""
    home = tmp_path / "home"
    home.mkdir()
    for _ in range(2):
        with Lab("seed", config_dir=tmp_path / "cfg") as lab:
            done = _aws(home, lab.env(), "sts", "get-caller-identity")
            assert done.returncode == 0, done.stderr
