"""Principals in resource-based and trust policies are bound to the principal's unique id (rule PRIN-2).

IAM: "If your Principal element in a role trust policy contains an ARN that points to a specific IAM role, then
that ARN transforms to the role's unique principal ID when you save the policy. ... If you delete the role, then
you break the relationship. ... If you re-create the role, ... the new role has a different principal ID" and the
policy shows that id where the ARN was; the same holds for users and for resource-based policies
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).

The lab keeps the documents as written while the principal exists and, when IAM deletes the user or role, puts
its unique id (``AIDA...`` / ``AROA...``) in place of its ARN in every bucket policy, key policy and role trust
policy, so the grant no longer applies to anyone (a user or role created again with the same name gets a new
id) and reading the policy back shows the id, as AWS does. A unique id matches no caller in the engine, and
saving a document that names one is refused ("Invalid principal in policy"), as the services refuse it.
"""
from __future__ import annotations

import json
from typing import Any

from .moto_seam import MotoState

__all__ = ["replace_principal", "unbind_deleted_principal"]


def _replace(value: Any, arn: str, unique_id: str) -> tuple[Any, bool]:
    if isinstance(value, str):
        return (unique_id, True) if value == arn else (value, False)
    if isinstance(value, list):
        out, hit = [], False
        for v in value:
            nv, h = _replace(v, arn, unique_id)
            out.append(nv)
            hit |= h
        return out, hit
    return value, False


def replace_principal(text: str, arn: str, unique_id: str) -> str | None:
    """``text`` (a policy document) with every ``Principal``/``NotPrincipal`` ``AWS`` entry equal to ``arn``
    replaced by ``unique_id``; None when the document does not name ``arn`` (or is not JSON). Conditions
    (``aws:PrincipalArn``...) are not principals and keep the ARN."""
    if arn not in text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    changed = False
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict):
            continue
        for element in ("Principal", "NotPrincipal"):
            principal = st.get(element)
            if isinstance(principal, dict) and "AWS" in principal:
                principal["AWS"], hit = _replace(principal["AWS"], arn, unique_id)
                changed |= hit
    return json.dumps(doc) if changed else None


def unbind_deleted_principal(state: MotoState, arn: str, unique_id: str) -> int:
    """IAM deleted the user or role ``arn`` whose unique id was ``unique_id``: put the id in place of the ARN in
    every bucket policy, key policy and trust policy. Returns how many documents changed."""
    return state.rewrite_policy_documents(lambda text: replace_principal(text, arn, unique_id))
