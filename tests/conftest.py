"""Shared fixtures: one running lab per test module (moto's state is process-wide)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from s3kms_lab import Lab

REPO = Path(__file__).resolve().parents[1]


def aws_cli() -> str:
    """The `aws` command installed next to this Python (the project's venv)."""
    candidate = Path(sys.executable).parent / "aws"
    return str(candidate) if candidate.exists() else (shutil.which("aws") or "aws")


@pytest.fixture(scope="module")
def lab():
    with Lab("seed") as running:
        yield running


def run_aws(lab: Lab, profile: str, *args: str, input_bytes: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the AWS CLI (v1) against the lab as ``profile``; returns the completed process."""
    env = dict(os.environ, **lab.env(), AWS_PROFILE=profile, AWS_PAGER="")
    return subprocess.run([aws_cli(), *args], env=env, capture_output=True, input=input_bytes, timeout=120)
