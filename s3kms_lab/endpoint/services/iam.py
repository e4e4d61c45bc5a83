"""IAM: the step of an IAM call, the policy checks IAM makes when a document is saved, the operations the lab
serves itself (moto 5.2.5 lacks them), and the trail fields.

AWS rules followed (``docs/aws-rules.md``): IAM validates policy documents when they are saved (POL-1,
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_policy-validator.html); a trust policy
names existing principals (POL-2); the policy simulator's API
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html).
"""
from __future__ import annotations

from typing import Any

from ...engine import PolicyKind, Request, parse_policy
from ...engine.principal import ROLE, Caller
from ...engine.simulate import SimulationError, context_from_entries, simulate, simulate_custom_policy
from ..decide import Authorizer, Call, Step
from ..errors import AwsError
from ..moto_seam import Credential
from ..operations import Op
from ..plan_types import Plan, Response, condition_context
from .validation import check_principals_exist

__all__ = ["plan", "steps_for", "request_parameters", "response_elements"]

EVENT_SOURCE = "iam.amazonaws.com"
UNMODELLED = ("UnsupportedOperation", 400)
INTERNAL_ERROR = "InternalFailure"


def deny(call: Call, step: Step, bucket_owner: str) -> AwsError:
    """IAM answers a denied call with 403 ``AccessDenied`` (query XML) and the engine's sentence."""
    assert step.decision is not None
    return AwsError("iam", "AccessDenied", step.decision.message(quote_resource=False), 403,
                    step.decision.explain().text())


def steps_for(call: Call, op: Op, authorizer: Authorizer) -> list[Step]:
    """The IAM action on its resource, with the condition keys the row reads from the parameters."""
    res = op.resource.arn(call)
    ctx = authorizer.global_context(call, call.caller.account)
    ctx.update(condition_context(op, call))
    req = Request(call.caller, op.action, res, ctx, call.caller.account)
    return [Step(f"{op.action} on {res}", req, authorizer.caller_policies(call.credential))]


def _identity_document(param: str) -> Any:
    def check(call: Call, authorizer: Authorizer) -> None:
        parse_policy(call.params.get(param, ""), PolicyKind.IDENTITY, "policy")
    return check


def _trust_document(call: Call, authorizer: Authorizer) -> None:
    check_principals_exist(authorizer.state, parse_policy(
        call.params.get("AssumeRolePolicyDocument", "") or call.params.get("PolicyDocument", ""),
        PolicyKind.TRUST, "trust policy"))


# Documents IAM validates when they are saved (operation -> check).
_CHECKS = {
    **{name: _identity_document("PolicyDocument") for name in
       ("PutUserPolicy", "PutRolePolicy", "PutGroupPolicy", "CreatePolicy", "CreatePolicyVersion")},
    "CreateRole": _trust_document,
    "UpdateAssumeRolePolicy": _trust_document,
}


# ---------------------------------------------------------------- served by the lab
def _user_boundary(sets: bool) -> Any:
    """Put (``sets``) / DeleteUserPermissionsBoundary, which moto 5.2.5 lacks: served by the lab through the seam."""
    def serve(call: Call, authorizer: Authorizer, request_id: str) -> Response:
        state = authorizer.state
        name = call.params.get("UserName", "")
        arn = call.params.get("PermissionsBoundary") if sets else None
        if sets and (not arn or not state.managed_policy_exists(arn, call.caller.account)):
            raise AwsError("iam", "NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", 404)
        if not state.set_user_boundary(call.caller.account, name, arn):
            raise AwsError("iam", "NoSuchEntity", f"The user with name {name} cannot be found.", 404)
        body = (f'<{call.operation}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata>'
                f"<RequestId>{request_id}</RequestId></ResponseMetadata></{call.operation}Response>").encode()
        return 200, {"Content-Type": "text/xml"}, body
    return serve


def _simulate(custom: bool) -> Any:
    def serve(call: Call, authorizer: Authorizer, request_id: str) -> Response:
        return _simulation_response(call, authorizer, custom)
    return serve


def _simulation_response(call: Call, authorizer: Authorizer, custom: bool) -> Response:
    from ..simulate_xml import simulate_response
    try:
        result = run_simulation(call, authorizer, custom)
    except SimulationError as exc:
        raise AwsError("iam", exc.code, exc.message, 400) from None
    return 200, {"Content-Type": "text/xml"}, simulate_response(call.operation, result).encode()


def run_simulation(call: Call, authorizer: Authorizer, custom: bool) -> dict[str, Any]:
    """SimulateCustomPolicy (``custom``) / SimulatePrincipalPolicy, decided by the engine (raises
    SimulationError)."""
    from ...engine import caller_from_arn
    from ...engine.simulate import _parse_list
    from ..simulate_xml import decode_query_params
    state = authorizer.state
    params = decode_query_params(call.params)
    if custom:
        return simulate_custom_policy(params, default_account=call.caller.account)
    source = params.get("PolicySourceArn", "")
    identity = []
    try:
        caller = caller_from_arn(params.get("CallerArn") or source)
    except ValueError:
        raise SimulationError("InvalidInput", f"PolicySourceArn {source!r} is not a user, group or role ARN") from None
    cred = None
    name = source.rsplit("/", 1)[-1]
    if ":user/" in source:
        if not state.user_exists(source.split(":")[4], name):
            raise SimulationError("NoSuchEntity", f"The user with name {name} cannot be found.")
        cred = Credential("", "", "user", source.split(":")[4], source, name)
    elif ":role/" in source:
        role = state.role_trust_policy(source)
        if role is None:
            raise SimulationError("NoSuchEntity", f"The role with name {name} cannot be found.")
        cred = Credential("", "", "session", source.split(":")[4], source, role[0], role_arn=source)
        caller = Caller(ROLE, source, source.split(":")[4], name=role[0], role_arn=source)
    if cred is not None:
        identity = list(authorizer.caller_policies(cred).identity)
    identity += _parse_list(params.get("PolicyInputList"), PolicyKind.IDENTITY, "PolicyInputList")
    ctx = context_from_entries(params.get("ContextEntries"))
    results = simulate(identity, params.get("ActionNames", []), params.get("ResourceArns"),
                       params.get("ResourcePolicy"), caller, params.get("ResourceOwner", "").split(":")[4]
                       if params.get("ResourceOwner") else caller.account, ctx)
    return {"EvaluationResults": results, "IsTruncated": False}


# Operations the lab answers itself (operation -> server).
_SERVED = {"SimulateCustomPolicy": _simulate(True), "SimulatePrincipalPolicy": _simulate(False),
           "PutUserPermissionsBoundary": _user_boundary(True), "DeleteUserPermissionsBoundary": _user_boundary(False)}


def plan(call: Call, op: Op, authorizer: Authorizer) -> Plan:
    """The plan of an IAM call: one step; document checks; a write makes the lab re-read credentials."""
    out = Plan(call, op, authorizer, steps_for(call, op, authorizer))
    check, served = _CHECKS.get(call.operation), _SERVED.get(call.operation)
    if check is not None:
        out.checks.append(lambda: check(call, authorizer))
    if served is not None:
        out.serve = lambda request_id: served(call, authorizer, request_id)
    if not op.read_only:
        # keys deleted / deactivated, users removed...: credentials are looked up again
        out.after = lambda body: authorizer.state.forget_credentials()
    return out


# ---------------------------------------------------------------- trail
def request_parameters(call: Call) -> dict[str, Any]:
    return {k: v for k, v in call.params.items() if k not in ("Action", "Version")}


def response_elements(call: Call, headers: dict[str, str] | None, body: bytes) -> dict[str, Any] | None:
    return None
