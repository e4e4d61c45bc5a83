"""Who is asking: the requesting principal, as the authorization engine sees it.

ARN shapes and context-key values follow
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
(``aws:PrincipalArn`` is the role ARN for a role session, the user ARN for a user).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

__all__ = ["Caller", "ROOT", "USER", "ASSUMED_ROLE", "ROLE", "FEDERATED", "ANONYMOUS", "SERVICE"]

ROOT = "Account"
USER = "User"
ASSUMED_ROLE = "AssumedRole"
ROLE = "Role"  # a role ARN used directly (the IAM simulator's CallerArn); no session
FEDERATED = "FederatedUser"
ANONYMOUS = "Anonymous"
SERVICE = "Service"


@dataclass(frozen=True)
class Caller:
    """The requesting principal.

    kind: one of ``Account`` (root user), ``User``, ``AssumedRole``, ``Role``, ``FederatedUser``,
    ``Anonymous``, ``Service``.
    arn: the principal's own ARN (session ARN for a role session; ``""`` when anonymous).
    account: 12-digit account id (``""`` when anonymous).
    role_arn: for a role session, the role's ARN (with path); else ``""``.
    unique_id: ``aws:userid`` (``AIDA...`` for users, ``AROA...:session`` for sessions).
    tags: principal tags (``aws:PrincipalTag/...``).
    has_boundary: a permissions boundary is attached (a Deny with NotPrincipal then always applies:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
    """

    kind: str
    arn: str = ""
    account: str = ""
    name: str = ""
    role_arn: str = ""
    session_name: str = ""
    unique_id: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    has_boundary: bool = False
    mfa: bool | None = None

    @property
    def principal_arn(self) -> str:
        """Value of ``aws:PrincipalArn``: the role ARN for sessions, the caller's ARN otherwise."""
        if self.kind == ASSUMED_ROLE:
            return self.role_arn
        if self.kind == ROOT:
            return f"arn:aws:iam::{self.account}:root"
        return self.arn

    @property
    def is_anonymous(self) -> bool:
        return self.kind == ANONYMOUS

    def identity_chain(self) -> tuple[str, ...]:
        """ARNs that a ``Principal``/``NotPrincipal`` entry may name for this caller, outermost first."""
        acct = f"arn:aws:iam::{self.account}:root" if self.account else ""
        if self.kind == ASSUMED_ROLE:
            return (acct, self.role_arn, self.arn)
        if self.kind in (USER, ROLE, FEDERATED):
            return (acct, self.arn)
        if self.kind == ROOT:
            return (acct,)
        return ()

    def global_context(self) -> dict[str, list[str]]:
        """The ``aws:Principal*`` / ``aws:userid`` / ``aws:username`` keys this caller puts in a request."""
        ctx: dict[str, list[str]] = {"aws:principaltype": [self.kind]}
        if self.kind == ANONYMOUS:
            ctx["aws:userid"] = ["anonymous"]
            return ctx
        if self.kind == SERVICE:
            ctx["aws:principalservicename"] = [self.arn]
            return ctx
        ctx["aws:principalarn"] = [self.principal_arn]
        ctx["aws:principalaccount"] = [self.account]
        ctx["aws:userid"] = [self.unique_id or (self.account if self.kind == ROOT else self.arn)]
        if self.kind == USER:
            ctx["aws:username"] = [self.name]
        for k, v in self.tags.items():
            ctx[f"aws:principaltag/{k.lower()}"] = [v]
        if self.mfa is not None:
            ctx["aws:multifactorauthpresent"] = ["true" if self.mfa else "false"]
        return ctx


def caller_from_arn(arn: str, unique_id: str = "") -> Caller:
    """Build a :class:`Caller` from a principal ARN (user, role, assumed-role session, root, federated).

    Raises ValueError for an ARN that names no principal.
    """
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"{arn!r} is not a principal ARN")
    service, account, res = parts[2], parts[4], parts[5]
    if service == "iam" and res == "root":
        return Caller(ROOT, arn, account, name="root", unique_id=account)
    if service == "iam" and res.startswith("user/"):
        return Caller(USER, arn, account, name=res.rsplit("/", 1)[-1], unique_id=unique_id)
    if service == "iam" and res.startswith("role/"):
        return Caller(ROLE, arn, account, name=res.rsplit("/", 1)[-1], role_arn=arn, unique_id=unique_id)
    if service == "sts" and res.startswith("assumed-role/"):
        _, role, session = res.split("/", 2)
        return Caller(ASSUMED_ROLE, arn, account, name=role, session_name=session,
                      role_arn=f"arn:aws:iam::{account}:role/{role}", unique_id=unique_id)
    if service == "sts" and res.startswith("federated-user/"):
        return Caller(FEDERATED, arn, account, name=res.split("/", 1)[1], unique_id=unique_id)
    raise ValueError(f"{arn!r} is not a principal ARN")
