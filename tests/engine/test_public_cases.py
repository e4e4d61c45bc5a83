"""The 51 public SimulateCustomPolicy cases (with AWS's answers, tests/data/simulate_cases.json), through the simulator."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine_cases import decisions
from s3kms_lab.engine.simulate import simulate_custom_policy

PUBLIC = Path(__file__).resolve().parents[2] / "tests" / "data" / "simulate_cases.json"
CASES = json.loads(PUBLIC.read_text())


def test_public_case_count():
    assert len(CASES) == 51


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_public_case(case):
    got = decisions(simulate_custom_policy(case["request"]))
    for exp in case["expect"]:
        key = (exp["action"], exp["resource"])
        assert got.get(key) == exp["decision"], f"{case['id']}: {key} -> {got.get(key)}; AWS: {exp['decision']} ({case['source']})"
