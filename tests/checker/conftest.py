"""Fixtures for the requirement checker: reports are computed once per session (no Lab is running then)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest


from s3kms_lab.checker import check  # noqa: E402
from s3kms_lab.lab.scenario import DATA_DIR  # noqa: E402

_REPORTS: dict[str, object] = {}


def report_of(name: str):
    if name not in _REPORTS:
        _REPORTS[name] = check(name)
    return _REPORTS[name]


@pytest.fixture(scope="session")
def seed_report():
    return report_of("seed")


@pytest.fixture(scope="session")
def hardened_report():
    return report_of("hardened")


@pytest.fixture
def hardened_copy(tmp_path: Path) -> Path:
    """A writable copy of the hardened scenario folder (for mutation tests)."""
    dst = tmp_path / "hardened-copy"
    shutil.copytree(DATA_DIR / "hardened", dst)
    return dst
