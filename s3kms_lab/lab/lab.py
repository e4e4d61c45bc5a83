"""The lab: start/stop the local endpoint, provision a scenario, write AWS config, hand out sessions.

Usage::

    with Lab("seed") as lab:
        s3 = lab.client("s3", profile="uploader")
        s3.put_object(Bucket="my-secure-bucket", Key="file.txt", Body=b"hi",
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
        lab.trail.dataframe()

The endpoint listens on loopback only (checked on the resolved address). One lab runs per Python process:
starting a lab stops the one already running (re-running a notebook's setup cell gives a fresh lab).
The config folder holds every profile's secret key: a folder the lab makes itself is removed when the lab
stops (``stop()``, the end of ``with``, or interpreter exit); in a folder you name, the lab removes the
secrets (``config``, ``credentials``, CLI cache) and keeps the trail. Config files use the AWS shared-config format
(https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html): one named profile per
principal, the role profile with ``role_arn`` + ``source_profile`` so the CLI and boto3 call
``sts:AssumeRole`` against the endpoint themselves.
"""
from __future__ import annotations

import atexit
import configparser
import gc
import io
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import boto3
from werkzeug.serving import BaseWSGIServer, make_server

from ..endpoint.app import LabApp
from ..endpoint.moto_seam import MotoState, quiet_request_handler
from ..endpoint.service_models import share_loader
from ..endpoint.trail import Trail
from ..i18n import _, get_language, language, normalize_language, set_language
from . import cli_cache
from .errors import LabAlreadyRunning, LabError, LabHostError, LabPortInUse, UnsafeConfigDir
from .listen import bind_listening_socket, literal_non_loopback, resolve_loopback
from .private_dir import prepare_private_dir, private_subdir, write_private
from .provision import Provisioned, provision
from .scenario import Scenario, load_scenario

__all__ = ["Lab", "LabError", "LabAlreadyRunning", "LabHostError", "LabPortInUse", "UnsafeConfigDir"]

_ACTIVE: list["Lab"] = []


class Lab:
    """A running lab endpoint with a provisioned scenario.

    scenario: a scenario name (see :func:`~s3kms_lab.lab.scenario.scenario_names`) or a folder path;
    host: a name or address that resolves to loopback only; port: 0 picks a free port; config_dir: where
    ``config``, ``credentials`` and ``trail.jsonl`` go (by default a temporary folder, removed on stop);
    lang: the language of the lab's own words (explanations, hints, checker reports, widget labels):
    ``"en"`` or ``"ko"`` (see :mod:`s3kms_lab.i18n`); ``None`` keeps the process's choice (``S3KMS_LAB_LANG``,
    the locale, else English). :meth:`start` makes ``lang`` the process's language, and it stays so after
    :meth:`stop`: a notebook that stops its lab and starts another (``Lab("seed")``) keeps speaking it.
    AWS's error codes and messages are never translated.

    Raises (all :class:`LabError`): :class:`LabHostError` (also a ValueError) for a host that is an address
    outside loopback (here) or that does not resolve to loopback only (from :meth:`start`);
    :class:`LabPortInUse` (also an OSError) from :meth:`start` when the port is taken;
    :class:`UnsafeConfigDir` (also a PermissionError) from :meth:`start` for a config folder another local
    user could read or plant files in. An unknown ``lang`` raises :class:`~s3kms_lab.i18n.UnknownLanguage`
    (a ValueError) here.
    """

    def __init__(self, scenario: str = "seed", host: str = "127.0.0.1", port: int = 0,
                 config_dir: str | Path | None = None, lang: str | None = None):
        self.lang = None if lang is None else normalize_language(lang)
        with language(self.lang or get_language()):  # this lab's refusals already speak its language
            if literal_non_loopback(host):
                raise LabHostError(_("The lab listens on loopback only; {host} is not a loopback address")
                                   .format(host=repr(host)))
            self.scenario: Scenario = load_scenario(scenario)
        self.host = host
        self.port = port
        self.requested_port = port
        # A folder the user names is theirs (kept); otherwise the lab makes a temporary one in start().
        self._own_config_dir = config_dir is None
        self.config_dir: Path | None = None if config_dir is None else Path(config_dir)
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None
        self.state: MotoState | None = None
        self.app: LabApp | None = None
        self.trail = Trail(None, self.scenario.region)  # replaced by a file-backed trail in start()
        self.provisioned: Provisioned | None = None
        self._saved_env: dict[str, str | None] = {}
        self._sessions: dict[str, boto3.Session] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "Lab":
        """Stop any lab already running in this process, then check the host, take the port, prepare the
        config folder, reset moto, provision the scenario, start serving and write the config files.
        Returns self. Raises :class:`LabHostError`, :class:`LabPortInUse`, :class:`UnsafeConfigDir` (before
        anything is provisioned) or :class:`LabAlreadyRunning` if this lab is already running.
        """
        if self.running:
            raise LabAlreadyRunning(_("This lab is already running; call stop() first."))
        for previous in list(_ACTIVE):  # moto's state is process-wide: one lab at a time
            previous.stop()
        if self.lang is not None:  # one lab per process, so its language is the process's (endpoint threads too)
            set_language(self.lang)
        address = resolve_loopback(self.host)
        listening = bind_listening_socket(address, self.requested_port)
        try:
            self._prepare_config_dir()
            MotoState.reset()
            self.state = MotoState(self.scenario.region)
            self.provisioned = provision(self.state, self.scenario)
            # moto, botocore and the scenario are long-lived: move them out of the collector's way, so a full
            # collection never lands on a learner's toggle (measured: ~100 ms pauses without this).
            gc.collect()
            gc.freeze()
            write_private(self.config_dir / "trail.jsonl", "")
            self.trail = Trail(self.config_dir / "trail.jsonl", self.scenario.region)
            self.app = LabApp(self.state, self.trail)
            self.host = address
            self.server = make_server(address, listening.getsockname()[1], self.app, threaded=True,
                                      request_handler=quiet_request_handler(), fd=listening.fileno())
        except BaseException:
            self._remove_files()
            raise
        finally:
            listening.close()  # the server holds its own duplicate of the socket
        self.port = self.server.port
        self.thread = threading.Thread(target=self.server.serve_forever, name="s3kms-lab", daemon=True)
        self.thread.start()
        self.write_config()
        _ACTIVE.append(self)
        return self

    def stop(self) -> None:
        """Stop serving, restore any environment variables :meth:`activate` changed and remove the secrets:
        the whole folder if the lab made it, else ``config``, ``credentials`` and the CLI cache (the trail
        stays). Safe to call twice."""
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
        self._remove_files()
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    def _prepare_config_dir(self) -> None:
        if self._own_config_dir:
            self.config_dir = Path(tempfile.mkdtemp(prefix="s3kms-lab-"))  # 0700, ours
        else:
            prepare_private_dir(self.config_dir)
        self.forget_cli_role_cache()
        private_subdir(self.config_dir, cli_cache.CACHE_FOLDER)  # 0700 before the CLI makes it

    def _remove_files(self) -> None:
        """Remove what the lab wrote (see :meth:`stop`)."""
        if self.config_dir is None:
            return
        if self._own_config_dir:
            shutil.rmtree(self.config_dir, ignore_errors=True)
            return
        for name in ("config", "credentials"):
            (self.config_dir / name).unlink(missing_ok=True)
        self.forget_cli_role_cache()

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
        """Environment variables that point the AWS CLI and boto3 at this lab (the lab must be started), and,
        for a lab given ``lang``, ``S3KMS_LAB_LANG`` so ``!s3kms-lab ...`` speaks the notebook's language."""
        if self.config_dir is None:
            raise LabError(_("The lab is not started: call start() (or use `with Lab() as lab:`) first"))
        values = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_CONFIG_FILE": str(self.config_dir / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.config_dir / "credentials"),
            "AWS_DEFAULT_REGION": self.region,
        }
        if self.lang is not None:
            values["S3KMS_LAB_LANG"] = self.lang
        return values

    def shell_lines(self) -> str:
        """``export NAME=value`` lines for a shell."""
        return "\n".join(f"export {k}={v}" for k, v in self.env().items())

    @property
    def default_profile(self) -> str:
        """The profile a terminal uses when none is named: the scenario's ``default_profile``, else its first
        role profile (the post's commands run as the role), else its first profile."""
        spec = self.scenario.spec
        roles = [name for name, p in spec.get("profiles", {}).items() if "role" in p]
        return spec.get("default_profile") or (roles or self.profiles)[0]

    def terminal_env(self, profile: str | None = None) -> dict[str, str]:
        """:meth:`env` plus ``AWS_PROFILE`` (default :attr:`default_profile`) and ``PATH`` with this Python's
        ``bin`` folder (where the lab's ``aws`` lives) first: what a terminal needs to run the post's commands."""
        import sys
        profile = profile or self.default_profile
        if profile not in self.profiles:
            raise KeyError(_("No profile {profile}; this lab has {profiles}").format(profile=repr(profile),
                                                                                     profiles=self.profiles))
        bin_dir = str(Path(sys.executable).parent)
        return {**self.env(), "AWS_PROFILE": profile, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}

    def write_config(self) -> None:
        """Write ``config`` and ``credentials`` (AWS shared-config format) for every profile."""
        assert self.provisioned is not None and self.config_dir is not None
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
        for name, parser in (("config", config), ("credentials", creds)):
            text = io.StringIO()
            parser.write(text)
            write_private(self.config_dir / name, text.getvalue())

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
        assert self.config_dir is not None
        return cli_cache.cache_dir_for(self.config_dir / "config")

    def forget_cli_role_cache(self) -> None:
        """Delete the AWS CLI's cached AssumeRole credentials of this lab.

        The lab's config file makes the CLI cache them in :attr:`cli_cache_dir` instead of the shared
        ``~/.aws/cli/cache`` (whose keys are the same for every lab: same role ARN, same session name), so
        only a previous lab that used the same config folder can have left entries; they would be refused
        as unknown access keys.
        """
        if self.config_dir is None:
            return
        cache = self.cli_cache_dir
        if cache.is_symlink() or cache.is_file():
            cache.unlink()
        elif cache.is_dir():
            shutil.rmtree(cache)

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
            raise KeyError(_("No profile {profile}; this lab has {profiles}").format(profile=repr(profile),
                                                                                     profiles=self.profiles))
        if not fresh and profile in self._sessions:
            return self._sessions[profile]
        old = {k: os.environ.get(k) for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
        os.environ["AWS_CONFIG_FILE"] = str(self.config_dir / "config")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(self.config_dir / "credentials")
        try:
            sess = boto3.Session(profile_name=profile)
            share_loader(sess._session)  # one copy of botocore's JSON for every profile (service_models.py)
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
            client = self.session(profile, fresh=fresh).client(
                service, endpoint_url=self.endpoint_url, region_name=self.region)
            if service == "s3control":
                # botocore puts the account id in front of the host ({account}.s3-control...); the lab's
                # endpoint is an IP address, so the request goes to it as is (the id travels in a header too).
                client.meta.events.register("before-sign.s3-control", s3control_to_lab_host)
            self._clients[key] = client
        return self._clients[key]


def s3control_to_lab_host(request: Any, **_: Any) -> None:
    """botocore's ``before-sign.s3-control`` hook for a client of the lab: drop the ``{account}.`` host prefix
    botocore puts in front of the endpoint (``123456789012.127.0.0.1`` resolves nowhere); the account id also
    travels in the ``x-amz-account-id`` header, which the lab reads."""
    prefix = "://" + request.headers.get("x-amz-account-id", "") + "."
    if isinstance(prefix, str) and prefix in request.url:
        request.url = request.url.replace(prefix, "://", 1)


@atexit.register
def _stop_running_labs() -> None:
    """At interpreter exit, stop the running lab so its temporary folder (secret keys) is removed."""
    for lab in list(_ACTIVE):
        lab.stop()
