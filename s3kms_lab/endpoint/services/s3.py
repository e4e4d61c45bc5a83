"""S3: the steps of an S3 call, S3's checks, its KMS work (through :mod:`..sse`) and its trail fields.

AWS rules followed (``docs/aws-rules.md``):
- an SSE-KMS write needs kms:GenerateDataKey, a read kms:Decrypt, an upload part kms:Decrypt, all asked by
  S3 as the caller (SSE-1) https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
- CopyObject also reads its source: s3:GetObject on it, and kms:Decrypt when it is SSE-KMS (SSE-4)
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
- GetObject/HeadObject of a missing key answers 404 only to a caller with s3:ListBucket, else 403 (S3-2)
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
- SSE headers are refused on GET/HEAD (SSE-5); multipart parts inherit CreateMultipartUpload's SSE headers
  for the condition keys (SSE-9).
"""
from __future__ import annotations

import dataclasses
import io
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

from ...engine import PolicyKind, PolicySet, Request, parse_policy
from ...i18n import _
from .. import sse
from ..copy_source import parse_copy_source
from ..decide import Authorizer, Call, Step
from ..errors import AwsError
from ..operations import KmsUse, Op, action_of, also_actions, lookup
from ..condition_keys import condition_context
from ..plan_types import Plan
from ..s3_response import MISSING_KEY_NOTE, s3_headers, versioning_shows
from . import policy_limits, public_access
from .kms import denial_message as kms_denial_message
from .validation import check_principals_exist

__all__ = ["plan", "copy_source", "delete_objects", "request_parameters", "response_elements"]

EVENT_SOURCE = "s3.amazonaws.com"
UNMODELLED = ("NotImplemented", 501)
INTERNAL_ERROR = "InternalError"
_GET_HEADERS_REFUSED = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id")


def copy_source(value: str) -> tuple[str, str, str | None]:
    """``x-amz-copy-source`` -> (bucket, key, version id), read by the one strict parser
    (:func:`..copy_source.parse_copy_source`: AwsError InvalidArgument for anything ambiguous,
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html)."""
    src = parse_copy_source(value)
    return src.bucket, src.key, src.version_id


def _refuse_sse_headers_on_read(call: Call) -> None:
    """SSE headers are refused on GET/HEAD: S3 decrypts SSE-KMS objects without them (SSE-5)."""
    if any(h in call.headers for h in _GET_HEADERS_REFUSED):
        raise AwsError("s3", "InvalidArgument", "The x-amz-server-side-encryption header is not supported for "
                       f"{call.operation}: S3 decrypts SSE-KMS objects without it.", 400)


def _main_step(call: Call, op: Op, authorizer: Authorizer, caller_pol: PolicySet) -> Step:
    owner = authorizer.bucket_owner(call.bucket) if call.bucket else ""
    ctx = authorizer.global_context(call, owner)
    ctx.update(condition_context(op, call, authorizer.state))
    ctx["s3:signatureversion"] = ["AWS4-HMAC-SHA256"]
    ctx["s3:authtype"] = ["REST-QUERY-STRING" if call.auth_type == "query" else "REST-HEADER"]
    action, resource = action_of(op, call), op.resource.arn(call)
    return Step(f"{action} on {resource}", Request(call.caller, action, resource, ctx, owner),
                PolicySet(caller_pol.identity, caller_pol.boundary, caller_pol.session,
                          _bucket_policy_for(authorizer, call.bucket, owner, call.caller)))


def _bucket_policy_for(authorizer: Authorizer, bucket: str, owner: str, caller: Any) -> Any:
    """The bucket policy as it applies to ``caller`` (RestrictPublicBuckets may take its grants away, BPA-4)."""
    if not bucket:
        return None
    return public_access.restricted_bucket_policy(authorizer, bucket, owner, caller, authorizer.bucket_policy(bucket))


def _copy_source_steps(call: Call, op: Op, authorizer: Authorizer, caller_pol: PolicySet) -> list[Step]:
    """The source read of a copy: s3:GetObject (s3:GetObjectVersion when the source names a version) and
    S3's kms:Decrypt of an SSE-KMS source (SSE-4)."""
    assert op.copy is not None
    src_bucket, src_key, src_version = copy_source(call.headers.get("x-amz-copy-source", ""))
    src_owner = authorizer.bucket_owner(src_bucket)
    action = op.copy.action_for(src_version)
    sreq = Request(call.caller, action, f"arn:aws:s3:::{src_bucket}/{src_key}",
                   authorizer.global_context(call, src_owner), src_owner)
    steps = [Step(f"{action} on arn:aws:s3:::{src_bucket}/{src_key} (copy source)", sreq,
                  PolicySet(caller_pol.identity, caller_pol.boundary, caller_pol.session,
                            _bucket_policy_for(authorizer, src_bucket, src_owner, call.caller)))]
    source = sse.object_key_and_context(authorizer.state, src_bucket, src_key, src_version, src_owner)
    stored_key_id = authorizer.state.object_kms_key_id(src_bucket, src_key, src_version)
    if source is None and stored_key_id:  # never copy an SSE-KMS source without deciding kms:Decrypt on its key
        raise AwsError("s3", "KMS.NotFoundException", f"Invalid keyId {stored_key_id}", 400)
    if source is not None:
        steps.append(authorizer.kms_step(call, "kms:Decrypt", *source, caller_pol, True))
    return steps


def _stored_key(call: Call, op: Op, authorizer: Authorizer, owner: str) -> tuple[Any, dict[str, str]] | None:
    """(KMS key, context) of the data key S3 must unwrap for this call, per the row's KmsUse."""
    state = authorizer.state
    if op.kms is KmsUse.DECRYPT_OBJECT:
        return sse.object_key_and_context(state, call.bucket, call.key, call.query.get("versionId"), owner)
    if op.kms is KmsUse.DECRYPT_UPLOAD:
        return sse.upload_key_and_context(state, call.bucket, call.key, call.query.get("uploadId", ""), owner)
    return None


def steps_for(call: Call, op: Op, authorizer: Authorizer) -> tuple[list[Step], sse.SsePlan | None, Any]:
    """Steps for an S3 call: the S3 action, a copy's source read, and S3's KMS calls as the caller.
    Returns (steps, how a new object is encrypted or None, the KMS key whose data key S3 unwraps or None)."""
    caller_pol = authorizer.caller_policies(call.credential)
    owner = authorizer.bucket_owner(call.bucket) if call.bucket else ""
    main = _main_step(call, op, authorizer, caller_pol)
    steps = [main]
    for action in also_actions(op, call):  # e.g. PutObject with a tag-set also needs s3:PutObjectTagging
        steps.append(Step(f"{action} on {main.request.resource}", Request(
            call.caller, action, main.request.resource, main.request.context, main.request.resource_account),
            main.policies))
    if op.copy:
        steps += _copy_source_steps(call, op, authorizer, caller_pol)
    plan = None
    decrypt_key = None
    if op.kms is KmsUse.GENERATE_DATA_KEY:
        plan = sse.sse_plan(authorizer.state, call.headers, call.bucket, call.key, call.caller.account, owner)
        if plan.key is not None:
            steps.append(authorizer.kms_step(call, "kms:GenerateDataKey", plan.key, plan.context, caller_pol, True))
    else:
        stored = _stored_key(call, op, authorizer, owner)
        if stored is not None:
            decrypt_key = stored[0]
            steps.append(authorizer.kms_step(call, "kms:Decrypt", *stored, caller_pol, True))
    return steps, plan, decrypt_key


def _missing_object_check(call: Call, authorizer: Authorizer) -> Step | None:
    """GetObject/HeadObject of a key that does not exist: 404 only with s3:ListBucket on the bucket, otherwise
    403, so callers cannot probe for keys (S3-2). Returns the denied ListBucket step, or None."""
    state = authorizer.state
    if not state.bucket_exists(call.bucket) or state.object_exists(call.bucket, call.key, call.query.get("versionId")):
        return None
    probe = Call("s3", "ListObjectsV2", call.caller, call.credential, bucket=call.bucket, headers={}, query={},
                 source_ip=call.source_ip, secure=call.secure, auth_type=call.auth_type, region=call.region)
    list_op = lookup("s3", "ListObjectsV2")
    assert list_op is not None
    step = _main_step(probe, list_op, authorizer, authorizer.caller_policies(call.credential))
    step.note = MISSING_KEY_NOTE
    return authorizer.decide([step])


def _bucket_policy_check(call: Call, authorizer: Authorizer) -> None:
    """PutBucketPolicy: the document must be valid and name existing principals (POL-1, POL-2), and not be
    public while BlockPublicPolicy is on (BPA-2)."""
    body = call.params.get("_body")
    if body is not None:
        policy_limits.check_bucket_policy_size(body)
        document = parse_policy(body, PolicyKind.BUCKET, "bucket policy")
        policy_limits.check_bucket_policy_statements(document, call.bucket)
        check_principals_exist(authorizer.state, document)
        public_access.check_put_bucket_policy(authorizer, call.bucket, authorizer.bucket_owner(call.bucket), body,
                                              call.caller.arn or "anonymous")


def _acl_check(call: Call, authorizer: Authorizer) -> None:
    """ACLs sent with the request: refused while ACLs are disabled or when public under BlockPublicAcls."""
    owner = authorizer.bucket_owner(call.bucket) if call.operation != "CreateBucket" else ""
    public_access.check_acl(authorizer, call.operation, call.bucket, owner, call.headers,
                            (call.params.get("_body") or "").encode())


def _as_check(fn: Any, *args: Any) -> Any:
    def run() -> None:
        fn(*args)
    return run


# Per-operation checks before authorization (operation -> check).
_PRE_CHECKS = {"GetObject": _refuse_sse_headers_on_read, "HeadObject": _refuse_sse_headers_on_read}

# Operations that may carry an ACL (x-amz-acl / x-amz-grant-* headers, or the ACL body) (BPA-3, BPA-5).
_ACL_OPERATIONS = ("PutBucketAcl", "PutObjectAcl", "PutObject", "CreateBucket", "CopyObject", "CreateMultipartUpload")

# Per-operation checks of an allowed call (operation -> check builder).
_CHECKS = {
    **{name: (lambda call, a: [_as_check(_acl_check, call, a)]) for name in _ACL_OPERATIONS},
    "PutBucketPolicy": lambda call, a: [_as_check(_bucket_policy_check, call, a)],
    "GetObject": lambda call, a: [lambda: _missing_object_check(call, a)],
    "HeadObject": lambda call, a: [lambda: _missing_object_check(call, a)],
}


def plan(call: Call, op: Op, authorizer: Authorizer) -> Plan:
    """The plan of an S3 call (see :class:`~s3kms_lab.endpoint.plan_types.Plan`)."""
    _PRE_CHECKS.get(call.operation, lambda c: None)(call)
    steps, sse_plan, decrypt_key = steps_for(call, op, authorizer)
    out = Plan(call, op, authorizer, steps, sse=sse_plan, decrypt_key=decrypt_key,
               checks=_CHECKS.get(call.operation, lambda c, a: [])(call, authorizer))
    if sse_plan is not None and sse_plan.key_missing:
        # KMS's sentence, naming the reference as written, header or bucket default (SSE-10).
        out.refusal = AwsError("s3", "KMS.NotFoundException", f"Invalid keyId {sse_plan.key_ref}", 400)
    if sse_plan is not None and sse_plan.key is not None:
        # S3 reports the key as an ARN whatever form was sent (SSE-8).
        out.environ = {"HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION": sse_plan.algorithm,
                       "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_AWS_KMS_KEY_ID": sse_plan.key_arn}
    out.before = lambda: _before(out)
    out.after = lambda body: _after(out, body)
    out.answer_headers = lambda status, headers, body, request_id: answer_headers(
        call, authorizer, status, headers, body, request_id)
    return out


def answer_headers(call: Call, authorizer: Authorizer, status: int, headers: dict[str, str], body: bytes,
                   request_id: str) -> dict[str, str]:
    """moto's answer headers as S3 sends them for this operation (see :mod:`..s3_response`): the model's
    headers, version ids only where the bucket's versioning is Enabled or Suspended."""
    versioned = versioning_shows(authorizer.state.bucket_versioning(call.bucket)) if call.bucket else False
    return s3_headers(call.operation, status, headers, body, request_id, versioned)


def _before(plan: Plan) -> None:
    """S3's KMS work before moto stores or returns the object: the key must be usable; a read unwraps the
    object's data key through KMS."""
    call = plan.call
    for key in (plan.decrypt_key, plan.sse.key if plan.sse is not None else None):
        if key is not None:
            sse.check_key_usable(key)
    if plan.decrypt_key is not None and plan.op.kms is KmsUse.DECRYPT_OBJECT:
        sse.unwrap_object_key(plan.authorizer.state, plan.decrypt_key, call.bucket, call.key,
                              call.query.get("versionId"))


def _between(body: bytes, start: bytes, end: bytes) -> str:
    i = body.find(start)
    if i < 0:
        return ""
    return body[i + len(start):body.find(end, i)].decode()


def _after(plan: Plan, body: bytes) -> None:
    """After moto's success: the upload remembers its SSE headers, a completed upload's object inherits its data
    key, and a new object or upload gets a data key of its own."""
    call, state = plan.call, plan.authorizer.state
    upload_id = _AFTER.get(call.operation, lambda *a: "")(state, call, body)
    if plan.sse is not None:
        sse.store_data_key(state, plan.sse, call.bucket, call.key, upload_id)


def _upload_created(state: Any, call: Call, body: bytes) -> str:
    """CreateMultipartUpload: remember the SSE headers of the new upload; its id (the data key goes with it)."""
    upload_id = _between(body, b"<UploadId>", b"</UploadId>")
    sse.remember_upload_headers(state, upload_id, call.headers)
    return upload_id


def _upload_completed(state: Any, call: Call, body: bytes) -> str:
    sse.complete_upload(state, call.bucket, call.key, call.query.get("uploadId", ""))
    return ""


def _bucket_created(state: Any, call: Call, body: bytes) -> str:
    """CreateBucket: S3's defaults for a new bucket (Block Public Access on, ACLs disabled, BPA-5)."""
    public_access.apply_new_bucket_defaults(state, call.bucket, call.headers.get("x-amz-object-ownership"))
    return ""


_AFTER = {"CreateMultipartUpload": _upload_created, "CompleteMultipartUpload": _upload_completed,
          "CreateBucket": _bucket_created}


def deny(call: Call, step: Step, bucket_owner: str) -> AwsError:
    """S3 answers a denied call with 403 ``AccessDenied`` (REST-XML), the resource ARN in double quotes and the
    detailed reason only for callers of the bucket owner's account; when S3's own call to KMS is denied, the
    sentence is KMS's (rule ERR-1, https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html)."""
    d = step.decision
    assert d is not None
    message = kms_denial_message(call, step) if step.via_s3 else d.message(quote_resource=True)
    owner = bucket_owner or call.caller.account
    if call.caller.is_anonymous or (owner and owner != call.caller.account):
        message = "Access Denied"
    explanation = d.explain().text()
    return AwsError("s3", "AccessDenied", message, 403, f"{_(step.note)} {explanation}" if step.note else explanation)


# ---------------------------------------------------------------- multi-object delete
def delete_objects(app: Any, environ: dict[str, Any], call: Call, op: Op, request_id: str) -> tuple[int, dict[str, str], bytes]:
    """DeleteObjects (what ``aws s3 rm --recursive`` sends), authorized per key like AWS.

    S3 checks ``s3:DeleteObject`` (``s3:DeleteObjectVersion`` for a version: the row's ``actions``) for every
    key in the request; keys the caller may not delete come back as ``<Error><Code>AccessDenied</Code>``
    entries of an HTTP 200 answer while the others are deleted
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html).
    """
    from ..recording import explanation_of
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
        query = {**call.query, "versionId": version} if version is not None else {k: v for k, v in call.query.items()
                                                                      if k != "versionId"}
        key_steps, _, _ = steps_for(dataclasses.replace(call, key=key, query=query), op, app.authorizer)
        failed = app.authorizer.decide(key_steps)
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
        status, headers, out = app.forward(env, call)
        headers = answer_headers(call, app.authorizer, status, headers, out, request_id)
        if status < 300 and errors:
            out = out.replace(b"</DeleteResult>", errors.encode() + b"</DeleteResult>")
            headers.pop("Content-Length", None)
    else:
        status, headers = 200, {"Content-Type": "application/xml", "x-amz-request-id": request_id}
        out = (f'<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
               f"{errors}</DeleteResult>").encode()
    explanation = explanation_of(steps)
    app.recorder.record(call, op, steps, request_id, status, out, error=None, explanation=explanation,
                        extra_resources=[k for k, _ in allowed] + [k for k, _, _ in denied],
                        additional={"deletedKeys": [k for k, _ in allowed], "deniedKeys": [k for k, _, _ in denied]})
    for key, _version, step in denied:
        kcall = dataclasses.replace(call, key=key)
        app.recorder.record(kcall, op, [step], request_id, 403, b"", error=app.denial(kcall, step),
                            explanation=explanation_of([step]))
    return status, headers, out


# ---------------------------------------------------------------- trail
_REQUEST_HEADERS = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-copy-source")
_RESPONSE_HEADERS = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                     "x-amz-server-side-encryption-bucket-key-enabled", "x-amz-version-id")


def request_parameters(call: Call) -> dict[str, Any]:
    """CloudTrail ``requestParameters`` of an S3 data or management event."""
    p: dict[str, Any] = {"bucketName": call.bucket, "Host": call.headers.get("host", "")}
    if call.key:
        p["key"] = call.key
    p.update({h: call.headers[h] for h in _REQUEST_HEADERS if h in call.headers})
    return p


def response_elements(call: Call, headers: dict[str, str] | None, body: bytes) -> dict[str, Any] | None:
    """CloudTrail ``responseElements`` of an S3 write: the encryption and version headers S3 answered."""
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    return {h: lower[h] for h in _RESPONSE_HEADERS if h in lower} or None


def additional_event_data(call: Call, op: Op, body: bytes, error: AwsError | None) -> dict[str, Any]:
    """CloudTrail ``additionalEventData`` of an S3 event: signature, authentication method, bytes in/out."""
    return {"SignatureVersion": "SigV4" if call.auth_type != "none" else None,
            "AuthenticationMethod": {"query": "QueryString", "header": "AuthHeader"}.get(call.auth_type),
            "bytesTransferredIn": int(call.headers.get("content-length") or 0),
            "bytesTransferredOut": len(body) if op.read_only and error is None else 0}
