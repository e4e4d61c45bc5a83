"""Copies of ``hardened`` without the key policy's Deny-everyone-but-the-role statement (so the key policy's
Allow statements alone decide key use) plus one statement a tester found the checker wrongly accepted.
Shared by the check tests and the replay tests."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from s3kms_lab.lab.scenario import DATA_DIR

ACCOUNT = "arn:aws:iam::123456789012"
ROLE = f"{ACCOUNT}:role/DataUploaderRole"

# name -> statements added to the key policy (after removing the DenyCryptographicUse... statement)
CASES: dict[str, list[dict]] = {
    "without-the-deny": [],
    # the role (not an administrator) may create grants: it gives key use to analyst, who then encrypts
    "role-may-create-grants": [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:CreateGrant",
                                "Resource": "*"}],
    # the role may rewrite the key policy: it adds analyst (or anyone) to it
    "role-may-put-the-key-policy": [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:PutKeyPolicy",
                                     "Resource": "*"}],
    # the caller chooses the encryption context, so this condition restricts nothing
    "nobody-decrypts-with-a-context": [{"Effect": "Allow", "Principal": {"AWS": f"{ACCOUNT}:user/nobody"},
                                        "Action": "kms:Decrypt", "Resource": "*",
                                        "Condition": {"StringEquals": {"kms:EncryptionContext:purpose": "x"}}}],
    # the same, plus a trusted administrator that may make ciphertexts (so the Decrypt replays in a lab)
    "nobody-decrypts-admin-encrypts": [
        {"Effect": "Allow", "Principal": {"AWS": f"{ACCOUNT}:user/nobody"}, "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:EncryptionContext:purpose": "x"}}},
        {"Effect": "Allow", "Principal": {"AWS": f"{ACCOUNT}:user/admin"}, "Action": "kms:Encrypt", "Resource": "*"}],
}


def key_policy(name: str) -> dict:
    """hardened's key policy for case ``name``."""
    doc = json.loads((DATA_DIR / "hardened" / "key-policy.json").read_text())
    doc["Statement"] = [s for s in doc["Statement"] if not s["Sid"].startswith("DenyCryptographicUse")]
    doc["Statement"] += CASES[name]
    return doc


def make_case(root: Path, name: str) -> Path:
    """Write the copy of hardened for case ``name`` under ``root`` and return its folder."""
    dst = root / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(DATA_DIR / "hardened", dst)
    spec = json.loads((dst / "scenario.json").read_text())
    spec["name"] = name
    (dst / "scenario.json").write_text(json.dumps(spec, indent=2))
    (dst / "key-policy.json").write_text(json.dumps(key_policy(name), indent=2))
    return dst
