"""STS: AssumeRole's steps (the trust policy and the caller's identity policies, sts:TagSession for session
tags), its parameter checks, the session the lab remembers, and the trail fields.

AWS rules followed (``docs/aws-rules.md``): AssumeRole (STS-1,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html); session tags need sts:TagSession
(STS-2, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required);
GetCallerIdentity needs no permission (STS-3,
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
"""
from __future__ import annotations

import time
from typing import Any

from ...engine import MalformedPolicyError, PolicyKind, PolicySet, Request, parse_policy
from ..decide import Authorizer, Call, Step
from ..errors import AwsError
from ..operations import Op
from ..plan_types import Plan, condition_context

__all__ = ["plan", "steps_for", "session_tags", "request_parameters", "response_elements"]

EVENT_SOURCE = "sts.amazonaws.com"
UNMODELLED = ("UnsupportedOperation", 400)
INTERNAL_ERROR = "InternalFailure"


def deny(call: Call, step: Step, bucket_owner: str) -> AwsError:
    """STS answers a denied call with 403 ``AccessDenied`` (query XML) and the engine's sentence."""
    assert step.decision is not None
    return AwsError("sts", "AccessDenied", step.decision.message(quote_resource=False), 403,
                    step.decision.explain().text())


def session_tags(params: dict[str, str]) -> dict[str, str]:
    """``Tags.member.N.Key/Value`` query parameters of AssumeRole as a dict."""
    return {v: params.get(k[:-len(".Key")] + ".Value", "") for k, v in params.items()
            if k.startswith("Tags.member.") and k.endswith(".Key")}


def _trust_policy(authorizer: Authorizer, role_arn: str) -> Any:
    found = authorizer.state.role_trust_policy(role_arn)
    if found is not None:
        try:
            return parse_policy(found[1], PolicyKind.TRUST, f"trust policy of role {found[0]}")
        except MalformedPolicyError:
            pass
    # No such role (or no usable trust policy): AWS answers AccessDenied without saying which, so the lab
    # decides against a trust policy that trusts nobody (an implicit deny, not an explicit one).
    return parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "nobody.s3kms-lab.invalid"}, "Action": "sts:AssumeRole"}]}, PolicyKind.TRUST,
        f"role {role_arn} (no such role, or no usable trust policy)")


def _assume_role_steps(call: Call, op: Op, authorizer: Authorizer) -> list[Step]:
    role_arn = op.resource.arn(call)
    role_account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    caller_pol = authorizer.caller_policies(call.credential)
    ctx = authorizer.global_context(call, role_account)
    ctx.update(condition_context(op, call))
    tags = session_tags(call.params)
    for k, v in tags.items():
        ctx[f"aws:requesttag/{k.lower()}"] = [v]
    if tags:
        ctx["aws:tagkeys"] = list(tags)
    policies = PolicySet(caller_pol.identity, caller_pol.boundary, caller_pol.session,
                         _trust_policy(authorizer, role_arn))
    steps = [Step(f"sts:AssumeRole on {role_arn}", Request(call.caller, op.action, role_arn, ctx, role_account),
                  policies)]
    if tags:
        steps.append(Step(f"sts:TagSession on {role_arn}",
                          Request(call.caller, "sts:TagSession", role_arn, ctx, role_account), policies))
    return steps


def _validate_assume_role(call: Call, authorizer: Authorizer) -> None:
    """AssumeRole's parameter checks: DurationSeconds from 900 s up to the role's MaxSessionDuration; a session
    policy must parse (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)."""
    p = call.params
    if p.get("DurationSeconds"):
        try:
            duration = int(p["DurationSeconds"])
        except ValueError:
            raise AwsError("sts", "ValidationError", "DurationSeconds must be a number of seconds", 400) from None
        if duration < 900:
            raise AwsError("sts", "ValidationError", f"1 validation error detected: Value '{duration}' at "
                           "'durationSeconds' failed to satisfy constraint: Member must have value greater "
                           "than or equal to 900", 400)
        if duration > authorizer.state.role_max_session(p.get("RoleArn", "")):
            raise AwsError("sts", "ValidationError", "The requested DurationSeconds exceeds the "
                           "MaxSessionDuration set for this role.", 400)
    if p.get("Policy"):
        parse_policy(p["Policy"], PolicyKind.SESSION, "session policy")


def _between(body: bytes, start: bytes, end: bytes) -> str:
    i = body.find(start)
    if i < 0:
        return ""
    return body[i + len(start):body.find(end, i)].decode()


def _note_session(call: Call, authorizer: Authorizer) -> Any:
    def after(body: bytes) -> None:
        akid = _between(body, b"<AccessKeyId>", b"</AccessKeyId>")
        authorizer.state.note_session(akid, session_tags(call.params), time.time())
    return after


# STS operations that need a permission (GetCallerIdentity / GetSessionToken need none).
_STEPS = {"AssumeRole": _assume_role_steps}
_CHECKS = {"AssumeRole": _validate_assume_role}
_AFTER = {"AssumeRole": _note_session}


def steps_for(call: Call, op: Op, authorizer: Authorizer) -> list[Step]:
    return _STEPS.get(call.operation, lambda *a: [])(call, op, authorizer)


def plan(call: Call, op: Op, authorizer: Authorizer) -> Plan:
    out = Plan(call, op, authorizer, steps_for(call, op, authorizer))
    check, after = _CHECKS.get(call.operation), _AFTER.get(call.operation)
    if check is not None:
        out.checks.append(lambda: check(call, authorizer))
    if after is not None:
        out.after = after(call, authorizer)
    return out


# ---------------------------------------------------------------- trail
def request_parameters(call: Call) -> dict[str, Any]:
    return {k: v for k, v in call.params.items() if k not in ("Action", "Version")}


def _assume_role_response(body: bytes) -> dict[str, Any]:
    """CloudTrail ``responseElements`` of AssumeRole: the new credentials' id and expiry, the session."""
    return {"credentials": {"accessKeyId": _between(body, b"<AccessKeyId>", b"</AccessKeyId>"),
                            "expiration": _between(body, b"<Expiration>", b"</Expiration>")},
            "assumedRoleUser": {"assumedRoleId": _between(body, b"<AssumedRoleId>", b"</AssumedRoleId>"),
                                "arn": _between(body, b"<Arn>", b"</Arn>")}}


_RESPONSE = {"AssumeRole": _assume_role_response}


def response_elements(call: Call, headers: dict[str, str] | None, body: bytes) -> dict[str, Any] | None:
    response = _RESPONSE.get(call.operation)
    return response(body) if response is not None else None
