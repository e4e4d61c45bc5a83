"""Import benchmark: `s3kms-lab import` of the seed scenario through the lab endpoint (no pytest).

Run from the repository root:  python benchmarks/bench_import.py [--repeat 5]

Starts Lab("seed"), then imports bucket, key and role through the lab's `admin` profile into a temporary folder,
each run with a new boto3 Session (as the command does). Prints the first run (cold: botocore loads its service
models) and the median of the others, the number of read-only calls, then the median time of `check()` on the
imported folder. Budgets: import <= 3000 ms (issue 16), check <= 2000 ms (the checker's own budget).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402

from s3kms_lab import Lab  # noqa: E402
from s3kms_lab.account import import_account  # noqa: E402
from s3kms_lab.checker import check  # noqa: E402

IMPORT_BUDGET_MS = 3000.0
CHECK_BUDGET_MS = 2000.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    times: list[float] = []
    calls = 0
    with Lab("seed") as lab:
        os.environ["AWS_CONFIG_FILE"] = str(lab.config_dir / "config")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(lab.config_dir / "credentials")
        for i in range(args.repeat + 1):
            out = tmp / f"run{i}"
            t0 = time.perf_counter()
            result = import_account(boto3.Session(profile_name="admin"), "my-secure-bucket", "alias/my-secure-key",
                                    "DataUploaderRole", ["arn:aws:iam::123456789012:user/admin"], out)
            times.append((time.perf_counter() - t0) * 1000)
            calls = len(result.records)
    check(str(tmp / "run0"))  # warm-up, as bench_checker does
    check_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        check(str(tmp / "run0"))
        check_times.append((time.perf_counter() - t0) * 1000)
    cold, warm, chk = times[0], statistics.median(times[1:]), statistics.median(check_times)
    print(f"import of seed through the lab endpoint: {calls} read-only calls; cold {cold:.0f} ms, "
          f"median of {args.repeat} warm {warm:.0f} ms (budget {IMPORT_BUDGET_MS:.0f} ms)")
    print(f"check() of the imported scenario: median {chk:.0f} ms (budget {CHECK_BUDGET_MS:.0f} ms)")
    ok = cold <= IMPORT_BUDGET_MS and chk <= CHECK_BUDGET_MS
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
