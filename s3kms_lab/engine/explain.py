"""Explanations: why a decision came out as it did, as data and in plain words.

Built in a second pass over the same policies (only when someone asks), so the decision path in
:func:`s3kms_lab.engine.evaluate.authorize` pays nothing for it. Free functions over a decision:
``explain(decision)`` and ``summarize(decision)``; the evaluator does not import this module. The rule
names mirror the AWS evaluation-logic page:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

The sentences are in the learner's language (:mod:`s3kms_lab.i18n`, one whole-sentence template each, so a
translation may reorder its parts); AWS's names inside them (actions, condition keys, operators, Sids, ARNs,
``Allow``/``Deny``) stay as they are, and the data (``Explanation.as_dict()``: policy names and kinds,
decision, rule, condition notes) stays English: only its display is translated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, get_language
from .conditions import evaluate_condition
from .outcomes import ALLOWED, EXPLICIT_DENY
from .policy import Policy, PolicyKind
from .statements import GRANT_ACCOUNT, GRANT_DIRECT, GRANT_ROLE, action_covered, principal_grant, statement_targets

if TYPE_CHECKING:  # for annotations only: the decision does not depend on its explainer, nor the reverse
    from .evaluate import Decision

__all__ = ["Explanation", "explain", "summarize", "rule_sentence", "policy_label", "policy_kind_name",
           "policy_name", "counting_allows", "applying_allows"]

#: One sentence per evaluation rule. ``{resource}`` is the resource-based policy consulted, by its kind and
#: name ("the key policy of alias/my-secure-key", "the trust policy of role DataUploaderRole"), ``{boundary}``
#: / ``{session}`` the boundary / session policy, ``{caller}`` the caller (``user/nobody``): an explanation
#: names the policy that decided, never "the key policy / trust policy" in general. Marked for the catalog
#: (:mod:`s3kms_lab.i18n`) and translated where the sentence is made.
_RULES = {
    "explicit-deny": N_("an explicit Deny matched; a Deny always beats any Allow"),
    "scp-no-allow": N_("implicit deny: the service control policies do not allow the action (reported as an explicit deny in an SCP)"),
    "resource-allow": N_("{resource} allows this principal directly"),
    "resource-allow-role": N_("{resource} allows the caller's role"),
    "identity-allow": N_("an identity-based policy allows it (same account: identity OR resource policy suffices)"),
    "identity-allow-delegated": N_("{resource} delegates to the account and an identity-based policy allows it"),
    "cross-account-allow": N_("cross-account: both the identity-based policy and {resource} allow it"),
    "no-identity-allow": N_("implicit deny: no identity-based policy allows it (caller {caller}), and {no_resource_grant}"),
    "boundary-cap": N_("implicit deny: {boundary} does not allow it"),
    "session-cap": N_("implicit deny: {session} does not allow it"),
    "no-resource-allow": N_("implicit deny: {resource} does not allow this principal (IAM policies alone cannot open it)"),
    "cross-account-no-resource-allow": N_("implicit deny: cross-account access needs {resource} to allow the caller too"),
    "anonymous-no-allow": N_("implicit deny: anonymous callers need a resource-based policy Allow for \"*\""),
    "anonymous-unsigned-service": N_("implicit deny: this service serves only signed requests, so no policy (not even "
                                     "Principal \"*\") lets an anonymous caller use it (an SSE-KMS object is never "
                                     "readable anonymously: S3 would have to call KMS for it)"),
}

#: The policy kinds by name (``PolicyKind.value``, which AWS's messages use and which stays English), as a
#: learner reads them in an explanation.
_KIND_NAMES = {
    PolicyKind.IDENTITY.value: N_("identity-based policy"),
    PolicyKind.BOUNDARY.value: N_("permissions boundary"),
    PolicyKind.SESSION.value: N_("session policy"),
    PolicyKind.BUCKET.value: N_("resource-based policy"),
    PolicyKind.KEY.value: N_("key policy"),
    PolicyKind.TRUST.value: N_("role trust policy"),
    PolicyKind.SCP.value: N_("service control policy"),
}

#: The names the lab gives policies (endpoint/decide.py, moto_seam.py, provision.py, the widgets and
#: exercises), as a learner reads them: the name stays English in the data (``Policy.name``, trail, checker),
#: only its display is translated. First match wins; a name no pattern knows is shown as it is.
_NAME_FORMS = [(re.compile(pattern, re.S), template) for pattern, template in (
    (r"(?P<policy>.+) \(its Allow statements restricted by RestrictPublicBuckets\)",
     N_("{policy} (its Allow statements restricted by RestrictPublicBuckets)")),
    (r"key policy of (?P<key>.+) and its grants", N_("key policy of {key} and its grants")),
    (r"key policy of (?P<key>.+)", N_("key policy of {key}")),
    (r"bucket policy of (?P<bucket>.+)", N_("bucket policy of {bucket}")),
    (r"trust policy of role (?P<role>.+)", N_("trust policy of role {role}")),
    (r"session policy of (?P<arn>.+)", N_("session policy of {arn}")),
    (r"inline policy (?P<policy>.+?) of user (?P<user>.+)", N_("inline policy {policy} of user {user}")),
    (r"inline policy (?P<policy>.+?) of group (?P<group>.+)", N_("inline policy {policy} of group {group}")),
    (r"inline policy (?P<policy>.+?) of role (?P<role>.+)", N_("inline policy {policy} of role {role}")),
    (r"managed policy (?P<policy>.+?) attached to user (?P<user>.+)", N_("managed policy {policy} attached to user {user}")),
    (r"managed policy (?P<policy>.+?) attached to group (?P<group>.+)",
     N_("managed policy {policy} attached to group {group}")),
    (r"managed policy (?P<policy>.+?) attached to role (?P<role>.+)", N_("managed policy {policy} attached to role {role}")),
    (r"policy (?P<policy>.+?) of user (?P<user>.+)", N_("policy {policy} of user {user}")),
    (r"policy (?P<policy>.+?) of role (?P<role>.+)", N_("policy {policy} of role {role}")),
    (r"permissions boundary (?P<policy>.+)", N_("permissions boundary {policy}")),
)]
_FIXED_NAMES = frozenset((
    N_("your key policy"), N_("your trust policy"), N_("your permissions boundary"), N_("your session policy"),
    N_("your policy"), N_("new key policy"), N_("key policy (root statement only)"), N_("bucket policy"),
    N_("trust policy"), N_("session policy"), N_("policy")))

#: Why a resource-based policy's Principal covers the caller (English: "Principal " + grant_kinds()[kind]).
_GRANT_WHY = {
    GRANT_DIRECT: N_("Principal names the caller directly (or \"*\")"),
    GRANT_ROLE: N_("Principal names the caller's role"),
    GRANT_ACCOUNT: N_("Principal names the caller's account (delegates to IAM policies)"),
}

#: A statement that applies, by (names a principal, has conditions).
_APPLIES_WHY = {
    (False, False): N_("action and resource match"),
    (True, False): N_("action, resource and principal match"),
    (False, True): N_("action, resource and conditions match"),
    (True, True): N_("action, resource, principal and conditions match"),
}


def policy_kind_name(kind: "PolicyKind | str") -> str:
    """A policy kind (``PolicyKind`` or its value, e.g. ``"key policy"``) in the current language."""
    value = kind.value if isinstance(kind, PolicyKind) else kind
    return _(_KIND_NAMES[value]) if value in _KIND_NAMES else value


def policy_name(name: str) -> str:
    """A policy's name (``bucket policy of my-secure-bucket``) in the current language; English as it is."""
    if get_language() == "en" or not name:
        return name
    if name in _FIXED_NAMES:
        return _(name)
    for i, (pattern, template) in enumerate(_NAME_FORMS):
        m = pattern.fullmatch(name)
        if m:
            parts = m.groupdict()
            if i == 0:  # "<a policy's name> (its Allow statements restricted ...)": that name is shown too
                parts["policy"] = policy_name(parts["policy"])
            return _(template).format(**parts)
    return name


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
            lines.append(f"  {policy_name(pol['name'])} ({policy_kind_name(pol['kind'])}):")
            for st in pol["statements"]:
                verdict = (_("{effect} {label}: applies ({why})") if st["applies"]
                           else _("{effect} {label}: does not apply ({why})"))
                lines.append("    - " + verdict.format(effect=st["effect"], label=st["label"], why=st["why"]))
                for c in st["conditions"]:
                    seen = _("absent") if c["request_values"] is None else c["request_values"]
                    line = (_("{operator} {key} {policy_values} vs request {seen} -> match") if c["matched"]
                            else _("{operator} {key} {policy_values} vs request {seen} -> no match"))
                    line = line.format(operator=c["operator"], key=c["key"], policy_values=c["policy_values"],
                                       seen=seen)
                    lines.append("        " + line + ("; " + _(c["note"]) if c["note"] else ""))
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
        why.append((_("NotAction does not cover {action}") if st.not_action
                    else _("Action does not cover {action}")).format(action=req.action))
    elif not targets:
        why.append((_("NotResource does not cover {resource}") if st.not_resource
                    else _("Resource does not cover {resource}")).format(resource=req.resource))
    if pol.kind.is_resource_policy and grant is None:
        why.append(_("Principal does not name this caller"))
    elif pol.kind.is_resource_policy and grant != "n/a":
        why.append(_(_GRANT_WHY[grant]))
    if st.conditions and not cond_ok:
        why.append(_("a condition is not met"))
    applies = act and targets and grant is not None and cond_ok
    if applies and not why:
        why.append(_(_APPLIES_WHY[(pol.kind.is_resource_policy, bool(st.conditions))]))
    elif applies:
        why.append(_("action and resource match, conditions met") if st.conditions
                   else _("action and resource match"))
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
        if t["request_values"] is None:
            phrase = (_("{operator} on {key}, key absent from the request, so the condition matches") if t["matched"]
                      else _("{operator} on {key}, key absent from the request, so the condition does not match"))
        else:
            phrase = (_("{operator} on {key}, request value {values}, so the condition matches") if t["matched"]
                      else _("{operator} on {key}, request value {values}, so the condition does not match"))
        parts.append(phrase.format(operator=t["operator"], key=t["key"], values=t["request_values"]))
    return "; ".join(parts)


def _names_itself(pol: Policy) -> bool:
    """The name says it is a policy (``your key policy``), in English or in the learner's language (a widget
    names a learner's draft in the language it was built in), so no kind is put in front of it."""
    name = pol.name or ""
    return any(word in name for word in ("policy", "boundary", _("policy"), _("permissions boundary")))


def policy_label(pol: Policy) -> str:
    """A policy by its kind and name, in the current language: ``bucket policy of my-secure-bucket``,
    ``inline policy X of user Y``; the kind is put in front when the name does not say it (``your key policy``
    stays as it is)."""
    name = pol.name or ""
    if _names_itself(pol):
        return policy_name(name)
    return f"{policy_kind_name(pol.kind)} {name}".strip()


def _caller_label(d: "Decision") -> str:
    caller = d.request.caller
    if caller.is_anonymous:
        return _("anonymous")
    arn = caller.arn or ""
    return arn.split(":", 5)[-1] if arn.startswith("arn:") else arn


def _the(pol: Policy) -> str:
    """``the <label>`` unless the label already reads ``your ...`` / ``the ...`` (decided on the English name)."""
    label = policy_label(pol)
    if _names_itself(pol) and (pol.name or "").startswith(("your ", "the ")):
        return label
    return _("the {policy}").format(policy=label)


def rule_sentence(d: "Decision") -> str:
    """The rule that decided, in words (the current language), naming the policies involved (``_RULES``)."""
    ps = d.policies
    resource = _the(ps.resource) if ps.resource is not None else _("a resource-based policy")
    no_grant = (_("{resource} does not grant it").format(resource=_the(ps.resource)) if ps.resource is not None
                else _("there is no resource-based policy to grant it"))
    sessions = [_the(p) for p in ps.session]
    names = {"resource": resource, "no_resource_grant": no_grant, "caller": _caller_label(d),
             "boundary": _the(ps.boundary) if ps.boundary is not None else _("the permissions boundary"),
             "session": reduce(lambda first, second: _("{first} and {second}").format(first=first, second=second),
                               sessions) if sessions else _("the session policy")}
    return _(_RULES[d.rule]).format(**names) if d.rule in _RULES else d.rule.format(**names)


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
    cond = _cond_phrase(pol, st, d)
    if d.effect == EXPLICIT_DENY:
        template = (_("explicit deny by {policy}, statement {statement}: {conditions} ({rule})") if cond
                    else _("explicit deny by {policy}, statement {statement} ({rule})"))
    elif d.effect == ALLOWED:
        template = (_("allowed by {policy}, statement {statement}: {conditions} ({rule})") if cond
                    else _("allowed by {policy}, statement {statement} ({rule})"))
    else:
        template = (_("{effect} by {policy}, statement {statement}: {conditions} ({rule})") if cond
                    else _("{effect} by {policy}, statement {statement} ({rule})"))
    text = template.format(effect=d.effect, policy=policy_label(pol), statement=st.label, conditions=cond, rule=rule)
    others = [(p, sts) for p, sts in counting_allows(d) if p is not pol]
    if others and d.rule in ("resource-allow", "resource-allow-role", "identity-allow"):
        also = "; ".join(_("{policy}, statement {statements}").format(
            policy=policy_label(p), statements=", ".join(s.label for s in sts)) for p, sts in others)
        if d.policies.resource is not None and d.policies.resource.kind in (PolicyKind.KEY, PolicyKind.TRUST):
            text += "; " + _("also allowed by {also}, which counts because {resource} delegates to the account: "
                             "either way alone is enough").format(also=also, resource=_the(d.policies.resource))
        else:
            text += "; " + _("also allowed by {also}: in one account either Allow alone is enough").format(also=also)
    return text + "."
