"""`s3kms-lab check`: exit 0 when all hold, 1 when any is violated, 2 for unusable input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "check", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_seed_exits_1_and_names_each_requirement():
    p = run("--scenario", "seed")
    assert p.returncode == 1, p.stderr
    for rid in ("R1", "R2", "R3", "R4"):
        assert f"{rid} VIOLATED" in p.stdout
    assert "counterexample 1" in p.stdout and "$ aws --profile" in p.stdout


def test_hardened_exits_0():
    p = run("--scenario", "hardened")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "RESULT: all requirements hold" in p.stdout


def test_json_output_by_path():
    p = run("--scenario", str(REPO / "data" / "scenarios" / "seed"), "--json")
    assert p.returncode == 1
    d = json.loads(p.stdout)
    # U1/U2: analyst can disable the key first (escalation, issue 12)
    assert d["summary"] == {"R1": "VIOLATED", "R2": "VIOLATED", "R3": "VIOLATED", "R4": "VIOLATED",
                            "U1": "VIOLATED", "U2": "VIOLATED"}


def test_unknown_scenario_exits_2():
    p = run("--scenario", "no-such-scenario")
    assert p.returncode == 2 and "No scenario 'no-such-scenario'" in p.stderr
