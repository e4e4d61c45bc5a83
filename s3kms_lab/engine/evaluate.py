"""The decision: AWS's policy evaluation logic over identity-based and resource-based policies.

Rules implemented (each from AWS documentation; numbers refer to ``shared/aws-facts.md``):
- everything starts implicitly denied; a matching Deny in any policy is an explicit deny (1-3)
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- same account: identity-based OR resource-based Allow suffices (4); a resource policy that names
  a user or session grants directly, one that names a role is capped by the permissions boundary and
  session policy, one that names the account delegates to IAM (6-8, 12, 20)
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
- cross-account: identity-based AND resource-based Allow (11)
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
- KMS key policies and role trust policies must themselves allow; IAM policies only count when the key
  (trust) policy names the account (5, 62-65) https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
- permissions boundaries and session policies intersect with identity-based policies (13-15)
- SCPs cap every principal of a member account, the root user included (16)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from .conditions import evaluate_condition
from .matching import glob_match, glob_regex
from .policy import Policy, PolicyKind, PrincipalSpec, Statement
from .principal import ANONYMOUS, ASSUMED_ROLE, FEDERATED, ROLE, ROOT, SERVICE, Caller
from .variables import Unresolved, has_variables, substitute

__all__ = ["Request", "PolicySet", "Decision", "authorize", "ALLOWED", "EXPLICIT_DENY", "IMPLICIT_DENY"]

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"

# How a resource-policy statement's Principal matched the caller.
_GRANT_DIRECT = "direct"  # user ARN, session ARN or "*": not capped by boundary/session policy (6, 8, 23)
_GRANT_ROLE = "role"  # role ARN: reaches sessions, capped by boundary / session policy (7)
_GRANT_ACCOUNT = "account"  # account id / :root ARN: delegation to the account's IAM policies (20)


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

    def explain(self) -> "Explanation":
        """Full trace (second pass, built only when asked for): see :mod:`s3kms_lab.engine.explain`."""
        from .explain import explain
        return explain(self)

    def summary(self) -> str:
        """One plain-English sentence naming the rule and the deciding statement."""
        from .explain import summarize
        return summarize(self)


# --------------------------------------------------------------------------- statement matching

def _resource_matches(patterns: Iterable[str], resource: str, policy: Policy, ctx: Mapping[str, Sequence[str]]) -> bool:
    for pat in patterns:
        if policy.variables_enabled and has_variables(pat):
            try:
                pat = substitute(pat, ctx, glob=True)
            except Unresolved:
                continue  # an unresolved variable makes this ARN match nothing (VARS)
        if pat == "*" or glob_match(pat, resource):
            return True
    return False


def _union_regex(patterns: Iterable[str], ignore_case: bool) -> re.Pattern[str]:
    """One anchored regex matching any of the IAM globs (one match call instead of a loop)."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{glob_regex(p, ignore_case).pattern})" for p in patterns), flags)


def _compiled(st: Statement, policy: Policy) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """The statement's Action and (variable-free) Resource globs compiled once, cached on the statement."""
    cached = st.__dict__.get("_compiled")
    if cached is None:
        resources = st.resources
        static = resources is not None and not (policy.variables_enabled and any(has_variables(r) for r in resources))
        cached = (_union_regex(st.actions, True), _union_regex(resources, False) if static else None)
        st.__dict__["_compiled"] = cached
    return cached


def statement_targets(st: Statement, policy: Policy, req: Request) -> bool:
    """Action and Resource (or their Not- forms) cover the request."""
    action_rx, resource_rx = _compiled(st, policy)
    hit = action_rx.match(req.action) is not None
    if hit == st.not_action:
        return False
    if st.resources is None:  # key policies and trust policies: the statement is about this resource
        # Trust policies need no Resource; a key-policy statement without one is ineffective (KPOV).
        return policy.kind is PolicyKind.TRUST
    if resource_rx is not None:
        hit = resource_rx.match(req.resource) is not None
    else:
        hit = _resource_matches(st.resources, req.resource, policy, req.context)
    return hit != st.not_resource


def conditions_hold(st: Statement, policy: Policy, ctx: Mapping[str, Sequence[str]]) -> bool:
    variables = policy.variables_enabled
    for cond in st.conditions:
        if not evaluate_condition(cond, ctx, variables):
            return False
    return True


def _spec_matches(spec: PrincipalSpec, caller: Caller) -> str | None:
    """How one Principal entry matches the caller: grant kind, or None."""
    if spec.type == "Service":
        return _GRANT_DIRECT if caller.kind == SERVICE and spec.value == caller.arn else None
    if spec.type != "AWS":
        return None  # Federated / CanonicalUser principals are not modelled callers
    if spec.value == "*":
        return _GRANT_DIRECT
    if caller.is_anonymous or caller.kind == SERVICE:
        return None
    acct = spec.account
    if acct is not None:
        return _GRANT_ACCOUNT if acct == caller.account else None
    if spec.value == caller.arn:
        return _GRANT_ROLE if caller.kind == ROLE else _GRANT_DIRECT
    if caller.kind == ASSUMED_ROLE and spec.value == caller.role_arn:
        return _GRANT_ROLE
    return None


def principal_grant(st: Statement, caller: Caller, has_boundary: bool = False) -> str | None:
    """For a resource-policy statement: the grant kind when its Principal/NotPrincipal covers the caller.

    has_boundary: a permissions boundary applies to the request (in addition to ``caller.has_boundary``).
    """
    if st.principals is None:
        return _GRANT_DIRECT
    if not st.not_principal:
        best = None
        for spec in st.principals:
            kind = _spec_matches(spec, caller)
            if kind == _GRANT_DIRECT:
                return kind
            if kind == _GRANT_ROLE or (kind == _GRANT_ACCOUNT and best is None):
                best = kind
        return best
    # NotPrincipal: the caller is exempt only when every layer of its identity is listed (NOTPRIN, fact 29);
    # a caller with a permissions boundary is never exempt from a Deny (fact 18).
    if st.effect == "Deny" and (caller.has_boundary or has_boundary):
        return _GRANT_DIRECT
    listed = {s.value for s in st.principals if s.type == "AWS"}
    listed |= {f"arn:aws:iam::{s.value}:root" for s in st.principals if s.type == "AWS" and s.account == s.value}
    chain = [c for c in caller.identity_chain() if c]
    if chain and all(c in listed for c in chain):
        return None
    return _GRANT_DIRECT


def _applies(st: Statement, policy: Policy, req: Request) -> bool:
    return statement_targets(st, policy, req) and conditions_hold(st, policy, req.context)


def _matching(policies: Iterable[Policy], req: Request, effect: str) -> list[tuple[Policy, Statement]]:
    out = []
    for pol in policies:
        for st in pol.statements:
            if st.effect == effect and _applies(st, pol, req):
                out.append((pol, st))
    return out


def _resource_matching(policy: Policy | None, req: Request, effect: str,
                       has_boundary: bool = False) -> list[tuple[Policy, Statement, str]]:
    if policy is None:
        return []
    out = []
    for st in policy.statements:
        if st.effect != effect:
            continue
        grant = principal_grant(st, req.caller, has_boundary)
        if grant is None:
            continue
        if _applies(st, policy, req):
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
            return done(EXPLICIT_DENY, PolicyKind.SCP.value, "explicit-deny", denies)
    # A boundary in the policy set means the caller has one (NotPrincipal trap, fact 18).
    res_denies = _resource_matching(policies.resource, req, "Deny", policies.boundary is not None)
    if res_denies:
        return done(EXPLICIT_DENY, "resource-based policy" if res_kind is not PolicyKind.TRUST else PolicyKind.TRUST.value,
                    "explicit-deny", [(p, s) for p, s, _ in res_denies])
    for group, ptype in ((policies.identity, PolicyKind.IDENTITY.value),
                         ([policies.boundary] if policies.boundary else [], PolicyKind.BOUNDARY.value),
                         (policies.session, PolicyKind.SESSION.value)):
        denies = _matching(group, req, "Deny")
        if denies:
            return done(EXPLICIT_DENY, ptype, "explicit-deny", denies)

    # 2. SCPs must allow at every level. A missing Allow is an implicit deny (EVAL, "Organizations SCPs"
    #    step), although the error message words it as an explicit deny in an SCP (TSAD; see message()).
    for level in policies.scps:
        if not _matching(level, req, "Allow"):
            return done(IMPLICIT_DENY, PolicyKind.SCP.value, "scp-no-allow", [])

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
            return done(IMPLICIT_DENY, PolicyKind.BOUNDARY.value, "boundary-cap", [])
        if role and not session_ok:
            return done(IMPLICIT_DENY, PolicyKind.SESSION.value, "session-cap", [])
        if not (id_allows or is_root):
            return done(IMPLICIT_DENY, PolicyKind.IDENTITY.value, "no-identity-allow", [])
        if not boundary_ok:
            return done(IMPLICIT_DENY, PolicyKind.BOUNDARY.value, "boundary-cap", [])
        return done(IMPLICIT_DENY, PolicyKind.SESSION.value, "session-cap", [])

    if caller.kind == ANONYMOUS:
        if direct:
            return done(ALLOWED, "resource-based policy", "resource-allow", direct)
        return done(IMPLICIT_DENY, "resource-based policy", "anonymous-no-allow", [])
    if caller.kind == SERVICE:
        # An AWS service principal has no identity policies and no account of its own: a resource policy
        # (or trust policy) naming it is what grants access (PRIN, "AWS service principals").
        gate = PolicyKind.TRUST.value if res_kind is PolicyKind.TRUST else "resource-based policy"
        if direct:
            return done(ALLOWED, gate, "resource-allow", direct)
        return done(IMPLICIT_DENY, gate, "no-resource-allow", [])

    if res_kind in (PolicyKind.KEY, PolicyKind.TRUST):
        # The key policy / trust policy is the gate; IAM counts only through an account statement.
        gate = "resource-based policy" if res_kind is PolicyKind.KEY else PolicyKind.TRUST.value
        if req.same_account and direct:
            return done(ALLOWED, gate, "resource-allow", direct)
        if req.same_account and capped_role_ok:
            return done(ALLOWED, gate, "resource-allow-role", role)
        if not res_allows:
            return done(IMPLICIT_DENY, gate, "no-resource-allow", [])
        if identity_ok:
            return done(ALLOWED, PolicyKind.IDENTITY.value, "identity-allow-delegated", id_allows + (direct or role or account))
        return identity_shortfall()

    if req.same_account:
        if direct:
            return done(ALLOWED, "resource-based policy", "resource-allow", direct)
        if capped_role_ok:
            return done(ALLOWED, "resource-based policy", "resource-allow-role", role)
        if identity_ok:
            return done(ALLOWED, PolicyKind.IDENTITY.value, "identity-allow", id_allows)
        return identity_shortfall()

    # Cross-account: both sides must allow.
    if not res_allows:
        if not identity_ok:
            return identity_shortfall()
        return done(IMPLICIT_DENY, "resource-based policy", "cross-account-no-resource-allow", [])
    if not identity_ok:
        return identity_shortfall()
    return done(ALLOWED, PolicyKind.IDENTITY.value, "cross-account-allow", id_allows + (direct or role or account))


def grant_kinds() -> dict[str, str]:
    """Names of the principal-grant kinds (for explanations)."""
    return {_GRANT_DIRECT: "names the caller directly (or \"*\")",
            _GRANT_ROLE: "names the caller's role",
            _GRANT_ACCOUNT: "names the caller's account (delegates to IAM policies)"}
