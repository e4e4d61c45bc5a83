"""Escalation paths: what a non-administrator reaches by changing state first.

The search is the one privilege-escalation graph tools for IAM run (PMapper: principals are nodes, an edge
is a call that lets one principal act as another or grant itself more): from every principal that is not
a trusted administrator, try every state-changing call (:mod:`.moves`) each identity it holds may make;
the endpoint's own code (:mod:`.planning`) decides each call against the current state; an allowed call is
applied to moto's state and the search goes on from there. At each state reached, the requests of the
universe are decided again for every identity the attacker holds, and for every other principal a step
gave rights to (a grant, a key or bucket policy, an identity policy made for it). Iterative deepening makes the first
path found for a requirement a shortest one (fewest calls). Each explored call is undone on the way back.

Requests decided at an escalated state: single PutObject (a multipart upload needs the same authorization
as a PutObject with the same headers, plus kms:Decrypt for the parts, so it can only be refused more often),
GetObject and DeleteObject of the existing objects, direct KMS calls; every SSE header and key-id variant,
aws:SecureTransport false and true; the encryption contexts the policies mention; the bucket's default encryption as the path left it.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .moves import Move, moves_for
from .planning import Planned
from .requirements import PROPERTIES, Requirement
from .universe import DIRECT_KMS_OPERATIONS, Principal, RequestCase, Verdict

if TYPE_CHECKING:
    from .universe import Universe

__all__ = ["PathStep", "Found", "Search", "MAX_DEPTH"]

MAX_DEPTH = 3  # state-changing calls before the violating request (paths of up to 4 calls)

#: Calls that can only take permissions away (a disabled key or a key pending deletion refuses every use,
#: a revoked grant allows nothing), or change nothing the lab's decisions read (versioning, Block Public
#: Access, which the lab does not enforce): a path through them reaches no request that the same path
#: without them could not, so they are explored only while a requirement that something must *succeed*
#: is pending (they are how a non-administrator breaks availability). They are always tried and counted.
ONLY_TAKE_AWAY = frozenset({"kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:RevokeGrant", "s3:PutBucketVersioning",
                            "s3:DeletePublicAccessBlock"})


@dataclass
class PathStep:
    """One allowed state-changing call of a path: the move and the endpoint's decision for it."""

    move: Move
    planned: Planned

    def as_dict(self) -> dict[str, Any]:
        from .check import culprits
        return {"actor": self.move.actor, "action": self.move.action, "target": self.move.target,
                "params": self.move.params, "gains": self.move.gains,
                "allowed_by": self.planned.allowing_statements(), "culprits": culprits(self.planned.steps)}


@dataclass
class Found:
    """A violation reached through ``path`` (state changes), ending in ``outcome`` (the violating request)."""

    attacker: str
    path: list[PathStep]
    outcome: Verdict
    why: str


@dataclass
class Search:
    """Iterative-deepening search over state-changing calls (see module doc).

    judge: (requirement, outcome) -> why it is violated ('' when it is not, or when out of scope).
    attackers: principal names the search starts from (every principal but the trusted administrators).
    """

    universe: "Universe"
    attackers: list[str]
    judge: Callable[[Requirement, Verdict], str]
    max_depth: int = MAX_DEPTH
    kinds: frozenset[str] | None = None                   # kinds of request decided at each state (None: all)
    tried: Counter = field(default_factory=Counter)       # (attacker, action) -> calls decided
    allowed: Counter = field(default_factory=Counter)     # (attacker, action) -> calls allowed
    states: int = 0                                       # escalated states whose requests were decided
    requests: int = 0                                     # requests decided at those states
    depth_reached: int = 0
    elapsed_ms: float = 0.0

    def run(self, pending: list[Requirement]) -> dict[str, Found]:
        """The shortest violating path for every requirement of ``pending`` that has one."""
        started = time.perf_counter()
        found: dict[str, Found] = {}
        for depth in range(1, self.max_depth + 1):
            todo = [r for r in pending if r.id not in found]
            if not todo:
                break
            self.depth_reached = depth
            leaves = 0
            for attacker in self.attackers:
                visited: set[frozenset[Any]] = set()
                leaves += self._dfs(attacker, [], depth, todo, found, visited)
            if not leaves:
                break  # no state reachable at this depth: deeper ones are not reachable either
        self.elapsed_ms = (time.perf_counter() - started) * 1000
        return found

    # ------------------------------------------------------------------ search
    def _dfs(self, attacker: str, path: list[PathStep], depth: int, todo: list[Requirement],
             found: dict[str, Found], visited: set[frozenset[Any]]) -> int:
        u = self.universe
        if len(path) == depth:
            self._judge_state(attacker, path, todo, found)
            return 1
        leaves = 0
        held = [attacker] + [s.move.gains for s in path if s.move.gains]
        others = [u.identities[a] for a in self.attackers]
        for name in held:
            who = u.identities[name]
            for move in moves_for(u, who, others):
                if all(r.id in found for r in todo):
                    return leaves
                state_key = frozenset([s.move.key for s in path] + [move.key])
                if move.key in {s.move.key for s in path} or state_key in visited:
                    continue
                planned = u.planner.decide(move.call(who, u.scenario.region))  # type: ignore[union-attr]
                if len(path) == depth - 1:
                    # counted once per state: at the last level of this iteration
                    self.tried[(attacker, move.action)] += 1
                    if planned.allowed:
                        self.allowed[(attacker, move.action)] += 1
                if not planned.allowed:
                    continue
                if move.action in ONLY_TAKE_AWAY and not any(r.expect == "allowed" for r in todo if r.id not in found):
                    continue
                visited.add(state_key)
                assert move.apply is not None
                undo = move.apply(u)
                try:
                    leaves += self._dfs(attacker, path + [PathStep(move, planned)], depth, todo, found, visited)
                finally:
                    undo()
        return leaves

    def _judge_state(self, attacker: str, path: list[PathStep], todo: list[Requirement],
                     found: dict[str, Found]) -> None:
        u = self.universe
        self.states += 1
        held = [attacker] + [s.move.gains for s in path if s.move.gains]
        decided: dict[tuple[str, str | None], list[Verdict]] = {}  # requests decided at this state, per actor

        def outcomes_of(principal: str, identity: str | None) -> list[Verdict]:
            if (principal, identity) not in decided:
                decided[(principal, identity)] = self._decide_all(principal, identity)
            return decided[(principal, identity)]

        for req in todo:
            if req.id in found:
                continue
            if req.expect == "allowed":
                # availability: the requirement's own principals, in the state the attacker left
                actors = [(p.name, None) for p in u.principals if _names(req, p.name)]
            else:
                # the attacker as every identity it holds, then every principal a step gave rights to
                # (a grant or policy for analyst made by the role: analyst then acts, charged to itself)
                actors = [(attacker, name if name != attacker else None) for name in held]
                actors += [(b, None) for b in dict.fromkeys(s.move.beneficiary for s in path if s.move.beneficiary)
                           if b != attacker]
            for principal, identity in actors:
                hit = next((o for o in outcomes_of(principal, identity) if self.judge(req, o)), None)
                if hit is not None:
                    found[req.id] = Found(attacker, list(path), hit, self.judge(req, hit))
                    break

    def _decide_all(self, principal: str, identity: str | None) -> list[Verdict]:
        u = self.universe
        probes = [p for p in escalated_probes(u, principal, identity) if self.kinds is None or p.kind in self.kinds]
        self.requests += len(probes)
        return [u.decide(p) for p in probes]

    def tried_summary(self) -> dict[str, dict[str, dict[str, int]]]:
        """attacker -> action -> {"tried": n, "allowed": n} (calls decided at the deepest level explored)."""
        out: dict[str, dict[str, dict[str, int]]] = {}
        for (attacker, action), n in sorted(self.tried.items()):
            out.setdefault(attacker, {})[action] = {"tried": n, "allowed": self.allowed[(attacker, action)]}
        return out


def _names(req: Requirement, name: str) -> bool:
    listed = "*" in req.principals or name in req.principals
    return listed != req.except_principals


def escalated_probes(u: "Universe", principal: str, identity: str | None) -> list[RequestCase]:
    """The requests decided at an escalated state for ``principal`` acting as ``identity`` (see module doc)."""
    who = u.identities[identity or principal]
    enc = u.current_encryption_variant()
    out: list[RequestCase] = []
    for st in PROPERTIES["secure_transport"]:
        if u.bucket:
            for sse in PROPERTIES["sse"]:
                for kid in (u.key_id_variants() if sse.startswith("aws:kms") else ["absent"]):
                    out.append(RequestCase(principal, "put", "PutObject", sse, kid, enc, st, identity=identity))
            for obj in PROPERTIES["object"]:
                out.append(RequestCase(principal, "get", "GetObject", secure_transport=st, object=obj, identity=identity))
            out.append(RequestCase(principal, "delete", "DeleteObject", secure_transport=st, object="sse-kms",
                             identity=identity))
        if u.key_arn and not who.caller.is_anonymous:
            for op in DIRECT_KMS_OPERATIONS:
                for ec in u.context_variants():
                    out.append(RequestCase(principal, "kms", op, secure_transport=st, identity=identity,
                                           encryption_context=ec))
    return out


__all__ += ["escalated_probes", "Principal"]
