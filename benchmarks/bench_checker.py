"""Requirement-checker benchmark: the whole universe of seed and hardened decided and judged, escalation
paths included (no pytest).

Run from the repository root:  python benchmarks/bench_checker.py [--scenario seed --scenario hardened] [--repeat 5]

Pins itself to one CPU core when the OS allows it, then measures, per run:
  provision  - reset moto, provision the scenario in-process, sessions, other key, objects (Universe.build)
  decide     - every request of the universe through the endpoint's Authorizer (Universe.evaluate)
  judge      - every requirement against the decisions, counterexamples and replay recipes, plus the
               escalation search (state-changing calls by non-administrators) for those that hold
  escalation - the escalation search alone (part of judge)
  check()    - the public function end to end (what `s3kms-lab check` runs)
and prints the median in ms with the number of requests and authorizations decided and the escalation
figures (calls tried, states reached, requests decided there). Budget: check() <= 2000 ms per scenario.
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
    ap.add_argument("--scenario", action="append", help="scenario name or folder (repeatable; default seed and hardened)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        except OSError:
            pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    worst = 0
    for name in args.scenario or ["seed", "hardened"]:
        worst |= bench(name, args.repeat, cores)
    worst |= bench_exercise(args.repeat)
    return worst


EXERCISE_BUDGET_MS = 1000.0


def _child_cpu(proc: object) -> float:
    """CPU seconds (user + system) used so far by a child process (Linux /proc), 0 when unknown."""
    try:
        fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()  # type: ignore[attr-defined]
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, AttributeError, IndexError, ValueError):
        return 0.0


def bench_exercise(repeat: int) -> int:
    """An exercise check end to end while a lab runs (goal probes + the checker on the candidate in the
    warm child process): exercise 2.1 with its reference answer, which makes the escalation search explore
    every state analyst can reach."""
    import copy

    from s3kms_lab import Lab
    from s3kms_lab.exercises.bucket_policy import check_pin_the_key
    from s3kms_lab.widgets.probe import Probe
    with Lab("seed") as lab:
        doc = copy.deepcopy(Probe(lab).stored_bucket_policy())
        doc["Statement"] += [
            {"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{lab.scenario.spec['buckets'][0]['name']}/*",
             "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}}},
            {"Sid": "DenyPolicyChanges", "Effect": "Deny", "Principal": "*",
             "Action": ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
             "Resource": f"arn:aws:s3:::{lab.scenario.spec['buckets'][0]['name']}",
             "Condition": {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{lab.account}:user/admin"}}}]
        t0 = time.perf_counter()
        assert check_pin_the_key(lab, doc).ok
        first = (time.perf_counter() - t0) * 1000
        child = getattr(__import__("s3kms_lab.checker.candidate", fromlist=["_CHILD"])._CHILD, "proc", None)
        runs, cpu = [], []
        for _ in range(repeat):
            t0, c0, k0 = time.perf_counter(), time.process_time(), _child_cpu(child)
            check_pin_the_key(lab, doc)
            runs.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0 + _child_cpu(child) - k0) * 1000)
    warm = statistics.median(runs)
    print(f"exercise check CPU (this process + the checker's child): median {statistics.median(cpu):.0f} ms; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"exercise check 2.1 (reference answer, lab running): first {first:.0f} ms (starts the checker's child "
          f"process), then median {warm:.0f} ms (min {min(runs):.0f}) vs budget {EXERCISE_BUDGET_MS:.0f} ms: "
          f"{'OK' if warm <= EXERCISE_BUDGET_MS else 'OVER BUDGET'}")
    return 0 if warm <= EXERCISE_BUDGET_MS else 1


def bench(name: str, repeat: int, cores: object) -> int:
    sc = load_scenario(name)
    check(name)  # warm-up: imports, policy parse caches
    times: dict[str, list[float]] = {"provision": [], "decide": [], "judge": [], "escalation": [], "check()": [],
                                     "check() CPU": []}
    requests = steps = 0
    report = None
    for _ in range(repeat):
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
        t4, c4 = time.perf_counter(), time.process_time()
        check(name)
        t5, c5 = time.perf_counter(), time.process_time()
        times["check() CPU"].append((c5 - c4) * 1000)
        for k, v in zip(("provision", "decide", "judge", "check()"), (t1 - t0, t2 - t1, t3 - t2, t5 - t4)):
            times[k].append(v * 1000)
        times["escalation"].append(float(report.escalation.get("elapsed_ms", 0.0)))
    assert report is not None
    e = report.escalation
    print(f"scenario {name!r}: {requests} requests decided ({steps} authorizations by the engine), "
          f"{len(report.requirements)} requirements, median of {repeat} runs on {cores} core(s)")
    print(f"  escalation: {e.get('calls_tried')} state-changing calls tried ({e.get('calls_allowed')} allowed) by "
          f"{len(e.get('attackers', []))} non-administrators, {e.get('states')} states reached, "
          f"{e.get('requests_decided')} requests decided there, depth {e.get('depth_reached')}/{e.get('max_depth')}")
    for k, v in times.items():
        print(f"  {k:<10} {statistics.median(v):8.1f} ms   (min {min(v):.1f}, max {max(v):.1f})")
    total = statistics.median(times["check()"])
    per_req = statistics.median(times["decide"]) * 1000 / max(requests, 1)
    print(f"  per request {per_req:.0f} us (decide); check() {total:.0f} ms vs budget {BUDGET_MS:.0f} ms: "
          f"{'OK' if total <= BUDGET_MS else 'OVER BUDGET'}")
    return 0 if total <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
