"""``check(scenario)``: decide the whole universe, then judge every requirement against the decisions."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..engine.matching import action_matches, glob_match
from ..engine.statements import action_covered
from ..i18n import ENV_VAR, _, get_language
from ..lab.scenario import Scenario, load_scenario
from .escalation import Search
from .replay import ReplayContext, describe, path_recipe, recipe, step_words
from .report import Counterexample, Report, RequirementResult, decision_words
from .requirements import Requirement, load_requirements
from .universe import Universe, Verdict

__all__ = ["check", "judge", "lab_running"]


def lab_running() -> bool:
    """True when a :class:`Lab` runs in this process (the checker then runs in a child process)."""
    from ..lab import lab as lab_module
    return bool(getattr(lab_module, "_ACTIVE", []))


def check(scenario: str = "seed", requirements: str | Path | None = None, limit: int = 3,
          subprocess_if_lab_running: bool = True, escalate: bool = True) -> Report:
    """Prove or refute the scenario's requirements over its whole request universe, escalation included.

    scenario: a name under ``data/scenarios`` or a folder path; requirements: a requirements file
    (default: the scenario's ``requirements.json``); limit: counterexamples kept per requirement;
    escalate: also search paths of state-changing calls by non-administrators (:mod:`.escalation`) for
    the requirements that hold against direct requests.
    moto's state is process-wide, so when a :class:`Lab` is running in this process the check runs in a
    child Python process (same code) and its JSON report is read back.
    Raises FileNotFoundError for an unknown scenario and :class:`RequirementsError` for a bad file.
    """
    if lab_running():
        if not subprocess_if_lab_running:
            raise RuntimeError("A lab is running in this process; stop it or let the check run in a child process")
        return _check_in_child(scenario, requirements, limit)
    sc = load_scenario(scenario)
    with Universe(sc) as universe:
        reqs = load_requirements(sc, universe.principal_refs(), universe.actions(), requirements)
        started = time.perf_counter()
        probes = universe.probes()
        outcomes = universe.evaluate(probes)
        report = judge(sc, universe, reqs, outcomes, limit, escalate=escalate)
        report.elapsed_ms = (time.perf_counter() - started) * 1000
    return report


def _check_in_child(scenario: str, requirements: str | Path | None, limit: int) -> Report:
    cmd = [sys.executable, "-m", "s3kms_lab.checker", "--scenario", str(scenario), "--json", "--limit", str(limit)]
    if requirements:
        cmd += ["--requirements", str(requirements)]
    # the child speaks the language in force here (a Lab(lang=...) or a language() block, not only the environment)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, ENV_VAR: get_language()})
    if proc.returncode not in (0, 1):
        raise RuntimeError(_("the requirement check failed in its child process:\n{error}").format(
            error=proc.stderr.strip()))
    return Report.from_dict(json.loads(proc.stdout))


# ---------------------------------------------------------------------- judging
def in_scope(req: Requirement, outcome: Verdict, trusted: tuple[str, ...] = ()) -> bool:
    """Is this request about the requirement: principal, request properties, and some authorization it
    needs (action on resource). Requests charged to a trusted administrator are out of scope of what must
    be refused (the threat model accepts their power), not of what must succeed."""
    probe = outcome.probe
    if req.expect != "allowed" and probe.principal in trusted:
        return False
    names = req.principals
    listed = "*" in names or probe.principal in names
    if listed == req.except_principals:
        return False
    props = probe.properties()
    for prop, values in req.when:
        if props.get(prop) is None or props[prop] not in values:
            return False
    for step in outcome.steps():
        r = step.request
        if any(action_matches(a, r.action) for a in req.actions) and \
                any(x == "*" or glob_match(x, r.resource) for x in req.resources):
            return True
    return False


def violates(req: Requirement, outcome: Verdict) -> str:
    """Why the request breaks the requirement ('' when it does not)."""
    if req.expect == "denied":
        if outcome.allowed:
            return _("the requirement says this must be refused, but the endpoint allows it")
        return ""
    if req.expect == "allowed":
        if not outcome.allowed:
            return _("the requirement says this must succeed, but it is refused ({decision})").format(
                decision=decision_words(outcome.decision))
        return ""
    if not outcome.allowed or outcome.encryption is None:
        return ""
    alg, key = outcome.encryption
    if alg not in req.algorithms or (req.key and key != req.key):
        stored = (_("{algorithm} under {key}").format(algorithm=alg, key=key) if key else
                  _("{algorithm} (no KMS key)").format(algorithm=alg))
        algorithms = "/".join(req.algorithms)
        wanted = _("{algorithm} under {key}").format(algorithm=algorithms, key=req.key) if req.key else algorithms
        return _("the object would be stored with {stored}; the requirement wants {wanted}").format(
            stored=stored, wanted=wanted)
    return ""


def _shape(o: Verdict) -> tuple[Any, ...]:
    """The request's own shape, without the principal and the environment (default encryption, TLS)."""
    pr = o.probe
    return (pr.kind, pr.operation, pr.sse, pr.kms_key_id, pr.object)


def _pick(violations: list[tuple[int, int, Verdict, str]], limit: int) -> list[tuple[int, int, Verdict, str]]:
    """The simplest violation first, then the simplest ones that add a new principal and/or a new request
    shape (so the few shown tell different stories), ordered by complexity."""
    chosen: list[tuple[int, int, Verdict, str]] = []
    seen_p: set[str] = set()
    seen_shape: set[tuple[Any, ...]] = set()
    remaining = list(violations)
    while remaining and len(chosen) < limit:
        def score(v: tuple[int, int, Verdict, str]) -> tuple[int, int, int]:
            novelty = (v[2].probe.principal not in seen_p) + (_shape(v[2]) not in seen_shape)
            return (-novelty, v[0], v[1])
        best = min(remaining, key=score)
        remaining.remove(best)
        seen_p.add(best[2].probe.principal)
        seen_shape.add(_shape(best[2]))
        chosen.append(best)
    return sorted(chosen, key=lambda v: (v[0], v[1]))


def replay_context(sc: Scenario, universe: Universe, outcomes: list[Verdict]) -> ReplayContext:
    profiles = list(sc.spec.get("profiles", {}))

    def first_allowed(pred: Any) -> str | None:
        for p in universe.principals:
            if p.profile is None or p.caller.is_anonymous:
                continue
            if any(pred(o) and o.allowed for o in outcomes if o.probe.principal == p.name):
                return p.profile
        return None

    writer = first_allowed(lambda o: o.probe.kind == "put" and o.probe.sse == "aws:kms" and o.probe.kms_key_id == "key-arn"
                           and o.probe.default_encryption == universe.baseline_encryption and not o.probe.secure_transport)
    encrypter = first_allowed(lambda o: o.probe.kind == "kms" and o.probe.operation == "Encrypt"
                              and not o.probe.secure_transport and o.probe.encryption_context is None)
    rules: dict[str, Any] = {"off": None,
                             "SSE-S3": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                             "SSE-KMS": {"Rules": [{"ApplyServerSideEncryptionByDefault": {
                                 "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": universe.key_arn}, "BucketKeyEnabled": False}]},
                             "SSE-KMS+BucketKey": {"Rules": [{"ApplyServerSideEncryptionByDefault": {
                                 "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": universe.key_arn}, "BucketKeyEnabled": True}]}}
    if universe.baseline_encryption == "as provisioned":
        enc = sc.spec["buckets"][0].get("encryption", {})
        d: dict[str, Any] = {"SSEAlgorithm": enc.get("algorithm", "aws:kms")}
        if enc.get("key"):
            d["KMSMasterKeyID"] = enc["key"]
        rules["as provisioned"] = {"Rules": [{"ApplyServerSideEncryptionByDefault": d,
                                              "BucketKeyEnabled": bool(enc.get("bucket_key", False))}]}
    admin = "admin" if "admin" in profiles else (profiles[0] if profiles else None)
    from ..lab.scenario import DATA_DIR
    name = sc.path.name if sc.path.resolve().parent == DATA_DIR.resolve() else str(sc.path)
    return ReplayContext(scenario=name,
                         bucket=universe.bucket, key_arn=universe.key_arn, key_id=universe.key_id, alias=universe.alias,
                         account=sc.account, admin=admin, object_writer=writer, ciphertext_writer=encrypter,
                         baseline_encryption=universe.baseline_encryption, encryption_rules=rules, profiles=profiles)


def culprits(steps: Any) -> list[dict[str, Any]]:
    """The statements that decided each decided step (for hints): the Allow statements that granted an
    allowed step, the Deny statements of an explicit deny; an implicit deny has none (``missing``: no
    statement allows it). Each: step label, decision, policy name and kind, statement (Sid or #index), its
    JSON text."""
    out = []
    for step in steps:
        d = step.decision
        if d is None:
            continue
        base = {"step": step.label, "action": step.request.action, "decision": d.effect, "rule": d.rule}
        if not d.deciding:
            out.append({**base, "policy": "", "policy_kind": "", "statement": "", "text": "", "missing": True})
        for pol, st in d.deciding:
            out.append({**base, "policy": pol.name, "policy_kind": pol.kind.value,
                        "statement": st.sid or f"#{st.index}", "effect": st.effect,
                        "text": json.dumps(st.raw, sort_keys=True), "missing": False})
        if d.allowed:
            # Deny statements that were meant for this request but do not apply, and why (wrong principal,
            # a Resource without /*, a condition not met): the usual mistake behind a wrongly allowed request.
            exp = d.explain()
            ps = step.policies
            by_name = {p.name: p for p in [ps.resource, *ps.identity] if p is not None}
            consulted = {p.name: p for p in [*(p for level in ps.scps for p in level), ps.resource, *ps.identity,
                                             ps.boundary, *ps.session] if p is not None}
            for pol in exp.policies:
                for tr in pol["statements"]:
                    if tr["effect"] != "Deny" or tr["applies"]:
                        continue
                    stmt = next((x for x in by_name[pol["name"]].statements if x.label == tr["label"]), None) \
                        if pol["name"] in by_name else None
                    # a Deny whose (Not)Action does not cover the request is not a near miss; asked of the
                    # statement itself, not of the explanation's words (they are in the lab's language)
                    src = consulted.get(pol["name"])
                    st_any = next((x for x in src.statements if x.label == tr["label"]), None) if src else None
                    if st_any is not None:
                        if action_covered(st_any, d.request.action) == st_any.not_action:
                            continue
                    elif "Action does not cover" in tr["why"]:
                        continue
                    out.append({**base, "policy": pol["name"], "policy_kind": pol["kind"],
                                "statement": tr["sid"] or tr["label"], "effect": "Deny", "near_miss": True,
                                "why_not": tr["why"], "text": json.dumps(stmt.raw, sort_keys=True) if stmt else "",
                                "missing": False})
    return out


def key_name(universe: Universe, key_arn: str) -> str:
    """What a key ARN of the universe is, in words: ``the AWS managed key alias/aws/s3``, the scenario
    key's alias, ``another customer managed key``; "" for a key the universe did not create."""
    if key_arn == universe.aws_s3_key_arn:
        return _("the AWS managed key alias/aws/s3")
    if key_arn == universe.key_arn:
        return universe.alias or _("the scenario key")
    if key_arn == universe.other_key_arn:
        return _("another customer managed key")
    return ""


def judge(sc: Scenario, universe: Universe, reqs: list[Requirement], outcomes: list[Verdict], limit: int = 3,
          escalate: bool = True) -> Report:
    """Judge every requirement against the decided universe; for those that hold, search escalation paths."""
    ctx = replay_context(sc, universe, outcomes)
    trusted: tuple[str, ...] = tuple(getattr(reqs, "trusted", ()))
    order = {id(o): i for i, o in enumerate(outcomes)}
    results = []
    for req in reqs:
        scoped = [o for o in outcomes if in_scope(req, o, trusted)]
        bad = []
        for o in scoped:
            why = violates(req, o)
            if why:
                bad.append((universe.complexity(o.probe), order[id(o)], o, why))
        examples = []
        for cx, _i, o, why in _pick(bad, limit):
            d = o.probe.as_dict()
            enc = {"algorithm": o.encryption[0], "key": o.encryption[1]} if o.encryption and o.allowed else None
            if enc and enc["key"]:  # say which key that ARN is: learners cannot tell aws/s3 from an id
                enc["key_name"] = key_name(universe, enc["key"])
            examples.append(Counterexample(request=d, description=describe(d, ctx), complexity=cx,
                                           decision=o.decision, message=o.message(), encryption=enc,
                                           explanation=o.explanation(), replay=recipe(d, ctx), why=why,
                                           culprits=culprits(o.steps())))
        results.append(RequirementResult(req.id, req.shown_title, req.shown_source, req.sentence(), holds=not bad,
                                         in_scope=len(scoped), violations=len(bad), counterexamples=examples))
    escalation: dict[str, Any] = {}
    if escalate:
        escalation = _escalate(universe, reqs, trusted, results, ctx)
    from ..endpoint.decide import KEY_ID_RULE
    notes = list(getattr(reqs, "notes", [])) + list(universe.notes)
    notes.append(_(KEY_ID_RULE))  # marked N_ where it is defined
    notes.append(_("aws:SecureTransport=true requests cannot be replayed on the lab endpoint (plain HTTP); "
                   "their decisions come from the same engine with the key set to true."))
    notes.append(_("Replay: `s3kms-lab serve --scenario {scenario} --config-dir /tmp/lab`, then "
                   "`eval \"$(s3kms-lab env --config-dir /tmp/lab)\"` in another shell and run the commands shown.")
                 .format(scenario=ctx.scenario))
    universe_info = {
        "principals": [p.name + (f" ({p.arn})" if p.arn else "") for p in universe.principals],
        "trusted_administrators": list(trusted),
        "requests": ["PutObject", "multipart upload", "GetObject", "DeleteObject"] +
                    [f"kms:{op}" for op in ("Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey")],
        "sse": ["absent", "AES256", "aws:kms", "aws:kms:dsse"],
        "kms_key_id": universe.key_id_variants(),
        "default_encryption": list(universe._encryption_variants),
        "baseline_default_encryption": universe.baseline_encryption,
        "secure_transport": [False, True],
        "encryption_context": [None] + [dict(ec) for ec in universe.contexts],
    }
    return Report(scenario=sc.name, requirements=results, requests_decided=len(outcomes), elapsed_ms=0.0,
                  universe=universe_info, setup=ctx.as_dict(), notes=notes, escalation=escalation)


def _escalate(universe: Universe, reqs: list[Requirement], trusted: tuple[str, ...],
              results: list[RequirementResult], ctx: ReplayContext) -> dict[str, Any]:
    """Search escalation paths for the requirements that hold against direct requests; a path found turns
    the requirement VIOLATED with that path as its counterexample. Returns the search's figures."""
    holding = {r.id for r in results if r.holds}
    pending = [r for r in reqs if r.id in holding]
    attackers = [p.name for p in universe.principals if p.name not in trusted]

    def judge_one(req: Requirement, o: Verdict) -> str:
        return violates(req, o) if in_scope(req, o, trusted) else ""

    search = Search(universe, attackers, judge_one,
                    kinds=universe.kinds_for([a for r in pending for a in r.actions]))
    found = search.run(pending) if pending else {}
    tried = search.tried_summary()
    for res in results:
        if res.id in found:
            f = found[res.id]
            steps = [s.as_dict() for s in f.path]
            d = f.outcome.probe.as_dict()
            o = f.outcome
            enc = {"algorithm": o.encryption[0], "key": o.encryption[1]} if o.encryption and o.allowed else None
            words = [step_words(s) for s in steps]
            res.holds = False
            res.violations = 1
            res.counterexamples = [Counterexample(
                request=d, description=describe(d, ctx), complexity=len(steps), decision=o.decision,
                message=o.message(), encryption=enc, explanation=o.explanation(),
                replay=path_recipe(steps, d, ctx), why=f.why, path=steps, path_words=words,
                culprits=culprits(o.steps()))]
        elif res.id in holding:
            res.tried = tried
    return {"attackers": attackers, "max_depth": search.max_depth, "depth_reached": search.depth_reached,
            "calls_tried": sum(search.tried.values()), "calls_allowed": sum(search.allowed.values()),
            "states": search.states, "requests_decided": search.requests, "elapsed_ms": round(search.elapsed_ms, 1),
            "tried": tried}
