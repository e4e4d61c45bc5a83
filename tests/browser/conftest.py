"""Browser fixtures: one JupyterLab server (and one Korean, as `make lab-ko` starts it, for the Korean edition) and
one Chromium for the whole session (see browserlab.py)."""
from __future__ import annotations

import shutil

import pytest

from .browserlab import (ARTIFACTS, CHROMIUM, SUMMARY, CHROMIUM_ARGS, VIEWPORT, LabKoServer, LabServer,
                         chromium_missing, language_pack_missing)

# Nothing under tests/browser is a notebook for nbval to run.
collect_ignore_glob = ["*.ipynb"]


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    reason = chromium_missing()
    if reason:
        pytest.skip(f"{reason}: browser test skipped")
    server = LabServer(tmp_path_factory.mktemp("jupyterlab")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_ko_server(tmp_path_factory):
    """JupyterLab as `make lab-ko` starts it (Korean interface), serving a copy of notebooks/ko."""
    reason = chromium_missing()
    if reason:
        pytest.skip(f"{reason}: browser test skipped")
    if shutil.which("make") is None:
        pytest.skip("make is not installed: `make lab-ko` cannot run here")
    missing = language_pack_missing("ko_KR")
    if missing:
        pytest.fail(missing)
    server = LabKoServer(tmp_path_factory.mktemp("jupyterlab-ko")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    reason = chromium_missing()
    if reason:
        pytest.skip(f"{reason}: browser test skipped")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh, empty user-data dir
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


def pytest_terminal_summary(terminalreporter):
    if SUMMARY:
        terminalreporter.write_sep("-", f"browser: screenshots in {ARTIFACTS}")
        for line in SUMMARY:
            terminalreporter.write_line(line)
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "tests/browser/" in r.nodeid]
    reason = chromium_missing()
    if skipped and reason:  # said once, plainly, even under -q
        terminalreporter.write_sep("-", f"browser: {len(skipped)} test(s) skipped, {reason}")
