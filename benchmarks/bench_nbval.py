"""nbval benchmark: every notebook of both editions (notebooks/ and notebooks/ko/) executed and compared by
nbval, as `make test` runs them (pytest-xdist, 2 workers, one file per worker at a time).

Run from the repository root:  python benchmarks/bench_nbval.py [--workers 2]

Prints the wall time of the pytest run and the number of notebook cells checked. Budget (issue 14): both
editions <= 120 s on the 2-core course machine. nbval: https://nbval.readthedocs.io/
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET_S = 120.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2")
    args = parser.parse_args(argv)
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", args.workers, "--dist", "loadfile", "--nbval",
           "--nbval-sanitize-with", "notebooks/sanitize.cfg", "--nbval-kernel-name", "s3kms-lab", "notebooks"]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.monotonic() - started
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    cells = sum(int(n) for n in re.findall(r"(\d+) passed", summary))
    editions = sorted({"ko" if "/ko/" in str(p) else "en" for p in (REPO / "notebooks").rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in str(p)})
    print(f"nbval, editions {'+'.join(editions)}, {args.workers} workers: {wall:.1f} s wall, {summary}")
    print(f"budget {BUDGET_S:.0f} s: {'within' if wall <= BUDGET_S and done.returncode == 0 else 'OVER or FAILED'}"
          f" ({cells} cells passed)")
    return 0 if done.returncode == 0 and wall <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
