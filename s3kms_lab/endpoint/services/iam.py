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
from ..condition_keys import condition_context
from ..plan_types import Plan, Response
from ..principal_ids import unbind_deleted_principal
from .policy_limits import check_iam_policy_size
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
    ctx.update(condition_context(op, call, authorizer.state))
    req = Request(call.caller, op.action, res, ctx, call.caller.account)
    return [Step(f"{op.action} on {res}", req, authorizer.caller_policies(call.credential))]


def _identity_document(param: str, kind: str = "managed", entity_param: str = "") -> Any:
    """A policy document IAM validates when saved: well formed (POL-1), within its size quota (POL-4): inline
    policies of a ``kind`` entity (named by ``entity_param``) count together, the one replaced excepted."""
    def check(call: Call, authorizer: Authorizer) -> None:
        text = call.params.get(param, "")
        parse_policy(text, PolicyKind.IDENTITY, "policy")
        if kind == "managed":
            check_iam_policy_size(kind, "", text)
            return
        name = call.params.get(entity_param, "")
        existing = authorizer.state.inline_policies(call.caller.account, kind, name)
        others = [doc for pname, doc in existing.items() if pname != call.params.get("PolicyName")]
        check_iam_policy_size(kind, name, text, others)
    return check


def _trust_document(call: Call, authorizer: Authorizer) -> None:
    check_principals_exist(authorizer.state, parse_policy(
        call.params.get("AssumeRolePolicyDocument", "") or call.params.get("PolicyDocument", ""),
        PolicyKind.TRUST, "trust policy"))


# Documents IAM validates when they are saved (operation -> check).
_CHECKS = {
    "PutUserPolicy": _identity_document("PolicyDocument", "user", "UserName"),
    "PutRolePolicy": _identity_document("PolicyDocument", "role", "RoleName"),
    "PutGroupPolicy": _identity_document("PolicyDocument", "group", "GroupName"),
    "CreatePolicy": _identity_document("PolicyDocument"),
    "CreatePolicyVersion": _identity_document("PolicyDocument"),
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
    hook = _PRINCIPAL_HOOKS.get(call.operation)
    if hook is not None:
        hook(call, authorizer, out)
    return out


def _deleted_principal(kind: str, param: str) -> Any:
    """DeleteUser / DeleteRole: once IAM has deleted it, policies naming it name its unique id (PRIN-2)."""
    def hook(call: Call, authorizer: Authorizer, out: Plan) -> None:
        state = authorizer.state
        identity = state.principal_identity(call.caller.account, kind, call.params.get(param, ""))

        def after(body: bytes) -> None:
            state.forget_credentials()
            if identity is not None:
                unbind_deleted_principal(state, *identity)
        out.after = after
    return hook


def _created_user(call: Call, authorizer: Authorizer, out: Plan) -> None:
    def after(body: bytes) -> None:
        authorizer.state.give_user_unique_id(call.caller.account, call.params.get("UserName", ""))
    out.after = after


# Operations that change which principal a name denotes (operation -> plan hook).
_PRINCIPAL_HOOKS = {"DeleteUser": _deleted_principal("user", "UserName"),
                    "DeleteRole": _deleted_principal("role", "RoleName"), "CreateUser": _created_user}


# ---------------------------------------------------------------- trail
def request_parameters(call: Call) -> dict[str, Any]:
    return {k: v for k, v in call.params.items() if k not in ("Action", "Version")}


def response_elements(call: Call, headers: dict[str, str] | None, body: bytes) -> dict[str, Any] | None:
    return None
