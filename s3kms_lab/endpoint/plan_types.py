"""What the planner hands the endpoint: :class:`Plan` (the authorization steps and the effects of one call)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..engine import MalformedPolicyError
from .decide import Authorizer, Call, Step
from .errors import AwsError
from .operations import Op
from .sse import SsePlan

__all__ = ["Plan", "Response", "condition_context"]

Response = tuple[int, dict[str, str], bytes]


@dataclass
class Plan:
    """One call, planned.

    steps: the authorizations, in the order AWS makes them (the S3 action, a copy's source read, the KMS
    calls S3 makes as the caller, the STS tag permission...); refusal: an error AWS answers before deciding
    (e.g. ``KMS.NotFoundException`` for an SSE-KMS key that does not exist); checks: what the owning service
    checks once the call is allowed (policy validation, the key-policy lockout check, the existence probe
    behind a missing object), each raising :class:`AwsError` or returning a denied step;
    sse / decrypt_key: S3's encryption of a new object and the KMS key whose data key S3 unwraps;
    environ: WSGI environ entries to set on the request forwarded to moto; body: a replacement body for it;
    serve: the lab answers the call itself (moto lacks it), given the request id; after: state the lab
    keeps beside moto, updated from moto's successful answer body; finish: completes moto's answer body.
    """

    call: Call
    op: Op
    authorizer: Authorizer
    steps: list[Step] = field(default_factory=list)
    refusal: AwsError | None = None
    checks: list[Callable[[], Step | None]] = field(default_factory=list)
    sse: SsePlan | None = None
    decrypt_key: Any = None
    environ: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    serve: Callable[[str], Response] | None = None
    before: Callable[[], None] | None = None
    after: Callable[[bytes], None] | None = None
    finish: Callable[[bytes], bytes] | None = None

    def decide(self) -> Step | None:
        """Decide every step in order; the first denied step, or None when all are allowed."""
        return self.authorizer.decide(self.steps)

    def check(self) -> Step | None:
        """Run the service's checks of an allowed call: a denied step, or None; raises AwsError (a malformed
        policy becomes the owning service's error, e.g. ``MalformedPolicyDocument``)."""
        try:
            for check in self.checks:
                denied = check()
                if denied is not None:
                    return denied
        except MalformedPolicyError as exc:
            raise AwsError(self.call.service, exc.code, exc.message, 400) from None
        return None


def condition_context(op: Op, call: Call, headers: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The condition keys ``op``'s table row reads from ``call``'s parameters (lower-cased key names).
    ``headers``: header values to read instead of the call's own (multipart parts inherit the upload's)."""
    from .operations import Source, request_value
    ctx: dict[str, list[str]] = {}
    for row in op.condition_keys:
        if headers is not None and row.param.source is Source.HEADER:
            value = headers.get(row.param.name)
        else:
            value = request_value(call, row.param)
        if value is not None and (value or row.param.source is not Source.BODY):
            ctx[row.key.lower()] = [value]
    return ctx
