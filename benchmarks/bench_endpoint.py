"""Endpoint benchmark: the lab vs plain moto's server, same run, boto3 on loopback.

Run from the repository root:  python benchmarks/bench_endpoint.py  [--rounds N] [--big-rounds N]

Both servers run in their own process (the lab as ``s3kms-lab serve --port 0``, plain moto as
``moto.server.ThreadedMotoServer`` on another loopback port), so neither shares the client's GIL.
For each server: SSE-KMS PutObject and GetObject of a 1 KiB and an 8 MiB object, requests interleaved
lab/moto so that machine noise hits both alike. Prints the median milliseconds for both and the ratio
lab/moto (target: median ratio <= 1.15), then the lab's cold start: process start to the first
answered request, median of three launches (target: < 1.5 s).

The lab side signs as the post's role (profile ``uploader``: DataUploaderRole session) and sends the
post's headers, so every PutObject is authorized (bucket policy + role policy) and S3's
kms:GenerateDataKey is authorized against the key policy and really performed in moto's KMS;
every GetObject decides s3:GetObject + kms:Decrypt and unwraps the object's data key.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
REGION = "ap-northeast-2"
BUCKET = "my-secure-bucket"
SIZES = {"1KiB": 1024, "8MiB": 8 * 1024 * 1024}
_CFG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})

_MOTO_SERVER = """
import sys, threading
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
threading.Event().wait()
"""


def _server_env() -> dict[str, str]:
    """Environment of both servers. moto spills objects over ~5 MiB to temporary files; on a RAM-backed
    folder (when the machine has one) disk noise does not swamp the 8 MiB figures. Same folder for both."""
    env = dict(os.environ)
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        env["TMPDIR"] = tempfile.mkdtemp(prefix="bench-tmp-", dir="/dev/shm")
    return env


_ENV = _server_env()


def _lab_command(config_dir: str) -> list[str]:
    exe = Path(sys.executable).parent / "s3kms-lab"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "s3kms_lab.cli"]
    return [*cmd, "serve", "--port", "0", "--config-dir", config_dir]


def start_lab(config_dir: str) -> tuple[subprocess.Popen, dict[str, str], float]:
    """Launch the lab; return (process, its exported env, seconds to the first answered request)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(_lab_command(config_dir), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT, env=_ENV)
    env: dict[str, str] = {}
    while len(env) < 4:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the lab exited before printing its endpoint")
        if line.startswith("export "):
            k, _, v = line[len("export "):].strip().partition("=")
            env[k] = v
    url = env["AWS_ENDPOINT_URL"] + "/"
    while True:  # first answered request: an unsigned ListBuckets (answered with 403 AccessDenied)
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.005)
    return proc, env, time.perf_counter() - t0


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def start_moto() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", _MOTO_SERVER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=_ENV)
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def lab_clients(env: dict[str, str]) -> tuple[object, str]:
    old = {k: os.environ.get(k) for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    os.environ.update({k: env[k] for k in old})
    try:
        session = boto3.Session(profile_name="uploader")
        s3 = session.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=REGION, config=_CFG)
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    key_arn = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    return s3, key_arn


def moto_clients(url: str) -> tuple[object, str]:
    session = boto3.Session(aws_access_key_id="AKIABENCHMOTO0000000", aws_secret_access_key="x" * 40,
                            region_name=REGION)
    s3 = session.client("s3", endpoint_url=url, config=_CFG)
    kms = session.client("kms", endpoint_url=url)
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return s3, key_arn


def measure(targets: dict[str, tuple[object, str]], size: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    body = os.urandom(size)
    out = {name: {"put": [], "get": []} for name in targets}
    for i in range(rounds + 2):  # the first two rounds warm up connections and caches
        for name, (s3, key_arn) in targets.items():
            key = f"bench/{size}/{i % 8}"
            t = time.perf_counter()
            s3.put_object(Bucket=BUCKET, Key=key, Body=body, ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn)
            t_put = time.perf_counter() - t
            t = time.perf_counter()
            got = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            t_get = time.perf_counter() - t
            assert len(got) == size
            if i >= 2:
                out[name]["put"].append(t_put * 1000)
                out[name]["get"].append(t_get * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=400, help="1 KiB put+get rounds per server")
    ap.add_argument("--big-rounds", type=int, default=40, help="8 MiB put+get rounds per server")
    args = ap.parse_args()

    cold = []
    for _ in range(3):
        with tempfile.TemporaryDirectory(prefix="bench-lab-") as d:
            proc, _env, secs = start_lab(d)
            stop(proc)
            cold.append(secs)

    lab_dir = tempfile.mkdtemp(prefix="bench-lab-")
    lab_proc, env, _ = start_lab(lab_dir)
    moto_proc, moto_url = start_moto()
    ok = True
    try:
        targets = {"lab": lab_clients(env), "moto": moto_clients(moto_url)}
        print(f"{'operation':<22}{'lab ms':>10}{'moto ms':>10}{'ratio':>8}")
        ratios = []
        for label, size in SIZES.items():
            rounds = args.rounds if size <= 1024 else args.big_rounds
            res = measure(targets, size, rounds)
            for op in ("put", "get"):
                lab_ms = statistics.median(res["lab"][op])
                moto_ms = statistics.median(res["moto"][op])
                ratio = lab_ms / moto_ms
                ratios.append(ratio)
                name = f"{'PutObject' if op == 'put' else 'GetObject'} {label}"
                print(f"{name:<22}{lab_ms:>10.2f}{moto_ms:>10.2f}{ratio:>8.2f}")
        worst = max(ratios)
        print(f"median ratio lab/moto: worst {worst:.2f} (target <= 1.15) -> {'OK' if worst <= 1.15 else 'ABOVE TARGET'}")
        ok = worst <= 1.15
    finally:
        stop(lab_proc)
        stop(moto_proc)
        if "TMPDIR" in _ENV and _ENV["TMPDIR"] != os.environ.get("TMPDIR"):
            shutil.rmtree(_ENV["TMPDIR"], ignore_errors=True)
    cold_med = statistics.median(cold)
    print(f"cold start (s3kms-lab serve --port 0 to first answered request): median {cold_med:.2f} s "
          f"of {', '.join(f'{c:.2f}' for c in cold)} (target < 1.5 s) -> {'OK' if cold_med < 1.5 else 'ABOVE TARGET'}")
    return 0 if ok and cold_med < 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
