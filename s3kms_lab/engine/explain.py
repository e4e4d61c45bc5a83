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
from .policy import Policy, PolicyKind
from .statements import action_covered, grant_kinds, principal_grant, statement_targets

if TYPE_CHECKING:  # for annotations only: the decision does not depend on its explainer, nor the reverse
    from .evaluate import Decision

__all__ = ["Explanation", "explain", "summarize", "rule_sentence", "policy_label", "counting_allows",
           "applying_allows"]

#: One sentence per evaluation rule. ``{resource}`` is the resource-based policy consulted, by its kind and
#: name ("the key policy of alias/my-secure-key", "the trust policy of role DataUploaderRole"), ``{boundary}``
#: / ``{session}`` the boundary / session policy, ``{caller}`` the caller (``user/nobody``): an explanation
#: names the policy that decided, never "the key policy / trust policy" in general.
_RULES = {
    "explicit-deny": "an explicit Deny matched; a Deny always beats any Allow",
    "scp-no-allow": "implicit deny: the service control policies do not allow the action (reported as an explicit deny in an SCP)",
    "resource-allow": "{resource} allows this principal directly",
    "resource-allow-role": "{resource} allows the caller's role",
    "identity-allow": "an identity-based policy allows it (same account: identity OR resource policy suffices)",
    "identity-allow-delegated": "{resource} delegates to the account and an identity-based policy allows it",
    "cross-account-allow": "cross-account: both the identity-based policy and {resource} allow it",
    "no-identity-allow": "implicit deny: no identity-based policy allows it (caller {caller}), and {no_resource_grant}",
    "boundary-cap": "implicit deny: {boundary} does not allow it",
    "session-cap": "implicit deny: {session} does not allow it",
    "no-resource-allow": "implicit deny: {resource} does not allow this principal (IAM policies alone cannot open it)",
    "cross-account-no-resource-allow": "implicit deny: cross-account access needs {resource} to allow the caller too",
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
        """Multi-line plain-text rendering for notebooks and the CLI. The first line is the summary
        sentence ("Explicit deny by ...", "Implicit deny: ...", "Allowed by ..."), no enum value."""
        lines = [self.summary[:1].upper() + self.summary[1:]]
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


def policy_label(pol: Policy) -> str:
    """A policy by its kind and name: ``bucket policy of my-secure-bucket``, ``inline policy X of user Y``;
    the kind is put in front when the name does not say it (``your key policy`` stays as it is)."""
    name = pol.name or ""
    if any(word in name for word in ("policy", "boundary")):
        return name
    return f"{pol.kind.value} {name}".strip()


def _caller_label(d: "Decision") -> str:
    caller = d.request.caller
    if caller.is_anonymous:
        return "anonymous"
    arn = caller.arn or ""
    return arn.split(":", 5)[-1] if arn.startswith("arn:") else arn


def _the(pol: Policy) -> str:
    label = policy_label(pol)
    return label if label.startswith(("your ", "the ")) else f"the {label}"


def rule_sentence(d: "Decision") -> str:
    """The rule that decided, in words, naming the policies involved (see ``_RULES``)."""
    ps = d.policies
    resource = _the(ps.resource) if ps.resource is not None else "a resource-based policy"
    no_grant = (f"{_the(ps.resource)} does not grant it" if ps.resource is not None
                else "there is no resource-based policy to grant it")
    names = {"resource": resource, "no_resource_grant": no_grant, "caller": _caller_label(d),
             "boundary": _the(ps.boundary) if ps.boundary is not None else "the permissions boundary",
             "session": " and ".join(_the(p) for p in ps.session) or "the session policy"}
    return _RULES.get(d.rule, d.rule).format(**names)


def applying_allows(pol: Policy, d: "Decision") -> list[Any]:
    """The Allow statements of ``pol`` that apply to ``d``'s request (action, resource, principal, conditions)."""
    return [st for st in pol.statements if st.effect == "Allow" and _statement_trace(pol, st, d)["applies"]]


def counting_allows(d: "Decision") -> list[tuple[Policy, list[Any]]]:
    """Every policy whose Allow counts toward an allowed decision, with its applying Allow statements, the
    deciding policy first; [] unless allowed.

    In one account an identity-based policy OR a bucket policy suffices for S3, so both are listed when both
    allow; a key or trust policy counts with a statement naming the caller (or its role), and the caller's
    identity-based policies count too when the key/trust policy delegates to the account. Boundaries and
    session policies only cap, so they are never listed. Source: the evaluation logic page,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    if not d.allowed:
        return []
    ps = d.policies
    caps_ok = all(applying_allows(p, d) for p in ([ps.boundary] if ps.boundary is not None else []) + list(ps.session))
    found: list[tuple[Policy, list[Any]]] = []
    for pol, st in d.deciding:
        entry = next((e for e in found if e[0] is pol), None)
        if entry is None:
            found.append((pol, [st]))
        elif st not in entry[1]:
            entry[1].append(st)
    if d.rule in ("cross-account-allow", "identity-allow-delegated") or not d.request.same_account:
        return found  # both sides were needed: the deciding pairs are exactly what counts
    gate = ps.resource is not None and ps.resource.kind in (PolicyKind.KEY, PolicyKind.TRUST)
    delegates = ps.resource is not None and any(
        principal_grant(st, d.request.caller, ps.boundary is not None) == "account"
        for st in applying_allows(ps.resource, d))
    candidates: list[Policy] = []
    if ps.resource is not None:
        candidates.append(ps.resource)
    if caps_ok and (not gate or delegates):
        candidates.extend(ps.identity)
    for pol in candidates:
        if any(e[0] is pol for e in found):
            continue
        sts = applying_allows(pol, d)
        if pol is ps.resource:  # a grant to the account alone is not an Allow of its own
            sts = [st for st in sts if principal_grant(st, d.request.caller, ps.boundary is not None) != "account"]
        if sts:
            found.append((pol, sts))
    return found


def summarize(d: "Decision") -> str:
    """A plain sentence: what decided (each policy by kind and name, and its statements), and the rule.
    When several policies allow and any one would do, it says so."""
    rule = rule_sentence(d)
    if not d.deciding:
        return f"{rule}."
    pol, st = d.deciding[0]
    what = "explicit deny" if d.effect == EXPLICIT_DENY else ("allowed" if d.effect == ALLOWED else d.effect)
    where = f"{what} by {policy_label(pol)}, statement {st.label}"
    cond = _cond_phrase(pol, st, d)
    text = f"{where}{': ' + cond if cond else ''} ({rule})"
    others = [(p, sts) for p, sts in counting_allows(d) if p is not pol]
    if others and d.rule in ("resource-allow", "resource-allow-role", "identity-allow"):
        also = "; ".join(f"{policy_label(p)}, statement {', '.join(s.label for s in sts)}" for p, sts in others)
        if d.policies.resource is not None and d.policies.resource.kind in (PolicyKind.KEY, PolicyKind.TRUST):
            text += (f"; also allowed by {also}, which counts because {_the(d.policies.resource)} "
                     "delegates to the account: either way alone is enough")
        else:
            text += f"; also allowed by {also}: in one account either Allow alone is enough"
    return text + "."
