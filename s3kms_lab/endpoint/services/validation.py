"""Checks the services make when a policy is saved (shared by S3, KMS and IAM)."""
from __future__ import annotations

from typing import Any

from ...engine import MalformedPolicyError, PolicyKind
from ..moto_seam import MotoState

__all__ = ["check_principals_exist"]


def check_principals_exist(state: MotoState, policy: Any) -> None:
    """IAM users and roles named as principals must exist when the policy is saved (rule POL-2,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html): KMS answers
    "Policy contains a statement with one or more invalid principals.", S3 "Invalid principal in policy".
    Account ids, session ARNs, "*" and service principals are not looked up. Raises MalformedPolicyError."""
    for st in policy.statements:
        for spec in st.principals or ():
            v = spec.value
            if spec.type != "AWS" or not v.startswith("arn:aws:iam::"):
                continue
            parts = v.split(":", 5)
            account, resource = parts[4], parts[5]
            missing = False
            if resource.startswith("user/"):
                missing = not state.user_exists(account, resource.rsplit("/", 1)[-1])
            elif resource.startswith("role/"):
                missing = state.role_trust_policy(v) is None
            if missing:
                message = ("Policy contains a statement with one or more invalid principals."
                           if policy.kind is PolicyKind.KEY else f"Invalid principal in policy: {v} does not exist")
                raise MalformedPolicyError(policy.kind, message)
