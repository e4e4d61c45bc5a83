"""Loading and running the table-driven engine cases in ``tests/engine/cases/*.json``.

Every case file is ``{"topic": ..., "fragments": {name: policy}, "cases": [...]}``. Each case carries
``id``, ``about``, ``source`` (the AWS documentation page that decides it) and one of three shapes:

- ``"mode": "simulate"`` — ``request`` is an IAM ``SimulateCustomPolicy`` call (policies may be written
  as JSON objects, they are serialised here); ``expect`` lists ``{action, resource, decision}``.
- ``"mode": "condition"`` — ``condition`` is one Condition block, ``context`` a list of
  ``[ContextKeyName, ContextKeyType, [values]]``; ``match`` says whether AWS finds the condition true.
  The block is run through the simulator twice: in an Allow statement (allowed / implicitDeny) and in a
  Deny statement next to an Allow-all (explicitDeny / allowed). ``version`` may be null (no Version).
- ``"mode": "authorize"`` — a full :class:`Request` + :class:`PolicySet`, for what the simulator cannot
  express (sessions, boundaries with resource policies, key and trust policies, SCPs, cross-account):
  ``caller`` (ARN, ``"anonymous"``, ``{"service": ...}`` or ``{"arn": ..., "role_arn", "tags", "mfa",
  "has_boundary"}``), ``action``, ``resource``, optional ``resource_account``, ``context`` (the caller's
  global keys are added), ``identity``/``boundary``/``session``/``resource`` (``{"kind": "bucket"|"key"|
  "trust", "policy": ...}``)/``scps``; a policy may be a fragment name. ``expect`` is the decision,
  optionally with ``policy_type`` and ``rule``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3kms_lab.engine import Caller, PolicyKind, PolicySet, Request, authorize, caller_from_arn, parse_policy
from s3kms_lab.engine.simulate import simulate_custom_policy

CASES_DIR = Path(__file__).resolve().parent / "cases"
_KINDS = {"bucket": PolicyKind.BUCKET, "key": PolicyKind.KEY, "trust": PolicyKind.TRUST}
DOC_PREFIXES = ("https://docs.aws.amazon.com/", "https://aws.amazon.com/blogs/security/",
                "https://repost.aws/", "https://aws.amazon.com/premiumsupport/")


def load_file(name: str) -> dict[str, Any]:
    return json.loads((CASES_DIR / name).read_text())


def all_case_files() -> list[str]:
    return sorted(p.name for p in CASES_DIR.glob("*.json"))


def params(name: str, mode: str | None = None) -> list[Any]:
    """pytest params (id = case id) for the cases of one file, optionally only one mode."""
    data = load_file(name)
    out = []
    for case in data["cases"]:
        if mode is None or case.get("mode", "authorize") == mode:
            out.append(pytest.param(case, data.get("fragments", {}), id=case["id"]))
    return out


# --------------------------------------------------------------------------- simulate / condition

def _as_text(doc: Any) -> str:
    return doc if isinstance(doc, str) else json.dumps(doc)


def simulate_request(request: dict[str, Any], fragments: dict[str, Any] | None = None) -> dict[str, Any]:
    fragments = fragments or {}
    req = dict(request)

    def resolve(p: Any) -> str:
        return _as_text(fragments.get(p, p) if isinstance(p, str) and p in fragments else p)

    req["PolicyInputList"] = [resolve(p) for p in req["PolicyInputList"]]
    if "PermissionsBoundaryPolicyInputList" in req:
        req["PermissionsBoundaryPolicyInputList"] = [resolve(p) for p in req["PermissionsBoundaryPolicyInputList"]]
    if "ResourcePolicy" in req:
        req["ResourcePolicy"] = resolve(req["ResourcePolicy"])
    return req


def decisions(response: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(action, resource) -> EvalResourceDecision from a SimulateCustomPolicy response."""
    return {(r["EvalActionName"], rr["EvalResourceName"]): rr["EvalResourceDecision"]
            for r in response["EvaluationResults"] for rr in r["ResourceSpecificResults"]}


def run_simulate(case: dict[str, Any], fragments: dict[str, Any]) -> None:
    got = decisions(simulate_custom_policy(simulate_request(case["request"], fragments)))
    for exp in case["expect"]:
        key = (exp["action"], exp["resource"])
        assert got.get(key) == exp["decision"], (
            f"{case['id']}: {key} -> {got.get(key)}, AWS says {exp['decision']} ({case['source']})")


def condition_requests(case: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Allow-form and Deny-form simulator requests for a ``condition`` case."""
    version = case.get("version", "2012-10-17")
    entries = [{"ContextKeyName": n, "ContextKeyType": t, "ContextKeyValues": v} for n, t, v in case.get("context", [])]
    action = case.get("action", "s3:GetObject")
    resource = case.get("resource", "arn:aws:s3:::my-secure-bucket/uploads/data.csv")

    def doc(statements: list[dict[str, Any]]) -> str:
        d: dict[str, Any] = {"Statement": statements}
        if version:
            d = {"Version": version, **d}
        return json.dumps(d)

    cond_stmt = {"Action": action, "Resource": "*", "Condition": case["condition"]}
    allow = {"PolicyInputList": [doc([{"Sid": "Conditional", "Effect": "Allow", **cond_stmt}])],
             "ActionNames": [action], "ResourceArns": [resource], "ContextEntries": entries}
    deny = {"PolicyInputList": [doc([{"Sid": "AllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"},
                                     {"Sid": "Conditional", "Effect": "Deny", **cond_stmt}])],
            "ActionNames": [action], "ResourceArns": [resource], "ContextEntries": entries}
    return allow, deny


def run_condition(case: dict[str, Any]) -> None:
    allow, deny = condition_requests(case)
    key = (allow["ActionNames"][0], allow["ResourceArns"][0])
    got_allow = decisions(simulate_custom_policy(allow))[key]
    got_deny = decisions(simulate_custom_policy(deny))[key]
    want_allow = "allowed" if case["match"] else "implicitDeny"
    want_deny = "explicitDeny" if case["match"] else "allowed"
    assert (got_allow, got_deny) == (want_allow, want_deny), (
        f"{case['id']}: condition {case['condition']} should {'match' if case['match'] else 'not match'} "
        f"({case['source']}); Allow form gave {got_allow}, Deny form gave {got_deny}")


# --------------------------------------------------------------------------- authorize

def make_caller(spec: Any) -> Caller:
    if spec == "anonymous":
        return Caller("Anonymous")
    if isinstance(spec, str):
        return caller_from_arn(spec)
    if "service" in spec:
        return Caller("Service", spec["service"])
    base = caller_from_arn(spec["arn"])
    return Caller(base.kind, base.arn, base.account, name=base.name,
                  role_arn=spec.get("role_arn", base.role_arn), session_name=base.session_name,
                  unique_id=spec.get("unique_id", base.unique_id), tags=spec.get("tags", {}),
                  has_boundary=spec.get("has_boundary", False), mfa=spec.get("mfa"))


def _policy(doc: Any, kind: PolicyKind, name: str, fragments: dict[str, Any]):
    if isinstance(doc, str) and doc in fragments:
        name, doc = doc, fragments[doc]
    return parse_policy(_as_text(doc), kind, name)


def build(case: dict[str, Any], fragments: dict[str, Any]) -> tuple[Request, PolicySet]:
    caller = make_caller(case["caller"])
    ctx = {k: list(v) for k, v in caller.global_context().items()} if case.get("global_context", True) else {}
    for k, v in case.get("context", {}).items():
        ctx[k.lower()] = list(v) if isinstance(v, list) else [v]
    resource = case["resource"]
    if "resource_account" in case:
        owner = case["resource_account"]
    else:
        parts = resource.split(":", 5)
        owner = parts[4] if len(parts) == 6 and parts[4] else ""
    req = Request(caller, case["action"], resource, ctx, owner)
    rp = None
    if "resource" in case.get("policies", {}):
        spec = case["policies"]["resource"]
        rp = _policy(spec["policy"], _KINDS[spec["kind"]], f"{spec['kind']} policy", fragments)
    pol = case.get("policies", {})
    ps = PolicySet(
        identity=[_policy(d, PolicyKind.IDENTITY, f"identity policy {i + 1}", fragments)
                  for i, d in enumerate(pol.get("identity", []))],
        boundary=_policy(pol["boundary"], PolicyKind.BOUNDARY, "permissions boundary", fragments)
        if pol.get("boundary") is not None else None,
        session=[_policy(d, PolicyKind.SESSION, f"session policy {i + 1}", fragments)
                 for i, d in enumerate(pol.get("session", []))],
        resource=rp,
        scps=[[_policy(d, PolicyKind.SCP, f"SCP level {lvl + 1}.{i + 1}", fragments) for i, d in enumerate(level)]
              for lvl, level in enumerate(pol.get("scps", []))],
    )
    return req, ps


def run_authorize(case: dict[str, Any], fragments: dict[str, Any]) -> None:
    req, ps = build(case, fragments)
    d = authorize(req, ps)
    where = f"{case['id']} ({case['source']}): {d.summary()}"
    assert d.effect == case["expect"], where
    if "policy_type" in case:
        assert d.policy_type == case["policy_type"], where
    if "rule" in case:
        assert d.rule == case["rule"], where


def run_case(case: dict[str, Any], fragments: dict[str, Any]) -> None:
    mode = case.get("mode", "authorize")
    if mode == "simulate":
        run_simulate(case, fragments)
    elif mode == "condition":
        run_condition(case)
    elif mode == "authorize":
        run_authorize(case, fragments)
    else:  # pragma: no cover - a typo in a case file
        raise AssertionError(f"unknown mode {mode!r} in case {case['id']}")
