"""The checker's one door into the endpoint's request planning (the adapter).

Every decision the checker reports is made by the endpoint's own code: this module turns a
:class:`~s3kms_lab.endpoint.decide.Call` into the endpoint's authorization steps, decides them, and runs
the checks the endpoint makes around authorization (policy validation, KMS's lockout check, key state).
Nothing here evaluates a policy itself. When the endpoint's planner changes shape, only this module
changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..endpoint.decide import Authorizer, Call, SsePlan, Step
from ..endpoint.errors import AwsError
from ..endpoint.moto_seam import MotoState
from ..endpoint.operations import Op, lookup

__all__ = ["Planner", "Planned"]


@dataclass
class Planned:
    """A call planned and decided by the endpoint's code.

    steps: every authorization the call needs, in order (decided up to the first refused one);
    denied: the first refused step, or None; error: ``Code: message`` of an error the endpoint answers
    before or after authorizing (unknown key, malformed or lockout policy, disabled key), '' when none;
    plan: how S3 would encrypt a new object (S3 writes only); decrypt_key: the KMS key of an S3 read.
    """

    call: Call
    op: Op | None
    steps: list[Step] = field(default_factory=list)
    denied: Step | None = None
    error: str = ""
    plan: SsePlan | None = None
    decrypt_key: Any = None

    @property
    def allowed(self) -> bool:
        return self.op is not None and self.denied is None and not self.error

    def allowing_statements(self) -> list[str]:
        """For an allowed call: the statements that allowed each step, as the engine explains them."""
        out = []
        for s in self.steps:
            if s.decision is not None:
                out.append(f"{s.label}: {s.decision.summary()}")
        return out


class Planner:
    """The endpoint's planning over one moto state (``LabApp`` in-process, no HTTP)."""

    def __init__(self, state: MotoState, authorizer: Authorizer):
        from ..endpoint.app import LabApp
        from ..endpoint.trail import Trail
        self.state = state
        self.authorizer = authorizer
        self.app = LabApp(state, Trail(None, state.region))
        self.app.authorizer = authorizer

    def steps(self, call: Call, op: Op) -> tuple[list[Step], SsePlan | None, Any]:
        """The endpoint's authorization steps for ``call`` (raises AwsError when the endpoint refuses the
        call before authorizing it)."""
        if call.service == "s3":
            self.app.check_s3_request(call)
            steps, plan, decrypt_key = self.authorizer.s3_steps(call, op)
            if plan is not None and plan.algorithm.startswith("aws:kms") and plan.key is None:
                raise AwsError("s3", "KMS.NotFoundException", "Invalid keyId "
                               f"{call.headers.get('x-amz-server-side-encryption-aws-kms-key-id', '')}", 400)
            return steps, plan, decrypt_key
        if call.service == "kms":
            return self.app.kms_steps(call, op), None, None
        if call.service == "iam":
            return self.app.iam_steps(call, op), None, None
        return self.app.sts_steps(call, op), None, None

    def decide(self, call: Call, after_checks: bool = True) -> Planned:
        """Plan and decide ``call`` as the endpoint would; ``after_checks``: also run the checks the endpoint
        makes once authorized (policy validation and lockout check, S3's key-state check)."""
        op = lookup(call.service, call.operation)
        out = Planned(call, op)
        if op is None:
            out.error = f"UnsupportedOperation: the lab does not model {call.service}:{call.operation}"
            return out
        try:
            out.steps, out.plan, out.decrypt_key = self.steps(call, op)
        except AwsError as err:
            out.error = f"{err.code}: {err.message}"
            return out
        out.denied = self.authorizer.decide(out.steps)
        if out.denied is not None or not after_checks:
            return out
        try:
            self.app.validate_writes(call)
            if call.service == "s3":
                self.key_state_check(out)
            elif call.service == "kms" and op.resource == "key":
                self.kms_key_state_check(call)
        except AwsError as err:
            out.error = f"{err.code}: {err.message}"
        return out

    def key_state_check(self, planned: Planned) -> None:
        """S3's refusal of an SSE-KMS request whose key is disabled or pending deletion (the endpoint's
        ``before_s3``, without unwrapping a data key)."""
        for key in (planned.decrypt_key, planned.plan.key if planned.plan is not None else None):
            if key is None:
                continue
            if key.key_state == "PendingDeletion":
                raise AwsError("s3", "KMS.KMSInvalidStateException", f"{key.arn} is pending deletion.", 400)
            if not key.enabled or key.key_state == "Disabled":
                raise AwsError("s3", "KMS.DisabledException", f"{key.arn} is disabled.", 400)

    def kms_key_state_check(self, call: Call) -> None:
        """KMS refuses cryptographic operations on a disabled key or one pending deletion (moto does the same
        when the endpoint forwards): https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html"""
        if call.operation not in ("Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
                                  "GenerateDataKeyWithoutPlaintext"):
            return
        key = self.app.kms_key_for(call)
        if key.key_state == "PendingDeletion":
            raise AwsError("kms", "KMSInvalidStateException", f"{key.arn} is pending deletion.", 400)
        if not key.enabled or key.key_state == "Disabled":
            raise AwsError("kms", "DisabledException", f"{key.arn} is disabled.", 400)

    def after_s3(self, call: Call, plan: SsePlan | None, body: bytes) -> None:
        """The endpoint's bookkeeping after an allowed S3 write (data key record on moto's object)."""
        op = lookup("s3", call.operation)
        assert op is not None
        self.app.after_s3(call, op, plan, body)
