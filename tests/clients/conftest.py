"""Client-compatibility suite: real S3 clients, used as their users use them, against the lab's profiles.
Clients that need an OS package (rclone) skip when it is missing, and the reason is said once."""
from __future__ import annotations

import os

import pytest

from .clientlab import missing_os_tool

RCLONE_MISSING = missing_os_tool("rclone", "rclone")


@pytest.fixture
def big(tmp_path):
    """A 12 MiB file of random bytes (above every client's multipart threshold)."""
    from .clientlab import BIG, write
    return write(tmp_path / "big.bin", os.urandom(BIG))


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "tests/clients/" in r.nodeid]
    if skipped and RCLONE_MISSING:
        terminalreporter.write_sep("-", f"clients: {len(skipped)} test(s) skipped, {RCLONE_MISSING}")
