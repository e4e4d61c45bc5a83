"""Policy validation as strict as the service that stores the policy (issue 11 kind 7, rules POL-3 to POL-5).

- S3 refuses a bucket policy over 20 KB (400 PolicyTooLarge), one whose Resource is outside the bucket ("Policy has invalid
  resource") and one with an action S3 does not have ("Policy has invalid action") (400 MalformedPolicy)
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html);
- IAM refuses inline policies beyond the aggregate size quota of their user (2,048), role (10,240) or group
  (5,120 characters), and managed policies over 6,144 characters, whitespace not counted, with 409
  ``LimitExceeded`` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html);
- KMS refuses key policies over 32 KB (32,768 characters) with ``ValidationException``
  (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html).
Action names come from the Service Authorization Reference (:mod:`..iam_actions`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ...engine.matching import glob_match
from ..errors import AwsError
from ..iam_actions import ACTIONS

__all__ = ["BUCKET_POLICY_MAX_BYTES", "KEY_POLICY_MAX_CHARS", "INLINE_POLICY_MAX", "MANAGED_POLICY_MAX",
           "check_bucket_policy_size", "check_bucket_policy_statements", "check_key_policy_size",
           "check_iam_policy_size", "policy_size"]

BUCKET_POLICY_MAX_BYTES = 20 * 1024
KEY_POLICY_MAX_CHARS = 32768
INLINE_POLICY_MAX = {"user": 2048, "role": 10240, "group": 5120}
MANAGED_POLICY_MAX = 6144
_WHITESPACE = re.compile(r"\s+")


def policy_size(text: str) -> int:
    """IAM's size of a policy document: characters, whitespace not counted."""
    return len(_WHITESPACE.sub("", text))


def _malformed(message: str) -> AwsError:
    return AwsError("s3", "MalformedPolicy", message, 400)


def check_bucket_policy_size(text: str) -> None:
    """S3: a bucket policy is at most 20 KB (the endpoint already refuses a larger body when it reads the request,
    :mod:`..bad_input`; this keeps the planner's own callers, the checker and the widgets, as strict)."""
    if len(text.encode()) > BUCKET_POLICY_MAX_BYTES:
        raise AwsError("s3", "PolicyTooLarge", "Policy exceeds the maximum allowed document size.", 400)


@lru_cache(maxsize=1024)
def _known_s3_action(pattern: str) -> bool:
    if pattern == "*":
        return True
    service, _, name = pattern.partition(":")
    if service.lower() != "s3" or not name:
        return False
    return any(glob_match(name, a, ignore_case=True) for a in ACTIONS["s3"])


def _in_bucket(resource: str, bucket: str) -> bool:
    if not resource.startswith("arn:aws:s3:::"):
        return False
    bucket_part = resource[len("arn:aws:s3:::"):].split("/", 1)[0]
    return glob_match(bucket_part, bucket)


def check_bucket_policy_statements(policy: Any, bucket: str) -> None:
    """S3: every action is an S3 action (or ``*``) and every resource is the bucket or its objects."""
    for st in policy.statements:
        if not all(_known_s3_action(a) for a in st.actions):
            raise _malformed("Policy has invalid action")
        if st.resources is not None and not all(_in_bucket(r, bucket) for r in st.resources):
            raise _malformed("Policy has invalid resource")


def check_key_policy_size(text: str) -> None:
    """KMS: a key policy is at most 32,768 characters."""
    if len(text) > KEY_POLICY_MAX_CHARS:
        raise AwsError("kms", "ValidationException", "1 validation error detected: Value at 'policy' failed to "
                       f"satisfy constraint: Member must have length less than or equal to {KEY_POLICY_MAX_CHARS}", 400)


def check_iam_policy_size(kind: str, name: str, text: str, others: list[str] | None = None) -> None:
    """IAM: ``kind`` ``user``/``role``/``group`` (inline: ``others`` = the entity's other inline policies, the
    quota is on their sum) or ``managed``. Raises AwsError LimitExceeded (409)."""
    if kind == "managed":
        if policy_size(text) > MANAGED_POLICY_MAX:
            raise AwsError("iam", "LimitExceeded", f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX}", 409)
        return
    limit = INLINE_POLICY_MAX[kind]
    if policy_size(text) + sum(policy_size(o) for o in others or ()) > limit:
        raise AwsError("iam", "LimitExceeded", f"Maximum policy size of {limit} bytes exceeded for {kind} {name}", 409)
