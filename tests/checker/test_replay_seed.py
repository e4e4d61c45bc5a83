"""Counterexamples replayed through boto3 (and one through the AWS CLI) against a running seed lab give
the decision the checker predicted: the checker and the endpoint are one code path."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from s3kms_lab import Lab
from s3kms_lab.checker import replay


@pytest.fixture(scope="module")
def seed_lab(seed_report):  # the report is computed before the lab starts (one moto per process)
    with Lab("seed") as running:
        yield running


def replayable(report, rid):
    return [c for c in report.requirement(rid).counterexamples if c.replay["replayable"]]


@pytest.mark.parametrize("rid", ["R1", "R2", "R3", "R4"])
def test_each_requirement_has_a_counterexample_the_lab_reproduces(seed_report, seed_lab, rid):
    examples = replayable(seed_report, rid)
    assert examples, f"{rid}: no replayable counterexample"
    for c in examples:
        got = replay(seed_lab, c.replay)
        assert got["decision"] == c.decision == "allowed", (c.description, got)


def test_r2_the_object_really_lands_under_another_key(seed_report, seed_lab):
    c = next(c for c in replayable(seed_report, "R2") if c.request["kind"] == "put")
    replay(seed_lab, c.replay)
    head = seed_lab.client("s3", "admin").head_object(Bucket="my-secure-bucket", Key="checker/probe.txt")
    assert head["ServerSideEncryption"] == c.encryption["algorithm"] == "aws:kms"
    assert head["SSEKMSKeyId"] != seed_lab.key_arn
    if c.request["kms_key_id"] == "absent":  # the lab's aws/s3, created on first use
        assert head["SSEKMSKeyId"] == seed_lab.state.resolve_key("alias/aws/s3", seed_lab.account).arn


def test_a_cli_recipe_runs_as_printed(seed_report, seed_lab, tmp_path):
    c = next(c for c in replayable(seed_report, "R1") if c.request["kind"] == "put")
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, **seed_lab.env(), AWS_PAGER="", PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    script = "set -e\n" + "\n".join(c.replay["cli"])
    p = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert '"SSEKMSKeyId"' in p.stdout or "SSEKMSKeyId" in p.stdout


def test_check_while_a_lab_runs_uses_a_child_process(seed_lab):
    """moto's state is process-wide: with a lab running, check() runs in a child process and the lab is untouched."""
    from s3kms_lab.checker import check

    before = seed_lab.client("s3", "admin").list_objects_v2(Bucket="my-secure-bucket").get("KeyCount")
    report = check("hardened")
    assert report.holds and report.requests_decided > 1000
    after = seed_lab.client("s3", "admin").list_objects_v2(Bucket="my-secure-bucket").get("KeyCount")
    assert before == after
