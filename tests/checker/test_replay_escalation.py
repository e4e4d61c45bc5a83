"""Every escalation counterexample replays through the endpoint (a real Lab): each state-changing step
succeeds, and the last request breaks the requirement (allowed when it must be refused, or refused when
it must succeed). Each path runs on a fresh lab because it changes the lab's state, as it would in AWS."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from s3kms_lab import Lab
from s3kms_lab.checker import check
from s3kms_lab.checker.replay import replay_path

from .escalation_cases import CASES, make_case


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """(case, requirement, expect, folder, counterexample) for every counterexample with a path; the
    reports are computed before any lab starts (one moto per process)."""
    root = tmp_path_factory.mktemp("escalation-replay")
    out = []
    for case in sorted(CASES):
        folder = make_case(root, case)
        report = check(str(folder))
        for r in report.requirements:
            for c in r.counterexamples:
                if c.path:
                    out.append((case, r.id, folder, c))
    return out


def test_every_path_replays_step_by_step(paths):
    assert len(paths) >= len(CASES)
    for case, rid, folder, c in paths:
        assert c.replay["replayable"], (case, rid, c.replay["note"])
        with Lab(str(folder)) as lab:
            got = replay_path(lab, c.replay)
        assert [s["ok"] for s in got["steps"]] == [True] * len(c.path), (case, rid, got["steps"], c.path_words)
        final = got["final"]
        if rid.startswith("U"):  # availability: the requirement's principal is now refused
            assert final["decision"] != "allowed", (case, rid, final)
        else:
            assert final["decision"] == "allowed", (case, rid, c.description, final)


def test_a_path_runs_as_printed_with_the_aws_cli(tmp_path):
    folder = make_case(tmp_path, "rewrite-the-trust-policy")
    c = check(str(folder)).requirement("R1").counterexamples[0]
    assert [s["action"] for s in c.path] == ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]
    bin_dir = str(Path(sys.executable).parent)
    with Lab(str(folder)) as lab:
        env = dict(os.environ, **lab.env(), AWS_PAGER="", PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
        script = "set -e\n" + "\n".join(c.replay["cli"])
        p = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, p.stderr
        head = lab.client("s3", "admin").head_object(Bucket="my-secure-bucket", Key="checker/probe.txt")
    assert head["ServerSideEncryption"] == "aws:kms"


@pytest.mark.parametrize("rid", ["U1", "U2"])
def test_seed_availability_paths_replay(seed_report, rid):
    """The seed's U1/U2 counterexamples are paths (analyst disables the key first): replayed on a fresh seed
    lab, the state change succeeds and the role's own request is then refused."""
    c = seed_report.requirement(rid).counterexamples[0]
    assert c.path and c.replay["replayable"], c.replay.get("note")
    with Lab("seed") as lab:
        got = replay_path(lab, c.replay)
    assert [s["ok"] for s in got["steps"]] == [True] * len(c.path), got
    assert got["final"]["decision"] != "allowed", got["final"]
