"""What the client-compatibility tests share: running a client as a lab profile, reading back what it wrote,
and the trail records it caused."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

BUCKET = "my-secure-bucket"
MiB = 1024 * 1024
# Above every client's multipart threshold (5 MiB parts are S3's minimum part size:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html), small enough to keep the suite quick.
BIG = 12 * MiB


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def venv_tool(name: str) -> str:
    """A command installed next to this Python (the project's pinned aws, s3cmd), else on PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def client_env(lab, **extra: str) -> dict[str, str]:
    """The environment a user of the lab has after ``s3kms-lab env``: the lab's AWS_* variables. A CA bundle
    set for the machine's HTTPS is dropped: the lab is plain HTTP, and the Go SDK inside rclone refuses a CA
    bundle with rclone's own HTTP transport (LoadCustomCABundleError)."""
    env = dict(os.environ, **lab.env(), AWS_PAGER="", **extra)
    env.pop("AWS_CA_BUNDLE", None)
    return env


def run(cmd: list[str], env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, timeout=timeout)


def events(lab, since: int) -> list[tuple[str, str | None, str]]:
    """(eventName, errorCode, who) of every trail record after the first ``since`` ones; who is the user
    name or the role session's role/session."""
    out = []
    for r in lab.trail.records[since:]:
        arn = r["userIdentity"].get("arn", "")
        out.append((r["eventName"], r.get("errorCode"), arn.split(":", 5)[-1] if arn else "anonymous"))
    return out


def names(lab, since: int, who: str | None = None) -> list[str]:
    """Event names after ``since`` (only ``who``'s when given), KMS calls S3 made included."""
    return [n for n, _e, w in events(lab, since) if who is None or who in w]


def role_credentials(lab, profile: str = "admin", session: str = "s3cmd") -> dict[str, str]:
    """The uploader role's temporary credentials, got as the README says: ``aws sts assume-role`` as admin."""
    role = f"arn:aws:iam::{lab.account}:role/DataUploaderRole"
    p = run([venv_tool("aws"), "sts", "assume-role", "--role-arn", role, "--role-session-name", session,
             "--profile", profile], client_env(lab))
    assert p.returncode == 0, p.stderr.decode()
    c = json.loads(p.stdout)["Credentials"]
    return {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
            "AWS_SESSION_TOKEN": c["SessionToken"]}


def missing_os_tool(name: str, package: str) -> str | None:
    """Why a client that needs an OS package cannot run, or None."""
    if shutil.which(name) is None:
        return f"{name} is not installed (apt-get install {package})"
    return None


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
