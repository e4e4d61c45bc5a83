"""The 51 public SimulateCustomPolicy cases (with AWS's answers) from the shared folder, through the simulator."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine_cases import decisions
from s3kms_lab.engine.simulate import simulate_custom_policy

PUBLIC = (Path(__file__).resolve().parents[2] / "../shared/cases/simulate_cases.public.json").resolve()


def _cases():
    if not PUBLIC.is_file():
        return []
    return json.loads(PUBLIC.read_text())


CASES = _cases()


@pytest.mark.skipif(not CASES, reason=f"shared public cases not found at {PUBLIC} (the ../shared folder is absent)")
def test_public_case_count():
    assert len(CASES) == 51


@pytest.mark.skipif(not CASES, reason=f"shared public cases not found at {PUBLIC} (the ../shared folder is absent)")
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_public_case(case):
    got = decisions(simulate_custom_policy(case["request"]))
    for exp in case["expect"]:
        key = (exp["action"], exp["resource"])
        assert got.get(key) == exp["decision"], f"{case['id']}: {key} -> {got.get(key)}; AWS: {exp['decision']} ({case['source']})"
