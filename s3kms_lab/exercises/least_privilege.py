"""One least-privilege rule for every exercise that asks for "exactly what is needed".

A statement's action (wildcards included) is judged by the actions it *matches*, looked up in the lab's
catalogue of S3, KMS, IAM and STS actions (the operation table, plus the KMS actions no operation of the
lab needs but a wildcard still grants). An Allow whose actions match anything beyond what the job needs is
too broad, whether it is written ``kms:*``, ``kms:GenerateDataKey*`` or ``kms:Encrypt``; a bare ``*``
Resource is too broad when the job names its resources. The same rule judges notebooks 04, 05 and 07
(issue 12: ``kms:ReEncrypt*`` was refused in 04.1 and accepted in 07.1).
Action names: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
and .../list_amazons3.html.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from ..endpoint.operations import IAM_OPERATIONS, KMS_OPERATIONS, S3_OPERATIONS, STS_OPERATIONS
from ..engine.matching import action_matches
from ..i18n import _

__all__ = ["CATALOGUE", "excess", "statements", "UPLOADER_NEEDS", "WRITER_NEEDS", "MULTIPART_EXTRA",
           "S3_KMS_NEEDS"]

#: What an SSE-KMS uploader-and-reader calls: the S3 actions, and the KMS actions S3 asks for as the caller
#: (PutObject: kms:GenerateDataKey; GetObject and multipart parts: kms:Decrypt;
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
UPLOADER_NEEDS = ("s3:PutObject", "s3:GetObject", "kms:GenerateDataKey", "kms:Decrypt")
#: A writer uploads (single and multipart) and never reads.
WRITER_NEEDS = ("s3:PutObject", "kms:GenerateDataKey", "kms:Decrypt")
#: Tolerated for multipart uploads (cleaning up an upload, listing its parts).
MULTIPART_EXTRA = ("s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
#: What S3 asks a key for on the role's behalf (a key-policy statement for the role).
S3_KMS_NEEDS = ("kms:GenerateDataKey", "kms:Decrypt")

_EXTRA = ("kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
          "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateMac", "kms:Sign", "kms:Verify", "kms:RetireGrant",
          "s3:DeleteObjectVersion", "s3:GetObjectVersion", "s3:PutObjectAcl", "s3:PutBucketAcl",
          "s3:RestoreObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload")
CATALOGUE: tuple[str, ...] = tuple(sorted({op.action for table in (S3_OPERATIONS, KMS_OPERATIONS, IAM_OPERATIONS,
                                                                    STS_OPERATIONS) for op in table.values()}
                                          | set(_EXTRA)))


def statements(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, (str, bytes)):
        doc = json.loads(doc)
    sts = doc.get("Statement", [])
    return [sts] if isinstance(sts, dict) else list(sts)


def _list(v: Any) -> list[str]:
    return [v] if isinstance(v, str) else list(v or [])


def excess(doc: Any, needed: Iterable[str], allowed_extra: Iterable[str] = (), resources: bool = True,
           only: Any = None) -> list[str]:
    """Sentences naming what the Allow statements of ``doc`` grant beyond ``needed`` (plus ``allowed_extra``,
    tolerated but not required). ``only``: a predicate on a statement (e.g. the statements naming the role in
    a key policy); ``resources``: also flag a bare ``*`` Resource. Empty when nothing is too broad."""
    ok = set(needed) | set(allowed_extra)
    out = []
    for st in statements(doc):
        if st.get("Effect") != "Allow" or (only is not None and not only(st)):
            continue
        if "NotAction" in st:
            out.append(_("an Allow with NotAction grants every action it does not list"))
            continue
        for pattern in _list(st.get("Action")):
            beyond = [a for a in CATALOGUE if action_matches(pattern, a) and a not in ok]
            if beyond:
                shown = ", ".join(beyond[:6])
                if len(beyond) > 6:
                    shown = _("{actions} and {count} more").format(actions=shown, count=len(beyond) - 6)
                if any(action_matches(pattern, a) for a in ok):
                    what = _("Action {pattern} also grants {actions}, which the job never calls")
                else:
                    what = _("Action {pattern} grants {actions}, which the job never calls")
                out.append(what.format(pattern=repr(pattern), actions=shown))
        if resources and "*" in _list(st.get("Resource")):
            out.append(_("Resource '*' reaches every bucket or key of the account, not just the ones the job uses"))
    return out
