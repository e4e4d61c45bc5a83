"""The checker on a candidate design: the scenario with some of its policies replaced (exercise answers).

:func:`check_candidate` runs the full check (direct requests and escalation paths) for a few requirements
of a scenario in which the learner's candidate policies replace the stored ones. The scenario's universe is
built once and kept warm; a candidate is applied to it the way a policy change is (moto's state, then
undone), so a check costs the decisions, not the provisioning.

moto's state is process-wide, so while a :class:`~s3kms_lab.Lab` runs in this process the check runs in a
long-lived child process (:func:`serve`, started on first use and reused), which answers JSON lines.

Changes (all optional; policies as dicts or JSON text):
``{"bucket_policy": <doc or None to delete>, "key_policy": <doc>,
   "role_policies": {"<role>": {"<name>": <doc>}}, "trust_policies": {"<role>": <doc>},
   "user_policies": {"<user>": {"<name>": <doc>}}}`` (role/user policies replace all inline policies of it).
"""
from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
from typing import Any, Callable

from ..i18n import _, get_language, language
from ..lab.scenario import load_scenario
from .report import Report
from .requirements import Requirements, load_requirements

__all__ = ["check_candidate", "apply_changes", "serve"]

_WARM: dict[str, Any] = {}  # scenario path -> Universe, kept only in the child process (moto is global)
_KEEP_WARM = False


def _text(doc: Any) -> str:
    return doc if isinstance(doc, str) else json.dumps(doc)


def apply_changes(universe: Any, changes: dict[str, Any]) -> Callable[[], None]:
    """Put the candidate policies into the universe's moto state (through the seam's writes); return the
    function that restores it. Raises KeyError naming an unknown role or user."""
    state = universe.state
    account = universe.scenario.account
    undo: list[Callable[[], None]] = []
    if "bucket_policy" in changes and universe.bucket:
        new = changes["bucket_policy"]
        old = state.set_bucket_policy(universe.bucket, _text(new) if new is not None else None)
        undo.append(lambda: state.set_bucket_policy(universe.bucket, old))
    if "key_policy" in changes and universe.key_arn:
        key = state.key(universe.key_arn.split(":")[4], universe.key_id)
        if key is None:
            raise KeyError(universe.key_arn)
        old_key = state.set_key_policy(key, _text(changes["key_policy"]))
        undo.append(lambda: state.set_key_policy(key, old_key))
    for name, doc in (changes.get("trust_policies") or {}).items():
        old_trust = state.set_trust_policy(account, name, _text(doc))
        undo.append(lambda name=name, old=old_trust: state.set_trust_policy(account, name, old))
    for kind, entity_kind in (("role_policies", "role"), ("user_policies", "user")):
        for name, policies in (changes.get(kind) or {}).items():
            old_pols = state.replace_inline_policies(entity_kind, account, name,
                                                     {n: _text(d) for n, d in policies.items()})
            undo.append(lambda k=entity_kind, name=name, old=old_pols:
                        state.replace_inline_policies(k, account, name, old))
    universe.policies_changed()
    if universe.key_arn:
        # request values the caller chooses: also those the candidate's conditions mention
        from .universe import encryption_contexts, policy_conditions
        old_contexts = list(universe.contexts)
        universe.use_contexts(encryption_contexts(policy_conditions(universe.scenario, changes)))
        undo.append(lambda: universe.use_contexts(old_contexts))

    def restore() -> None:
        for fn in reversed(undo):
            fn()
        universe.policies_changed()
    return restore


def _check_here(scenario: str, changes: dict[str, Any], requirement_ids: list[str] | None, limit: int) -> Report:
    import time

    from .check import judge
    from .universe import Universe
    sc = load_scenario(scenario)
    key = str(sc.path.resolve())
    universe = _WARM.get(key)
    if universe is None:
        _WARM.clear()
        universe = Universe(sc).build()
        if _KEEP_WARM:
            _WARM[key] = universe
    reqs = load_requirements(sc, universe.principal_refs(), universe.actions())
    if requirement_ids:
        reqs = Requirements([r for r in reqs if r.id in requirement_ids], reqs.trusted, reqs.notes, reqs.description)
    started = time.perf_counter()
    restore = apply_changes(universe, changes)
    try:
        # only the kinds of request the requirements are about (a check restricted to R2 decides no GetObject)
        outcomes = universe.evaluate(universe.probes(universe.kinds_for([a for r in reqs for a in r.actions])))
        report = judge(sc, universe, reqs, outcomes, limit)
    finally:
        restore()
        if not _KEEP_WARM:
            universe.close()
    report.elapsed_ms = (time.perf_counter() - started) * 1000
    return report


class _Child:
    """The long-lived checker process used while a lab runs in this process."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = subprocess.Popen([sys.executable, "-m", "s3kms_lab.checker.candidate"],
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                             env=dict(os.environ))
                atexit.register(self.close)
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            if not line:
                self.proc = None
                raise RuntimeError(_("the checker's child process stopped; see its error output above"))
            answer = json.loads(line)
            if "error" in answer:
                raise RuntimeError(_("the candidate check failed: {error}").format(error=answer["error"]))
            return answer

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


_CHILD = _Child()


def check_candidate(scenario: str, changes: dict[str, Any], requirement_ids: list[str] | None = None,
                    limit: int = 1) -> Report:
    """The requirement check of ``scenario`` with ``changes`` applied (see module doc), restricted to
    ``requirement_ids`` (default: all), escalation included. Raises FileNotFoundError for an unknown
    scenario and RuntimeError when the child process fails."""
    from .check import lab_running
    if not lab_running():
        return _check_here(scenario, changes, requirement_ids, limit)
    # the long-lived child answers in the language in force here, which may change between checks
    answer = _CHILD.ask({"scenario": str(scenario), "changes": changes, "requirements": requirement_ids,
                         "limit": limit, "lang": get_language()})
    return Report.from_dict(answer)


def serve() -> None:
    """The child process: one JSON request per line on stdin, one JSON report (or {"error"}) per line out."""
    global _KEEP_WARM
    _KEEP_WARM = True
    for line in sys.stdin:
        try:
            req = json.loads(line)
            with language(req.get("lang") or get_language()):
                report = _check_here(req["scenario"], req.get("changes") or {}, req.get("requirements"),
                                     int(req.get("limit", 1)))
            out = report.as_dict()
        except Exception as exc:  # answer, do not die: the parent shows the error
            out = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
