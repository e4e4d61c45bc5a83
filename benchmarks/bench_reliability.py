"""Reliability benchmark: 8 and 16 concurrent clients, mixed SSE-KMS operations, every read checked by SHA-256.

Run from the repository root:  python benchmarks/bench_reliability.py  [--rounds N] [--clients 8 16]

The lab (``s3kms-lab serve --port 0``, signing as the post's role ``uploader``, so every call is authorized
against the bucket policy, the role policy and the key policy, and S3's KMS calls really run in moto's KMS) and
plain moto (``ThreadedMotoServer``) run in their own processes, started as ``bench_endpoint.py`` does. Each client
thread, ``--rounds`` times: PutObject SSE-KMS (random 1-64 KiB body), GetObject (SHA-256 of the bytes read must
equal the bytes written), HeadObject, CopyObject to a second key (SSE-KMS), GetObject of the copy (SHA-256
again), a one-part multipart upload read back (SHA-256); no deletes (the role may not delete). Reported per server and
client count: operations, errors, lost or altered bytes (SHA-256 mismatches), wall seconds, and the ratio
lab/moto of wall time. Exit status 1 when any operation failed or any read did not match.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_endpoint import _ENV, BUCKET, REGION, start_lab, start_moto, stop  # noqa: E402

_CFG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, max_pool_connections=64,
              read_timeout=120)


@dataclass
class Tally:
    operations: int = 0
    errors: list[str] = field(default_factory=list)
    mismatches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ops: int = 0, error: str | None = None, mismatch: bool = False) -> None:
        with self.lock:
            self.operations += ops
            if error:
                self.errors.append(error)
            self.mismatches += mismatch


def _lab_target(env: dict[str, str]) -> tuple[dict[str, str], str]:
    """Frozen credentials of the role profile (one AssumeRole through the lab) and the scenario key's ARN."""
    old = {k: os.environ.get(k) for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    os.environ.update({k: env[k] for k in old})
    try:
        creds = boto3.Session(profile_name="uploader").get_credentials().get_frozen_credentials()
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    key_arn = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    return {"aws_access_key_id": creds.access_key, "aws_secret_access_key": creds.secret_key,
            "aws_session_token": creds.token, "endpoint_url": env["AWS_ENDPOINT_URL"]}, key_arn


def _moto_target(url: str) -> tuple[dict[str, str], str]:
    args = {"aws_access_key_id": "AKIABENCHMOTO0000000", "aws_secret_access_key": "x" * 40, "endpoint_url": url}
    session = boto3.Session(region_name=REGION)
    key_arn = session.client("kms", **args).create_key()["KeyMetadata"]["Arn"]
    session.client("s3", config=_CFG, **args).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return args, key_arn


def _client_work(args: dict[str, str], key_arn: str, worker: int, rounds: int, tally: Tally) -> None:
    s3 = boto3.Session(region_name=REGION).client("s3", config=_CFG, **args)
    rng = random.Random(worker)
    sse = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn}
    for i in range(rounds):
        key, copy_key, mp_key = (f"rel/{worker}/{i}", f"rel/{worker}/{i}.copy", f"rel/{worker}/{i}.mp")
        body = rng.randbytes(rng.randint(1024, 64 * 1024))
        digest = hashlib.sha256(body).hexdigest()
        try:
            s3.put_object(Bucket=BUCKET, Key=key, Body=body, **sse)
            got = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            tally.add(2, mismatch=hashlib.sha256(got).hexdigest() != digest)
            s3.head_object(Bucket=BUCKET, Key=key)
            s3.copy_object(Bucket=BUCKET, Key=copy_key, CopySource={"Bucket": BUCKET, "Key": key}, **sse)
            got = s3.get_object(Bucket=BUCKET, Key=copy_key)["Body"].read()
            tally.add(3, mismatch=hashlib.sha256(got).hexdigest() != digest)
            upload = s3.create_multipart_upload(Bucket=BUCKET, Key=mp_key, **sse)["UploadId"]
            etag = s3.upload_part(Bucket=BUCKET, Key=mp_key, UploadId=upload, PartNumber=1, Body=body)["ETag"]
            s3.complete_multipart_upload(Bucket=BUCKET, Key=mp_key, UploadId=upload,
                                         MultipartUpload={"Parts": [{"ETag": etag, "PartNumber": 1}]})
            got = s3.get_object(Bucket=BUCKET, Key=mp_key)["Body"].read()
            tally.add(4, mismatch=hashlib.sha256(got).hexdigest() != digest)
        except Exception as exc:  # counted, not raised: the benchmark reports every failure
            tally.add(error=f"client {worker} round {i}: {type(exc).__name__}: {exc}")


def run(target: tuple[dict[str, str], str], clients: int, rounds: int) -> tuple[Tally, float]:
    args, key_arn = target
    tally = Tally()
    threads = [threading.Thread(target=_client_work, args=(args, key_arn, w, rounds, tally)) for w in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20, help="rounds of the mixed sequence per client")
    ap.add_argument("--clients", type=int, nargs="+", default=[8, 16], help="concurrent client counts")
    args = ap.parse_args()

    lab_dir = tempfile.mkdtemp(prefix="bench-rel-")
    lab_proc, env, _ = start_lab(lab_dir)
    moto_proc, moto_url = start_moto()
    ok = True
    try:
        targets = {"lab": _lab_target(env), "moto": _moto_target(moto_url)}
        print(f"{'clients':>8}{'server':>8}{'ops':>8}{'errors':>8}{'sha256 bad':>12}{'wall s':>9}{'ops/s':>9}{'ratio':>8}")
        for clients in args.clients:
            results = {name: run(target, clients, args.rounds) for name, target in targets.items()}
            ratio = results["lab"][1] / results["moto"][1]
            for name, (tally, secs) in results.items():
                print(f"{clients:>8}{name:>8}{tally.operations:>8}{len(tally.errors):>8}{tally.mismatches:>12}"
                      f"{secs:>9.2f}{tally.operations / secs:>9.0f}{ratio if name == 'lab' else 1.0:>8.2f}")
                for line in tally.errors[:5]:
                    print(f"    {name}: {line}")
                ok = ok and not tally.errors and not tally.mismatches
        print(f"reliability: {'OK (0 errors, 0 sha256 mismatches)' if ok else 'FAILED'}")
    finally:
        stop(lab_proc)
        stop(moto_proc)
        shutil.rmtree(lab_dir, ignore_errors=True)
        if "TMPDIR" in _ENV and _ENV["TMPDIR"] != os.environ.get("TMPDIR"):
            shutil.rmtree(_ENV["TMPDIR"], ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
