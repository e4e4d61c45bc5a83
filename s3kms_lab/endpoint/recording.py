"""CloudTrail-style records of the endpoint's calls (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).

One record for the call itself, then one for each KMS call S3 made on the caller's behalf (management
events with ``invokedBy`` s3.amazonaws.com; a key of another account logs the event in both accounts with
one ``sharedEventID``: rule TRAIL-2 of ``docs/aws-rules.md``,
https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatedatakey.html).
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from ..engine.principal import ANONYMOUS, Caller
from .auth import Authenticated
from .decide import Authorizer, Call, Step
from ..i18n import _
from .errors import AwsError, flat_explanation
from .operations import Op
from .services import SERVICES
from .trail import Trail

__all__ = ["Recorder", "explanation_of", "EVENT_SOURCES"]

EVENT_SOURCES = {name: module.EVENT_SOURCE for name, module in SERVICES.items()}
_RESOURCE_TYPES = {"kms": "AWS::KMS::Key", "iam": "AWS::IAM::Resource", "sts": "AWS::IAM::Role"}


def explanation_of(steps: list[Step]) -> str:
    """The engine's one-line summaries of the decided steps, in the learner's language (the trail's
    explanation; :func:`.errors.explanation_header` makes the header of it)."""
    notes = " ".join(_(s.note) for s in steps if s.note and s.decision is not None)
    summaries = "; ".join(s.decision.summary() for s in steps if s.decision is not None)
    return flat_explanation(f"{notes} {summaries}" if notes else summaries)


def _between(body: bytes, start: bytes, end: bytes) -> str:
    i = body.find(start)
    if i < 0:
        return ""
    return body[i + len(start):body.find(end, i)].decode()


def _error_fields(body: bytes) -> tuple[str, str]:
    """(code, message) from an error body in either protocol (XML ``<Code>/<Message>`` or JSON ``__type``)."""
    code, message = _between(body, b"<Code>", b"</Code>"), _between(body, b"<Message>", b"</Message>")
    if code:
        return code, message
    try:
        doc = json.loads(body)
        return doc.get("__type") or "Error", doc.get("message") or ""
    except (ValueError, AttributeError):
        return "Error", ""


class Recorder:
    """Writes the endpoint's records to ``trail``; ``authorizer`` tells bucket owners."""

    def __init__(self, trail: Trail, authorizer: Authorizer):
        self.trail = trail
        self.authorizer = authorizer

    def refusal(self, err: AwsError, auth: Authenticated | None, headers: dict[str, str],
                environ: dict[str, Any], request_id: str) -> None:
        """Record of a request refused before the operation table (bad signature, unknown access key,
        operation not modelled): who (anonymous when not authenticated), the error, nothing else."""
        caller = auth.caller if auth is not None else Caller(ANONYMOUS)
        target = headers.get("x-amz-target", "")
        name = target.split(".")[-1] if target else f"{environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')}"
        self.trail.add(caller=caller, access_key=auth.credential.access_key_id if auth and auth.credential else "",
                       source=EVENT_SOURCES.get(err.service, "s3.amazonaws.com"), name=name, request_id=request_id,
                       source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"), user_agent=headers.get("user-agent", ""),
                       request_parameters=None, resources=[], read_only=False, management=True,
                       error_code=err.code, error_message=err.message, decision="error",
                       explanation=err.explanation or err.message)

    def record(self, call: Call, op: Op, steps: list[Step], request_id: str, status: int, body: bytes,
               error: AwsError | None, explanation: str = "", response_headers: dict[str, str] | None = None,
               extra_resources: list[str] = (), additional: dict[str, Any] | None = None) -> None:
        """Records for one request: the call itself, then the KMS calls S3 made for the caller.
        ``explanation``: the engine's summaries; ``extra_resources``: more object keys (DeleteObjects);
        ``additional``: extra ``additionalEventData``."""
        service = SERVICES[call.service]
        akid = call.credential.access_key_id if call.credential else ""
        created = call.credential.created if call.credential else None
        main = steps[0] if steps else None
        decision = "allowed"
        if error is not None:
            denied = next((s for s in steps if s.decision is not None and not s.decision.allowed), None)
            decision = denied.decision.effect if denied is not None and denied.decision else "error"
        bucket_owner = self.authorizer.bucket_owner(call.bucket) if call.bucket else ""
        resources = []
        if call.bucket:  # S3
            for key in ([call.key] if call.key else []) + list(extra_resources):
                resources.append({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{call.bucket}/{key}"})
            resources.append({"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{call.bucket}",
                              "accountId": bucket_owner})
        elif main is not None and main.request.resource not in ("*", ""):
            resources.append({"type": _RESOURCE_TYPES.get(call.service, "AWS::Resource"), "ARN": main.request.resource,
                              "accountId": main.request.resource_account})
        if error is None and status >= 300:
            error = AwsError(call.service, *_error_fields(body), status)
        extra = dict(additional or {})
        extra.update(getattr(service, "additional_event_data", lambda c, o, b, e: {})(call, op, body, error))
        recipient = bucket_owner or (main.request.resource_account if main is not None else "")
        elements = None if error or op.read_only else service.response_elements(call, response_headers, body)
        self.trail.add(caller=call.caller, access_key=akid, source=service.EVENT_SOURCE, name=call.operation,
                       request_id=request_id, source_ip=call.source_ip, user_agent=call.headers.get("user-agent", ""),
                       request_parameters=service.request_parameters(call), resources=resources,
                       read_only=op.read_only, management=op.management, error_code=error.code if error else None,
                       error_message=error.message if error else None, decision=decision, explanation=explanation,
                       response_elements=elements, additional_event_data=extra or None, recipient_account=recipient,
                       session_created=created)
        for s in steps:
            if not s.via_s3 or s.decision is None:
                continue
            self._kms_via_s3(call, s, error, request_id, akid, created)
            if not s.decision.allowed:
                break

    def _kms_via_s3(self, call: Call, s: Step, error: AwsError | None, request_id: str, akid: str,
                    created: float | None) -> None:
        """The KMS event S3 made on the caller's behalf (in both accounts when the key is another account's)."""
        assert s.decision is not None
        failed = not s.decision.allowed
        action = s.request.action.split(":")[1]
        context = {k.split("kms:encryptioncontext:")[1]: v[0] for k, v in s.request.context.items()
                   if k.startswith("kms:encryptioncontext:")}
        params: dict[str, Any] = {"encryptionContext": context}
        if action == "GenerateDataKey":
            params = {"keyId": s.request.resource, "keySpec": "AES_256", **params}
        else:
            params = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", **params}
        key_account = s.request.resource_account
        accounts = [key_account] if key_account == call.caller.account else [call.caller.account, key_account]
        shared = str(uuid.uuid4()) if len(accounts) > 1 else None
        err_code, err_msg = ("AccessDenied", s.decision.message()) if failed else (None, None)
        if not failed and error is not None and error.code.startswith("KMS."):
            err_code, err_msg = error.code[len("KMS."):], error.message  # the key's state failed S3's call
        for account in accounts:
            self.trail.add(caller=call.caller, access_key=akid, source="kms.amazonaws.com", name=action,
                           request_id=request_id, source_ip=call.source_ip, user_agent="s3.amazonaws.com",
                           request_parameters=params,
                           resources=[{"type": "AWS::KMS::Key", "ARN": s.request.resource, "accountId": key_account}],
                           read_only=True, management=True, error_code=err_code, error_message=err_msg,
                           invoked_by="s3.amazonaws.com", decision=s.decision.effect,
                           explanation=s.decision.summary(), recipient_account=account,
                           shared_event_id=shared, session_created=created)
