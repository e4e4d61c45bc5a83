"""The ``s3kms-lab`` command.

    s3kms-lab serve [--host 127.0.0.1] [--port N] [--scenario seed] [--config-dir DIR]
    s3kms-lab env --config-dir DIR [--format shell|rclone]
    s3kms-lab trail --config-dir DIR [--follow] [--denied]

``serve`` runs until SIGINT/SIGTERM and exits cleanly; ``--port 0`` picks a free port.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path

__all__ = ["main"]

_ENV_FILE = "env.sh"


def _serve(args: argparse.Namespace) -> int:
    from .lab import Lab
    config_dir = Path(args.config_dir) if args.config_dir else Path.cwd() / ".s3kms-lab"
    if not 0 <= args.port <= 65535:
        print(f"s3kms-lab: --port must be 0 (any free port) or 1-65535, not {args.port}", file=sys.stderr)
        return 2
    running = _running_endpoint(config_dir)
    if running:
        print(f"s3kms-lab: a lab is already serving from {config_dir} ({running}); stop it first or use another "
              "--config-dir", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        lab = Lab(args.scenario, host=args.host, port=args.port, config_dir=config_dir)
        lab.start()
    except (ValueError, FileNotFoundError, OSError) as exc:
        print(f"s3kms-lab: {exc}", file=sys.stderr)
        return 2
    (config_dir / _ENV_FILE).write_text(lab.shell_lines() + "\n")
    print(lab.shell_lines(), flush=True)
    for old, new in lab.scenario.substitutions:
        print(f"# note: the post's placeholder {old} is replaced by the lab's key {new}", flush=True)
    print(f"# s3kms-lab serving scenario {lab.scenario.name!r} on {lab.endpoint_url} "
          f"(ready in {time.perf_counter() - started:.2f} s); Ctrl-C to stop", flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not stop.is_set():
        stop.wait(0.5)
    lab.stop()
    (config_dir / _ENV_FILE).unlink(missing_ok=True)  # `env` must not hand out a stopped lab's address
    print("# s3kms-lab stopped", flush=True)
    return 0


def _running_endpoint(config_dir: Path) -> str | None:
    """The endpoint URL recorded in ``config_dir`` if something still answers there, else None."""
    import socket
    from urllib.parse import urlsplit
    env_file = config_dir / _ENV_FILE
    if not env_file.exists():
        return None
    for line in env_file.read_text().splitlines():
        if line.startswith("export AWS_ENDPOINT_URL="):
            url = line.split("=", 1)[1]
            parts = urlsplit(url)
            with socket.socket() as s:
                s.settimeout(0.5)
                if parts.hostname and parts.port and s.connect_ex((parts.hostname, parts.port)) == 0:
                    return url
    return None


def _env(args: argparse.Namespace) -> int:
    path = Path(args.config_dir) / _ENV_FILE
    if not path.exists():
        print(f"s3kms-lab: no running lab wrote {path}; start one with `s3kms-lab serve --config-dir {args.config_dir}`",
              file=sys.stderr)
        return 1
    if args.format == "rclone":
        from .client_config import parse_exports, rclone_config
        print(rclone_config(parse_exports(path.read_text())), end="")
        return 0
    print(path.read_text(), end="")
    return 0


def _trail(args: argparse.Namespace) -> int:
    path = Path(args.config_dir) / "trail.jsonl"
    if not path.exists():
        print(f"s3kms-lab: no trail at {path}", file=sys.stderr)
        return 1
    try:
        with path.open() as fh:
            while True:
                line = fh.readline()
                if not line:
                    if not args.follow:
                        return 0
                    time.sleep(0.2)
                    continue
                rec = json.loads(line)
                if args.denied and rec.get("s3kmsLab", {}).get("decision") == "allowed":
                    continue
                print(line, end="", flush=True)
    except KeyboardInterrupt:  # Ctrl-C ends --follow
        return 0
    except BrokenPipeError:  # `trail | head` closed the pipe
        sys.stderr.close()
        return 0


def _check(args: argparse.Namespace) -> int:
    from .checker.cli import run
    return run(args.scenario, args.json)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="s3kms-lab", description="Local AWS S3 + KMS endpoint that decides like AWS.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="start the lab endpoint")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--scenario", default="seed")
    p.add_argument("--config-dir", default=None)
    p.set_defaults(func=_serve)
    p = sub.add_parser("env", help="print the export lines of a running lab")
    p.add_argument("--config-dir", required=True)
    p.add_argument("--format", choices=("shell", "rclone"), default="shell",
                   help="shell: export lines; rclone: an rclone.conf remote for the lab")
    p.set_defaults(func=_env)
    p = sub.add_parser("trail", help="print the CloudTrail-style records as JSON lines")
    p.add_argument("--config-dir", required=True)
    p.add_argument("--follow", action="store_true")
    p.add_argument("--denied", action="store_true")
    p.set_defaults(func=_trail)
    p = sub.add_parser("check", help="prove or refute the scenario's requirements")
    p.add_argument("--scenario", default="seed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_check)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
