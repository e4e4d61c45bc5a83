"""`make bench`: run every benchmarks/bench_*.py script in turn (each prints its own figures and ratios)."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
failed = 0
for script in sorted(here.glob("bench_*.py")):
    print(f"\n=== {script.name} ===", flush=True)
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        failed += bool(exc.code)
    except Exception as exc:  # keep going: one broken benchmark should not hide the others
        print(f"{script.name} failed: {exc!r}")
        failed += 1
sys.exit(1 if failed else 0)
