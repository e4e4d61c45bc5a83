"""The requirement checker inside every exercise check, with tiered hints from its counterexample.

An exercise check passes only when its own goal is met *and* no requirement the exercise concerns can be
broken by a non-administrator, in one step or several (:func:`s3kms_lab.checker.candidate.check_candidate`:
the scenario with the learner's candidate policy in place, escalation paths included). The same checker
judges every exercise, so the same mistake gets the same verdict everywhere.

Hints name the actual mistake, more precisely at each wrong try of the same exercise:
1st try: the principal and the request (or the path of calls) that break the requirement;
2nd: which policy decided it (the one that allowed the request, and whether the learner's policy refused it);
3rd: the statement itself (its Sid and JSON), or that no statement of the learner's policy refuses it.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ..checker.candidate import check_candidate
from ..checker.report import Counterexample, RequirementResult
from ..i18n import N_, _

__all__ = ["broken", "finish", "hardened_design", "hint", "attempt", "reset_attempts", "ATTEMPTS", "policy_noun"]

#: The policy a learner writes, as the checks name it (``yours``): the English name matches the checker's
#: policy names; the learner reads the translated noun (:func:`policy_noun`).
POLICY_NOUNS = {"bucket policy": N_("bucket policy"), "key policy": N_("key policy"),
                "role policy": N_("role policy"), "trust policy": N_("trust policy"),
                "identity policy": N_("identity policy")}


def policy_noun(yours: str) -> str:
    """``"bucket policy"`` -> the learner's language's name for it (an unknown name is shown as is)."""
    return _(POLICY_NOUNS[yours]) if yours in POLICY_NOUNS else yours

ATTEMPTS: Counter = Counter()  # exercise id -> wrong tries so far (reset when the exercise passes)


def reset_attempts(exercise: str | None = None) -> None:
    """Forget the wrong tries (of one exercise, or of all)."""
    if exercise is None:
        ATTEMPTS.clear()
    else:
        ATTEMPTS.pop(exercise, None)


def attempt(exercise: str, ok: bool) -> int:
    """Record a try; return its hint tier (1, 2, 3...) for a wrong one, 0 for a right one."""
    if ok:
        reset_attempts(exercise)
        return 0
    ATTEMPTS[exercise] += 1
    return ATTEMPTS[exercise]


def _short_step(step: dict[str, Any]) -> str:
    if step.get("gains"):
        return _("{actor} calls {action} on {target} (and then acts as {gains})").format(
            actor=step["actor"], action=step["action"], target=step["target"], gains=step["gains"])
    return _("{actor} calls {action} on {target}").format(actor=step["actor"], action=step["action"],
                                                         target=step["target"])


def _policies(c: Counterexample) -> list[dict[str, Any]]:
    """The deciding statements at fault: of the path's first call (the state change the design should have
    refused; what follows is the attacker's own doing), else of the violating request."""
    return list(c.path[0].get("culprits", [])) if c.path else list(c.culprits)


def hint(r: RequirementResult, c: Counterexample, tier: int, yours: str) -> str:
    """The hint for requirement result ``r`` broken by counterexample ``c`` at ``tier``; ``yours`` names the
    policy the learner is writing (``bucket policy``, ``key policy``, ``trust policy``...)."""
    if c.path:
        how = _("; then ").join([_short_step(s) for s in c.path] + [c.description])
        text = _("{requirement} ({title}) can still be broken in {steps} calls: {how}.").format(
            requirement=r.id, title=r.title, steps=c.steps, how=how)
    else:
        text = _("{requirement} ({title}) is broken: {description}.").format(
            requirement=r.id, title=r.title, description=c.description)
    if c.why:
        text += f" ({c.why})"
    if tier <= 1:
        return text
    policy = policy_noun(yours)
    culprits = _policies(c)
    near = [x for x in culprits if x.get("near_miss") and yours.lower() in x["policy"].lower()]
    decided = [x for x in culprits if not x.get("missing") and not x.get("near_miss")]
    names = sorted({x["policy"] for x in decided})
    in_yours = [x for x in decided if yours.lower() in x["policy"].lower()]
    if c.decision == "allowed" or c.path:
        if names and in_yours:
            line = _("Look at {policies}: your {policy} allows it.")
        elif names:
            line = _("Look at {policies}: nothing in your {policy} refuses it (an explicit Deny wins wherever it "
                     "is; order does not matter).")
        elif in_yours:
            line = _("your {policy} allows it.")
        else:
            line = _("nothing in your {policy} refuses it (an explicit Deny wins wherever it is; order does not "
                     "matter).")
    elif names:
        line = _("Look at {policies}: they refuse this request.")
    else:
        line = _("Look at the policies that apply: they refuse this request.")
    text += " " + line.format(policies=", ".join(names), policy=policy)
    if tier == 2:
        return text
    if near:
        text += " " + _("The statement: {statements}.").format(statements="; ".join(
            _("your Deny {statement} does not apply to {action} here: {why_not} ({text})").format(
                statement=x["statement"], action=x["action"], why_not=x["why_not"], text=x["text"])
            for x in near[:2]))
    elif in_yours:
        text += " " + _("The statement: {statements}.").format(statements="; ".join(
            _("{statement} of {policy} allows {action}: {text}").format(
                statement=x["statement"], policy=x["policy"], action=x["action"], text=x["text"])
            for x in in_yours[:2]))
    elif decided:
        first = decided[0]
        who = c.path[0]["actor"] if c.path else c.request["principal"]
        text += " " + _("It is allowed by statement {statement} of {policy} ({text}); your {yours} has no "
                        "statement that denies {action} to {who}.").format(
            statement=first["statement"], policy=first["policy"], text=first["text"], yours=policy,
            action=first["action"], who=who)
    else:
        text += " " + _("No statement refuses it: your {policy} is missing one.").format(policy=policy)
    return text


def hardened_design(lab: Any) -> str:
    """The design a single candidate policy is judged in: the ``hardened`` scenario next to the lab's own when
    it has the same bucket, key and role (so the candidate replaces one layer of a design whose other layers
    hold), else the lab's own scenario."""
    here = lab.scenario.path.resolve()
    sibling = here.parent / "hardened"
    if sibling == here or not (sibling / "scenario.json").exists():
        return str(here)
    import json
    mine, theirs = (json.loads((p / "scenario.json").read_text()) for p in (here, sibling))
    same = all([b["name"] for b in mine.get(k, [])] == [b["name"] for b in theirs.get(k, [])]
               for k in ("buckets", "roles")) and \
        [k["id"] for k in mine.get("keys", [])] == [k["id"] for k in theirs.get("keys", [])]
    return str(sibling) if same else str(here)


def broken(lab: Any, changes: dict[str, Any], requirement_ids: list[str],
           scenario: str | None = None) -> list[tuple[RequirementResult, Counterexample]]:
    """The concerned requirements the candidate (``changes``, see
    :func:`~s3kms_lab.checker.candidate.check_candidate`) lets a non-administrator break, each with its
    shortest counterexample. scenario: the design the candidate is put into (default: the lab's own)."""
    report = check_candidate(scenario or str(lab.scenario.path), changes, requirement_ids)
    return [(r, r.counterexamples[0]) for r in report.requirements if not r.holds and r.counterexamples]


def finish(exercise: str, goal_messages: list[str], threats: list[tuple[RequirementResult, Counterexample]],
           yours: str) -> tuple[bool, list[str]]:
    """(ok, messages): the goal's own messages, then one tiered hint per broken requirement."""
    ok = not goal_messages and not threats
    tier = attempt(exercise, ok)
    return ok, list(goal_messages) + [hint(r, c, tier, yours) for r, c in threats]
