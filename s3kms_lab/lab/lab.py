"""The lab: start/stop the local endpoint, provision a scenario, write AWS config, hand out sessions.

Usage::

    with Lab("seed") as lab:
        s3 = lab.client("s3", profile="uploader")
        s3.put_object(Bucket="my-secure-bucket", Key="file.txt", Body=b"hi",
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
        lab.trail.dataframe()

The endpoint listens on loopback only. Config files use the AWS shared-config format
(https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html): one named profile per
principal, the role profile with ``role_arn`` + ``source_profile`` so the CLI and boto3 call
``sts:AssumeRole`` against the endpoint themselves.
"""
from __future__ import annotations

import configparser
import gc
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server

from ..endpoint.app import LabApp
from ..endpoint.moto_seam import MotoState
from ..endpoint.trail import Trail
from . import cli_cache
from .provision import Provisioned, provision
from .scenario import Scenario, load_scenario

__all__ = ["Lab", "LabAlreadyRunning"]

_ACTIVE: list["Lab"] = []


class _QuietHandler(MotoRequestHandler):
    """moto's request handler without werkzeug's per-request log line (the trail records every call)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class LabAlreadyRunning(RuntimeError):
    """Only one lab per Python process: moto's state is process-wide."""


def _reset_moto() -> None:
    from moto.moto_api._internal.models import moto_api_backend
    moto_api_backend.reset()


class Lab:
    """A running lab endpoint with a provisioned scenario.

    scenario: name under ``data/scenarios`` or a folder path; host: loopback address; port: 0 picks a
    free port; config_dir: where ``config``, ``credentials`` and ``trail.jsonl`` go (a temp folder by default).
    Raises :class:`LabAlreadyRunning` if another lab runs in this process, ValueError for a non-loopback host.
    """

    def __init__(self, scenario: str = "seed", host: str = "127.0.0.1", port: int = 0,
                 config_dir: str | Path | None = None):
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            raise ValueError(f"The lab listens on loopback only; {host!r} is not a loopback address")
        self.scenario: Scenario = load_scenario(scenario)
        self.host = host
        self.port = port
        self.config_dir = Path(config_dir) if config_dir else Path(tempfile.mkdtemp(prefix="s3kms-lab-"))
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None
        self.state: MotoState | None = None
        self.app: LabApp | None = None
        self.trail = Trail(self.config_dir / "trail.jsonl", self.scenario.region)
        self.provisioned: Provisioned | None = None
        self._saved_env: dict[str, str | None] = {}
        self._sessions: dict[str, boto3.Session] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "Lab":
        """Reset moto, provision the scenario, start serving, write the config files. Returns self."""
        if _ACTIVE:
            raise LabAlreadyRunning("A lab is already running in this process; stop it first (lab.stop()).")
        _reset_moto()
        self.state = MotoState(self.scenario.region)
        self.provisioned = provision(self.state, self.scenario)
        # moto, botocore and the scenario are long-lived: move them out of the collector's way, so a full
        # collection never lands on a learner's toggle (measured: ~100 ms pauses without this).
        gc.collect()
        gc.freeze()
        self.app = LabApp(self.state, self.trail)
        self.server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, name="s3kms-lab", daemon=True)
        self.thread.start()
        self.forget_cli_role_cache()
        self.write_config()
        _ACTIVE.append(self)
        return self

    def stop(self) -> None:
        """Stop serving and restore any environment variables :meth:`activate` changed."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None
        self.deactivate()
        self._sessions.clear()
        self._clients.clear()
        self.forget_cli_role_cache()
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    @property
    def running(self) -> bool:
        return self.server is not None

    def __enter__(self) -> "Lab":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------------ config
    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def key_arn(self) -> str:
        """ARN of the scenario's main KMS key (it replaces the post's placeholder key/abcd-efgh-ijkl)."""
        return self.scenario.main_key_arn

    @property
    def account(self) -> str:
        return self.scenario.account

    @property
    def region(self) -> str:
        return self.scenario.region

    def env(self) -> dict[str, str]:
        """Environment variables that point the AWS CLI and boto3 at this lab."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_CONFIG_FILE": str(self.config_dir / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.config_dir / "credentials"),
            "AWS_DEFAULT_REGION": self.region,
        }

    def shell_lines(self) -> str:
        """``export NAME=value`` lines for a shell."""
        return "\n".join(f"export {k}={v}" for k, v in self.env().items())

    def write_config(self) -> None:
        """Write ``config`` and ``credentials`` (AWS shared-config format) for every profile."""
        assert self.provisioned is not None
        self.config_dir.mkdir(parents=True, exist_ok=True)
        config = configparser.ConfigParser()
        creds = configparser.ConfigParser()
        for profile, spec in self.scenario.spec.get("profiles", {}).items():
            section = "default" if profile == "default" else f"profile {profile}"
            config[section] = {"region": self.region, "output": "json", "endpoint_url": self.endpoint_url}
            if "user" in spec:
                _acct, akid, secret = self.provisioned.user_keys[spec["user"]]
                creds[profile] = {"aws_access_key_id": akid, "aws_secret_access_key": secret}
            else:
                role = spec["role"]
                acct = spec.get("account", self.account)
                config[section].update({"role_arn": f"arn:aws:iam::{acct}:role/{role}",
                                        "source_profile": spec["source_profile"],
                                        "role_session_name": spec.get("session_name", profile)})
        config["plugins"] = {cli_cache.PLUGIN_NAME: cli_cache.PLUGIN_MODULE}
        with (self.config_dir / "config").open("w") as fh:
            config.write(fh)
        cred_path = self.config_dir / "credentials"
        with cred_path.open("w") as fh:
            creds.write(fh)
        cred_path.chmod(0o600)

    def role_profiles(self) -> dict[str, tuple[str, str]]:
        """Role profiles: name -> (role ARN, role session name)."""
        out = {}
        for profile, spec in self.scenario.spec.get("profiles", {}).items():
            if "role" in spec:
                acct = spec.get("account", self.account)
                out[profile] = (f"arn:aws:iam::{acct}:role/{spec['role']}", spec.get("session_name", profile))
        return out

    @property
    def cli_cache_dir(self) -> Path:
        """The AWS CLI's assumed-role credential cache for this lab (see :mod:`s3kms_lab.lab.cli_cache`)."""
        return cli_cache.cache_dir_for(self.config_dir / "config")

    def forget_cli_role_cache(self) -> None:
        """Delete the AWS CLI's cached AssumeRole credentials of this lab.

        The lab's config file makes the CLI cache them in :attr:`cli_cache_dir` instead of the shared
        ``~/.aws/cli/cache`` (whose keys are the same for every lab: same role ARN, same session name), so
        only a previous lab that used the same config folder can have left entries; they would be refused
        as unknown access keys.
        """
        if self.cli_cache_dir.is_dir():
            for cached in self.cli_cache_dir.glob("*.json"):
                cached.unlink(missing_ok=True)

    def activate(self) -> None:
        """Put :meth:`env` into ``os.environ`` (so ``!aws ...`` in a notebook reaches the lab), and put this
        Python's ``bin`` folder (where the pinned ``aws`` command lives) first on PATH."""
        import sys
        values = dict(self.env())
        bin_dir = str(Path(sys.executable).parent)
        path = os.environ.get("PATH", "")
        if not path.startswith(bin_dir + os.pathsep):
            values["PATH"] = bin_dir + os.pathsep + path
        for k, v in values.items():
            self._saved_env.setdefault(k, os.environ.get(k))
            os.environ[k] = v

    def deactivate(self) -> None:
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env.clear()

    # ------------------------------------------------------------------ clients
    @property
    def profiles(self) -> list[str]:
        return list(self.scenario.spec.get("profiles", {}))

    def session(self, profile: str, fresh: bool = False) -> boto3.Session:
        """A boto3 session for a named profile of this lab (role profiles assume their role via the lab).

        Sessions are reused per profile while the lab runs (building one costs tens of milliseconds);
        ``fresh=True`` builds a new one, e.g. to make a role profile call AssumeRole again.
        Raises KeyError for an unknown profile.
        """
        if profile not in self.profiles:
            raise KeyError(f"No profile {profile!r}; this lab has {self.profiles}")
        if not fresh and profile in self._sessions:
            return self._sessions[profile]
        old = {k: os.environ.get(k) for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
        os.environ["AWS_CONFIG_FILE"] = str(self.config_dir / "config")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(self.config_dir / "credentials")
        try:
            sess = boto3.Session(profile_name=profile)
            sess.get_credentials()  # resolve now, while the files are visible
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self._sessions[profile] = sess
        return sess

    def client(self, service: str, profile: str = "admin", fresh: bool = False) -> Any:
        """A boto3 client for ``service`` as ``profile``, pointed at this lab (reused per profile and service
        unless ``fresh``)."""
        key = (service, profile)
        if fresh or key not in self._clients:
            self._clients[key] = self.session(profile, fresh=fresh).client(
                service, endpoint_url=self.endpoint_url, region_name=self.region)
        return self._clients[key]
