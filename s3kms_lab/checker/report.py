"""The checker's result: per requirement HOLDS / VIOLATED with minimal counterexamples, as data and as text."""
from __future__ import annotations

import json

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Counterexample", "RequirementResult", "Report"]


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
        lines = [f"Requirement check of scenario {self.scenario!r}: "
                 f"{self.requests_decided} requests decided in {self.elapsed_ms:.0f} ms "
                 f"by the endpoint's authorizer (same code as the lab endpoint)."]
        u = self.universe
        if u:
            lines.append("Universe: principals " + ", ".join(u.get("principals", [])) + "; requests "
                         + ", ".join(u.get("requests", [])) + "; default encryption "
                         + " / ".join(u.get("default_encryption", [])) + "; aws:SecureTransport false / true"
                         + "; direct KMS encryption context "
                         + " / ".join("none" if c is None else json.dumps(c, sort_keys=True)
                                      for c in u.get("encryption_context", [None])) + ".")
            lines.append("Trusted administrators: " + (", ".join(u.get("trusted_administrators", [])) or "nobody")
                         + "; every other principal is checked, escalation included.")
        e = self.escalation
        if e:
            lines.append(f"Escalation: {e.get('calls_tried', 0)} state-changing calls tried "
                         f"({e.get('calls_allowed', 0)} allowed) by {', '.join(e.get('attackers', []))}; "
                         f"{e.get('states', 0)} states reached, {e.get('requests_decided', 0)} requests decided there; "
                         f"paths of up to {e.get('max_depth', 0)} state changes searched "
                         f"(depth reached {e.get('depth_reached', 0)}), {e.get('elapsed_ms', 0):.0f} ms.")
        lines.append("")
        for r in self.requirements:
            lines.append(f"{r.id} {r.status}: {r.title}")
            if r.source:
                lines.append(f"    source     : {r.source}")
            lines.append(f"    means      : {r.sentence}")
            lines.append(f"    checked    : {r.in_scope} requests in scope, {r.violations} break it")
            for i, c in enumerate(r.counterexamples, 1):
                if c.path:
                    lines.append(f"    counterexample {i} ({c.steps} calls, escalation path):")
                    for n, w in enumerate(c.path_words, 1):
                        lines.append(f"      step {n}  : {w}")
                    lines.append(f"      step {c.steps}  : {c.description}")
                else:
                    lines.append(f"    counterexample {i} ({c.complexity} non-default propert"
                                 f"{'y' if c.complexity == 1 else 'ies'}): {c.description}")
                lines.append(f"      decision : {c.decision}" + (f" - {c.message}" if c.message else ""))
                if c.encryption:
                    name = c.encryption.get("key_name")
                    lines.append(f"      stored   : {c.encryption.get('algorithm')} under "
                                 f"{c.encryption.get('key') or '(no KMS key)'}" + (f" ({name})" if name else ""))
                if c.why:
                    why = c.why
                    if c.encryption and c.encryption.get("key_name") and c.encryption.get("key"):
                        key = c.encryption["key"]
                        why = why.replace(key, f"{key} ({c.encryption['key_name']})", 1)
                    lines.append(f"      why bad  : {why}")
                if explanations:
                    for e in c.explanation:
                        lines.append(f"      engine   : {e}")
                rp = c.replay
                if rp:
                    if not rp.get("replayable", True):
                        lines.append(f"      replay   : not on the lab endpoint - {rp.get('note', '')}")
                    for cmd in rp.get("cli", []):
                        lines.append(f"      $ {cmd}")
            if r.holds and r.tried:
                lines.append("    tried      : " + "; ".join(
                    f"{who}: " + ", ".join(f"{a} {v['allowed']}/{v['tried']}" for a, v in acts.items() if v["tried"])
                    for who, acts in r.tried.items()) + " (allowed/tried state-changing calls)")
            lines.append("")
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {n}" for n in self.notes]
        lines.append("")
        lines.append("RESULT: " + ("all requirements hold" if self.holds else
                                   "violated: " + ", ".join(r.id for r in self.requirements if not r.holds)))
        return "\n".join(lines)
