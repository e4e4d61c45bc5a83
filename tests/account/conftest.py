"""Helpers for the import/export tests: the lab stands in for an AWS account."""
from __future__ import annotations

import configparser
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import boto3

from s3kms_lab import Lab

REPO = Path(__file__).resolve().parents[2]
POLICY_FILE = REPO / "data" / "account" / "import-readonly-policy.json"
ACCOUNT = "123456789012"
ADMIN = f"arn:aws:iam::{ACCOUNT}:user/admin"


@contextmanager
def lab_profiles(lab: Lab) -> Iterator[None]:
    """Point boto3 at the lab's config files (profiles carry the endpoint URL), as `eval $(s3kms-lab env)` does."""
    saved = {k: os.environ.get(k) for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    os.environ["AWS_CONFIG_FILE"] = str(lab.config_dir / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(lab.config_dir / "credentials")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def add_user_profile(lab: Lab, user: str, policy: dict) -> str:
    """Create IAM user ``user`` in the lab (as admin, through the endpoint) with ``policy`` as its only policy,
    and a profile of the same name in the lab's config files. Returns the profile name."""
    iam = lab.client("iam", "admin")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="ImportReadOnly", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    config = configparser.ConfigParser()
    config.read(lab.config_dir / "config")
    config[f"profile {user}"] = {"region": lab.region, "output": "json", "endpoint_url": lab.endpoint_url}
    with (lab.config_dir / "config").open("w") as fh:
        config.write(fh)
    creds = configparser.ConfigParser()
    creds.read(lab.config_dir / "credentials")
    creds[user] = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    with (lab.config_dir / "credentials").open("w") as fh:
        creds.write(fh)
    return user


def session(profile: str) -> boto3.Session:
    return boto3.Session(profile_name=profile)


def readonly_policy(without: str | None = None) -> dict:
    """The shipped least-privilege policy, optionally with one action removed."""
    doc = json.loads(POLICY_FILE.read_text())
    for st in doc["Statement"]:
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        st["Action"] = [a for a in actions if a != without]
    doc["Statement"] = [st for st in doc["Statement"] if st["Action"]]
    return doc


def policy_actions() -> list[str]:
    doc = json.loads(POLICY_FILE.read_text())
    out: list[str] = []
    for st in doc["Statement"]:
        out += [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
    return out
