"""The request planner: a parsed call -> its authorization steps and the effects to apply.

:func:`plan` is the one entry point, used by the endpoint (:mod:`.app`), the requirement checker
(:mod:`s3kms_lab.checker.universe`) and the widgets (:mod:`s3kms_lab.widgets.probe`), so all three decide
a request the same way. It looks the operation up in the operation table (:mod:`.operations`) and hands
the call to its service's module (:mod:`.services`), which builds the :class:`~.plan_types.Plan`.
:func:`denial` turns a denied step into the error AWS answers.
"""
from __future__ import annotations

from .decide import Authorizer, Call, Step
from .errors import AwsError
from .operations import Op, lookup
from .plan_types import Plan
from .services import SERVICES

__all__ = ["plan", "operation_of", "denial", "Plan"]


def operation_of(call: Call) -> Op:
    """The operation-table row of ``call``; raises AwsError (UnsupportedOperation / NotImplemented) when the lab
    does not model it (fail closed: the request is refused, not forwarded)."""
    op = lookup(call.service, call.operation)
    if op is None:
        s3 = call.service == "s3"
        raise AwsError(call.service, "NotImplemented" if s3 else "UnsupportedOperation",
                       f"The lab does not model {call.service}:{call.operation}; the request was refused, not "
                       "forwarded.", 501 if s3 else 400)
    return op


def plan(call: Call, authorizer: Authorizer) -> Plan:
    """Plan ``call`` against the state ``authorizer`` reads (moto's, through the seam).

    Returns the :class:`Plan` (steps not yet decided: call :meth:`Plan.decide`). Raises AwsError for a call
    AWS refuses before authorizing it (unmodelled operation, bad parameter, unknown KMS key...).
    """
    return SERVICES[call.service].plan(call, operation_of(call), authorizer)


def denial(call: Call, step: Step, bucket_owner: str) -> AwsError:
    """The error AWS returns for a denied step (rules ERR-1 to ERR-4 of ``docs/aws-rules.md``):

    - S3: 403 ``AccessDenied`` (REST-XML); the S3 resource ARN in double quotes; the detailed reason only
      for callers of the bucket owner's account
      (https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html). When S3's own
      call to KMS is denied, S3 fails with 403 ``AccessDenied`` carrying KMS's sentence.
    - KMS: 400 ``AccessDeniedException`` (JSON); for a caller of another account the sentence does not
      reveal whether the key exists (https://docs.aws.amazon.com/kms/latest/developerguide/troubleshooting-key-policy.html).
    - IAM / STS: 403 ``AccessDenied`` (query XML).
    ``bucket_owner``: the owner of the call's bucket ('' when none).
    """
    d = step.decision
    assert d is not None
    explanation = d.explain().text()
    req = d.request
    service = call.service
    cross_account = bool(req.resource_account) and req.resource_account != call.caller.account
    if step.via_s3 or service == "kms":
        message = d.message()
        if cross_account and d.effect != "explicitDeny" and req.action.startswith("kms:"):
            message = (f"User: {call.caller.arn} is not authorized to perform: {req.action} on resource: "
                       f"{req.resource} because the resource does not exist in this Region, no resource-based "
                       "policies allow access, or a resource-based policy explicitly denies access")
        if service == "kms":
            return AwsError("kms", "AccessDeniedException", message, 400, explanation)
    else:
        message = d.message(quote_resource=service == "s3")
    if service == "s3":
        owner = bucket_owner or call.caller.account
        if call.caller.is_anonymous or (owner and owner != call.caller.account):
            message = "Access Denied"
        return AwsError("s3", "AccessDenied", message, 403, explanation)
    return AwsError(service, "AccessDenied", message, 403, explanation)
