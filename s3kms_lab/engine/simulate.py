"""IAM ``SimulateCustomPolicy`` / ``SimulatePrincipalPolicy`` on top of the engine.

Request and response shapes follow the IAM API reference and the botocore model of 2026-07-30:
https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ResourceSpecificResult.html
- one EvaluationResult per action; its EvalDecision is the most restrictive over the resources and the
  per-resource answers are in ResourceSpecificResults (fact 109);
- the simulator uses only the ContextEntries given: it does not fill in global keys (facts 111, 113);
- ``MatchedStatements`` lists the Deny statements for an explicit deny, the Allow statements for an
  allow, nothing for an implicit deny (fact 110).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from .evaluate import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Decision, PolicySet, Request, authorize, statement_targets
from .policy import MalformedPolicyError, Policy, PolicyKind, parse_policy
from .principal import USER, Caller, caller_from_arn

__all__ = ["SimulationError", "simulate_custom_policy", "simulate", "context_from_entries"]

_RANK = {ALLOWED: 0, IMPLICIT_DENY: 1, EXPLICIT_DENY: 2}
_TYPES = {"string", "stringList", "numeric", "numericList", "boolean", "booleanList", "ip", "ipList",
          "binary", "binaryList", "date", "dateList"}


class SimulationError(ValueError):
    """Bad simulator input. ``code`` is ``InvalidInput`` or ``MalformedPolicyDocument``; HTTP 400."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def context_from_entries(entries: Sequence[Mapping[str, Any]] | None) -> dict[str, list[str]]:
    """``ContextEntries`` -> engine context (lower-cased key names, string values).

    Raises :class:`SimulationError` (InvalidInput) for a missing name or an unknown ContextKeyType.
    """
    ctx: dict[str, list[str]] = {}
    for e in entries or []:
        name = e.get("ContextKeyName")
        if not name or not 5 <= len(name) <= 256:
            raise SimulationError("InvalidInput", f"ContextKeyName {name!r} must be 5 to 256 characters")
        ctype = e.get("ContextKeyType", "string")
        if ctype not in _TYPES:
            raise SimulationError("InvalidInput", f"ContextKeyType {ctype!r} is not one of {sorted(_TYPES)}")
        vals = [str(v).lower() if ctype.startswith("boolean") else str(v) for v in e.get("ContextKeyValues", [])]
        ctx[name.lower()] = vals
    return ctx


def _template(resource: str) -> str:
    if resource == "*":
        return "*"
    if resource.startswith("arn:aws:s3:::"):
        return "arn:${Partition}:s3:::${BucketName}/${KeyName}" if "/" in resource else "arn:${Partition}:s3:::${BucketName}"
    if resource.startswith("arn:aws:kms:"):
        return "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}"
    return resource


def _resource_kind(resource: str) -> PolicyKind:
    if resource.startswith("arn:aws:kms:"):
        return PolicyKind.KEY
    if resource.startswith("arn:aws:iam:") and ":role/" in resource:
        return PolicyKind.TRUST
    return PolicyKind.BUCKET


def _parse_list(texts: Sequence[str] | None, kind: PolicyKind, label: str) -> list[Policy]:
    out = []
    for i, text in enumerate(texts or [], start=1):
        try:
            out.append(parse_policy(text, kind, f"{label}.{i}"))
        except MalformedPolicyError as exc:
            raise SimulationError("MalformedPolicyDocument", f"{label}.{i}: {exc.message}") from None
    return out


def _statement_entry(pol: Policy, st: Any) -> dict[str, Any]:
    ptype = "resource" if pol.kind.is_resource_policy else "none"
    return {"SourcePolicyId": pol.name, "SourcePolicyType": ptype,
            "StartPosition": {"Line": st.start[0], "Column": st.start[1]},
            "EndPosition": {"Line": st.end[0], "Column": st.end[1]}}


def _missing(policies: list[Policy], req: Request) -> list[str]:
    keys: dict[str, str] = {}
    for pol in policies:
        for st in pol.statements:
            if st.conditions and statement_targets(st, pol, req):
                for c in st.conditions:
                    if c.key_lc not in req.context:
                        keys.setdefault(c.key_lc, c.key)
    return sorted(keys.values())


def simulate(identity: list[Policy], actions: Sequence[str], resources: Sequence[str] | None,
             resource_policy_text: str | None, caller: Caller, resource_owner: str, context: dict[str, list[str]],
             boundary: Policy | None = None) -> list[dict[str, Any]]:
    """Run the engine for every (action, resource) pair and shape IAM's ``EvaluationResults``."""
    resources = list(resources or ["*"])
    for a in actions:
        if "*" in a or "?" in a or ":" not in a:
            raise SimulationError("InvalidInput", f"ActionNames entry {a!r} must be a full service:Action name without wildcards")
    for r in resources:
        if r != "*" and (not r.startswith("arn:") or len(r.split(":", 5)) != 6):
            raise SimulationError("InvalidInput", f"Invalid ARN: {r!r} in ResourceArns")
    rpolicy_cache: dict[PolicyKind, Policy] = {}
    results = []
    for action in actions:
        per_resource = []
        worst = ALLOWED
        for res in resources:
            rp = None
            if resource_policy_text:
                kind = _resource_kind(res)
                if kind not in rpolicy_cache:
                    try:
                        rpolicy_cache[kind] = parse_policy(resource_policy_text, kind, "ResourcePolicy")
                    except MalformedPolicyError as exc:
                        raise SimulationError("MalformedPolicyDocument", f"ResourcePolicy: {exc.message}") from None
                rp = rpolicy_cache[kind]
            parts = res.split(":", 5)
            owner = parts[4] if len(parts) == 6 and parts[4] else resource_owner
            req = Request(caller, action, res, context, owner)
            d: Decision = authorize(req, PolicySet(identity=identity, boundary=boundary, resource=rp))
            matched = [_statement_entry(p, s) for p, s in d.deciding] if d.effect != IMPLICIT_DENY else []
            consulted = identity + ([boundary] if boundary else []) + ([rp] if rp else [])
            entry = {"EvalResourceName": res, "EvalResourceDecision": d.effect, "MatchedStatements": matched,
                     "MissingContextValues": _missing(consulted, req), "EvalDecisionDetails": {}}
            if boundary is not None:
                entry["PermissionsBoundaryDecisionDetail"] = {
                    "AllowedByPermissionsBoundary": d.rule != "boundary-cap"}
            if rp is not None and not req.same_account:
                entry["EvalDecisionDetails"] = {"IAM Policy": ALLOWED if d.rule not in ("no-identity-allow",) else IMPLICIT_DENY,
                                                "Resource Policy": IMPLICIT_DENY if d.rule.endswith("no-resource-allow") else d.effect}
            per_resource.append(entry)
            if _RANK[d.effect] > _RANK[worst]:
                worst = d.effect
        top: dict[str, Any] = {
            "EvalActionName": action,
            "EvalResourceName": _template(resources[0]) if len({_template(r) for r in resources}) == 1 else "*",
            "EvalDecision": worst,
            "MatchedStatements": [m for e in per_resource if e["EvalResourceDecision"] == worst for m in e["MatchedStatements"]],
            "MissingContextValues": sorted({k for e in per_resource for k in e["MissingContextValues"]}),
            "ResourceSpecificResults": per_resource,
        }
        if boundary is not None:
            top["PermissionsBoundaryDecisionDetail"] = {
                "AllowedByPermissionsBoundary": all(e["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] for e in per_resource)}
        results.append(top)
    return results


def simulate_custom_policy(params: Mapping[str, Any], default_account: str = "123456789012") -> dict[str, Any]:
    """``SimulateCustomPolicy`` with boto3-style parameters; returns ``{"EvaluationResults": [...], "IsTruncated": False}``.

    Raises :class:`SimulationError` for input AWS refuses (missing PolicyInputList or ActionNames,
    wildcard actions, non-ARN resources, ResourcePolicy without CallerArn, malformed policies).
    """
    if "PolicyInputList" not in params:
        raise SimulationError("InvalidInput", "PolicyInputList is required")
    if not params.get("ActionNames"):
        raise SimulationError("InvalidInput", "ActionNames is required")
    identity = _parse_list(params.get("PolicyInputList"), PolicyKind.IDENTITY, "PolicyInputList")
    boundaries = _parse_list(params.get("PermissionsBoundaryPolicyInputList"), PolicyKind.BOUNDARY,
                             "PermissionsBoundaryPolicyInputList")
    if len(boundaries) > 1:
        raise SimulationError("InvalidInput", "Only one permissions boundary can be simulated")
    caller_arn = params.get("CallerArn")
    if params.get("ResourcePolicy") and not caller_arn:
        raise SimulationError("InvalidInput", "CallerArn is required when ResourcePolicy is given")
    owner = params.get("ResourceOwner")
    owner_account = default_account
    if owner:
        parts = owner.split(":")
        if len(parts) != 6 or not owner.startswith("arn:aws:iam::") or not parts[4].isdigit():
            raise SimulationError("InvalidInput", f"ResourceOwner {owner!r} must be an account ARN like arn:aws:iam::123456789012:root")
        owner_account = parts[4]
    if caller_arn:
        try:
            caller = caller_from_arn(caller_arn)
        except ValueError as exc:
            raise SimulationError("InvalidInput", f"CallerArn: {exc}") from None
        if caller.kind not in ("User", "Role"):
            raise SimulationError("InvalidInput", "CallerArn must be an IAM user or role ARN")
        if not owner:
            owner_account = caller.account
    else:
        caller = Caller(USER, f"arn:aws:iam::{owner_account}:user/simulated-caller", owner_account, "simulated-caller")
    ctx = context_from_entries(params.get("ContextEntries"))
    results = simulate(identity, params["ActionNames"], params.get("ResourceArns"), params.get("ResourcePolicy"),
                       caller, owner_account, ctx, boundaries[0] if boundaries else None)
    return {"EvaluationResults": results, "IsTruncated": False}
