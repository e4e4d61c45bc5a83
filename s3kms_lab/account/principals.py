"""Which IAM users and roles a policy names.

A policy names a principal in its ``Principal`` / ``NotPrincipal`` element (resource-based and trust policies),
in condition values such as ``aws:PrincipalArn`` and in ``Resource`` (e.g. ``sts:AssumeRole`` on a role ARN in
an identity-based policy). ARN forms follow the IAM identifiers reference
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns): ``user/PATH/NAME``,
``role/PATH/NAME``, an assumed-role session ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` (which names its
role), the account as ``arn:aws:iam::ACCOUNT:root`` or a bare 12-digit account id
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

__all__ = ["NamedPrincipal", "parse_principal_arn", "named_in"]

_IAM = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):(user|role)/(?:[^*?]*/)?([^/*?]+)$")
_SESSION = re.compile(r"^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/*?]+)/[^*?]+$")
_ROOT = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):root$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True, order=True)
class NamedPrincipal:
    """kind: ``user``, ``role`` or ``account`` (a whole account: root ARN or account id); name: the user or role
    name ('' for an account). ``arn``: the principal ARN as ``aws:PrincipalArn`` carries it (without path)."""

    kind: str
    account: str
    name: str = ""

    @property
    def arn(self) -> str:
        if self.kind == "account":
            return f"arn:aws:iam::{self.account}:root"
        return f"arn:aws:iam::{self.account}:{self.kind}/{self.name}"


def parse_principal_arn(value: str) -> NamedPrincipal | None:
    """The user, role or account a string names, or None (wildcards, services, unique ids, anything else)."""
    if not isinstance(value, str):
        return None
    if m := _IAM.match(value):
        return NamedPrincipal(m.group(3), m.group(2), m.group(4))
    if m := _SESSION.match(value):
        return NamedPrincipal("role", m.group(2), m.group(3))
    if m := _ROOT.match(value):
        return NamedPrincipal("account", m.group(2))
    if _ACCOUNT.match(value):
        return NamedPrincipal("account", value)
    return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def named_in(policy: str | dict[str, Any]) -> set[NamedPrincipal]:
    """Every user, role and account the policy names (Principal, NotPrincipal, Condition values, Resource).
    A policy that is not valid JSON names nothing (the scenario loader reports it)."""
    try:
        doc = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        return set()
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    out: set[NamedPrincipal] = set()
    for st in statements:
        if not isinstance(st, dict):
            continue
        for element in ("Principal", "NotPrincipal"):
            p = st.get(element)
            if isinstance(p, dict):
                out |= {n for v in _strings(p.get("AWS", [])) if (n := parse_principal_arn(v))}
        for element in ("Condition", "Resource", "NotResource"):
            # an account id in a condition value or resource is not a principal (could be anything)
            for v in _strings(st.get(element, [])):
                n = parse_principal_arn(v)
                if n is not None and (n.kind != "account" or v.startswith("arn:")):
                    out.add(n)
    return out
