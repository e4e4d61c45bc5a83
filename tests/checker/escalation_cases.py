"""Copies of the seed scenario in which ``analyst`` can do nothing but change state: the only way it breaks a
requirement is an escalation path. Shared by the check tests and the replay tests."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from s3kms_lab.lab.scenario import DATA_DIR

ACCOUNT = "arn:aws:iam::123456789012"
ROLE = f"{ACCOUNT}:role/DataUploaderRole"
ADMIN_ONLY_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"{ACCOUNT}:user/admin"},
                                                             "Action": "sts:AssumeRole"}]}

# name -> (analyst's only statements, trust policy override or None,
#          {requirement: first call of the shortest path}, requirements that must still hold)
CASES = {
    "put-user-policy-on-itself": (
        [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": f"{ACCOUNT}:user/analyst"}], None,
        {"R1": "iam:PutUserPolicy", "R3": "iam:PutUserPolicy", "R4": "iam:PutUserPolicy"}, []),
    "put-bucket-policy": (
        [{"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "arn:aws:s3:::my-secure-bucket"}], None,
        {"R1": "s3:PutBucketPolicy", "R4": "s3:PutBucketPolicy"}, ["R3"]),
    "create-grant": (
        [{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*"}], None,
        {"R3": "kms:CreateGrant"}, ["R1", "R4"]),
    "put-key-policy": (
        [{"Effect": "Allow", "Action": "kms:PutKeyPolicy", "Resource": "*"}], None,
        {"R3": "kms:PutKeyPolicy"}, ["R1", "R4"]),
    "assume-a-role-that-trusts-the-account": (
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}], None,
        {"R1": "sts:AssumeRole", "R3": "sts:AssumeRole", "R4": "sts:AssumeRole"}, []),
    "rewrite-the-trust-policy": (
        [{"Effect": "Allow", "Action": "iam:UpdateAssumeRolePolicy", "Resource": ROLE}], ADMIN_ONLY_TRUST,
        {"R1": "iam:UpdateAssumeRolePolicy", "R3": "iam:UpdateAssumeRolePolicy"}, []),
    "create-an-access-key-for-the-admin": (
        [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": f"{ACCOUNT}:user/admin"}], None,
        {"R1": "iam:CreateAccessKey", "R3": "iam:CreateAccessKey", "R4": "iam:CreateAccessKey"}, []),
    "disable-the-key": (
        [{"Effect": "Allow", "Action": "kms:DisableKey", "Resource": "*"}], None,
        {"U1": "kms:DisableKey", "U2": "kms:DisableKey"}, ["R1", "R3", "R4"]),
}


def make_case(root: Path, name: str) -> Path:
    """Write the copy of seed for case ``name`` under ``root`` and return its folder."""
    statements, trust, _expected, _holds = CASES[name]
    dst = root / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(DATA_DIR / "seed", dst)
    spec = json.loads((dst / "scenario.json").read_text())
    spec["name"] = name
    for user in spec["users"]:
        if user["name"] == "analyst":
            user["policies"] = {"OnlyStateChanges": {"Version": "2012-10-17", "Statement": statements}}
    (dst / "scenario.json").write_text(json.dumps(spec, indent=2))
    if trust is not None:
        (dst / "trust-policy.json").write_text(json.dumps(trust, indent=2))
    return dst
