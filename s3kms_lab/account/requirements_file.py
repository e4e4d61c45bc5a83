"""The requirements an imported scenario starts with: the post's four and the lab's two, for the imported names.

Written in the checker's requirements format (:mod:`s3kms_lab.checker.requirements`), with the role ARN in a
variable so that editing one line retargets all six. The file is the user's to edit: how is in the folder's
README.md (written by :mod:`.readme`).
"""
from __future__ import annotations

from typing import Any

from ..checker.requirements import FORMAT
from .principals import NamedPrincipal

__all__ = ["requirements_for"]


def requirements_for(spec: dict[str, Any], role: NamedPrincipal, admins: list[NamedPrincipal]) -> dict[str, Any]:
    """requirements.json for an imported scenario's spec: R1-R4 (the post's section 1) and U1-U2 (the role can
    still upload with SSE-KMS under the key, and read back), naming the imported bucket, key and role."""
    bucket = spec["buckets"][0]["name"]
    r = role.name
    admin_text = ", ".join(a.arn for a in admins) or "none named"
    only_role = {"except": ["${UPLOADER}"]}
    return {
        "format": FORMAT,
        "scenario": spec["name"],
        "description": (f"The post's four requirements (section 1) for bucket {bucket}, the imported key and role {r}, "
                        "plus two that keep the design usable (the role can still upload and read back). "
                        f"Trusted administrators named at import: {admin_text}. "
                        "Edit freely: see README.md in this folder."),
        "vars": {"UPLOADER": role.arn, "OBJECTS": "arn:aws:s3:::${BUCKET}/*"},
        "requirements": [
            {"id": "R1", "title": f"Only {r} may write objects to {bucket}",
             "source": "post requirement 1: DataUploaderRole만 S3에 업로드 가능",
             "principals": only_role, "actions": ["s3:PutObject"], "resources": ["${OBJECTS}"], "expect": "denied"},
            {"id": "R2", "title": "Every allowed object write is encrypted with SSE-KMS under the imported key",
             "source": "post requirement 2: 업로드 시 반드시 KMS 키로 암호화",
             "principals": "*", "actions": ["s3:PutObject"], "resources": ["${OBJECTS}"],
             "expect": {"encryption": {"algorithm": "aws:kms", "key": "${KEY_ARN}"}}},
            {"id": "R3", "title": f"Only {r} may use the key for Encrypt, Decrypt, ReEncrypt and GenerateDataKey",
             "source": "post requirement 3: KMS 키는 DataUploaderRole만 사용할 수 있음",
             "note": "Covers direct KMS calls and the calls S3 makes to KMS as the caller (an SSE-KMS upload is a "
                     "kms:GenerateDataKey, a download a kms:Decrypt).",
             "principals": only_role, "actions": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
             "resources": ["${KEY_ARN}"], "expect": "denied"},
            {"id": "R4", "title": "No other principal may read or write the bucket's objects",
             "source": "post requirement 4: 다른 사용자는 읽기/쓰기 금지",
             "principals": only_role, "actions": ["s3:GetObject", "s3:PutObject"], "resources": ["${OBJECTS}"],
             "expect": "denied"},
            {"id": "U1", "title": f"{r} can upload with SSE-KMS under the imported key (key ARN in the request), "
                                  "single and multipart",
             "source": "the post's upload example (section 5), whatever the bucket's default encryption",
             "principals": ["${UPLOADER}"], "actions": ["s3:PutObject"], "resources": ["${OBJECTS}"],
             "when": {"sse": "aws:kms", "kms_key_id": "key-arn"}, "expect": "allowed"},
            {"id": "U2", "title": f"{r} can read the objects it wrote",
             "source": "the post's bucket policy statement AllowGetObject",
             "principals": ["${UPLOADER}"], "actions": ["s3:GetObject"], "resources": ["${OBJECTS}"],
             "expect": "allowed"},
        ],
    }
