"""Requirement-checker benchmark: the whole seed universe decided and judged (no pytest).

Run from the repository root:  python benchmarks/bench_checker.py [--scenario seed] [--repeat 5]

Pins itself to one CPU core when the OS allows it, then measures, per run:
  provision  - reset moto, provision the scenario in-process, sessions, other key, objects (Universe.build)
  decide     - every request of the universe through the endpoint's Authorizer (Universe.evaluate)
  judge      - every requirement against the decisions, counterexamples and replay recipes
  check()    - the public function end to end (what `s3kms-lab check` runs)
and prints the median in ms with the number of requests and authorizations decided. Budget: check() <= 2000 ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s3kms_lab.checker import check  # noqa: E402
from s3kms_lab.checker.check import judge  # noqa: E402
from s3kms_lab.checker.requirements import load_requirements  # noqa: E402
from s3kms_lab.checker.universe import Universe  # noqa: E402
from s3kms_lab.lab.scenario import load_scenario  # noqa: E402

BUDGET_MS = 2000.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="seed")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        except OSError:
            pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    sc = load_scenario(args.scenario)
    check(args.scenario)  # warm-up: imports, policy parse caches
    times: dict[str, list[float]] = {"provision": [], "decide": [], "judge": [], "check()": []}
    requests = steps = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        u = Universe(sc).build()
        t1 = time.perf_counter()
        outcomes = u.evaluate(u.probes())
        t2 = time.perf_counter()
        reqs = load_requirements(sc, u.principal_refs(), u.actions())
        report = judge(sc, u, reqs, outcomes)
        t3 = time.perf_counter()
        u.close()
        requests = len(outcomes)
        steps = sum(1 for o in outcomes for s in o.steps() if s.decision is not None)
        t4 = time.perf_counter()
        check(args.scenario)
        t5 = time.perf_counter()
        for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t5 - t4)):
            times[k].append(v * 1000)
    print(f"scenario {args.scenario!r}: {requests} requests decided ({steps} authorizations by the engine), "
          f"{len(report.requirements)} requirements, median of {args.repeat} runs on {cores} core(s)")
    for k, v in times.items():
        print(f"  {k:<10} {statistics.median(v):8.1f} ms   (min {min(v):.1f}, max {max(v):.1f})")
    total = statistics.median(times["check()"])
    per_req = statistics.median(times["decide"]) * 1000 / max(requests, 1)
    print(f"  per request {per_req:.0f} us (decide); check() {total:.0f} ms vs budget {BUDGET_MS:.0f} ms: "
          f"{'OK' if total <= BUDGET_MS else 'OVER BUDGET'}")
    return 0 if total <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
