"""Size a workshop from the multi-learner measurement (workshop/measured.json, written by `make test-workshop`).

    python workshop/capacity.py            # prints the requests/limits and the capacity table (markdown)

Derivation (the guide and workshop/config.yaml use these numbers; tests/workshop/test_kit.py checks they agree):
- memory guarantee per learner = measured peak PSS of one learner (server + kernel + lab, after notebook 02,
  10 learners at once) x 1.25 headroom (notebook 05 and the later notebooks hold more trail and more clients),
  rounded up to 64 MiB;
- memory limit = 2 x guarantee (a learner who opens a second notebook runs a second kernel with its own lab);
- learners per node = (node memory - 1 GiB for the OS, the hub and the proxy) / guarantee, and no more than
  LEARNERS_PER_CORE x cores. The CPU bound is the login burst, not the average: a learner's notebooks 02 + 05
  cost ~20 CPU seconds over ~40 minutes of class, but the whole room starts servers and runs the setup cell in
  the same minute. The measured ratio is 5 learners per core (10 on 2 cores: everyone's first cell ran within
  `many_first_cell_s_max`); more per core is untested and makes logins proportionally slower.
Units: MiB for memory, GiB for node sizes.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

MEASURED = Path(__file__).with_name("measured.json")
HEADROOM = 1.25
ROUND_MIB = 64
LIMIT_FACTOR = 2
RESERVED_MIB = 1024
NODES = ((8, 2), (16, 4), (32, 8))  # (GiB, cores): common 1:4 / 1:2 cloud shapes
LEARNERS_PER_CORE = 5


def measured() -> dict:
    return json.loads(MEASURED.read_text(encoding="utf-8"))


def guarantee_mib(m: dict | None = None) -> int:
    m = m or measured()
    return math.ceil(m["pss_mib_max"] * HEADROOM / ROUND_MIB) * ROUND_MIB


def limit_mib(m: dict | None = None) -> int:
    return LIMIT_FACTOR * guarantee_mib(m)


def learners_per_node(gib: int, cores: int, m: dict | None = None) -> int:
    by_memory = (gib * 1024 - RESERVED_MIB) // guarantee_mib(m)
    return min(by_memory, LEARNERS_PER_CORE * cores)


def table(m: dict | None = None) -> str:
    """The guide's capacity table (markdown)."""
    m = m or measured()
    rows = ["| node | learners by memory | learners by CPU | learners per node |", "| --- | --- | --- | --- |"]
    for gib, cores in NODES:
        by_memory = (gib * 1024 - RESERVED_MIB) // guarantee_mib(m)
        rows.append(f"| {gib} GB, {cores} cores | {by_memory} | {LEARNERS_PER_CORE * cores} | "
                    f"{learners_per_node(gib, cores, m)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    m = measured()
    print(f"memory guarantee {guarantee_mib(m)}M, limit {limit_mib(m)}M (from {m['pss_mib_max']} MiB peak PSS)")
    print(table(m))
