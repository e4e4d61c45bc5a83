"""Explanations: why a decision came out as it did, as data and in plain words.

Built in a second pass over the same policies (only when someone asks), so the decision path in
:func:`s3kms_lab.engine.evaluate.authorize` pays nothing for it. Free functions over a decision:
``explain(decision)`` and ``summarize(decision)``; the evaluator does not import this module. The rule
names mirror the AWS evaluation-logic page:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .conditions import evaluate_condition
from .outcomes import ALLOWED, EXPLICIT_DENY
from .policy import Policy
from .statements import action_covered, grant_kinds, principal_grant, statement_targets

if TYPE_CHECKING:  # for annotations only: the decision does not depend on its explainer, nor the reverse
    from .evaluate import Decision

__all__ = ["Explanation", "explain", "summarize"]

_RULES = {
    "explicit-deny": "an explicit Deny matched; a Deny always beats any Allow",
    "scp-no-allow": "implicit deny: the service control policies do not allow the action (reported as an explicit deny in an SCP)",
    "resource-allow": "the resource-based policy allows this principal directly",
    "resource-allow-role": "the resource-based policy allows the caller's role",
    "identity-allow": "an identity-based policy allows it (same account: identity OR resource policy suffices)",
    "identity-allow-delegated": "the resource policy delegates to the account and an identity-based policy allows it",
    "cross-account-allow": "cross-account: both the identity-based and the resource-based policy allow it",
    "no-identity-allow": "implicit deny: no identity-based policy allows it, and no resource-based policy grants it",
    "boundary-cap": "implicit deny: the permissions boundary does not allow it",
    "session-cap": "implicit deny: the session policy does not allow it",
    "no-resource-allow": "implicit deny: the key policy / trust policy does not allow this principal (IAM policies alone cannot open it)",
    "cross-account-no-resource-allow": "implicit deny: cross-account access needs the resource-based policy to allow the caller too",
    "anonymous-no-allow": "implicit deny: anonymous callers need a resource-based policy Allow for \"*\"",
    "anonymous-unsigned-service": "implicit deny: this service serves only signed requests, so no policy (not even "
                                  "Principal \"*\") lets an anonymous caller use it (an SSE-KMS object is never "
                                  "readable anonymously: S3 would have to call KMS for it)",
}


@dataclass
class Explanation:
    """A decision's full trace.

    decision/policy_type/rule: as in :class:`Decision`; summary: one plain sentence;
    policies: per policy consulted, per statement, what matched (``action``, ``resource``,
    ``principal``, ``conditions`` with the request values seen) and whether it applied.
    """

    decision: str
    policy_type: str
    rule: str
    summary: str
    policies: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"decision": self.decision, "policy_type": self.policy_type, "rule": self.rule,
                "summary": self.summary, "policies": self.policies}

    def text(self) -> str:
        """Multi-line plain-text rendering for notebooks and the CLI."""
        lines = [f"{self.decision.upper()}: {self.summary}"]
        for pol in self.policies:
            lines.append(f"  {pol['name']} ({pol['kind']}):")
            for st in pol["statements"]:
                verdict = "applies" if st["applies"] else "does not apply"
                lines.append(f"    - {st['effect']} {st['label']}: {verdict} ({st['why']})")
                for c in st["conditions"]:
                    seen = "absent" if c["request_values"] is None else c["request_values"]
                    lines.append(f"        {c['operator']} {c['key']} {c['policy_values']} vs request {seen}"
                                 f" -> {'match' if c['matched'] else 'no match'}{'; ' + c['note'] if c['note'] else ''}")
        return "\n".join(lines)


def _statement_trace(pol: Policy, st: Any, d: "Decision") -> dict[str, Any]:
    req = d.request
    conds: list[dict[str, Any]] = []
    why = []
    act = action_covered(st, req.action) != st.not_action
    targets = statement_targets(st, pol, req)
    grant = (principal_grant(st, req.caller, d.policies.boundary is not None)
             if pol.kind.is_resource_policy else "n/a")
    cond_ok = True
    for c in st.conditions:
        cond_ok = evaluate_condition(c, req.context, pol.variables_enabled, conds) and cond_ok
    if not act:
        why.append(f"{'NotAction' if st.not_action else 'Action'} does not cover {req.action}")
    elif not targets:
        why.append(f"{'NotResource' if st.not_resource else 'Resource'} does not cover {req.resource}")
    if pol.kind.is_resource_policy and grant is None:
        why.append("Principal does not name this caller")
    elif pol.kind.is_resource_policy and grant != "n/a":
        why.append("Principal " + grant_kinds()[grant])
    if st.conditions and not cond_ok:
        why.append("a condition is not met")
    applies = act and targets and grant is not None and cond_ok
    if applies and not why:
        parts = ["action", "resource"] + (["principal"] if pol.kind.is_resource_policy else []) + \
            (["conditions"] if st.conditions else [])
        why.append(", ".join(parts[:-1]) + " and " + parts[-1] + " match")
    elif applies:
        why.append("action and resource match" + (", conditions met" if st.conditions else ""))
    return {"label": st.label, "sid": st.sid, "effect": st.effect, "applies": applies,
            "why": "; ".join(why), "conditions": conds}


def explain(d: "Decision") -> Explanation:
    """Re-walk every policy in ``d.policies`` and record, per statement, what matched and why."""
    ps = d.policies
    consulted: list[Policy] = []
    for level in ps.scps:
        consulted.extend(level)
    if ps.resource is not None:
        consulted.append(ps.resource)
    consulted.extend(ps.identity)
    if ps.boundary is not None:
        consulted.append(ps.boundary)
    consulted.extend(ps.session)
    out = []
    for pol in consulted:
        out.append({"name": pol.name, "kind": pol.kind.value,
                    "statements": [_statement_trace(pol, st, d) for st in pol.statements]})
    return Explanation(d.effect, d.policy_type, d.rule, summarize(d), out)


def _cond_phrase(pol: Policy, st: Any, d: "Decision") -> str:
    parts = []
    for c in st.conditions:
        trace: list[dict[str, Any]] = []
        evaluate_condition(c, d.request.context, pol.variables_enabled, trace)
        t = trace[0]
        seen = "key absent from the request" if t["request_values"] is None else f"request value {t['request_values']}"
        parts.append(f"{t['operator']} on {t['key']}, {seen}, so the condition {'matches' if t['matched'] else 'does not match'}")
    return "; ".join(parts)


def summarize(d: "Decision") -> str:
    """A plain sentence: the rule that decided, and the deciding statement with its conditions."""
    rule = _RULES.get(d.rule, d.rule)
    if not d.deciding:
        return f"{rule}."
    pol, st = d.deciding[0]
    what = "explicit deny" if d.effect == EXPLICIT_DENY else ("allowed" if d.effect == ALLOWED else d.effect)
    where = f"{what} by {pol.name}, statement {st.label}"
    cond = _cond_phrase(pol, st, d)
    return f"{where}{': ' + cond if cond else ''} ({rule})."
