"""The checker's result: per requirement HOLDS / VIOLATED with minimal counterexamples, as data and as text."""
from __future__ import annotations

import json

from dataclasses import dataclass, field
from typing import Any

from ..i18n import N_, _
from .replay import encryption_words

__all__ = ["Counterexample", "RequirementResult", "Report", "status_words", "decision_words"]

# The engine's decisions (Decision.effect, machine-readable) in the words a report shows.
_DECISIONS = {"allowed": N_("allowed"), "explicitDeny": N_("explicitDeny"), "implicitDeny": N_("implicitDeny"),
              "error": N_("error")}
# Request kinds of the universe (report.universe["requests"], kept as data) that the text shows in words.
_REQUEST_WORDS = {"multipart upload": N_("multipart upload")}


def decision_words(decision: str) -> str:
    """A counterexample's decision as the report shows it (the value itself in English)."""
    return _(_DECISIONS[decision]) if decision in _DECISIONS else decision


def status_words(holds: bool) -> str:
    """HOLDS / VIOLATED in the lab's language (:attr:`RequirementResult.status` stays the machine value)."""
    return _("HOLDS") if holds else _("VIOLATED")


@dataclass
class Counterexample:
    """One request that breaks a requirement.

    request: the probe's properties (principal, kind, operation, sse, kms_key_id, default_encryption,
    secure_transport, object); description: the request in words; complexity: how many properties
    differ from the simplest request; decision: ``allowed`` / ``explicitDeny`` / ``implicitDeny`` /
    ``error``; message: the AWS error sentence when refused; encryption: what S3 would store
    ({algorithm, key}); explanation: Decision.summary() of each step the endpoint decided;
    replay: {"profile", "cli": [...], "boto3": "...", "replayable": bool, "note": "..."}.
    """

    request: dict[str, Any]
    description: str
    complexity: int
    decision: str
    message: str = ""
    encryption: dict[str, str] | None = None
    explanation: list[str] = field(default_factory=list)
    replay: dict[str, Any] = field(default_factory=dict)
    why: str = ""
    path: list[dict[str, Any]] = field(default_factory=list)
    path_words: list[str] = field(default_factory=list)
    culprits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def steps(self) -> int:
        """Calls in the counterexample: the state-changing calls of its path, then the violating request."""
        return len(self.path) + 1

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request, "description": self.description, "complexity": self.complexity,
                "decision": self.decision, "message": self.message, "encryption": self.encryption,
                "why": self.why, "explanation": self.explanation, "replay": self.replay, "path": self.path,
                "path_words": self.path_words, "steps": self.steps, "culprits": self.culprits}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Counterexample":
        return cls(**{k: d.get(k) for k in ("request", "description", "complexity", "decision")},
                   message=d.get("message", ""), encryption=d.get("encryption"), why=d.get("why", ""),
                   explanation=list(d.get("explanation", [])), replay=dict(d.get("replay", {})),
                   path=list(d.get("path", [])), path_words=list(d.get("path_words", [])),
                   culprits=list(d.get("culprits", [])))


@dataclass
class RequirementResult:
    """id/title/source/sentence from the requirements file; holds; in_scope: requests the requirement
    is about; violations: how many of them break it; counterexamples: the simplest few."""

    id: str
    title: str
    source: str
    sentence: str
    holds: bool
    in_scope: int
    violations: int
    counterexamples: list[Counterexample] = field(default_factory=list)
    tried: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "HOLDS" if self.holds else "VIOLATED"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "source": self.source, "sentence": self.sentence,
                "status": self.status, "holds": self.holds, "in_scope": self.in_scope, "violations": self.violations,
                "counterexamples": [c.as_dict() for c in self.counterexamples], "tried": self.tried}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RequirementResult":
        return cls(d["id"], d["title"], d.get("source", ""), d.get("sentence", ""), bool(d["holds"]),
                   int(d.get("in_scope", 0)), int(d.get("violations", 0)),
                   [Counterexample.from_dict(c) for c in d.get("counterexamples", [])], dict(d.get("tried", {})))


@dataclass
class Report:
    """The whole check. holds: every requirement holds; requests_decided: size of the universe;
    universe: its dimensions; setup: lab profiles the replay recipes use; notes: lab rules and caveats."""

    scenario: str
    requirements: list[RequirementResult]
    requests_decided: int
    elapsed_ms: float
    universe: dict[str, Any] = field(default_factory=dict)
    setup: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    escalation: dict[str, Any] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        return all(r.holds for r in self.requirements)

    def requirement(self, rid: str) -> RequirementResult:
        return next(r for r in self.requirements if r.id == rid)

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "holds": self.holds,
                "summary": {r.id: r.status for r in self.requirements},
                "requests_decided": self.requests_decided, "elapsed_ms": round(self.elapsed_ms, 1),
                "universe": self.universe, "setup": self.setup, "notes": self.notes, "escalation": self.escalation,
                "requirements": [r.as_dict() for r in self.requirements]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Report":
        return cls(d["scenario"], [RequirementResult.from_dict(r) for r in d["requirements"]],
                   int(d.get("requests_decided", 0)), float(d.get("elapsed_ms", 0.0)), dict(d.get("universe", {})),
                   dict(d.get("setup", {})), list(d.get("notes", [])), dict(d.get("escalation", {})))

    # ------------------------------------------------------------------ text
    def text(self, explanations: bool = True) -> str:
        lines = [_("Requirement check of scenario {scenario}: {requests} requests decided in {elapsed} ms by the "
                   "endpoint's authorizer (same code as the lab endpoint).").format(
            scenario=repr(self.scenario), requests=self.requests_decided, elapsed=f"{self.elapsed_ms:.0f}")]
        u = self.universe
        if u:
            contexts = " / ".join(_("none") if c is None else json.dumps(c, sort_keys=True)
                                  for c in u.get("encryption_context", [None]))
            lines.append(_("Universe: principals {principals}; requests {requests}; default encryption "
                           "{default_encryption}; aws:SecureTransport false / true; direct KMS encryption context "
                           "{contexts}.").format(principals=", ".join(u.get("principals", [])),
                                                 requests=", ".join(_(_REQUEST_WORDS[x]) if x in _REQUEST_WORDS
                                                                    else x for x in u.get("requests", [])),
                                                 default_encryption=" / ".join(
                                                     encryption_words(x) for x in u.get("default_encryption", [])),
                                                 contexts=contexts))
            lines.append(_("Trusted administrators: {names}; every other principal is checked, escalation included.")
                         .format(names=", ".join(u.get("trusted_administrators", [])) or _("nobody")))
        e = self.escalation
        if e:
            lines.append(_("Escalation: {calls_tried} state-changing calls tried ({calls_allowed} allowed) by "
                           "{attackers}; {states} states reached, {requests} requests decided there; paths of up to "
                           "{max_depth} state changes searched (depth reached {depth_reached}), {elapsed} ms.").format(
                calls_tried=e.get("calls_tried", 0), calls_allowed=e.get("calls_allowed", 0),
                attackers=", ".join(e.get("attackers", [])), states=e.get("states", 0),
                requests=e.get("requests_decided", 0), max_depth=e.get("max_depth", 0),
                depth_reached=e.get("depth_reached", 0), elapsed=f"{e.get('elapsed_ms', 0):.0f}"))
        lines.append("")
        for r in self.requirements:
            lines.append((_("{id} HOLDS: {title}") if r.holds else _("{id} VIOLATED: {title}")).format(
                id=r.id, title=r.title))
            if r.source:
                lines.append("    " + _("source     : {source}").format(source=r.source))
            lines.append("    " + _("means      : {sentence}").format(sentence=r.sentence))
            lines.append("    " + _("checked    : {in_scope} requests in scope, {violations} break it").format(
                in_scope=r.in_scope, violations=r.violations))
            for i, c in enumerate(r.counterexamples, 1):
                if c.path:
                    lines.append("    " + _("counterexample {n} ({steps} calls, escalation path):").format(
                        n=i, steps=c.steps))
                    for n, w in enumerate(c.path_words, 1):
                        lines.append("      " + _("step {n}  : {words}").format(n=n, words=w))
                    lines.append("      " + _("step {n}  : {words}").format(n=c.steps, words=c.description))
                else:
                    # two messages rather than ngettext: tests/i18n/test_catalog.py keys the catalog by singular
                    lines.append("    " + (_("counterexample {n} ({complexity} non-default property): {description}")
                                           if c.complexity == 1 else
                                           _("counterexample {n} ({complexity} non-default properties): "
                                             "{description}")).format(
                        n=i, complexity=c.complexity, description=c.description))
                decision = decision_words(c.decision)
                lines.append("      " + (_("decision : {decision} - {message}").format(decision=decision,
                                                                                      message=c.message)
                                         if c.message else _("decision : {decision}").format(decision=decision)))
                if c.encryption:
                    name = c.encryption.get("key_name")
                    alg, key = c.encryption.get("algorithm"), c.encryption.get("key") or _("(no KMS key)")
                    lines.append("      " + (_("stored   : {algorithm} under {key} ({key_name})") if name else
                                             _("stored   : {algorithm} under {key}")).format(
                        algorithm=alg, key=key, key_name=name))
                if c.why:
                    why = c.why
                    if c.encryption and c.encryption.get("key_name") and c.encryption.get("key"):
                        key = c.encryption["key"]
                        why = why.replace(key, f"{key} ({c.encryption['key_name']})", 1)
                    lines.append("      " + _("why bad  : {why}").format(why=why))
                if explanations:
                    for x in c.explanation:
                        lines.append("      " + _("engine   : {explanation}").format(explanation=x))
                rp = c.replay
                if rp:
                    if not rp.get("replayable", True):
                        lines.append("      " + _("replay   : not on the lab endpoint - {note}").format(
                            note=rp.get("note", "")))
                    for cmd in rp.get("cli", []):
                        lines.append(f"      $ {cmd}")
            if r.holds and r.tried:
                summary = "; ".join(
                    f"{who}: " + ", ".join(f"{a} {v['allowed']}/{v['tried']}" for a, v in acts.items() if v["tried"])
                    for who, acts in r.tried.items())
                lines.append("    " + _("tried      : {summary} (allowed/tried state-changing calls)").format(
                    summary=summary))
            lines.append("")
        if self.notes:
            lines.append(_("Notes:"))
            lines += [f"  - {n}" for n in self.notes]
        lines.append("")
        lines.append(_("RESULT: all requirements hold") if self.holds else
                     _("RESULT: violated: {ids}").format(ids=", ".join(r.id for r in self.requirements if not r.holds)))
        return "\n".join(lines)
