"""Browser test helpers: a JupyterLab server for the session, the Chromium to drive it.

The server runs from this project's own environment (``sys.executable -m jupyter lab``) on a free loopback
port with a random token, serving a temporary COPY of ``notebooks/`` so a run never touches the committed
notebooks (nor the files nbval is executing). Its config, data, runtime, settings, workspace and HOME folders
are temporary too: a learner's or another engineer's JupyterLab state cannot leak in, and the settings turn
off the news/update popups and notebook windowing (every cell is kept in the DOM, so the assertions and the
screenshots see the whole notebook).

Chromium is Debian's ``/usr/bin/chromium`` (override with ``S3KMS_CHROMIUM``); Playwright never downloads a
browser here. Without Chromium every browser test is skipped with a message saying so.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The notebooks under test; another folder (S3KMS_BROWSER_NOTEBOOKS) only to try the tests themselves.
NOTEBOOKS = Path(os.environ.get("S3KMS_BROWSER_NOTEBOOKS", REPO / "notebooks"))
ARTIFACTS = Path(os.environ.get("S3KMS_BROWSER_ARTIFACTS", REPO / "artifacts" / "browser"))
CHROMIUM = os.environ.get("S3KMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
SUMMARY: list[str] = []  # one line per notebook run, for pytest's terminal summary

# Settings a learner would otherwise click through or that would hide cells from the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "scrollPastEnd": False},
}


def chromium_missing() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed in this environment"
    return None


def notebook_names() -> list[str]:
    """Every notebook present now: a notebook added later is covered without touching the tests."""
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A `jupyter lab` subprocess serving a temporary copy of notebooks/."""

    def __init__(self, base: Path):
        self.base = base
        self.root = base / "notebooks"
        self.runtime = base / "runtime"
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = base / "jupyter-lab.log"

    def start(self, timeout: float = 90) -> "LabServer":
        shutil.copytree(NOTEBOOKS, self.root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        settings = self.base / "lab-settings"
        for rel, value in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        home = self.base / "home"
        for d in ("config", "data", "workspaces", "home"):
            (self.base / d).mkdir(exist_ok=True)
        env = dict(
            os.environ,
            HOME=str(home),
            JUPYTER_CONFIG_DIR=str(self.base / "config"),
            JUPYTER_DATA_DIR=str(self.base / "data"),
            JUPYTER_RUNTIME_DIR=str(self.runtime),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.base / "workspaces"),
            PYTHONUNBUFFERED="1",
        )
        cmd = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            # window.jupyterapp: read-only checks (kernel of a notebook); the learner's actions are clicks.
            "--LabApp.expose_app_in_browser=True",
        ]
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def api(self, method: str, path: str):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def notebook_url(self, name: str) -> str:
        # One workspace per notebook, reset on open: no tab of an earlier test is restored next to it.
        workspace = Path(name).stem.replace(".", "-")
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"

    def kernel_id(self, name: str) -> str | None:
        for session in self.api("GET", "/api/sessions") or []:
            if session.get("path") == name and session.get("kernel"):
                return session["kernel"]["id"]
        return None

    def kernel_process(self, kernel_id: str):
        """The kernel's OS process (psutil), found by its connection file among the server's children."""
        import psutil
        conn = f"kernel-{kernel_id}.json"
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                if any(conn in part for part in child.cmdline()):
                    return child
            except psutil.Error:
                continue
        return None

    def kernel_ports(self, kernel_id: str) -> set[int]:
        info = json.loads((self.runtime / f"kernel-{kernel_id}.json").read_text())
        return {int(v) for k, v in info.items() if k.endswith("_port")}

    def shutdown_notebook_kernel(self, name: str) -> None:
        for session in self.api("GET", "/api/sessions") or []:
            if session.get("path") == name:
                try:
                    self.api("DELETE", f"/api/sessions/{session['id']}")
                except (OSError, urllib.error.URLError):
                    pass

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # jupyter server shuts its kernels down on SIGTERM
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


