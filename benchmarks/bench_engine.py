"""Decision-path benchmark for the authorization engine (no pytest, plain time.perf_counter).

Run from the repository root:  python benchmarks/bench_engine.py  [--seconds N] [--cold-pairs N] [--seed N]
                               [--only warm|cold]

(a) the seed post's three policies: bucket policy + DataUploaderRole identity policy for a role
    session's s3:PutObject with SSE-KMS headers, and the key policy for the kms:GenerateDataKey
    S3 makes on the caller's behalf;
(b) a 50-statement identity policy with conditions;
(c) cold: every decision brings policy documents the engine has never seen (a fresh identity-based
    policy and bucket policy of 1-4 statements each, wildcards in Action/Resource, 0-3 condition
    operators, as learners write them): parse both texts, then decide. The corpus is generated up front
    from a fixed seed (``--seed``), so runs are comparable; only parse + decide is timed.
Prints decisions/s and p50/p99 latency in microseconds, measured on one core (one thread), and the rate per
CPU-second of this process (on a shared machine the wall-clock rate also counts other processes' turns).
"""
from __future__ import annotations

import argparse
import gc
import json
import random
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


# --------------------------------------------------------------------------- (c) the cold corpus

_COLD_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetObjectVersion",
                 "s3:GetBucketPolicy", "kms:Decrypt", "kms:GenerateDataKey"]
_COLD_ACTION_PATTERNS = _COLD_ACTIONS + ["s3:*", "s3:Get*", "s3:List*", "s3:Put*", "s3:*Object", "s3:*Object*",
                                         "kms:*", "kms:GenerateDataKey*", "*", "s3:Get?bject"]
_COLD_CONDITIONS = [
    ("StringEquals", "s3:x-amz-server-side-encryption", lambda r, b: "aws:kms"),
    ("StringNotEquals", "s3:x-amz-server-side-encryption", lambda r, b: "aws:kms"),
    ("StringEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id", lambda r, b: KEY_ARN),
    ("StringLike", "s3:prefix", lambda r, b: ["home/${aws:username}/*", f"{b}/*"]),
    ("StringLike", "aws:userid", lambda r, b: "AROA*:*"),
    ("Bool", "aws:SecureTransport", lambda r, b: r.choice(["true", "false"])),
    ("IpAddress", "aws:SourceIp", lambda r, b: f"10.{r.randrange(256)}.0.0/16"),
    ("NotIpAddress", "aws:SourceIp", lambda r, b: "192.0.2.0/24"),
    ("DateLessThan", "aws:CurrentTime", lambda r, b: f"20{r.randrange(20, 40)}-0{r.randrange(1, 10)}-01T00:00:00Z"),
    ("DateGreaterThan", "aws:CurrentTime", lambda r, b: "2020-01-01T00:00:00Z"),
    ("ArnLike", "aws:PrincipalArn", lambda r, b: f"arn:aws:iam::{ACCOUNT}:role/*"),
    ("ArnNotEquals", "aws:PrincipalArn", lambda r, b: ROLE_ARN),
    ("StringEquals", "aws:PrincipalTag/team", lambda r, b: r.choice(["red", "blue", ["red", "green"]])),
    ("ForAnyValue:StringEquals", "aws:TagKeys", lambda r, b: ["owner", "project"]),
    ("Null", "s3:x-amz-server-side-encryption-aws-kms-key-id", lambda r, b: r.choice(["true", "false"])),
    ("NumericLessThanEquals", "s3:max-keys", lambda r, b: str(r.randrange(10, 1000))),
    ("StringEqualsIfExists", "aws:RequestedRegion", lambda r, b: "ap-northeast-2"),
]
_COLD_PRINCIPALS = [{"AWS": ROLE_ARN}, "*", {"AWS": ACCOUNT}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    {"AWS": [ROLE_ARN, f"arn:aws:iam::{ACCOUNT}:user/analyst"]}, {"AWS": "arn:aws:iam::210987654321:root"}]


def _cold_statement(r: random.Random, bucket: str, principal: bool) -> dict:
    acts = r.sample(_COLD_ACTION_PATTERNS, r.randint(1, 3))
    res = r.choice([f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/uploads/*",
                    f"arn:aws:s3:::{bucket}/*/*.csv", f"arn:aws:s3:::{bucket}/home/${{aws:username}}/*",
                    "*", KEY_ARN, f"arn:aws:kms:*:{ACCOUNT}:key/*"])
    st: dict = {"Effect": "Deny" if r.random() < 0.25 else "Allow",
                "Action": acts[0] if len(acts) == 1 and r.random() < 0.5 else acts,
                "Resource": res if r.random() < 0.6 else [res, f"arn:aws:s3:::{bucket}"]}
    if r.random() < 0.5:
        st = {"Sid": f"Stmt{r.randrange(10**6)}", **st}
    if principal:
        st["Principal"] = r.choice(_COLD_PRINCIPALS)
    cond: dict = {}
    for op, key, value in r.sample(_COLD_CONDITIONS, r.randint(0, 3)):
        cond.setdefault(op, {})[key] = value(r, bucket)
    if cond:
        st["Condition"] = cond
    return st


def cold_corpus(n: int, seed: int) -> list[tuple[str, str, Request]]:
    """n (identity-policy text, bucket-policy text, request) triples; every text is new (its own bucket name)."""
    r = random.Random(seed)
    caller = Caller("AssumedRole", SESSION_ARN, ACCOUNT, name="DataUploaderRole", role_arn=ROLE_ARN,
                    session_name="i-0abc", unique_id="AROAEXAMPLE:i-0abc", tags={"team": "red"})
    gctx = caller.global_context()
    out = []
    for i in range(n):
        bucket = f"learner-bucket-{seed}-{i}"
        identity = {"Version": "2012-10-17",
                    "Statement": [_cold_statement(r, bucket, False) for _ in range(r.randint(1, 4))]}
        resource = {"Version": "2012-10-17",
                    "Statement": [_cold_statement(r, bucket, True) for _ in range(r.randint(1, 4))]}
        ctx = dict(gctx, **{"aws:securetransport": [r.choice(["true", "false"])],
                            "aws:sourceip": [f"10.{r.randrange(256)}.1.2"],
                            "aws:currenttime": ["2026-12-06T12:00:00Z"]})
        if r.random() < 0.5:
            ctx["s3:x-amz-server-side-encryption"] = ["aws:kms"]
        key = r.choice(["file.txt", "uploads/a/b/c.csv", "home/alice/x", "deep/" * 6 + "z.csv"])
        req = Request(caller, r.choice(_COLD_ACTIONS), f"arn:aws:s3:::{bucket}/{key}", ctx, ACCOUNT)
        indent = r.choice([None, 2, 4])
        out.append((json.dumps(identity, indent=indent), json.dumps(resource, indent=indent), req))
    return out


def measure_cold(label: str, corpus: list[tuple[str, str, Request]]) -> dict:
    """One pass over the corpus: parse both policies (new text every time) and decide."""
    lat: list[float] = []
    pc = time.perf_counter
    counts: dict[str, int] = {}
    cpu_start = time.process_time()
    t_start = pc()
    for identity_text, resource_text, req in corpus:
        t0 = pc()
        identity = parse_policy(identity_text, PolicyKind.IDENTITY, "identity-based policy")
        resource = parse_policy(resource_text, PolicyKind.BUCKET, "bucket policy")
        d = authorize(req, PolicySet(identity=[identity], resource=resource))
        lat.append(pc() - t0)
        counts[d.decision] = counts.get(d.decision, 0) + 1
    wall = pc() - t_start
    cpu = time.process_time() - cpu_start
    lat.sort()
    n = len(lat)
    p50, p99 = lat[n // 2] * 1e6, lat[min(n - 1, int(n * 0.99))] * 1e6
    rate = n / wall
    # On a shared machine the wall-clock rate counts time other processes took; CPU time is this core's work.
    print(f"{label:<58} {rate:>10,.0f} pairs/s       p50 {p50:7.1f} µs   p99 {p99:7.1f} µs   n={n}\n"
          f"{'':<58} {n / cpu:>10,.0f} pairs per CPU-second   {counts}")
    return {"label": label, "rate": rate, "cpu_rate": n / cpu, "p50_us": p50, "p99_us": p99}


def measure(label: str, fn, seconds: float) -> dict:
    for _ in range(2000):  # warm caches (compiled globs, parsed dates)
        fn()
    lat: list[float] = []
    pc = time.perf_counter
    end = pc() + seconds
    cpu_start = time.process_time()
    t_start = pc()
    while True:
        t0 = pc()
        fn()
        t1 = pc()
        lat.append(t1 - t0)
        if t1 >= end:
            break
    wall = pc() - t_start
    cpu = time.process_time() - cpu_start
    lat.sort()
    n = len(lat)
    p50 = lat[n // 2] * 1e6
    p99 = lat[min(n - 1, int(n * 0.99))] * 1e6
    mean = statistics.fmean(lat) * 1e6
    rate = n / wall
    print(f"{label:<58} {rate:>10,.0f} decisions/s   p50 {p50:7.1f} µs   p99 {p99:7.1f} µs   "
          f"mean {mean:6.1f} µs ({mean / 1000:.4f} ms)   n={n}   {n / cpu:,.0f} per CPU-second")
    return {"label": label, "rate": rate, "cpu_rate": n / cpu, "p50_us": p50, "p99_us": p99}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="time per scenario (default 2 s)")
    ap.add_argument("--json", action="store_true", help="also print the figures as JSON")
    ap.add_argument("--cold-pairs", type=int, default=20000, help="policy pairs in the cold corpus (default 20000)")
    ap.add_argument("--seed", type=int, default=11, help="seed of the cold corpus (default 11)")
    ap.add_argument("--only", choices=["warm", "cold"], help="run only the warm (a, b) or the cold (c) scenarios")
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
    results: list[dict] = []
    if args.only != "warm":
        corpus = cold_corpus(args.cold_pairs, args.seed)
        # The corpus is the benchmark's baggage, not the engine's work: keep the collector from re-scanning
        # it (the lab freezes its long-lived objects after provisioning the same way).
        gc.collect()
        gc.freeze()
        results.append(measure_cold(f"(c) cold: parse 2 new policies + decide (seed {args.seed})", corpus))
    if args.only == "cold":
        if args.json:
            print(json.dumps(results, indent=2))
        return 0
    results += [
        measure("(a) seed: s3:PutObject SSE-KMS (bucket + role policy)", lambda: authorize(put_req, s3_set), args.seconds),
        measure("(a) seed: kms:GenerateDataKey (key + role policy)", lambda: authorize(kms_req, kms_set), args.seconds),
        measure("(a) seed: s3:PutObject without SSE header (explicit deny)", lambda: authorize(deny_req, s3_set), args.seconds),
        measure("(b) 50-statement identity policy + bucket policy", lambda: authorize(put_req, big_set), args.seconds),
    ]
    pair = measure("(a) seed: PutObject + its GenerateDataKey (2 decisions)", seed_pair, args.seconds)
    print(f"    -> {pair['rate'] * 2:,.0f} decisions/s counted per decision ({pair['cpu_rate'] * 2:,.0f} per CPU-second)")

    def seed_mix() -> None:  # the post's three requests: SSE-KMS PutObject, its GenerateDataKey, a PUT without SSE
        authorize(put_req, s3_set)
        authorize(kms_req, kms_set)
        authorize(deny_req, s3_set)

    mix = measure("(a) seed: the post's three-request mix (3 decisions)", seed_mix, args.seconds)
    print(f"    -> {mix['rate'] * 3:,.0f} decisions/s counted per decision ({mix['cpu_rate'] * 3:,.0f} per CPU-second)")
    if args.json:
        print(json.dumps(results + [pair, mix], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
