"""Widget update benchmark: one full 5 x 8 decision table per update (no browser, plain time.perf_counter).

Run from the repository root:  .venv/bin/python benchmarks/bench_widgets.py  [--rounds N]

Drives the ipywidgets controls of notebook 02's bucket-policy widget (SSE header x key-id form) and of
notebook 03's key-policy widget (statement and action toggles) exactly as a learner's clicks do, and
times each update: 40 decisions by the lab's Authorizer, the table HTML and the selected cell's
explanation. Prints milliseconds per update (median and max) and exits 1 if the median exceeds the
100 ms budget. Bucket default-encryption changes are timed separately (each is one admin S3 call to the lab).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s3kms_lab import Lab  # noqa: E402
from s3kms_lab.widgets.decision_table import DEFAULT_ENCRYPTION, bucket_policy_widget  # noqa: E402
from s3kms_lab.widgets.key_policy import key_policy_widget  # noqa: E402
from s3kms_lab.widgets.probe import KEY_ID_FORMS, SSE_HEADERS  # noqa: E402

BUDGET_MS = 100.0


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def report(name: str, samples: list[float]) -> float:
    med = statistics.median(samples)
    print(f"{name:<48} n={len(samples):4d}  median {med:6.1f} ms   max {max(samples):6.1f} ms")
    return med


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with Lab("seed") as lab:
        w = bucket_policy_widget(lab)
        table: list[float] = []
        select: list[float] = []
        default_enc: list[float] = []
        for _ in range(args.rounds):
            for sse in SSE_HEADERS:
                table.append(timed(lambda: setattr(w.sse, "value", sse)))
                for form in KEY_ID_FORMS:
                    if form != w.key_form.value:
                        table.append(timed(lambda: setattr(w.key_form, "value", form)))
            for p in ("analyst", "outsider", "uploader"):
                select.append(timed(lambda: setattr(w.principal, "value", p)))
            for opt in DEFAULT_ENCRYPTION[1:] + DEFAULT_ENCRYPTION[:1]:
                default_enc.append(timed(lambda: setattr(w.default_encryption, "value", opt)))
        k = key_policy_widget(lab)
        key_table: list[float] = []
        actions = next(iter(k.action_boxes.values()))
        for _ in range(args.rounds):
            for value in (False, True):
                key_table.append(timed(lambda: setattr(k.root, "value", value)))
            for keep in (actions.options[:2], actions.options):
                key_table.append(timed(lambda: setattr(actions, "value", tuple(keep))))
        print("one update = one 5 x 8 decision table decided by the lab + HTML + explanation of the selected cell")
        report("02 bucket policy: SSE header / key-id form change", table)
        report("03 key policy: statement / action toggle", key_table)
        worst = max(max(table), max(key_table))  # every update, not just the typical one, must feel instant
        report("02 select another cell (no re-decision)", select)
        report("02 default encryption change (+1 admin S3 call)", default_enc)
    ok = worst <= BUDGET_MS
    print(f"slowest table update {worst:.1f} ms, budget {BUDGET_MS:.0f} ms: {'OK' if ok else 'EXCEEDED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
