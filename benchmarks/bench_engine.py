"""Decision-path benchmark for the authorization engine (no pytest, plain time.perf_counter).

Run from the repository root:  python benchmarks/bench_engine.py  [--seconds N]

(a) the seed post's three policies: bucket policy + DataUploaderRole identity policy for a role
    session's s3:PutObject with SSE-KMS headers, and the key policy for the kms:GenerateDataKey
    S3 makes on the caller's behalf;
(b) a 50-statement identity policy with conditions.
Prints decisions/s and p50/p99 latency in microseconds, measured on one core (one thread).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s3kms_lab.engine import Caller, PolicyKind, PolicySet, Request, authorize, parse_policy  # noqa: E402

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/DataUploaderRole/i-0abc"
KEY_ARN = f"arn:aws:kms:ap-northeast-2:{ACCOUNT}:key/abcd-efgh-ijkl"
OBJECT_ARN = "arn:aws:s3:::my-secure-bucket/file.txt"

BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowPutObjectWithKMSEncryption", "Effect": "Allow", "Principal": {"AWS": ROLE_ARN},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
         "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms",
                                        "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}}},
        {"Sid": "AllowGetObject", "Effect": "Allow", "Principal": {"AWS": ROLE_ARN},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-secure-bucket/*"},
        {"Sid": "DenyUnEncryptedUploads", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::my-secure-bucket/*",
         "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
    ],
}
KEY_POLICY = {
    "Version": "2012-10-17", "Id": "key-policy-s3",
    "Statement": [
        {"Sid": "AllowKeyAdministration", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": ["kms:*"], "Resource": "*"},
        {"Sid": "AllowUseOfKeyForUploaderRole", "Effect": "Allow", "Principal": {"AWS": ROLE_ARN},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
         "Resource": "*"},
    ],
}
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::my-secure-bucket/*"},
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                       "kms:DescribeKey"], "Resource": KEY_ARN},
    ],
}


def big_policy(n: int = 50) -> dict:
    """n statements, each with an action list, a resource pattern and one or two conditions."""
    ops = ["StringEquals", "StringLike", "StringNotEquals", "NumericLessThan", "IpAddress", "DateGreaterThan",
           "ForAnyValue:StringEquals", "Bool", "ArnLike", "StringEqualsIgnoreCase"]
    stmts = []
    for i in range(n):
        op = ops[i % len(ops)]
        key, val = {
            "StringEquals": ("aws:PrincipalTag/team", f"team-{i}"),
            "StringLike": ("s3:prefix", f"home/{i}/*"),
            "StringNotEquals": ("aws:RequestedRegion", "eu-west-1"),
            "NumericLessThan": ("s3:max-keys", str(100 + i)),
            "IpAddress": ("aws:SourceIp", f"10.{i}.0.0/16"),
            "DateGreaterThan": ("aws:CurrentTime", "2020-01-01T00:00:00Z"),
            "ForAnyValue:StringEquals": ("aws:TagKeys", [f"k{i}", "owner"]),
            "Bool": ("aws:SecureTransport", "true"),
            "ArnLike": ("aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT}:role/Role{i}*"),
            "StringEqualsIgnoreCase": ("aws:PrincipalTag/dept", f"DEPT{i}"),
        }[op]
        cond = {op: {key: val}}
        if i % 3 == 0:
            cond.setdefault("Bool", {})["aws:SecureTransport"] = "true"
        stmts.append({"Sid": f"S{i}", "Effect": "Deny" if i % 17 == 16 else "Allow",
                      "Action": [f"s3:Get{i}*", f"s3:List{i}*", "s3:PutObject" if i == n - 1 else f"s3:Put{i}*"],
                      "Resource": f"arn:aws:s3:::bucket-{i % 7}/*" if i != n - 1 else "arn:aws:s3:::my-secure-bucket/*",
                      "Condition": cond})
    return {"Version": "2012-10-17", "Statement": stmts}


def measure(label: str, fn, seconds: float) -> dict:
    for _ in range(2000):  # warm caches (compiled globs, parsed dates)
        fn()
    lat: list[float] = []
    pc = time.perf_counter
    end = pc() + seconds
    t_start = pc()
    while True:
        t0 = pc()
        fn()
        t1 = pc()
        lat.append(t1 - t0)
        if t1 >= end:
            break
    wall = pc() - t_start
    lat.sort()
    n = len(lat)
    p50 = lat[n // 2] * 1e6
    p99 = lat[min(n - 1, int(n * 0.99))] * 1e6
    mean = statistics.fmean(lat) * 1e6
    rate = n / wall
    print(f"{label:<58} {rate:>10,.0f} decisions/s   p50 {p50:7.1f} µs   p99 {p99:7.1f} µs   "
          f"mean {mean:6.1f} µs ({mean / 1000:.4f} ms)   n={n}")
    return {"label": label, "rate": rate, "p50_us": p50, "p99_us": p99}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="time per scenario (default 2 s)")
    ap.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = ap.parse_args()

    bucket = parse_policy(json.dumps(BUCKET_POLICY), PolicyKind.BUCKET, "bucket policy of my-secure-bucket")
    key = parse_policy(json.dumps(KEY_POLICY), PolicyKind.KEY, "key policy of abcd-efgh-ijkl")
    role = parse_policy(json.dumps(ROLE_POLICY), PolicyKind.IDENTITY, "DataUploaderRole inline policy")
    big = parse_policy(json.dumps(big_policy(50)), PolicyKind.IDENTITY, "50-statement policy")

    caller = Caller("AssumedRole", SESSION_ARN, ACCOUNT, name="DataUploaderRole", role_arn=ROLE_ARN,
                    session_name="i-0abc", unique_id="AROAEXAMPLE:i-0abc", tags={"team": "team-49", "dept": "dept3"})
    gctx = caller.global_context()
    put_ctx = dict(gctx, **{"s3:x-amz-server-side-encryption": ["aws:kms"],
                            "s3:x-amz-server-side-encryption-aws-kms-key-id": [KEY_ARN],
                            "aws:securetransport": ["true"], "aws:sourceip": ["10.49.3.4"],
                            "aws:currenttime": ["2025-08-03T12:20:23Z"]})
    kms_ctx = dict(gctx, **{"kms:viaservice": ["s3.ap-northeast-2.amazonaws.com"],
                            "kms:calleraccount": [ACCOUNT],
                            "kms:encryptioncontext:aws:s3:arn": [OBJECT_ARN],
                            "kms:encryptioncontextkeys": ["aws:s3:arn"]})
    put_req = Request(caller, "s3:PutObject", OBJECT_ARN, put_ctx, ACCOUNT)
    kms_req = Request(caller, "kms:GenerateDataKey", KEY_ARN, kms_ctx, ACCOUNT)
    deny_req = Request(caller, "s3:PutObject", OBJECT_ARN, gctx, ACCOUNT)  # no SSE header: explicit deny
    s3_set = PolicySet(identity=[role], resource=bucket)
    kms_set = PolicySet(identity=[role], resource=key)
    big_set = PolicySet(identity=[big], resource=bucket)

    assert authorize(put_req, s3_set).effect == "allowed"
    assert authorize(kms_req, kms_set).effect == "allowed"
    assert authorize(deny_req, s3_set).effect == "explicitDeny"
    assert authorize(put_req, big_set).effect == "allowed"

    def seed_pair() -> None:  # one SSE-KMS PutObject = the S3 decision + the KMS decision S3 makes
        authorize(put_req, s3_set)
        authorize(kms_req, kms_set)

    print(f"Python {sys.version.split()[0]}, one thread, {args.seconds:.1f} s per scenario")
    results = [
        measure("(a) seed: s3:PutObject SSE-KMS (bucket + role policy)", lambda: authorize(put_req, s3_set), args.seconds),
        measure("(a) seed: kms:GenerateDataKey (key + role policy)", lambda: authorize(kms_req, kms_set), args.seconds),
        measure("(a) seed: s3:PutObject without SSE header (explicit deny)", lambda: authorize(deny_req, s3_set), args.seconds),
        measure("(b) 50-statement identity policy + bucket policy", lambda: authorize(put_req, big_set), args.seconds),
    ]
    pair = measure("(a) seed: PutObject + its GenerateDataKey (2 decisions)", seed_pair, args.seconds)
    print(f"    -> {pair['rate'] * 2:,.0f} decisions/s counted per decision")
    if args.json:
        print(json.dumps(results + [pair], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
