"""A real JupyterHub on loopback for the multi-learner test: start it, drive it through its REST API, and run
notebook cells in a learner's kernel through the learner's own single-user server.

JupyterHub REST API: https://jupyterhub.readthedocs.io/en/stable/reference/rest-api.html
Jupyter server REST API and kernel websocket: https://jupyter-server.readthedocs.io/en/latest/developers/rest-api.html
and https://jupyter-client.readthedocs.io/en/stable/messaging.html (the wire messages; jupyter_client builds them).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
import websocket
from jupyter_client.session import Session

HUB_TOKEN = "workshop-test-" + os.urandom(16).hex()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    """A JupyterHub process configured by workshop/jupyterhub_config.py with the test's overrides."""
    root: Path
    learners: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> "Hub":
        bin_dir = Path(sys.executable).parent
        # The learner's server gets the image's server config (workshop/postBuild installs the same file); jupytext
        # is a test tool of this repository, not in the image, so its server extension is off too.
        server_config = self.root / "etc" / "jupyter_server_config.d"
        server_config.mkdir(parents=True)
        shutil.copy(Path(__file__).resolve().parents[1] / "jupyter_server_config.json", server_config / "kit.json")
        (server_config / "zz-not-in-image.json").write_text(
            '{"ServerApp": {"jpserver_extensions": {"jupytext": false, "jupyterlab_jupytext": false}}}')
        overrides = self.root / "test_config.py"
        overrides.write_text(_TEST_CONFIG.format(
            kit=str(Path(__file__).resolve().parents[1] / "jupyterhub_config.py"),
            port=self.port, api_port=free_port(), hub_port=free_port(), root=str(self.root), token=HUB_TOKEN,
            learners=self.learners, singleuser=str(bin_dir / "jupyterhub-singleuser"),
            path=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", config_path=str(server_config.parent)),
            encoding="utf-8")
        env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        self.log = open(self.root / "hub.log", "wb")
        self.process = subprocess.Popen([str(bin_dir / "jupyterhub"), "-f", str(overrides)], cwd=self.root,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited {self.process.returncode}: {self.log_tail()}")
            try:
                if self.api("GET", "/").ok:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"JupyterHub not up in {timeout} s: {self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return (self.root / "hub.log").read_bytes()[-chars:].decode(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            leftovers = psutil.Process(self.process.pid).children(recursive=True)
            for name in self.learners:  # the hub stops servers on exit too; asking first lets them shut down cleanly
                try:
                    self.api("DELETE", f"/users/{name}/server")
                except requests.RequestException:
                    pass
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            for proc in leftovers:  # nothing the hub started may outlive the test
                try:
                    proc.kill()
                except psutil.Error:
                    pass
        self.log.close()

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=60,
                                 headers={"Authorization": f"token {HUB_TOKEN}"}, **kwargs)

    def start_server(self, name: str) -> None:
        response = self.api("POST", f"/users/{name}/server")
        if response.status_code not in (201, 202):
            raise RuntimeError(f"starting {name}'s server: {response.status_code} {response.text}")

    def wait_ready(self, name: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"/users/{name}").json().get("servers", {}).get("")
            if server and server.get("ready"):
                return
            if not server:  # neither pending nor ready: the spawn failed
                raise RuntimeError(f"{name}'s server failed to start: {self.log_tail()}")
            time.sleep(0.2)
        raise TimeoutError(f"{name}'s server not ready in {timeout} s: {self.log_tail()}")

    def server_process(self, name: str) -> psutil.Process:
        """The learner's single-user server: the hub's child process whose JUPYTERHUB_USER is the learner."""
        hub = psutil.Process(self.process.pid)
        for child in hub.children(recursive=True):
            try:
                if child.environ().get("JUPYTERHUB_USER") == name and "jupyterhub-singleuser" in " ".join(child.cmdline()):
                    return child
            except psutil.Error:
                continue
        raise LookupError(f"no single-user server process for {name}")


def learner_tree(server: psutil.Process) -> list[psutil.Process]:
    """The learner's single-user server and everything it started (kernels, and the lab they run)."""
    return [server, *server.children(recursive=True)]


def pss_bytes(processes: list[psutil.Process]) -> int:
    """Proportional set size summed over processes (/proc/PID/smaps_rollup via psutil)."""
    return sum(p.memory_full_info().pss for p in processes)


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU seconds of the processes and their waited-for children."""
    total = 0.0
    for p in processes:
        t = p.cpu_times()
        total += t.user + t.system + t.children_user + t.children_system
    return total


class Kernel:
    """A kernel in a learner's server, started through a session for a notebook (so its working folder is the
    notebook's), driven over the kernel websocket with messages jupyter_client builds."""

    def __init__(self, hub: Hub, name: str, notebook_path: str, kernel_name: str = "s3kms-lab"):
        self.base = f"{hub.url}/user/{name}"
        self.headers = {"Authorization": f"token {HUB_TOKEN}"}
        response = requests.post(f"{self.base}/api/sessions", headers=self.headers, timeout=120, json={
            "path": notebook_path, "type": "notebook", "name": Path(notebook_path).name,
            "kernel": {"name": kernel_name}})
        response.raise_for_status()
        self.session_id = response.json()["id"]
        self.kernel_id = response.json()["kernel"]["id"]
        self.session = Session(key=b"", username=name)
        ws_url = self.base.replace("http://", "ws://") + f"/api/kernels/{self.kernel_id}/channels"
        self.ws = websocket.create_connection(ws_url, header=[f"Authorization: token {HUB_TOKEN}"], timeout=300)

    def execute(self, code: str, timeout: float = 300) -> dict:
        """Run code; return {"status": "ok"|"error", "ename", "evalue", "stdout"}; raises TimeoutError."""
        msg = self.session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                                   "user_expressions": {}, "allow_stdin": False,
                                                   "stop_on_error": True})
        msg["channel"] = "shell"
        self.ws.send(json.dumps(msg, default=str))
        msg_id, reply, idle, stdout = msg["header"]["msg_id"], None, False, []
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            if time.monotonic() > deadline:
                raise TimeoutError(f"cell did not finish in {timeout} s: {code[:200]}")
            incoming = json.loads(self.ws.recv())
            if incoming.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = incoming["msg_type"]
            if kind == "execute_reply":
                reply = incoming["content"]
            elif kind == "status" and incoming["content"]["execution_state"] == "idle":
                idle = True
            elif kind == "stream" and incoming["content"]["name"] == "stdout":
                stdout.append(incoming["content"]["text"])
        return {"status": reply["status"], "ename": reply.get("ename"), "evalue": reply.get("evalue"),
                "stdout": "".join(stdout)}

    def shutdown(self) -> None:
        self.ws.close()
        requests.delete(f"{self.base}/api/sessions/{self.session_id}", headers=self.headers, timeout=60)


_TEST_CONFIG = '''
import os
# The workshop kit's one-machine config, then what the test changes: loopback ports, a temporary database,
# homes under the test's folder, learners allowed by name, a service token for the test, this venv's Python.
load_subconfig({kit!r})
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.db_url = "sqlite:///{root}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{root}/cookie_secret"
c.JupyterHub.pid_file = "{root}/jupyterhub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = False
c.Authenticator.allowed_users = set({learners!r})
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = "{root}/home/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
if os.getuid() == 0:  # CI and these machines run as root; a real hub spawns learners as themselves
    c.Spawner.args = [*c.Spawner.args, "--allow-root"]
c.Spawner.environment = {{"PATH": {path!r}, "JUPYTER_CONFIG_PATH": {config_path!r}}}
# Kernel sockets (the kit's --KernelManager.transport=ipc) live in the runtime folder, and a Unix socket path has
# at most 107 characters: the test's homes sit deep in pytest's temporary folder, so each learner's runtime folder
# is a short one of its own (a learner's real home, /home/NAME, is short enough).
c.Spawner.environment["JUPYTER_RUNTIME_DIR"] = lambda spawner: f"/tmp/s3kms-jrt-{{os.getpid()}}-{{spawner.user.name}}"
c.Spawner.default_url = "/lab"
c.JupyterHub.concurrent_spawn_limit = 0
c.JupyterHub.services.append(dict(name="workshop-test", api_token={token!r}))
c.JupyterHub.load_roles.append(dict(name="workshop-test", services=["workshop-test"],
                                    scopes=["admin:users", "admin:servers", "access:servers", "list:users"]))
'''
