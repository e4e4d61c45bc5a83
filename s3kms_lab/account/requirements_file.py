"""The requirements an imported scenario starts with: the post's four and the lab's two, for the imported names.

Written in the checker's requirements format (:mod:`s3kms_lab.checker.requirements`): the threat model's
``trusted_administrators`` are the ``--admin`` principals, and the role ARN is a variable so that editing one
line retargets all six. The file is the user's to edit: how is in the folder's
README.md (written by :mod:`.readme`).

The texts are English (``title``, ``source``, ``note``, ``description``) with their Korean twins (``title_ko``...,
rendered from the Korean catalog, :mod:`s3kms_lab.i18n`), so an imported account checks in either language,
whichever language the import ran in.
"""
from __future__ import annotations

from typing import Any

from ..checker.requirements import FORMAT
from ..i18n import N_, _, language
from .principals import NamedPrincipal

__all__ = ["requirements_for"]

# Each requirement's texts: field -> message (marked for the catalog, filled with {role} and {bucket}).
_DESCRIPTION = N_("The post's four requirements (section 1) for bucket {bucket}, the imported key and role {role}, "
                  "plus two that keep the design usable (the role can still upload and read back). Trusted "
                  "administrators (--admin at import): {admins}; every other principal is checked, including what "
                  "it could do by changing policies first. Edit freely: see README.md in this folder.")
_NO_ADMIN = N_("none named")
_TEXTS: dict[str, dict[str, str]] = {
    "R1": {"title": N_("Only {role} may write objects to {bucket}"),
           "source": N_("post requirement 1: DataUploaderRole만 S3에 업로드 가능")},
    "R2": {"title": N_("Every allowed object write is encrypted with SSE-KMS under the imported key"),
           "source": N_("post requirement 2: 업로드 시 반드시 KMS 키로 암호화")},
    "R3": {"title": N_("Only {role} may use the key for Encrypt, Decrypt, ReEncrypt and GenerateDataKey"),
           "source": N_("post requirement 3: KMS 키는 DataUploaderRole만 사용할 수 있음"),
           "note": N_("Covers direct KMS calls and the calls S3 makes to KMS as the caller (an SSE-KMS upload is a "
                      "kms:GenerateDataKey, a download a kms:Decrypt).")},
    "R4": {"title": N_("No other principal may read or write the bucket's objects"),
           "source": N_("post requirement 4: 다른 사용자는 읽기/쓰기 금지")},
    "U1": {"title": N_("{role} can upload with SSE-KMS under the imported key (key ARN in the request), single and "
                       "multipart"),
           "source": N_("the post's upload example (section 5), whatever the bucket's default encryption")},
    "U2": {"title": N_("{role} can read the objects it wrote"),
           "source": N_("the post's bucket policy statement AllowGetObject")},
}


def _texts(rid: str, role: str, bucket: str) -> dict[str, str]:
    """Requirement ``rid``'s English texts and their Korean twins, in the file's field order."""
    out: dict[str, str] = {}
    for name, message in _TEXTS[rid].items():
        for lang, field in (("en", name), ("ko", f"{name}_ko")):
            with language(lang):
                out[field] = _(message).format(role=role, bucket=bucket)
    return out


def _description(bucket: str, role: str, admins: list[NamedPrincipal]) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang, field in (("en", "description"), ("ko", "description_ko")):
        with language(lang):
            out[field] = _(_DESCRIPTION).format(bucket=bucket, role=role,
                                                admins=", ".join(a.arn for a in admins) or _(_NO_ADMIN))
    return out


def requirements_for(spec: dict[str, Any], role: NamedPrincipal, admins: list[NamedPrincipal]) -> dict[str, Any]:
    """requirements.json for an imported scenario's spec: R1-R4 (the post's section 1) and U1-U2 (the role can
    still upload with SSE-KMS under the key, and read back), naming the imported bucket, key and role."""
    bucket = spec["buckets"][0]["name"]
    r = role.name
    only_role = {"except": ["${UPLOADER}"]}
    # The account root user is no principal of the checker's universe (it has no IAM policies to import).
    trusted = [a.arn for a in admins if a.kind != "account"]
    return {
        "format": FORMAT,
        "scenario": spec["name"],
        "trusted_administrators": trusted,
        **_description(bucket, r, admins),
        "vars": {"UPLOADER": role.arn, "OBJECTS": "arn:aws:s3:::${BUCKET}/*"},
        "requirements": [
            {"id": "R1", **_texts("R1", r, bucket),
             "principals": only_role, "actions": ["s3:PutObject"], "resources": ["${OBJECTS}"], "expect": "denied"},
            {"id": "R2", **_texts("R2", r, bucket),
             "principals": "*", "actions": ["s3:PutObject"], "resources": ["${OBJECTS}"],
             "expect": {"encryption": {"algorithm": "aws:kms", "key": "${KEY_ARN}"}}},
            {"id": "R3", **_texts("R3", r, bucket),
             "principals": only_role, "actions": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
             "resources": ["${KEY_ARN}"], "expect": "denied"},
            {"id": "R4", **_texts("R4", r, bucket),
             "principals": only_role, "actions": ["s3:GetObject", "s3:PutObject"], "resources": ["${OBJECTS}"],
             "expect": "denied"},
            {"id": "U1", **_texts("U1", r, bucket),
             "principals": ["${UPLOADER}"], "actions": ["s3:PutObject"], "resources": ["${OBJECTS}"],
             "when": {"sse": "aws:kms", "kms_key_id": "key-arn"}, "expect": "allowed"},
            {"id": "U2", **_texts("U2", r, bucket),
             "principals": ["${UPLOADER}"], "actions": ["s3:GetObject"], "resources": ["${OBJECTS}"],
             "expect": "allowed"},
        ],
    }
