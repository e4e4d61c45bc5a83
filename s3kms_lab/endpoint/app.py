"""The lab's WSGI application: authenticate -> identify -> authorize -> moto -> trail.

moto's server application (``DomainDispatcherApplication``) runs in-process behind this middleware,
so an allowed request costs one extra function call, not an extra HTTP hop. Requests are served one
at a time (moto's state is not thread-safe).
"""
from __future__ import annotations

import base64
import dataclasses
import io
import json
import threading
import traceback
import time
import uuid
import xml.etree.ElementTree as ET
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from moto.core.routing import get_service_router
from moto.core.request import Request as MotoRequest

from ..engine import MalformedPolicyError, PolicyKind, PolicySet, Request, authorize, parse_policy
from ..engine.principal import ANONYMOUS, ROLE, Caller
from ..engine.simulate import SimulationError, simulate, simulate_custom_policy, context_from_entries
from .auth import Authenticated, authenticate
from .decide import SSE_HEADERS, Authorizer, Call, SsePlan, Step
from .errors import EXPLANATION_HEADER, AwsError, explanation_header
from .moto_seam import MotoState
from .operations import Op, lookup, version_op
from .s3_request import check_xml_body
from .s3_response import MISSING_KEY_NOTE, drop_head_body, s3_headers, versioning_shows
from .trail import Trail

__all__ = ["LabApp"]

_SOURCES = {"s3": "s3.amazonaws.com", "kms": "kms.amazonaws.com", "iam": "iam.amazonaws.com", "sts": "sts.amazonaws.com"}
_IAM_POLICY_PARAMS = {"PutUserPolicy": "PolicyDocument", "PutRolePolicy": "PolicyDocument",
                      "PutGroupPolicy": "PolicyDocument", "CreatePolicy": "PolicyDocument",
                      "CreatePolicyVersion": "PolicyDocument"}


class LabApp:
    """WSGI callable. ``state``: the moto seam; ``trail``: where records go."""

    def __init__(self, state: MotoState, trail: Trail):
        self.state = state
        self.trail = trail
        self.authorizer = Authorizer(state)
        self.s3_router = get_service_router("s3")
        self.lock = threading.RLock()
        self.pending_sse: dict[str, dict[str, Any]] = {}  # multipart uploadId -> data key record

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            status, headers, body = self.handle(environ)
        body = drop_head_body(environ["REQUEST_METHOD"], headers, body)
        reason = {200: "OK", 204: "No Content", 206: "Partial Content", 304: "Not Modified", 400: "Bad Request",
                  403: "Forbidden", 404: "Not Found", 409: "Conflict", 500: "Internal Server Error"}.get(status, "")
        start_response(f"{status} {reason}", list(headers.items()))
        return [body]

    def handle(self, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" and not length:
            body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = environ["CONTENT_LENGTH"]
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or (
            environ.get("PATH_INFO", "/") + (("?" + environ["QUERY_STRING"]) if environ.get("QUERY_STRING") else ""))
        method = environ["REQUEST_METHOD"]
        request_id = uuid.uuid4().hex.upper()[:16]
        service_hint = self._service_hint(headers, body)
        try:
            auth = authenticate(self.state, method, raw_uri, headers, body, service_hint)
        except AwsError as err:
            self.record_refusal(err, None, headers, environ, request_id)
            return err.render(request_id)
        try:
            call, op = self.identify(environ, auth, method, headers, body)
        except AwsError as err:
            self.record_refusal(err, auth, headers, environ, request_id)
            return err.render(request_id)
        except Exception as exc:  # fail closed (see dispatch below)
            traceback.print_exc()
            err = AwsError(auth.service, "InternalError" if auth.service == "s3" else "InternalFailure",
                           f"The lab could not read this request ({type(exc).__name__}); it was refused.", 500)
            self.record_refusal(err, auth, headers, environ, request_id)
            return err.render(request_id)
        try:
            return self.dispatch(environ, auth, call, op, request_id)
        except AwsError as err:
            return err.render(request_id)
        except Exception as exc:  # fail closed, in AWS's shape, and say so (never a bare traceback page)
            traceback.print_exc()
            err = AwsError(call.service, "InternalError" if call.service == "s3" else "InternalFailure",
                           f"The lab could not handle {call.service}:{call.operation} ({type(exc).__name__}: {exc}); "
                           "it was refused. Please report this.", 500)
            self.record_refusal(err, auth, headers, environ, request_id)
            return err.render(request_id)

    def record_refusal(self, err: AwsError, auth: Authenticated | None, headers: dict[str, str],
                       environ: dict[str, Any], request_id: str) -> None:
        """Trail record for a request refused before the operation table (bad signature, unknown access key,
        operation not modelled): who (anonymous when not authenticated), the error, nothing else."""
        caller = auth.caller if auth is not None else Caller(ANONYMOUS)
        target = headers.get("x-amz-target", "")
        name = target.split(".")[-1] if target else f"{environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')}"
        self.trail.add(caller=caller, access_key=auth.credential.access_key_id if auth and auth.credential else "",
                       source=_SOURCES.get(err.service, "s3.amazonaws.com"), name=name, request_id=request_id,
                       source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"), user_agent=headers.get("user-agent", ""),
                       request_parameters=None, resources=[], read_only=False, management=True,
                       error_code=err.code, error_message=err.message, decision="error",
                       explanation=err.explanation or err.message)

    @staticmethod
    def _service_hint(headers: dict[str, str], body: bytes = b"") -> str:
        """The service of a request that carries no credential scope (unsigned)."""
        target = headers.get("x-amz-target", "")
        if target.startswith("TrentService"):
            return "kms"
        if target:
            return "json"  # another JSON-protocol service (dynamodb...): refused, in JSON
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded") and b"Action=" in body:
            return "sts" if b"Action=AssumeRole" in body or b"Action=GetCallerIdentity" in body else "iam"
        return "s3"

    # ------------------------------------------------------------------ identify
    def identify(self, environ: dict[str, Any], auth: Authenticated, method: str, headers: dict[str, str],
                 body: bytes) -> tuple[Call, Op]:
        """Map the HTTP request to (Call, operation-table row). Unknown operations are refused."""
        service = auth.service
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        common = dict(caller=auth.caller, credential=auth.credential, headers=headers, query=query,
                      source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"), secure=environ.get("wsgi.url_scheme") == "https",
                      auth_type=auth.auth_type, region=auth.region)
        params: dict[str, Any] = {}
        if service == "s3":
            try:
                op_model, uri = self.s3_router.match(MotoRequest(environ))
                name = op_model.name
            except Exception:
                raise AwsError("s3", "NotImplemented", f"The lab does not model this S3 request ({method} {environ.get('PATH_INFO')}); "
                               "it was refused, not forwarded.", 501) from None
            if "x-amz-copy-source" in headers and name in ("PutObject", "UploadPart"):
                name = "CopyObject" if name == "PutObject" else "UploadPartCopy"
            if name == "PutBucketPolicy":
                params = {"_body": body.decode("utf-8", "replace")}
            call = Call("s3", name, bucket=uri.get("Bucket", ""), key=uri.get("Key", ""), params=params, **common)
        elif service == "kms":
            name = headers.get("x-amz-target", "").split(".")[-1]
            params = _kms_params(body)
            call = Call("kms", name, params=params, **common)
        elif service in ("iam", "sts"):
            params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) if body else dict(query)
            name = params.get("Action", "")
            call = Call(service, name, params=params, **common)
        else:
            # Answer in the caller's protocol so its SDK can read the error: JSON services get JSON, query ones XML.
            json_protocol = "x-amz-target" in headers or "json" in headers.get("content-type", "")
            raise AwsError("kms" if json_protocol else "iam", "UnsupportedOperation",
                           f"The lab models S3, KMS, IAM and STS only, not {service!r}; the request was refused.", 400)
        op = lookup(service, call.operation)
        if op is None:
            raise AwsError(service, "UnsupportedOperation" if service != "s3" else "NotImplemented",
                           f"The lab does not model {service}:{call.operation}; the request was refused, not forwarded.",
                           400 if service != "s3" else 501)
        if service == "s3":
            op = version_op(call.operation, op, call.query)
        return call, op

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, environ: dict[str, Any], auth: Authenticated, call: Call, op: Op,
                 request_id: str) -> tuple[int, dict[str, str], bytes]:
        if call.service == "s3" and call.operation == "DeleteObjects":
            return self.delete_objects(environ, call, op, request_id)
        steps: list[Step] = []
        try:
            return self._dispatch(environ, call, op, request_id, steps)
        except AwsError as err:
            # Refused after authorization (bad parameter, key state, malformed policy...): still a trail record.
            self.record(call, op, steps, request_id, err.status, b"", error=err, explanation=_explanation(steps))
            raise

    def _dispatch(self, environ: dict[str, Any], call: Call, op: Op, request_id: str,
                  steps: list[Step]) -> tuple[int, dict[str, str], bytes]:
        plan: SsePlan | None = None
        decrypt_key = None
        if call.service == "s3":
            self.check_s3_request(call)
            s3_steps, plan, decrypt_key = self.authorizer.s3_steps(call, op)
            steps.extend(s3_steps)
            if plan is not None and plan.algorithm.startswith("aws:kms") and plan.key is None:
                raise AwsError("s3", "KMS.NotFoundException",
                               f"Invalid keyId {call.headers.get('x-amz-server-side-encryption-aws-kms-key-id', '')}", 400)
        elif call.service == "kms":
            steps.extend(self.kms_steps(call, op))
        elif call.service == "iam":
            steps.extend(self.iam_steps(call, op))
        else:
            steps.extend(self.sts_steps(call, op))
        denied = self.authorizer.decide(steps)
        if denied is not None:
            return self.deny(call, op, denied, steps, request_id)
        self.validate_writes(call)
        if call.service == "s3":
            check_xml_body(call.operation, environ["wsgi.input"].getvalue())
        hidden = self.missing_object_without_list(call)
        if hidden is not None:
            steps.append(hidden)
            return self.deny(call, op, hidden, steps, request_id, note=MISSING_KEY_NOTE)
        # Allowed: do S3's KMS work, then let moto do the rest.
        if call.service == "s3":
            self.before_s3(call, op, plan, decrypt_key)
        if call.service == "iam" and call.operation in ("SimulateCustomPolicy", "SimulatePrincipalPolicy"):
            status, headers, body = self.simulate(call)
        elif call.service == "iam" and call.operation in _LAB_SERVED_IAM:
            status, headers, body = self.user_boundary(call, request_id)
        else:
            status, headers, body = self.forward(environ, call, plan)
        if call.service == "s3":
            headers = self.s3_answer_headers(call, status, headers, body, request_id)
        if status < 300:
            self.after_success(call, op, plan, body)
            if call.service == "kms" and call.operation == "ScheduleKeyDeletion":
                body = _complete_schedule_key_deletion(body, call.params)
                headers.pop("Content-Length", None)
        explanation = _explanation(steps)
        self.record(call, op, steps, request_id, status, body, error=None, explanation=explanation,
                    response_headers=headers)
        headers[EXPLANATION_HEADER] = explanation
        return status, headers, body

    def s3_answer_headers(self, call: Call, status: int, headers: dict[str, str], body: bytes,
                          request_id: str) -> dict[str, str]:
        """moto's S3 answer headers as S3 sends them for this operation (see s3_response)."""
        bucket = self.state.bucket(call.bucket) if call.bucket else None
        versioned = versioning_shows(getattr(bucket, "versioning_status", None))
        return s3_headers(call.operation, status, headers, body, request_id, versioned)

    def after_success(self, call: Call, op: Op, plan: SsePlan | None, body: bytes) -> None:
        """State the lab keeps beside moto's, updated after moto did the work."""
        if call.service == "s3":
            self.after_s3(call, op, plan, body)
        elif call.service == "iam" and not op.read_only:
            self.state.forget_credentials()  # keys deleted / deactivated, users removed...
        elif call.service == "sts" and call.operation == "AssumeRole":
            akid = _between(body, b"<AccessKeyId>", b"</AccessKeyId>")
            self.state.note_session(akid, _session_tags(call.params), time.time())

    def deny(self, call: Call, op: Op, step: Step, steps: list[Step], request_id: str,
             note: str = "") -> tuple[int, dict[str, str], bytes]:
        """The denial's answer and trail record; ``note`` (why this step was asked at all) leads the explanation."""
        err = self.denial(call, step)
        explanation = _explanation(steps)
        if note:
            err.explanation = f"{note} {err.explanation}"
            explanation = explanation_header(f"{note} {explanation}")
        self.record(call, op, steps, request_id, err.status, b"", error=err, explanation=explanation)
        return err.render(request_id)

    def denial(self, call: Call, step: Step) -> AwsError:
        """The error AWS returns for a denied step (facts 96-103, 127):

        - S3: 403 ``AccessDenied`` (REST-XML); the S3 resource ARN in double quotes; the detailed reason only
          for callers of the bucket owner's account (fact 99). When S3's own call to KMS is denied, S3 fails
          with 403 ``AccessDenied`` carrying KMS's sentence (fact 90).
        - KMS: 400 ``AccessDeniedException`` (JSON); for a caller of another account the sentence does not
          reveal whether the key exists (fact 127).
        - IAM / STS: 403 ``AccessDenied`` (query XML).
        """
        d = step.decision
        assert d is not None
        explanation = d.explain().text()
        req = d.request
        cross_account = bool(req.resource_account) and req.resource_account != call.caller.account
        if step.via_s3 or call.service == "kms":
            message = d.message()
            if cross_account and d.decision != "explicitDeny" and req.action.startswith("kms:"):
                message = (f"User: {call.caller.arn} is not authorized to perform: {req.action} on resource: "
                           f"{req.resource} because the resource does not exist in this Region, no resource-based "
                           "policies allow access, or a resource-based policy explicitly denies access")
            if call.service == "kms":
                return AwsError("kms", "AccessDeniedException", message, 400, explanation)
        else:
            message = d.message(quote_resource=call.service == "s3")
        if call.service == "s3":
            owner = self.authorizer.bucket_owner(call.bucket) if call.bucket else call.caller.account
            if call.caller.is_anonymous or (owner and owner != call.caller.account):
                message = "Access Denied"
            return AwsError("s3", "AccessDenied", message, 403, explanation)
        return AwsError(call.service, "AccessDenied", message, 403, explanation)

    # ------------------------------------------------------------------ S3 multi-object delete
    def delete_objects(self, environ: dict[str, Any], call: Call, op: Op,
                       request_id: str) -> tuple[int, dict[str, str], bytes]:
        """DeleteObjects (what ``aws s3 rm --recursive`` sends), authorized per key like AWS.

        S3 checks ``s3:DeleteObject`` (``s3:DeleteObjectVersion`` for a version) for every key in the request;
        keys the caller may not delete come back as ``<Error><Code>AccessDenied</Code>`` entries of an HTTP
        200 answer while the others are deleted
        (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html).
        """
        body = environ["wsgi.input"].getvalue()
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise AwsError("s3", "MalformedXML", "The XML you provided was not well-formed or did not validate "
                           "against our published schema", 400) from None
        ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        quiet = (root.findtext(f"{ns}Quiet") or "").strip().lower() == "true"
        allowed: list[tuple[str, str | None]] = []
        denied: list[tuple[str, str | None, Step]] = []
        steps: list[Step] = []
        for obj in root.findall(f"{ns}Object"):
            key, version = obj.findtext(f"{ns}Key") or "", obj.findtext(f"{ns}VersionId")
            key_op = dataclasses.replace(op, action="s3:DeleteObjectVersion") if version else op
            key_steps, _, _ = self.authorizer.s3_steps(dataclasses.replace(call, key=key), key_op)
            failed = self.authorizer.decide(key_steps)
            steps.extend(key_steps)
            if failed is None:
                allowed.append((key, version))
            else:
                denied.append((key, version, failed))
        errors = "".join(f"<Error><Key>{escape(k)}</Key>" + (f"<VersionId>{escape(v)}</VersionId>" if v else "") +
                         "<Code>AccessDenied</Code><Message>Access Denied</Message></Error>" for k, v, _ in denied)
        if allowed:
            objects = "".join(f"<Object><Key>{escape(k)}</Key>" + (f"<VersionId>{escape(v)}</VersionId>" if v else "")
                              + "</Object>" for k, v in allowed)
            new_body = (f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>{str(quiet).lower()}</Quiet>'
                        f"{objects}</Delete>").encode()
            env = {k: v for k, v in environ.items() if k not in ("HTTP_CONTENT_MD5",) and not k.startswith("HTTP_X_AMZ_CHECKSUM")}
            env["wsgi.input"] = io.BytesIO(new_body)
            env["CONTENT_LENGTH"] = str(len(new_body))
            status, headers, out = self.forward(env, call, None)
            headers = self.s3_answer_headers(call, status, headers, out, request_id)
            if status < 300 and errors:
                out = out.replace(b"</DeleteResult>", errors.encode() + b"</DeleteResult>")
                headers.pop("Content-Length", None)
        else:
            status, headers = 200, {"Content-Type": "application/xml"}
            out = (f'<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                   f"{errors}</DeleteResult>").encode()
        explanation = _explanation(steps)
        self.record(call, op, steps, request_id, status, out, error=None, explanation=explanation,
                    extra_resources=[k for k, _ in allowed] + [k for k, _, _ in denied],
                    additional={"deletedKeys": [k for k, _ in allowed], "deniedKeys": [k for k, _, _ in denied]})
        for key, _version, step in denied:
            kcall = dataclasses.replace(call, key=key)
            self.record(kcall, op, [step], request_id, 403, b"", error=self.denial(kcall, step),
                        explanation=_explanation([step]))
        headers[EXPLANATION_HEADER] = explanation
        return status, headers, out

    # ------------------------------------------------------------------ per-service steps
    def kms_key_for(self, call: Call) -> Any:
        p = call.params
        ref = p.get("KeyId") or p.get("TargetKeyId") or p.get("DestinationKeyId")
        if call.operation == "ReEncrypt":
            ref = p.get("SourceKeyId")
        if call.operation in ("Decrypt", "ReEncrypt") and not ref:
            # The ciphertext names its key (KMS finds it even in another account, then the key policy decides).
            try:
                key_id = base64.b64decode(p.get("CiphertextBlob") or "")[:36].decode("ascii")
            except (ValueError, UnicodeDecodeError):
                key_id = ""
            key = self.state.key_by_id_any_account(key_id) if key_id else None
            if key is None:
                raise AwsError("kms", "InvalidCiphertextException", "The ciphertext is invalid.", 400)
            return key
        if call.operation == "DeleteAlias":
            ref = p.get("AliasName")
        if not ref:
            raise AwsError("kms", "ValidationException", f"{call.operation} needs a KeyId", 400)
        key = self.state.resolve_key(ref, call.caller.account)
        if key is None:
            raise AwsError("kms", "NotFoundException", f"Key '{ref}' does not exist", 400)
        return key

    def kms_steps(self, call: Call, op: Op) -> list[Step]:
        caller_pol = self.authorizer.caller_policies(call.credential)
        if op.resource == "*":
            ctx = self.authorizer.global_context(call, call.caller.account)
            ctx["kms:calleraccount"] = [call.caller.account]
            req = Request(call.caller, op.action, "*", ctx, call.caller.account)
            return [Step(f"{op.action}", req, caller_pol)]
        key = self.kms_key_for(call)
        ctx = call.params.get("EncryptionContext") or call.params.get("SourceEncryptionContext") or {}
        steps = [self.authorizer.kms_step(call, op.action, key, ctx, caller_pol, False)]
        if call.operation == "ReEncrypt":
            dest = self.state.resolve_key(call.params.get("DestinationKeyId", ""), call.caller.account)
            if dest is None:
                raise AwsError("kms", "NotFoundException", "Destination key does not exist", 400)
            steps.append(self.authorizer.kms_step(call, "kms:ReEncryptTo", dest,
                                                  call.params.get("DestinationEncryptionContext") or {}, caller_pol, False))
        return steps

    def iam_resource(self, call: Call, op: Op) -> str:
        acct = call.caller.account
        p = call.params
        if op.resource == "user":
            return f"arn:aws:iam::{acct}:user/{p.get('UserName', call.caller.name)}"
        if op.resource == "role":
            return f"arn:aws:iam::{acct}:role/{p.get('RoleName', '')}"
        if op.resource == "group":
            return f"arn:aws:iam::{acct}:group/{p.get('GroupName', '')}"
        if op.resource == "policy":
            return p.get("PolicyArn") or f"arn:aws:iam::{acct}:policy/{p.get('PolicyName', '')}"
        if op.resource == "source":
            return p.get("PolicySourceArn", "*")
        return "*"

    def iam_steps(self, call: Call, op: Op) -> list[Step]:
        caller_pol = self.authorizer.caller_policies(call.credential)
        res = self.iam_resource(call, op)
        ctx = self.authorizer.global_context(call, call.caller.account)
        for k in ("iam:PolicyARN", "iam:PermissionsBoundary"):
            v = call.params.get(k.split(":")[1]) or call.params.get("PermissionsBoundary")
            if v and k == "iam:PermissionsBoundary":
                ctx["iam:permissionsboundary"] = [v]
            elif v and k == "iam:PolicyARN":
                ctx["iam:policyarn"] = [v]
        req = Request(call.caller, op.action, res, ctx, call.caller.account)
        return [Step(f"{op.action} on {res}", req, caller_pol)]

    def sts_steps(self, call: Call, op: Op) -> list[Step]:
        if call.operation != "AssumeRole":
            return []  # GetCallerIdentity / GetSessionToken need no permission
        role_arn = call.params.get("RoleArn", "")
        role = self.state.role_by_arn(role_arn)
        caller_pol = self.authorizer.caller_policies(call.credential)
        ctx = self.authorizer.global_context(call, role_arn.split(":")[4] if role_arn.count(":") >= 5 else "")
        if call.params.get("RoleSessionName"):
            ctx["sts:rolesessionname"] = [call.params["RoleSessionName"]]
        if call.params.get("ExternalId"):
            ctx["sts:externalid"] = [call.params["ExternalId"]]
        tags = _session_tags(call.params)
        for k, v in tags.items():
            ctx[f"aws:requesttag/{k.lower()}"] = [v]
        if tags:
            ctx["aws:tagkeys"] = list(tags)
        trust = None
        if role is not None:
            try:
                trust = parse_policy(role.assume_role_policy_document, PolicyKind.TRUST, f"trust policy of role {role.name}")
            except MalformedPolicyError:
                trust = None
        if trust is None:
            # No such role (or no usable trust policy): AWS answers AccessDenied without saying which, so the
            # lab decides against a trust policy that trusts nobody (an implicit deny, not an explicit one).
            trust = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                "Service": "nobody.s3kms-lab.invalid"}, "Action": "sts:AssumeRole"}]}, PolicyKind.TRUST,
                f"role {role_arn} (no such role, or no usable trust policy)")
        role_account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
        policies = PolicySet(caller_pol.identity, caller_pol.boundary, caller_pol.session, trust)
        steps = [Step(f"sts:AssumeRole on {role_arn}", Request(call.caller, "sts:AssumeRole", role_arn, ctx, role_account),
                      policies)]
        if tags:
            # Passing session tags needs sts:TagSession too, allowed by the trust policy
            # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required).
            steps.append(Step(f"sts:TagSession on {role_arn}",
                              Request(call.caller, "sts:TagSession", role_arn, ctx, role_account), policies))
        return steps

    # ------------------------------------------------------------------ writes that AWS validates
    def validate_writes(self, call: Call) -> None:
        """Policy documents are validated the way the owning service validates them (fail closed)."""
        try:
            if call.service == "s3" and call.operation == "PutBucketPolicy":
                body = call.params.get("_body")
                if body is not None:
                    self.check_principals_exist(parse_policy(body, PolicyKind.BUCKET, "bucket policy"))
            elif call.service == "iam" and call.operation in _IAM_POLICY_PARAMS:
                parse_policy(call.params.get(_IAM_POLICY_PARAMS[call.operation], ""), PolicyKind.IDENTITY, "policy")
            elif call.service == "iam" and call.operation in ("CreateRole", "UpdateAssumeRolePolicy"):
                self.check_principals_exist(parse_policy(
                    call.params.get("AssumeRolePolicyDocument", "") or call.params.get("PolicyDocument", ""),
                    PolicyKind.TRUST, "trust policy"))
            elif call.service == "sts" and call.operation == "AssumeRole":
                self.validate_assume_role(call)
            elif call.service == "kms" and call.operation in ("PutKeyPolicy", "CreateKey") and call.params.get("Policy"):
                new = parse_policy(call.params["Policy"], PolicyKind.KEY, "new key policy")
                self.check_principals_exist(new)
                if not call.params.get("BypassPolicyLockoutSafetyCheck"):
                    self.lockout_check(call, new)
        except MalformedPolicyError as exc:
            raise AwsError(call.service, exc.code, exc.message, 400) from None

    def check_s3_request(self, call: Call) -> None:
        """S3 parameter checks that come before authorization: SSE headers are refused on GET/HEAD (SSEKMS,
        fact 79)."""
        if call.operation in ("GetObject", "HeadObject") and any(
                h in call.headers for h in ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id")):
            raise AwsError("s3", "InvalidArgument", "The x-amz-server-side-encryption header is not supported for "
                           f"{call.operation}: S3 decrypts SSE-KMS objects without it.", 400)

    def missing_object_without_list(self, call: Call) -> Step | None:
        """GetObject/HeadObject of a key that does not exist: 404 only with s3:ListBucket on the bucket,
        otherwise 403, so callers cannot probe for keys (S3 HeadObject/GetObject API, fact 78). Returns the
        denied ListBucket step, or None."""
        if call.service != "s3" or call.operation not in ("GetObject", "HeadObject"):
            return None
        if self.state.bucket(call.bucket) is None or self.state.s3_object(
                call.bucket, call.key, call.query.get("versionId")) is not None:
            return None
        probe = Call("s3", "ListObjectsV2", call.caller, call.credential, bucket=call.bucket, headers={},
                     query={}, source_ip=call.source_ip, secure=call.secure, auth_type=call.auth_type, region=call.region)
        steps, _plan, _key = self.authorizer.s3_steps(probe, lookup("s3", "ListObjectsV2"))
        denied = self.authorizer.decide(steps[:1])
        return denied

    def check_principals_exist(self, policy: Any) -> None:
        """IAM users and roles named as principals must exist when the policy is saved (KPOV / PRIN, fact 73):
        KMS answers "Policy contains a statement with one or more invalid principals.", S3 "Invalid principal
        in policy". Account ids, session ARNs, "*" and service principals are not looked up."""
        for st in policy.statements:
            for spec in st.principals or ():
                v = spec.value
                if spec.type != "AWS" or not v.startswith("arn:aws:iam::"):
                    continue
                parts = v.split(":", 5)
                account, resource = parts[4], parts[5]
                missing = False
                if resource.startswith("user/"):
                    missing = self.state.user(account, resource.rsplit("/", 1)[-1]) is None
                elif resource.startswith("role/"):
                    missing = self.state.role_by_arn(v) is None
                if missing:
                    message = ("Policy contains a statement with one or more invalid principals."
                               if policy.kind is PolicyKind.KEY else f"Invalid principal in policy: {v} does not exist")
                    raise MalformedPolicyError(policy.kind, message)

    def validate_assume_role(self, call: Call) -> None:
        """AssumeRole's parameter checks (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html):
        DurationSeconds from 900 s up to the role's MaxSessionDuration; a session policy must parse."""
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
            role = self.state.role_by_arn(p.get("RoleArn", ""))
            limit = int(getattr(role, "max_session_duration", 3600) or 3600) if role is not None else 3600
            if duration > limit:
                raise AwsError("sts", "ValidationError", "The requested DurationSeconds exceeds the "
                               "MaxSessionDuration set for this role.", 400)
        if p.get("Policy"):
            parse_policy(p["Policy"], PolicyKind.SESSION, "session policy")

    def lockout_check(self, call: Call, new_policy: Any) -> None:
        """KMS refuses a key policy that would not let the caller call PutKeyPolicy later (fact 72, 123):
        the new key policy, with the caller's IAM policies when it delegates to the account, must allow
        the caller kms:PutKeyPolicy on the key."""
        account = call.caller.account
        key_arn = f"arn:aws:kms:{self.state.region}:{account}:key/lockout-check"
        if call.operation == "PutKeyPolicy":
            key_arn = self.kms_key_for(call).arn
            account = key_arn.split(":")[4]
        ctx = self.authorizer.global_context(call, account)
        caller_pol = self.authorizer.caller_policies(call.credential)
        ctx["kms:calleraccount"] = [call.caller.account]
        req = Request(call.caller, "kms:PutKeyPolicy", key_arn, ctx, account)
        d = authorize(req, PolicySet(caller_pol.identity, caller_pol.boundary, caller_pol.session, new_policy))
        if not d.allowed:
            raise AwsError("kms", "MalformedPolicyDocumentException",
                           "The new key policy will not allow you to update the key policy in the future.", 400,
                           d.explain().text())

    # ------------------------------------------------------------------ S3's KMS work
    def before_s3(self, call: Call, op: Op, plan: SsePlan | None, decrypt_key: Any) -> None:
        for key in [decrypt_key, plan.key if plan is not None else None]:
            if key is None:
                continue
            if key.key_state == "PendingDeletion":
                raise AwsError("s3", "KMS.KMSInvalidStateException", f"{key.arn} is pending deletion.", 400)
            if not key.enabled or key.key_state == "Disabled":
                raise AwsError("s3", "KMS.DisabledException", f"{key.arn} is disabled.", 400)
        if decrypt_key is not None and call.operation == "GetObject":
            obj = self.state.s3_object(call.bucket, call.key, call.query.get("versionId"))
            sse = getattr(obj, "lab_sse", None)
            if sse:
                # Really unwrap the object's data key through KMS, as S3 does.
                backend = self.state.kms(decrypt_key.arn.split(":")[4])
                backend.decrypt(sse["blob"], sse["context"])

    def after_s3(self, call: Call, op: Op, plan: SsePlan | None, body: bytes) -> None:
        """S3's KMS work for a new object: a data key of its own, generated by KMS under the object's key
        and encryption context (the wrapped key is kept on moto's object as ``lab_sse``)."""
        upload = None
        if call.operation == "CreateMultipartUpload":
            upload_id = _between(body, b"<UploadId>", b"</UploadId>")
            bucket = self.state.bucket(call.bucket)
            upload = bucket.multiparts.get(upload_id) if bucket is not None else None
            if upload is not None:
                upload.lab_sse_headers = {h: call.headers[h] for h in SSE_HEADERS if h in call.headers}
        elif call.operation == "CompleteMultipartUpload":
            sse = self.pending_sse.pop(call.query.get("uploadId", ""), None)
            obj = self.state.s3_object(call.bucket, call.key)
            if sse and obj is not None:
                obj.lab_sse = sse
        if plan is None or plan.key is None:
            return
        backend = self.state.kms(plan.key.arn.split(":")[4])
        _plain, blob, _arn = backend.generate_data_key(plan.key.id, plan.context, 32, "AES_256")
        record = {"key_arn": plan.key.arn, "blob": blob, "context": dict(plan.context), "bucket_key": plan.bucket_key}
        if call.operation == "CreateMultipartUpload":
            self.pending_sse[_between(body, b"<UploadId>", b"</UploadId>")] = record
            if upload is not None:
                upload.lab_sse = record
        else:
            obj = self.state.s3_object(call.bucket, call.key)
            if obj is not None:
                obj.lab_sse = record

    # ------------------------------------------------------------------ moto
    def forward(self, environ: dict[str, Any], call: Call, plan: SsePlan | None) -> tuple[int, dict[str, str], bytes]:
        env = dict(environ)
        env["wsgi.input"].seek(0)
        if plan is not None and plan.key is not None:
            # S3 reports the key as an ARN whatever form was sent (fact 83, failure report 9).
            env["HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION"] = plan.algorithm
            env["HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_AWS_KMS_KEY_ID"] = plan.key_arn
        target_account = call.caller.account
        if call.service == "kms" and call.operation not in ("CreateKey", "ListKeys", "ListAliases", "GenerateRandom"):
            try:
                target_account = self.kms_key_for(call).arn.split(":")[4]
            except AwsError:
                pass
        if target_account:
            env["HTTP_X_MOTO_ACCOUNT_ID"] = target_account
        key_id = call.params.get("KeyId", "") if call.service == "kms" else ""
        if key_id.startswith("arn:") and ":key/" in key_id:
            # moto 5.2.5 fails with a KeyError (HTTP 500) on a key ARN in DisableKey, EnableKey,
            # ScheduleKeyDeletion...; AWS accepts a key id or a key ARN everywhere, so moto gets the id.
            new_body = json.dumps({**call.params, "KeyId": key_id.rsplit("/", 1)[1]}).encode()
            env["wsgi.input"] = io.BytesIO(new_body)
            env["CONTENT_LENGTH"] = str(len(new_body))
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers

        chunks = self.state.backend_app(call.service)(env, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        headers = {k: v for k, v in captured.get("headers", [])}
        return captured.get("status", 500), headers, body

    def user_boundary(self, call: Call, request_id: str) -> tuple[int, dict[str, str], bytes]:
        """Put/DeleteUserPermissionsBoundary, which moto 5.2.5 lacks: served by the lab through the seam."""
        name = call.params.get("UserName", "")
        arn = call.params.get("PermissionsBoundary") if call.operation == "PutUserPermissionsBoundary" else None
        if call.operation == "PutUserPermissionsBoundary":
            account = arn.split(":")[4] if arn and arn.count(":") >= 5 else ""
            if not arn or (account != "aws" and arn not in self.state.iam(account or call.caller.account).managed_policies):
                raise AwsError("iam", "NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", 404)
        if not self.state.set_user_boundary(call.caller.account, name, arn):
            raise AwsError("iam", "NoSuchEntity", f"The user with name {name} cannot be found.", 404)
        body = (f'<{call.operation}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata>'
                f"<RequestId>{request_id}</RequestId></ResponseMetadata></{call.operation}Response>").encode()
        return 200, {"Content-Type": "text/xml"}, body

    def simulate(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        from .simulate_xml import simulate_response
        try:
            result = self.run_simulation(call)
        except SimulationError as exc:
            raise AwsError("iam", exc.code, exc.message, 400) from None
        return 200, {"Content-Type": "text/xml"}, simulate_response(call.operation, result).encode()

    def run_simulation(self, call: Call) -> dict[str, Any]:
        from .simulate_xml import decode_query_params
        params = decode_query_params(call.params)
        if call.operation == "SimulateCustomPolicy":
            return simulate_custom_policy(params, default_account=call.caller.account)
        source = params.get("PolicySourceArn", "")
        identity = []
        caller = None
        try:
            from ..engine import caller_from_arn
            caller = caller_from_arn(params.get("CallerArn") or source)
        except ValueError:
            raise SimulationError("InvalidInput", f"PolicySourceArn {source!r} is not a user, group or role ARN") from None
        cred = None
        if ":user/" in source:
            user = self.state.user(source.split(":")[4], source.rsplit("/", 1)[-1])
            if user is None:
                raise SimulationError("NoSuchEntity", f"The user with name {source.rsplit('/', 1)[-1]} cannot be found.")
            from .moto_seam import Credential
            cred = Credential("", "", "user", source.split(":")[4], source, user.name)
        elif ":role/" in source:
            role = self.state.role_by_arn(source)
            if role is None:
                raise SimulationError("NoSuchEntity", f"The role with name {source.rsplit('/', 1)[-1]} cannot be found.")
            from .moto_seam import Credential
            cred = Credential("", "", "session", source.split(":")[4], source, role.name, role_arn=source)
            caller = Caller(ROLE, source, source.split(":")[4], name=role.name, role_arn=source)
        if cred is not None:
            identity = list(self.authorizer.caller_policies(cred).identity)
        from ..engine.simulate import _parse_list
        identity += _parse_list(params.get("PolicyInputList"), PolicyKind.IDENTITY, "PolicyInputList")
        ctx = context_from_entries(params.get("ContextEntries"))
        results = simulate(identity, params.get("ActionNames", []), params.get("ResourceArns"),
                           params.get("ResourcePolicy"), caller, params.get("ResourceOwner", "").split(":")[4]
                           if params.get("ResourceOwner") else caller.account, ctx)
        return {"EvaluationResults": results, "IsTruncated": False}

    # ------------------------------------------------------------------ trail
    def record(self, call: Call, op: Op, steps: list[Step], request_id: str, status: int, body: bytes,
               error: AwsError | None, explanation: str = "", response_headers: dict[str, str] | None = None,
               extra_resources: list[str] = (), additional: dict[str, Any] | None = None) -> None:
        """CloudTrail records for one request: the call itself, then the KMS calls S3 made for the caller
        (facts 117-121). ``explanation``: the engine's summaries; ``extra_resources``: more object keys
        (DeleteObjects); ``additional``: extra ``additionalEventData``."""
        akid = call.credential.access_key_id if call.credential else ""
        created = call.credential.created if call.credential else None
        main = steps[0] if steps else None
        decision = "allowed"
        if error is not None:
            denied = next((s for s in steps if s.decision is not None and not s.decision.allowed), None)
            decision = denied.decision.decision if denied is not None and denied.decision else "error"
        resources = []
        if call.service == "s3" and call.bucket:
            for key in ([call.key] if call.key else []) + list(extra_resources):
                resources.append({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{call.bucket}/{key}"})
            resources.append({"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{call.bucket}",
                              "accountId": self.authorizer.bucket_owner(call.bucket)})
        elif main is not None and main.request.resource not in ("*", ""):
            resources.append({"type": _resource_type(call.service), "ARN": main.request.resource,
                              "accountId": main.request.resource_account})
        if error is None and status >= 300:
            error = AwsError(call.service, *_error_fields(body), status)
        extra = dict(additional or {})
        if call.service == "s3":
            extra.update({"SignatureVersion": "SigV4" if call.auth_type != "none" else None,
                          "AuthenticationMethod": {"query": "QueryString", "header": "AuthHeader"}.get(call.auth_type),
                          "bytesTransferredIn": int(call.headers.get("content-length") or 0),
                          "bytesTransferredOut": len(body) if op.read_only and error is None else 0})
        recipient = (self.authorizer.bucket_owner(call.bucket) if call.bucket else "") or \
            (main.request.resource_account if main is not None else "")
        self.trail.add(caller=call.caller, access_key=akid, source=_SOURCES[call.service], name=call.operation,
                       request_id=request_id, source_ip=call.source_ip, user_agent=call.headers.get("user-agent", ""),
                       request_parameters=self.request_parameters(call), resources=resources, read_only=op.read_only,
                       management=op.management, error_code=error.code if error else None,
                       error_message=error.message if error else None, decision=decision, explanation=explanation,
                       response_elements=None if error else self.response_elements(call, op, response_headers, body),
                       additional_event_data=extra or None, recipient_account=recipient, session_created=created)
        # KMS events S3 made on the caller's behalf (management events, invokedBy s3.amazonaws.com);
        # a key of another account logs the event in both accounts with one sharedEventID (fact 121).
        for s in steps:
            if not s.via_s3 or s.decision is None:
                continue
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
                               invoked_by="s3.amazonaws.com", decision=s.decision.decision,
                               explanation=s.decision.summary(), recipient_account=account,
                               shared_event_id=shared, session_created=created)
            if failed:
                break

    @staticmethod
    def response_elements(call: Call, op: Op, headers: dict[str, str] | None, body: bytes) -> dict[str, Any] | None:
        """CloudTrail ``responseElements``: null for reads; what a write answered otherwise (fact 117)."""
        if op.read_only:
            return None
        if call.service == "s3":
            lower = {k.lower(): v for k, v in (headers or {}).items()}
            out = {h: lower[h] for h in ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                                         "x-amz-server-side-encryption-bucket-key-enabled", "x-amz-version-id")
                   if h in lower}
            return out or None
        if call.service == "kms":
            try:
                doc = json.loads(body or b"{}")
            except ValueError:
                return None
            if not isinstance(doc, dict):
                return None
            out = {k[:1].lower() + k[1:]: v for k, v in doc.items() if k not in ("Plaintext", "CiphertextBlob")}
            return out or None
        if call.service == "sts" and call.operation == "AssumeRole":
            return {"credentials": {"accessKeyId": _between(body, b"<AccessKeyId>", b"</AccessKeyId>"),
                                    "expiration": _between(body, b"<Expiration>", b"</Expiration>")},
                    "assumedRoleUser": {"assumedRoleId": _between(body, b"<AssumedRoleId>", b"</AssumedRoleId>"),
                                        "arn": _between(body, b"<Arn>", b"</Arn>")}}
        return None

    @staticmethod
    def request_parameters(call: Call) -> dict[str, Any]:
        if call.service == "s3":
            p: dict[str, Any] = {"bucketName": call.bucket, "Host": call.headers.get("host", "")}
            if call.key:
                p["key"] = call.key
            for h in ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-copy-source"):
                if h in call.headers:
                    p[h] = call.headers[h]
            return p
        if call.service == "kms":
            return {k: v for k, v in call.params.items() if k not in ("Plaintext", "CiphertextBlob")}
        return {k: v for k, v in call.params.items() if k not in ("Action", "Version")}


_LAB_SERVED_IAM = ("PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary")


def _complete_schedule_key_deletion(body: bytes, params: dict[str, Any]) -> bytes:
    """moto 5.2.5 answers ScheduleKeyDeletion without KeyState / PendingWindowInDays; AWS includes both
    (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html)."""
    doc = json.loads(body or b"{}")
    doc.setdefault("KeyState", "PendingDeletion")
    doc.setdefault("PendingWindowInDays", int(params.get("PendingWindowInDays") or 30))
    return json.dumps(doc).encode()


def _explanation(steps: list[Step]) -> str:
    """The engine's one-line summaries of the decided steps (header-safe ASCII)."""
    return explanation_header("; ".join(s.decision.summary() for s in steps if s.decision is not None))


def _session_tags(params: dict[str, str]) -> dict[str, str]:
    """``Tags.member.N.Key/Value`` query parameters of AssumeRole as a dict."""
    return {v: params.get(k[:-len(".Key")] + ".Value", "") for k, v in params.items()
            if k.startswith("Tags.member.") and k.endswith(".Key")}


_KMS_STRING_PARAMS = ("KeyId", "DestinationKeyId", "SourceKeyId", "TargetKeyId", "AliasName", "Plaintext",
                      "CiphertextBlob", "Policy", "PolicyName", "Description", "GrantId", "GrantToken", "KeySpec",
                      "GranteePrincipal", "RetiringPrincipal", "Name")
_KMS_MAP_PARAMS = ("EncryptionContext", "SourceEncryptionContext", "DestinationEncryptionContext")


def _kms_params(body: bytes) -> dict[str, Any]:
    """Decode a KMS JSON body, refusing the shapes KMS refuses (JSON 1.1 protocol: SerializationException for
    a wrong JSON type, ValidationException for an encryption context that is not a string-to-string map)."""
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        raise AwsError("kms", "SerializationException", "The request body is not valid JSON", 400) from None
    if not isinstance(params, dict):
        raise AwsError("kms", "SerializationException", "Start of list found where not expected", 400)
    for name in _KMS_STRING_PARAMS:
        if name in params and not isinstance(params[name], str):
            raise AwsError("kms", "SerializationException", f"{name} must be a string", 400)
    for name in _KMS_MAP_PARAMS:
        value = params.get(name)
        if value is not None and not (isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
            raise AwsError("kms", "ValidationException", f"1 validation error detected: {name} must be a map of "
                           "strings to strings", 400)
    return params


def _resource_type(service: str) -> str:
    return {"kms": "AWS::KMS::Key", "iam": "AWS::IAM::Resource", "sts": "AWS::IAM::Role"}.get(service, "AWS::Resource")


def _between(body: bytes, start: bytes, end: bytes) -> str:
    i = body.find(start)
    if i < 0:
        return ""
    j = body.find(end, i)
    return body[i + len(start):j].decode()


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
