"""The decision: AWS's policy evaluation logic over identity-based and resource-based policies.

Rules implemented, each with the AWS page it follows:
- everything starts implicitly denied; a matching Deny in any policy is an explicit deny
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- same account: identity-based OR resource-based Allow suffices; a resource policy that names
  a user or session grants directly, one that names a role is capped by the permissions boundary and
  session policy, one that names the account delegates to IAM
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
- cross-account: identity-based AND resource-based Allow
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
- KMS key policies and role trust policies must themselves allow; IAM policies only count when the key
  (trust) policy names the account https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
- permissions boundaries and session policies intersect with identity-based policies
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
- SCPs cap every principal of a member account, the root user included
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .outcomes import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY
from .policy import Policy, PolicyKind, Statement
from .principal import ANONYMOUS, FEDERATED, ROOT, SERVICE, Caller
from .statements import (GRANT_ACCOUNT as _GRANT_ACCOUNT, GRANT_DIRECT as _GRANT_DIRECT, GRANT_ROLE as _GRANT_ROLE,
                         conditions_hold, grant_kinds, principal_grant, statement_targets)

__all__ = ["Request", "PolicySet", "Decision", "authorize", "ALLOWED", "EXPLICIT_DENY", "IMPLICIT_DENY",
           # re-exported for existing importers; they live in .statements
           "statement_targets", "conditions_hold", "principal_grant", "grant_kinds", "ANONYMOUS_SERVICES"]

# Services that serve unsigned (anonymous) requests at all. KMS, IAM and STS require every request to be
# signed with SigV4 (https://docs.aws.amazon.com/kms/latest/developerguide/requests-and-responses.html,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html), so no policy, not even
# ``Principal "*"``, can grant them to an anonymous caller; S3 serves anonymous requests a resource-based
# policy allows (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html).
ANONYMOUS_SERVICES = frozenset({"s3"})


@dataclass
class Request:
    """What is asked: caller, action, resource and the request context.

    action: ``service:Action`` (e.g. ``s3:PutObject``); resource: the resource ARN (``*`` for none);
    context: condition keys, lower-cased name -> list of string values (absent key = not in the request);
    resource_account: the account owning the resource ("" when unknown: taken as the caller's account).
    """

    caller: Caller
    action: str
    resource: str
    context: dict[str, list[str]] = field(default_factory=dict)
    resource_account: str = ""

    @property
    def same_account(self) -> bool:
        return not self.resource_account or self.resource_account == self.caller.account


@dataclass
class PolicySet:
    """The policies that apply to one request.

    identity: the caller's identity-based policies (inline and managed, user's groups included);
    boundary: permissions boundary or None; session: session policies passed when the session was made
    (empty: none); resource: the bucket policy, key policy or trust policy, or None; scps: one policy list
    per organization level (each level must allow).
    """

    identity: Sequence[Policy] = ()
    boundary: Policy | None = None
    session: Sequence[Policy] = ()
    resource: Policy | None = None
    scps: Sequence[Sequence[Policy]] = ()


@dataclass
class Decision:
    """The outcome of :func:`authorize`.

    effect: ``allowed`` / ``explicitDeny`` / ``implicitDeny`` (the IAM simulator's EvalDecision).
    policy_type: the policy type AWS names in the error (``identity-based policy``, ``resource-based
    policy``, ``permissions boundary``, ``session policy``, ``service control policy``, ``role trust policy``).
    deciding: the (policy, statement) pairs that decided: the Deny statements for an explicit deny,
    the Allow statements that granted for an allow, empty for an implicit deny.
    """

    effect: str
    policy_type: str
    rule: str
    deciding: list[tuple[Policy, Statement]]
    request: Request
    policies: PolicySet

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOWED

    def message(self, quote_resource: bool = False) -> str:
        """The AWS access-denied sentence (TSAD): ``User: ... is not authorized to perform: ...``."""
        caller = self.request.caller
        who = caller.arn if not caller.is_anonymous else "anonymous"
        res = self.request.resource
        on = f' on resource: "{res}"' if quote_resource else f" on resource: {res}"
        if res in ("", "*"):
            on = ""
        if self.effect == EXPLICIT_DENY or self.policy_type == PolicyKind.SCP.value:
            # An SCP denial always reads "explicit deny", even when it is only a missing Allow (TSAD).
            article = "an" if self.policy_type[0] in "aeiou" else "a"
            why = f"with an explicit deny in {article} {self.policy_type}"
        else:
            why = f"because no {self.policy_type} allows the {self.request.action} action"
        return f"User: {who} is not authorized to perform: {self.request.action}{on} {why}"

    # Compatibility only: the explainer is a separate layer. New code calls
    # s3kms_lab.engine.explain.explain(decision) / summarize(decision); these two remain while callers
    # outside the engine (endpoint, widgets, checker, exercises) still use the method form.
    def explain(self):
        """Same as :func:`s3kms_lab.engine.explain.explain` applied to this decision."""
        from .explain import explain
        return explain(self)

    def summary(self) -> str:
        """Same as :func:`s3kms_lab.engine.explain.summarize` applied to this decision."""
        from .explain import summarize
        return summarize(self)


# Policy-type names AWS uses in messages (read once: Enum .value goes through a descriptor each time).
_SCP, _TRUST, _IDENTITY = PolicyKind.SCP.value, PolicyKind.TRUST.value, PolicyKind.IDENTITY.value
_BOUNDARY, _SESSION, _RESOURCE = PolicyKind.BOUNDARY.value, PolicyKind.SESSION.value, "resource-based policy"

# --------------------------------------------------------------------------- statement matching

def _matching(policies: Iterable[Policy], req: Request, effect: str) -> list[tuple[Policy, Statement]]:
    out = []
    ctx = req.context
    for pol in policies:
        for st in pol.statements:
            if st.effect == effect and statement_targets(st, pol, req) and conditions_hold(st, pol, ctx):
                out.append((pol, st))
    return out


def _resource_matching(policy: Policy | None, req: Request, effect: str,
                       has_boundary: bool = False) -> list[tuple[Policy, Statement, str]]:
    if policy is None:
        return []
    out = []
    caller = req.caller
    for st in policy.statements:
        if st.effect != effect or not statement_targets(st, policy, req):
            continue
        grant = principal_grant(st, caller, has_boundary)
        if grant is not None and conditions_hold(st, policy, req.context):
            out.append((policy, st, grant))
    return out


# --------------------------------------------------------------------------- the decision

def authorize(req: Request, policies: PolicySet) -> Decision:
    """Decide one request the way AWS does.

    req: the :class:`Request`; policies: the :class:`PolicySet` that applies to it.
    Returns a :class:`Decision` (never raises for a well-formed request). The explanation is built
    lazily by :meth:`Decision.explain`, so this path stays fast.
    """
    caller = req.caller

    def done(decision: str, ptype: str, rule: str, deciding: list[tuple[Policy, Statement]]) -> Decision:
        return Decision(decision, ptype, rule, deciding, req, policies)

    res_kind = policies.resource.kind if policies.resource is not None else None

    # 1. Explicit deny anywhere ends evaluation.
    for level in policies.scps:
        denies = _matching(level, req, "Deny")
        if denies:
            return done(EXPLICIT_DENY, _SCP, "explicit-deny", denies)
    # A boundary in the policy set means the caller has one (the NotPrincipal trap:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
    res_denies = _resource_matching(policies.resource, req, "Deny", policies.boundary is not None)
    if res_denies:
        return done(EXPLICIT_DENY, _RESOURCE if res_kind is not PolicyKind.TRUST else _TRUST,
                    "explicit-deny", [(p, s) for p, s, _ in res_denies])
    for group, ptype in ((policies.identity, _IDENTITY),
                         ([policies.boundary] if policies.boundary else [], _BOUNDARY),
                         (policies.session, _SESSION)):
        denies = _matching(group, req, "Deny")
        if denies:
            return done(EXPLICIT_DENY, ptype, "explicit-deny", denies)

    # 2. SCPs must allow at every level. A missing Allow is an implicit deny (EVAL, "Organizations SCPs"
    #    step), although the error message words it as an explicit deny in an SCP (TSAD; see message()).
    for level in policies.scps:
        if not _matching(level, req, "Allow"):
            return done(IMPLICIT_DENY, _SCP, "scp-no-allow", [])

    # 3. Allows.
    is_root = caller.kind == ROOT
    id_allows = _matching(policies.identity, req, "Allow")
    boundary_ok = policies.boundary is None or bool(_matching([policies.boundary], req, "Allow"))
    if policies.session:
        session_ok = bool(_matching(policies.session, req, "Allow"))
    else:
        # A role session without a session policy keeps its role's permissions; a federated-user session
        # (GetFederationToken) without one is implicitly denied (EVAL, "Session policies" step).
        session_ok = caller.kind != FEDERATED
    identity_ok = (bool(id_allows) or is_root) and boundary_ok and session_ok
    res_allows = _resource_matching(policies.resource, req, "Allow")
    direct = [(p, s) for p, s, g in res_allows if g == _GRANT_DIRECT]
    role = [(p, s) for p, s, g in res_allows if g == _GRANT_ROLE]
    account = [(p, s) for p, s, g in res_allows if g == _GRANT_ACCOUNT]
    capped_role_ok = role and boundary_ok and session_ok

    def identity_shortfall() -> Decision:
        # A resource-policy grant to the caller's role was cut down: the boundary / session policy is the cause.
        if role and not boundary_ok:
            return done(IMPLICIT_DENY, _BOUNDARY, "boundary-cap", [])
        if role and not session_ok:
            return done(IMPLICIT_DENY, _SESSION, "session-cap", [])
        if not (id_allows or is_root):
            return done(IMPLICIT_DENY, _IDENTITY, "no-identity-allow", [])
        if not boundary_ok:
            return done(IMPLICIT_DENY, _BOUNDARY, "boundary-cap", [])
        return done(IMPLICIT_DENY, _SESSION, "session-cap", [])

    if caller.kind == ANONYMOUS:
        if req.action.partition(":")[0].lower() not in ANONYMOUS_SERVICES:
            return done(IMPLICIT_DENY, _RESOURCE, "anonymous-unsigned-service", [])
        if direct:
            return done(ALLOWED, _RESOURCE, "resource-allow", direct)
        return done(IMPLICIT_DENY, _RESOURCE, "anonymous-no-allow", [])
    if caller.kind == SERVICE:
        # An AWS service principal has no identity policies and no account of its own: a resource policy
        # (or trust policy) naming it is what grants access (PRIN, "AWS service principals").
        gate = _TRUST if res_kind is PolicyKind.TRUST else _RESOURCE
        if direct:
            return done(ALLOWED, gate, "resource-allow", direct)
        return done(IMPLICIT_DENY, gate, "no-resource-allow", [])

    if res_kind in (PolicyKind.KEY, PolicyKind.TRUST):
        # The key policy / trust policy is the gate; IAM counts only through an account statement.
        gate = _RESOURCE if res_kind is PolicyKind.KEY else _TRUST
        if req.same_account and direct:
            return done(ALLOWED, gate, "resource-allow", direct)
        if req.same_account and capped_role_ok:
            return done(ALLOWED, gate, "resource-allow-role", role)
        if not res_allows:
            return done(IMPLICIT_DENY, gate, "no-resource-allow", [])
        if identity_ok:
            return done(ALLOWED, _IDENTITY, "identity-allow-delegated", id_allows + (direct or role or account))
        return identity_shortfall()

    if req.same_account:
        if direct:
            return done(ALLOWED, _RESOURCE, "resource-allow", direct)
        if capped_role_ok:
            return done(ALLOWED, _RESOURCE, "resource-allow-role", role)
        if identity_ok:
            return done(ALLOWED, _IDENTITY, "identity-allow", id_allows)
        return identity_shortfall()

    # Cross-account: both sides must allow.
    if not res_allows:
        if not identity_ok:
            return identity_shortfall()
        return done(IMPLICIT_DENY, _RESOURCE, "cross-account-no-resource-allow", [])
    if not identity_ok:
        return identity_shortfall()
    return done(ALLOWED, _IDENTITY, "cross-account-allow", id_allows + (direct or role or account))

