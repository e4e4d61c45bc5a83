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

__all__ = ["broken", "finish", "hardened_design", "hint", "attempt", "reset_attempts", "ATTEMPTS"]

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
    gains = f" (and then acts as {step['gains']})" if step.get("gains") else ""
    return f"{step['actor']} calls {step['action']} on {step['target']}{gains}"


def _policies(c: Counterexample) -> list[dict[str, Any]]:
    """The deciding statements at fault: of the path's first call (the state change the design should have
    refused; what follows is the attacker's own doing), else of the violating request."""
    return list(c.path[0].get("culprits", [])) if c.path else list(c.culprits)


def hint(r: RequirementResult, c: Counterexample, tier: int, yours: str) -> str:
    """The hint for requirement result ``r`` broken by counterexample ``c`` at ``tier``; ``yours`` names the
    policy the learner is writing (``bucket policy``, ``key policy``, ``trust policy``...)."""
    if c.path:
        how = "; then ".join(_short_step(s) for s in c.path) + f"; then {c.description}"
        text = f"{r.id} ({r.title}) can still be broken in {c.steps} calls: {how}."
    else:
        text = f"{r.id} ({r.title}) is broken: {c.description}."
    if c.why:
        text += f" ({c.why})"
    if tier <= 1:
        return text
    culprits = _policies(c)
    near = [x for x in culprits if x.get("near_miss") and yours.lower() in x["policy"].lower()]
    decided = [x for x in culprits if not x.get("missing") and not x.get("near_miss")]
    names = sorted({x["policy"] for x in decided})
    in_yours = [x for x in decided if yours.lower() in x["policy"].lower()]
    if c.decision == "allowed" or c.path:
        policy_line = (f" Look at {', '.join(names)}: " if names else " ") + (
            f"your {yours} allows it." if in_yours else
            f"nothing in your {yours} refuses it (an explicit Deny wins wherever it is; order does not matter).")
    else:
        policy_line = f" Look at {', '.join(names) or 'the policies that apply'}: they refuse this request."
    text += policy_line
    if tier == 2:
        return text
    if near:
        text += " The statement: " + "; ".join(f"your Deny {x['statement']} does not apply to {x['action']} here: "
                                              f"{x['why_not']} ({x['text']})" for x in near[:2]) + "."
    elif in_yours:
        text += " The statement: " + "; ".join(f"{x['statement']} of {x['policy']} allows {x['action']}: {x['text']}"
                                              for x in in_yours[:2]) + "."
    elif decided:
        first = decided[0]
        who = c.path[0]["actor"] if c.path else c.request["principal"]
        text += (f" It is allowed by statement {first['statement']} of {first['policy']} ({first['text']}); "
                 f"your {yours} has no statement that denies {first['action']} to {who}.")
    else:
        text += f" No statement refuses it: your {yours} is missing one."
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
