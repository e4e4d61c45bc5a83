"""The checker's one door into the endpoint's request planning (the adapter).

Every decision the checker reports is made by the endpoint's own code: this module hands a
:class:`~s3kms_lab.endpoint.decide.Call` to the endpoint's planner (:func:`s3kms_lab.endpoint.planner.plan`),
decides the plan's steps, and runs what the endpoint runs around authorization (the service's checks of an
allowed call: policy validation, KMS's lockout check; S3's key-state check before it stores or returns an
object). Nothing here evaluates a policy itself. When the planner changes shape, only this module changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..endpoint.decide import Authorizer, Call, Step
from ..endpoint.errors import AwsError
from ..endpoint.moto_seam import MotoState
from ..endpoint.plan_types import Plan
from ..endpoint.planner import plan

__all__ = ["Planner", "Planned"]

_CRYPTO = ("Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext")


@dataclass
class Planned:
    """A call planned and decided by the endpoint's code.

    steps: every authorization the call needs, in order (decided up to the first refused one);
    denied: the first refused step, or None; error: ``Code: message`` of an error the endpoint answers
    before or after authorizing (unknown key, malformed or lockout policy, disabled key), '' when none;
    plan: the endpoint's :class:`~s3kms_lab.endpoint.plan_types.Plan` (None when planning was refused).
    """

    call: Call
    steps: list[Step] = field(default_factory=list)
    denied: Step | None = None
    error: str = ""
    plan: Plan | None = None

    @property
    def allowed(self) -> bool:
        return self.plan is not None and self.denied is None and not self.error

    def allowing_statements(self) -> list[str]:
        """For an allowed call: the statements that allowed each step, as the engine explains them."""
        return [f"{s.label}: {s.decision.summary()}" for s in self.steps if s.decision is not None]


class Planner:
    """The endpoint's planning over one moto state (no HTTP)."""

    def __init__(self, state: MotoState, authorizer: Authorizer):
        self.state = state
        self.authorizer = authorizer

    def plan(self, call: Call) -> Plan:
        """The endpoint's plan for ``call`` (raises AwsError when the endpoint refuses it before planning)."""
        return plan(call, self.authorizer)

    def decide(self, call: Call, after_checks: bool = True) -> Planned:
        """Plan and decide ``call`` as the endpoint would; ``after_checks``: also run the checks the endpoint
        makes once the call is allowed (the service's checks, S3's key-state check, KMS's key state)."""
        out = Planned(call)
        try:
            p = self.plan(call)
        except AwsError as err:
            out.error = f"{err.code}: {err.message}"
            return out
        out.plan, out.steps = p, p.steps
        if p.refusal is not None:  # the endpoint refuses this before authorizing
            out.error = f"{p.refusal.code}: {p.refusal.message}"
            return out
        out.denied = p.decide()
        if out.denied is not None or not after_checks:
            return out
        try:
            out.denied = p.check()
            if out.denied is None and call.service == "s3" and p.before is not None:
                p.before()  # key usable (and, for a read, the object's data key unwraps)
            elif out.denied is None and call.service == "kms" and call.operation in _CRYPTO:
                _key_usable(p)
        except AwsError as err:
            out.error = f"{err.code}: {err.message}"
        return out


def _key_usable(p: Plan) -> None:
    """KMS refuses cryptographic operations on a disabled key or one pending deletion (moto does the same when
    the endpoint forwards the call): https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html"""
    for step in p.steps:
        arn = step.request.resource
        key = p.authorizer.state.resolve_key(arn, arn.split(":")[4]) if arn.startswith("arn:aws:kms:") else None
        if key is None:
            continue
        if key.key_state == "PendingDeletion":
            raise AwsError("kms", "KMSInvalidStateException", f"{key.arn} is pending deletion.", 400)
        if not key.enabled or key.key_state == "Disabled":
            raise AwsError("kms", "DisabledException", f"{key.arn} is disabled.", 400)
