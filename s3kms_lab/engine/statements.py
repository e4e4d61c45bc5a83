"""Does one statement apply to a request: Action, Resource, Principal and Condition, each on its own.

Used by the evaluator (:mod:`.evaluate`) and the explainer (:mod:`.explain`) alike.
- Action/NotAction, Resource/NotResource wildcards:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- Principal / NotPrincipal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
- variables in Resource: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""
from __future__ import annotations

from typing import Mapping, Sequence

from .conditions import evaluate_condition
from .matching import action_matches, compile_glob
from .policy import Policy, PolicyKind, PrincipalSpec, Statement
from .principal import ASSUMED_ROLE, FEDERATED, ROLE, SERVICE, Caller
from .variables import Unresolved, has_variables, substitute

__all__ = ["GRANT_DIRECT", "GRANT_ROLE", "GRANT_ACCOUNT", "grant_kinds", "action_covered", "statement_targets",
           "conditions_hold", "principal_grant"]

# How a resource-policy statement's Principal matched the caller.
GRANT_DIRECT = "direct"  # user ARN, session ARN or "*": not capped by boundary/session policy
GRANT_ROLE = "role"  # role ARN: reaches sessions, capped by boundary / session policy
GRANT_ACCOUNT = "account"  # account id / :root ARN: delegation to the account's IAM policies


def grant_kinds() -> dict[str, str]:
    """Names of the principal-grant kinds (for explanations)."""
    return {GRANT_DIRECT: "names the caller directly (or \"*\")",
            GRANT_ROLE: "names the caller's role",
            GRANT_ACCOUNT: "names the caller's account (delegates to IAM policies)"}


# --------------------------------------------------------------------------- Action and Resource

def action_covered(st: Statement, action: str) -> bool:
    """Some Action entry (or NotAction entry) of the statement matches ``action``; NotAction not applied here.

    Remembered per statement and action: a lab asks about a handful of actions, over and over.
    """
    hits = st._action_hits
    if hits is None:
        hits = st._action_hits = {}
    hit = hits.get(action)
    if hit is None:
        hit = False
        for pattern in st.actions:
            if action_matches(pattern, action):
                hit = True
                break
        hits[action] = hit
    return hit


_PER_REQUEST = "per-request"  # the Resource holds a policy variable: resolved and matched per request


def _resource_matchers(st: Statement, policy: Policy):
    """The statement's Resource globs compiled once, or _PER_REQUEST when a policy variable must be resolved."""
    matchers = st._resource_matchers
    if matchers is None:
        resources = st.resources or ()
        if policy.variables_enabled and any("${" in r for r in resources):
            matchers = _PER_REQUEST
        else:
            matchers = tuple(compile_glob(r).match for r in resources)
        st._resource_matchers = matchers
    return matchers


def _resource_covered(st: Statement, policy: Policy, resource: str, ctx: Mapping[str, Sequence[str]]) -> bool:
    matchers = _resource_matchers(st, policy)
    if matchers is not _PER_REQUEST:
        for match in matchers:
            if match(resource):
                return True
        return False
    for pat in st.resources or ():
        if has_variables(pat):
            try:
                pat = substitute(pat, ctx, glob=True)
            except Unresolved:
                continue  # an unresolved variable makes this ARN match nothing
        if compile_glob(pat).match(resource):
            return True
    return False


def statement_targets(st: Statement, policy: Policy, req) -> bool:
    """Action and Resource (or their Not- forms) cover the request (a :class:`~.evaluate.Request`)."""
    if action_covered(st, req.action) == st.not_action:
        return False
    if st.resources is None:  # key policies and trust policies: the statement is about this resource
        # Trust policies need no Resource; a key-policy statement without one is ineffective.
        return policy.kind is PolicyKind.TRUST
    return _resource_covered(st, policy, req.resource, req.context) != st.not_resource


def conditions_hold(st: Statement, policy: Policy, ctx: Mapping[str, Sequence[str]]) -> bool:
    """Every condition of the statement is met (AND across operators and keys)."""
    if st.conditions:
        variables = policy.variables_enabled
        for cond in st.conditions:
            if not evaluate_condition(cond, ctx, variables):
                return False
    return True


# --------------------------------------------------------------------------- Principal / NotPrincipal

def _spec_matches(spec: PrincipalSpec, caller: Caller) -> str | None:
    """How one Principal entry matches the caller: grant kind, or None."""
    if spec.type == "Service":
        return GRANT_DIRECT if caller.kind == SERVICE and spec.value == caller.arn else None
    if spec.type != "AWS":
        return None  # Federated / CanonicalUser principals are not modelled callers
    if spec.value == "*":
        return GRANT_DIRECT
    if caller.is_anonymous or caller.kind == SERVICE:
        return None
    acct = spec.account
    if acct is not None:
        return GRANT_ACCOUNT if acct == caller.account else None
    if spec.value == caller.arn:
        return GRANT_ROLE if caller.kind == ROLE else GRANT_DIRECT
    if caller.kind == ASSUMED_ROLE and spec.value == caller.role_arn:
        return GRANT_ROLE
    return None


def _exempt_from_not_principal(st: Statement, caller: Caller) -> bool:
    """The caller is one of the principals a ``NotPrincipal`` lists (so the statement does not apply to it).

    - A principal named by its own ARN is exempt: an IAM user, a role used directly, the account (root user).
      AWS's policy-simulator walk-through shows a Deny with ``NotPrincipal`` naming only the user Casey
      leaving Casey allowed: https://aws.amazon.com/blogs/security/verify-resource-based-permissions-using-the-iam-policy-simulator/
    - A session (assumed-role or federated user) is checked layer by layer: AWS "might validate the account
      first, then the role, and then the assumed-role user", so every layer of its identity must be listed
      (the account ARN, the role ARN and the session ARN), or the Deny still applies to it:
      https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    listed = {s.value for s in st.principals if s.type == "AWS"}
    listed |= {f"arn:aws:iam::{s.value}:root" for s in st.principals if s.type == "AWS" and s.account == s.value}
    if caller.kind in (ASSUMED_ROLE, FEDERATED):
        chain = [c for c in caller.identity_chain() if c]
        return bool(chain) and all(c in listed for c in chain)
    if caller.is_anonymous or caller.kind == SERVICE:
        return False  # not modelled as exempt: the Deny applies to them
    return caller.principal_arn in listed


def principal_grant(st: Statement, caller: Caller, has_boundary: bool = False) -> str | None:
    """For a resource-policy statement: the grant kind when its Principal/NotPrincipal covers the caller.

    has_boundary: a permissions boundary applies to the request (in addition to ``caller.has_boundary``).
    Returns :data:`GRANT_DIRECT`, :data:`GRANT_ROLE`, :data:`GRANT_ACCOUNT` or None (not covered).
    """
    if st.principals is None:
        return GRANT_DIRECT
    if not st.not_principal:
        best = None
        for spec in st.principals:
            kind = _spec_matches(spec, caller)
            if kind == GRANT_DIRECT:
                return kind
            if kind == GRANT_ROLE or (kind == GRANT_ACCOUNT and best is None):
                best = kind
        return best
    # A caller with a permissions boundary is never exempt from a Deny with NotPrincipal:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    if st.effect == "Deny" and (caller.has_boundary or has_boundary):
        return GRANT_DIRECT
    return None if _exempt_from_not_principal(st, caller) else GRANT_DIRECT
