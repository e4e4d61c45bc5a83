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
        code, status = SERVICES[call.service].UNMODELLED
        raise AwsError(call.service, code, f"The lab does not model {call.service}:{call.operation}; the request "
                       "was refused, not forwarded.", status)
    return op


def plan(call: Call, authorizer: Authorizer) -> Plan:
    """Plan ``call`` against the state ``authorizer`` reads (moto's, through the seam).

    Returns the :class:`Plan` (steps not yet decided: call :meth:`Plan.decide`). Raises AwsError for a call
    AWS refuses before authorizing it (unmodelled operation, bad parameter, unknown KMS key...).
    """
    return SERVICES[call.service].plan(call, operation_of(call), authorizer)


def denial(call: Call, step: Step, bucket_owner: str) -> AwsError:
    """The error AWS returns for a denied step, in the shape of the call's service (each service module's
    ``deny``: rules ERR-1 to ERR-3 of ``docs/aws-rules.md``). ``bucket_owner``: the owner of the call's
    bucket ('' when none)."""
    assert step.decision is not None
    return SERVICES[call.service].deny(call, step, bucket_owner)
