"""S3 Control, account level: Get/Put/DeletePublicAccessBlock (the account's Block Public Access settings).

S3 Control is its own endpoint (``{account}.s3-control.{region}.amazonaws.com``, paths under ``/v20180820/``),
signed for the ``s3`` service, the account named by the ``x-amz-account-id`` header. The actions are
``s3:GetAccountPublicAccessBlock`` and ``s3:PutAccountPublicAccessBlock`` (Delete needs the Put action), on no
resource, decided against the caller's identity-based policies
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html). The settings combine
with each bucket's (:mod:`.public_access`, rule BPA-1).
"""
from __future__ import annotations

from typing import Any

from ...engine import Request
from ..decide import Authorizer, Call, Step
from ..errors import AwsError
from ..operations import Op
from ..plan_types import Plan

__all__ = ["PATH", "operation_for", "plan", "deny", "request_parameters", "response_elements"]

EVENT_SOURCE = "s3.amazonaws.com"
UNMODELLED = ("NotImplemented", 501)
INTERNAL_ERROR = "InternalError"
PATH = "/v20180820/configuration/publicAccessBlock"
_BY_METHOD = {"GET": "GetPublicAccessBlock", "PUT": "PutPublicAccessBlock", "DELETE": "DeletePublicAccessBlock"}


def operation_for(method: str, path: str) -> str | None:
    """The S3 Control operation of an HTTP request, or None when it is not one the lab models."""
    return _BY_METHOD.get(method) if path.rstrip("/") == PATH else None


def _account_check(call: Call) -> None:
    """Only the caller's own account's settings: another account id is refused (403 AccessDenied)."""
    if call.params.get("AccountId") != call.caller.account:
        raise AwsError("s3control", "AccessDenied", "Access Denied", 403)


def plan(call: Call, op: Op, authorizer: Authorizer) -> Plan:
    """One step: the action, on no resource, against the caller's identity-based policies."""
    ctx = authorizer.global_context(call, call.caller.account)
    req = Request(call.caller, op.action, "*", ctx, call.caller.account)
    step = Step(f"{op.action} on account {call.params.get('AccountId', '')}", req,
                authorizer.caller_policies(call.credential))
    out = Plan(call, op, authorizer, [step])

    def check() -> None:
        _account_check(call)
    out.checks.append(check)
    return out


def deny(call: Call, step: Step, bucket_owner: str) -> AwsError:
    """403 AccessDenied with the engine's sentence."""
    assert step.decision is not None
    return AwsError("s3control", "AccessDenied", step.decision.message(), 403, step.decision.explain().text())


def request_parameters(call: Call) -> dict[str, Any]:
    return {"accountId": call.params.get("AccountId", "")}


def response_elements(call: Call, headers: dict[str, str] | None, body: bytes) -> dict[str, Any] | None:
    return None
