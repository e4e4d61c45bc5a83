"""The ``s3kms-lab`` command.

    s3kms-lab serve [--host 127.0.0.1] [--port N] [--scenario seed] [--config-dir DIR]
    s3kms-lab env --config-dir DIR [--profile P] [--format shell|rclone]  # eval "$(s3kms-lab env --config-dir DIR)"
    s3kms-lab shell --config-dir DIR [--profile P]    # a shell where the post's `aws` commands work
    s3kms-lab trail --config-dir DIR [--follow] [--denied]
    s3kms-lab notebooks DIR [--lab] [--force]         # copy the course; --lab opens JupyterLab there
    s3kms-lab --version
    s3kms-lab import --profile P --bucket B --key KEY --role ROLE --admin ARN [--admin ARN...] --out DIR
    s3kms-lab export --scenario NAME --format cloudformation|cli [--out FILE]
    s3kms-lab --lang ko <command> ...                 # the lab's own words in Korean (also S3KMS_LAB_LANG=ko)

``serve`` runs until SIGINT/SIGTERM and exits cleanly; ``--port 0`` picks a free port. ``env`` and ``shell``
exit 1 with a message when no lab serves from DIR (never started, stopped, or killed).

``--lang en|ko`` (before the command) chooses the language of the lab's own output: messages, explanations and
the ``check`` report (:mod:`s3kms_lab.i18n`); without it ``S3KMS_LAB_LANG``, then the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``) decide, else English. AWS's error codes and messages, export lines and JSON stay as
they are. An unknown language exits 2 with a message naming the supported ones.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .i18n import (ENV_VAR, LANGUAGES, UnknownLanguage, _, language_from_environment, normalize_language,
                   set_language)

__all__ = ["main"]

_ENV_FILE = "env.sh"
_PID_PREFIX = "# s3kms-lab serve pid="


def _serve(args: argparse.Namespace) -> int:
    from .lab import Lab, LabError
    from .lab.private_dir import prepare_private_dir, write_private
    config_dir = Path(args.config_dir) if args.config_dir else Path.cwd() / ".s3kms-lab"
    if not 0 <= args.port <= 65535:
        print("s3kms-lab: " + _("--port must be 0 (any free port) or 1-65535, not {port}").format(port=args.port),
              file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        prepare_private_dir(config_dir)
        running = _live_lab(config_dir)
        if running:
            print("s3kms-lab: " + _("a lab is already serving from {config_dir} ({url}); stop it first or use "
                                    "another --config-dir").format(config_dir=config_dir, url=running), file=sys.stderr)
            return 2
        lab = Lab(args.scenario, host=args.host, port=args.port, config_dir=config_dir)
        lab.start()
    except (LabError, ValueError, FileNotFoundError, OSError) as exc:
        print(f"s3kms-lab: {exc}", file=sys.stderr)
        return 2
    write_private(config_dir / _ENV_FILE, _env_file_text(lab))
    print(lab.shell_lines(), flush=True)
    for old, new in lab.scenario.substitutions:
        print("# " + _("note: the post's placeholder {old} is replaced by the lab's key {new}").format(old=old, new=new),
              flush=True)
    print("# " + _("s3kms-lab serving scenario {scenario} on {url} (ready in {seconds} s); Ctrl-C to stop").format(
        scenario=repr(lab.scenario.name), url=lab.endpoint_url, seconds=f"{time.perf_counter() - started:.2f}"),
        flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not stop.is_set():
        stop.wait(0.5)
    lab.stop()
    (config_dir / _ENV_FILE).unlink(missing_ok=True)  # `env` must not hand out a stopped lab's address
    print("# " + _("s3kms-lab stopped"), flush=True)
    return 0


def _env_file_text(lab) -> str:
    """``env.sh``: the lab's variables (quoted for a POSIX shell) and the serving process id."""
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in lab.env().items())
    return f"{exports}{_PID_PREFIX}{os.getpid()} profile={lab.default_profile}\n"


def _read_env_file(config_dir: Path) -> tuple[dict[str, str], int | None, str] | None:
    """(variables, serving pid, default profile) recorded in ``config_dir``, or None if there is no file."""
    from .lab.private_dir import read_private
    try:
        text = read_private(config_dir / _ENV_FILE)
    except FileNotFoundError:
        return None
    values: dict[str, str] = {}
    pid, profile = None, ""
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export "):].partition("=")
            values[name] = (shlex.split(value) or [""])[0]
        elif line.startswith(_PID_PREFIX):
            fields = line[len(_PID_PREFIX):].split()
            pid = int(fields[0]) if fields and fields[0].isdigit() else None
            profile = next((f.split("=", 1)[1] for f in fields[1:] if f.startswith("profile=")), "")
    return values, pid, profile


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else: not our lab
        return False
    return True


def _endpoint_answers(url: str) -> bool:
    import socket
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if not (parts.hostname and parts.port):
        return False
    with socket.socket(socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET) as s:
        s.settimeout(0.5)
        return s.connect_ex((parts.hostname, parts.port)) == 0


def _live_lab(config_dir: Path) -> str | None:
    """The endpoint URL of the lab serving from ``config_dir`` if its process is alive and its port answers."""
    recorded = _read_env_file(config_dir)
    if recorded is None:
        return None
    values, pid, _profile = recorded
    url = values.get("AWS_ENDPOINT_URL", "")
    if pid is None or not _process_alive(pid) or not _endpoint_answers(url):
        return None
    return url


def _lab_env_or_explain(config_dir: Path, profile: str | None) -> dict[str, str] | None:
    """The variables a terminal needs for the lab serving from ``config_dir`` (``AWS_PROFILE`` and ``PATH``
    included), or None after printing why there is none (nothing started, or the lab is gone)."""
    from .lab import LabError
    try:
        recorded = _read_env_file(config_dir)
    except (LabError, OSError) as exc:  # e.g. env.sh is a planted symbolic link
        print(f"s3kms-lab: {exc}", file=sys.stderr)
        return None
    if recorded is None:
        print("s3kms-lab: " + _("no lab serves from {config_dir} (no {file}); start one with "
                                "`s3kms-lab serve --config-dir {config_dir}`").format(config_dir=config_dir, file=_ENV_FILE),
              file=sys.stderr)
        return None
    values, pid, default_profile = recorded
    if not _live_lab(config_dir):
        print("s3kms-lab: " + _("the lab that served from {config_dir} (pid {pid}, {url}) is no longer running "
                                "(stopped or killed); start one with `s3kms-lab serve --config-dir {config_dir}`")
              .format(config_dir=config_dir, pid=pid, url=values.get("AWS_ENDPOINT_URL")), file=sys.stderr)
        return None
    values["AWS_PROFILE"] = profile or default_profile
    values["PATH"] = str(Path(sys.executable).parent) + os.pathsep + "$PATH"
    return values


def _env(args: argparse.Namespace) -> int:
    values = _lab_env_or_explain(Path(args.config_dir), args.profile)
    if values is None:
        return 1
    if args.format == "rclone":
        from .client_config import rclone_config
        print(rclone_config(values), end="")
        return 0
    for name, value in values.items():
        # PATH keeps the caller's $PATH: double quotes let the shell expand it.
        quoted = f'"{value}"' if name == "PATH" else shlex.quote(value)
        print(f"export {name}={quoted}")
    return 0


def _rotated(path: Path, fh: Any) -> bool:
    """True when ``path`` is no longer the file ``fh`` reads (the trail rotated, see endpoint/trail.py)."""
    try:
        return os.stat(path).st_ino != os.fstat(fh.fileno()).st_ino
    except OSError:
        return False


def _shell(args: argparse.Namespace) -> int:
    values = _lab_env_or_explain(Path(args.config_dir), args.profile)
    if values is None:
        return 1
    values["PATH"] = values["PATH"].replace("$PATH", os.environ.get("PATH", ""))
    shell = os.environ.get("SHELL") or "/bin/sh"
    print("# " + _("s3kms-lab shell: `aws` is {aws}, profile {profile}, endpoint {url}; `exit` leaves it").format(
        aws=Path(sys.executable).parent / "aws", profile=values["AWS_PROFILE"], url=values["AWS_ENDPOINT_URL"]),
        file=sys.stderr, flush=True)
    return subprocess.call([shell], env={**os.environ, **values, "S3KMS_LAB_SHELL": "1"})


def _trail(args: argparse.Namespace) -> int:
    path = Path(args.config_dir) / "trail.jsonl"
    if not path.exists():
        print("s3kms-lab: " + _("no trail at {path}").format(path=path), file=sys.stderr)
        return 1
    try:
        fh = path.open()
        while True:
            line = fh.readline()
            if not line:
                if not args.follow:
                    fh.close()
                    return 0
                if _rotated(path, fh):  # the lab rotated trail.jsonl to trail.jsonl.1: follow the new file
                    fh.close()
                    fh = path.open()
                    continue
                time.sleep(0.2)
                continue
            rec = json.loads(line)
            if args.denied and rec.get("s3kmsLab", {}).get("decision") == "allowed":
                continue
            print(_readable(line, rec), end="", flush=True)
    except KeyboardInterrupt:  # Ctrl-C ends --follow
        return 0
    except BrokenPipeError:  # `trail | head` closed the pipe
        sys.stderr.close()
        return 0


def _readable(line: str, rec: dict[str, Any]) -> str:
    """A trail line as a person reads it: JSON with non-ASCII text (a Korean explanation) as characters, not
    ``\\uXXXX`` escapes (the same JSON; an ASCII line is printed exactly as the file holds it)."""
    if "\\u" not in line:
        return line
    text = json.dumps(rec, ensure_ascii=False) + "\n"
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return line
    return text


def _notebooks(args: argparse.Namespace) -> int:
    from .lab.course import CourseConflict, copy_course
    folder = Path(args.dir).expanduser()
    try:
        done = copy_course(folder, force=args.force)
    except CourseConflict as exc:
        print(f"s3kms-lab: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"s3kms-lab: {exc}", file=sys.stderr)
        return 2
    print("# " + _("course in {folder}: {new} new, {updated} updated, {unchanged} unchanged").format(
        folder=folder, new=len(done.written), updated=len(done.updated), unchanged=len(done.unchanged)))
    jupyter = Path(sys.executable).parent / "jupyter"
    from .i18n import get_language  # the Korean edition is DIR/ko: opened when the lab speaks Korean
    edition = folder / "ko" if get_language() == "ko" and (folder / "ko").is_dir() else folder
    command = [str(jupyter), "lab", f"--notebook-dir={edition}"]
    if not args.lab:
        print(shlex.join(command))
        return 0
    if not jupyter.exists():
        print("s3kms-lab: " + _("JupyterLab is not installed here; pip install 's3kms-lab[lab]'"), file=sys.stderr)
        return 2
    _register_kernel()
    return subprocess.call(command)


def _register_kernel() -> None:
    """Register this Python as the notebooks' kernel (``s3kms-lab``) if it is not yet known."""
    from jupyter_client.kernelspec import KernelSpecManager
    if "s3kms-lab" not in KernelSpecManager().find_kernel_specs():
        subprocess.call([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", "s3kms-lab",
                         "--display-name", "s3kms-lab (Python)"], stdout=subprocess.DEVNULL)


def _check(args: argparse.Namespace) -> int:
    from .checker.cli import run
    return run(args.scenario, args.json)


def _import(args: argparse.Namespace) -> int:
    from .account.cli import run_import
    return run_import(args)


def _export(args: argparse.Namespace) -> int:
    from .account.cli import run_export
    return run_export(args)


def _language_option(value: str) -> str:
    """argparse type of ``--lang``: a language name as :func:`~s3kms_lab.i18n.normalize_language` reads it."""
    try:
        return normalize_language(value)
    except UnknownLanguage as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _choose_language(argv: list[str] | None) -> bool:
    """Set the language from ``--lang`` (read before the full parser is built, so its help is in that
    language), else from the environment (``S3KMS_LAB_LANG``, the locale). An unknown ``--lang`` value is left
    to the full parser, which exits 2 naming the choices. Returns False after printing why when the
    environment names a language the lab does not speak."""
    early = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    early.add_argument("--lang")
    lang = early.parse_known_args(argv)[0].lang
    if lang is not None:
        try:
            set_language(lang)  # "ko", "ko_KR", "ko-KR.UTF-8" as Lab(lang=...) and S3KMS_LAB_LANG take them
        except UnknownLanguage:
            pass  # the full parser exits 2 naming the choices
        return True
    try:
        set_language(language_from_environment())
    except UnknownLanguage as exc:
        print(f"s3kms-lab: {exc}", file=sys.stderr)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    if not _choose_language(argv):
        return 2
    parser = argparse.ArgumentParser(
        prog="s3kms-lab", description=_("Local AWS S3 + KMS endpoint that decides like AWS."),
        epilog=_("The lab's own words (messages, explanations, the check report) are in English or Korean: "
                 "--lang chooses, else the variable {variable} (en or ko), else the locale (LC_ALL, LC_MESSAGES, "
                 "LANG; ko_KR.UTF-8 gives Korean), else English. AWS's error codes and messages stay as AWS "
                 "sends them.").format(variable=ENV_VAR))
    from ._version import __version__
    parser.add_argument("--version", action="version", version=f"s3kms-lab {__version__}")
    parser.add_argument("--lang", type=_language_option, default=None, metavar="{" + ",".join(LANGUAGES) + "}",
                        help=_("language of the lab's own output: en (English) or ko (Korean); default: "
                               "{variable}, then the locale, else English").format(variable=ENV_VAR))
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help=_("start the lab endpoint"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--scenario", default="seed")
    p.add_argument("--config-dir", default=None)
    p.set_defaults(func=_serve)
    p = sub.add_parser("env", help=_("print the export lines of a running lab (eval \"$(s3kms-lab env ...)\")"))
    p.add_argument("--config-dir", required=True)
    p.add_argument("--profile", default=None, help=_("AWS_PROFILE to export (default: the scenario's role profile)"))
    p.add_argument("--format", choices=("shell", "rclone"), default="shell",
                   help=_("shell: export lines; rclone: an rclone.conf remote for the lab"))
    p.set_defaults(func=_env)
    p = sub.add_parser("shell", help=_("open a shell with the lab's aws on PATH and a default profile"))
    p.add_argument("--config-dir", required=True)
    p.add_argument("--profile", default=None, help=_("AWS_PROFILE to use (default: the scenario's role profile)"))
    p.set_defaults(func=_shell)
    p = sub.add_parser("trail", help=_("print the CloudTrail-style records as JSON lines"))
    p.add_argument("--config-dir", required=True)
    p.add_argument("--follow", action="store_true")
    p.add_argument("--denied", action="store_true")
    p.set_defaults(func=_trail)
    p = sub.add_parser("notebooks", help=_("copy the course (notebooks, solutions; Korean edition in DIR/ko) into DIR"))
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--lab", action="store_true", help=_("then open JupyterLab there"))
    p.add_argument("--force", action="store_true", help=_("overwrite notebooks you have edited"))
    p.set_defaults(func=_notebooks)
    p = sub.add_parser("check", help=_("prove or refute the scenario's requirements"))
    p.add_argument("--scenario", default="seed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_check)
    from .account.cli import add_export_parser, add_import_parser
    add_import_parser(sub).set_defaults(func=_import)
    add_export_parser(sub).set_defaults(func=_export)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader went away (`s3kms-lab check | head`): stop quietly, as other command-line tools do, and
        # keep Python from reporting the failed flush of stdout at exit
        # (https://docs.python.org/3/library/signal.html#note-on-sigpipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
