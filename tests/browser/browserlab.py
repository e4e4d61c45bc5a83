"""Browser test helpers: a JupyterLab server for the session, the Chromium to drive it.

The server runs from this project's own environment (``sys.executable -m jupyter lab``) on a free loopback
port with a random token, serving a temporary COPY of ``notebooks/`` so a run never touches the committed
notebooks (nor the files nbval is executing). Its config, data, runtime, settings, workspace and HOME folders
are temporary too: a learner's or another engineer's JupyterLab state cannot leak in, and the settings turn
off the news/update popups and notebook windowing (every cell is kept in the DOM, so the assertions and the
screenshots see the whole notebook).

:class:`LabKoServer` is JupyterLab as ``make lab-ko`` starts it (the Makefile target itself runs, with its own
settings folder that it writes the Korean locale into), serving a temporary copy of ``notebooks/ko``.

Chromium is Debian's ``/usr/bin/chromium`` (override with ``S3KMS_CHROMIUM``); Playwright never downloads a
browser here. Without Chromium every browser test is skipped with a message saying so.
"""
from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
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
# The Korean edition (S3KMS_BROWSER_KO_NOTEBOOKS: another folder, only to try the tests themselves).
KO_NOTEBOOKS = Path(os.environ.get("S3KMS_BROWSER_KO_NOTEBOOKS", NOTEBOOKS / "ko"))
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


def language_pack_missing(locale: str = "ko_KR") -> str | None:
    """Why JupyterLab cannot show ``locale`` here (its language pack is not installed), or None."""
    from importlib.metadata import entry_points
    if locale not in {e.name for e in entry_points(group="jupyterlab.languagepack")}:
        return (f"JupyterLab's {locale} language pack is not installed in this environment "
                f"(jupyterlab-language-pack-{locale.replace('_', '-')}, part of the `lab` extra: run `make venv`)")
    return None


def notebook_names() -> list[str]:
    """Every notebook present now: a notebook added later is covered without touching the tests."""
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A `jupyter lab` subprocess serving a temporary copy of notebooks/ (or of ``notebooks``)."""

    locale: str | None = None  # JupyterLab's interface language; None: English
    own_process_group = False

    def __init__(self, base: Path, notebooks: Path = NOTEBOOKS):
        self.base = base
        self.source = notebooks
        self.root = base / "notebooks"
        self.runtime = base / "runtime"
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = base / "jupyter-lab.log"
        self._catalog: dict | None = None

    def server_args(self) -> list[str]:
        """`jupyter lab` options: loopback, this port and token, no news or update checks."""
        return [
            "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            # window.jupyterapp: read-only checks (kernel of a notebook); the learner's actions are clicks.
            "--LabApp.expose_app_in_browser=True",
        ]

    def command(self, settings: Path) -> list[str]:
        return [sys.executable, "-m", "jupyter", "lab", "--allow-root", *self.server_args(),
                f"--ServerApp.root_dir={self.root}"]

    def environment(self, settings: Path) -> dict[str, str]:
        return dict(
            os.environ,
            HOME=str(self.base / "home"),
            JUPYTER_CONFIG_DIR=str(self.base / "config"),
            JUPYTER_DATA_DIR=str(self.base / "data"),
            JUPYTER_RUNTIME_DIR=str(self.runtime),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.base / "workspaces"),
            PYTHONUNBUFFERED="1",
        )

    def start(self, timeout: float = 90) -> "LabServer":
        if self.source.is_dir():
            shutil.copytree(self.source, self.root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:  # an edition not written yet: an empty folder
            self.root.mkdir(parents=True)
        settings = self.base / "lab-settings"
        for rel, value in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        for d in ("config", "data", "workspaces", "home"):
            (self.base / d).mkdir(exist_ok=True)
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(self.command(settings), cwd=self.root, env=self.environment(settings),
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=self.own_process_group)
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

    def ui_text(self, msgid: str, context: str | None = None) -> str:
        """A JupyterLab interface string as this server shows it (its language pack's translation, read from
        jupyterlab_server's translations API; ``msgid`` itself in English or when the pack lacks it)."""
        if self.locale is None:
            return msgid
        if self._catalog is None:
            self._catalog = self.api("GET", f"/lab/api/translations/{self.locale}")["data"].get("jupyterlab", {})
        key = f"{context}\x04{msgid}" if context else msgid
        return (self._catalog.get(key) or [msgid])[0]

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


class LabKoServer(LabServer):
    """JupyterLab started by ``make lab-ko`` itself (the Makefile's recipe, not a copy of it): the target writes
    the Korean locale into its settings folder and starts `jupyter lab` with JUPYTERLAB_SETTINGS_DIR pointing
    there. The test's folders replace the defaults (LAB_KO_SETTINGS, LAB_KO_DIR: a temporary copy of
    notebooks/ko), BIN is this Python's environment and LAB_ARGS adds the port, token and test options."""

    locale = "ko_KR"
    own_process_group = True  # stop() ends make and its `jupyter lab` together
    MAKE_STAMP = ".venv/.installed-lab"  # never rebuilt here (`make -o`): the running environment is the one

    def __init__(self, base: Path, notebooks: Path = KO_NOTEBOOKS):
        super().__init__(base, notebooks)

    def command(self, settings: Path) -> list[str]:
        return ["make", "--no-print-directory", "-C", str(REPO), "-o", self.MAKE_STAMP, "lab-ko",
                f"BIN={Path(sys.executable).parent}", f"LAB_KO_SETTINGS={settings}", f"LAB_KO_DIR={self.root}",
                f"LAB_ARGS={shlex.join(self.server_args())}"]

    def environment(self, settings: Path) -> dict[str, str]:
        env = super().environment(settings)
        # The target chooses the settings folder and the kernels' language; an outer `make test` passes nothing.
        for name in ("JUPYTERLAB_SETTINGS_DIR", "S3KMS_LAB_LANG", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
            env.pop(name, None)
        return env

    def stop(self) -> None:
        """make and the `jupyter lab` it runs form this process group (kernels run in sessions of their own
        and are shut down by the server)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


