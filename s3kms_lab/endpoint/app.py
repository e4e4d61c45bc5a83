"""The lab's WSGI application: authenticate -> identify -> authorize -> moto -> trail.

moto's server application (``DomainDispatcherApplication``) runs in-process behind this middleware,
so an allowed request costs one extra function call, not an extra HTTP hop. Requests are served one
at a time (moto's state is not thread-safe).
"""
from __future__ import annotations

import base64
import io
import json
import threading
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl

from moto.core.routing import get_service_router
from moto.core.request import Request as MotoRequest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from ..engine import MalformedPolicyError, PolicyKind, PolicySet, Request, authorize, parse_policy
from ..engine.principal import ROLE, Caller
from ..engine.simulate import SimulationError, simulate, simulate_custom_policy, context_from_entries
from .auth import Authenticated, authenticate
from .decide import Authorizer, Call, SsePlan, Step
from .errors import EXPLANATION_HEADER, AwsError
from .moto_seam import MotoState
from .operations import Op, lookup
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
        self.moto_app = DomainDispatcherApplication(create_backend_app)
        self.s3_router = get_service_router("s3")
        self.lock = threading.RLock()
        self.pending_sse: dict[str, dict[str, Any]] = {}  # multipart uploadId -> data key record

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            status, headers, body = self.handle(environ)
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
        service_hint = self._service_hint(headers)
        try:
            auth = authenticate(self.state, method, raw_uri, headers, body, service_hint)
        except AwsError as err:
            return err.render(request_id)
        try:
            call, op = self.identify(environ, auth, method, headers, body)
            return self.dispatch(environ, auth, call, op, request_id)
        except AwsError as err:
            return err.render(request_id)

    @staticmethod
    def _service_hint(headers: dict[str, str]) -> str:
        target = headers.get("x-amz-target", "")
        if target.startswith("TrentService"):
            return "kms"
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
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                raise AwsError("kms", "SerializationException", "The request body is not valid JSON", 400) from None
            call = Call("kms", name, params=params, **common)
        elif service in ("iam", "sts"):
            params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) if body else dict(query)
            name = params.get("Action", "")
            call = Call(service, name, params=params, **common)
        else:
            raise AwsError("s3", "NotImplemented", f"The lab models S3, KMS, IAM and STS only, not {service!r}.", 501)
        op = lookup(service, call.operation)
        if op is None:
            raise AwsError(service, "UnsupportedOperation" if service != "s3" else "NotImplemented",
                           f"The lab does not model {service}:{call.operation}; the request was refused, not forwarded.",
                           400 if service != "s3" else 501)
        return call, op

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, environ: dict[str, Any], auth: Authenticated, call: Call, op: Op,
                 request_id: str) -> tuple[int, dict[str, str], bytes]:
        plan: SsePlan | None = None
        decrypt_key = None
        if call.service == "s3":
            steps, plan, decrypt_key = self.authorizer.s3_steps(call, op)
            if plan is not None and plan.algorithm.startswith("aws:kms") and plan.key is None:
                raise AwsError("s3", "KMS.NotFoundException",
                               f"Invalid keyId {call.headers.get('x-amz-server-side-encryption-aws-kms-key-id', '')}", 400)
        elif call.service == "kms":
            steps = self.kms_steps(call, op)
        elif call.service == "iam":
            steps = self.iam_steps(call, op)
        else:
            steps = self.sts_steps(call, op)
        denied = self.authorizer.decide(steps)
        if denied is not None:
            return self.deny(call, op, denied, steps, request_id)
        self.validate_writes(call)
        # Allowed: do S3's KMS work, then let moto do the rest.
        if call.service == "s3":
            self.before_s3(call, op, plan, decrypt_key)
        if call.service == "iam" and call.operation in ("SimulateCustomPolicy", "SimulatePrincipalPolicy"):
            status, headers, body = self.simulate(call)
        else:
            status, headers, body = self.forward(environ, call, plan)
        if call.service == "s3" and status < 300:
            self.after_s3(call, op, plan, body)
        self.record(call, op, steps, request_id, status, body, error=None)
        headers[EXPLANATION_HEADER] = "; ".join(
            s.decision.summary() for s in steps if s.decision is not None).encode("ascii", "replace").decode()
        return status, headers, body

    def deny(self, call: Call, op: Op, step: Step, steps: list[Step], request_id: str) -> tuple[int, dict[str, str], bytes]:
        d = step.decision
        assert d is not None
        quote = call.service == "s3"
        message = d.message(quote_resource=quote and not step.via_s3)
        if call.service == "kms":
            err = AwsError("kms", "AccessDeniedException", message, 400, d.explain().text())
        elif call.service == "s3":
            # S3 gives the detailed reason only to callers of the bucket owner's account (fact 99).
            owner = self.authorizer.bucket_owner(call.bucket) if call.bucket else call.caller.account
            if call.caller.is_anonymous or (owner and owner != call.caller.account):
                message = "Access Denied"
            err = AwsError("s3", "AccessDenied", message, 403, d.explain().text())
        else:
            err = AwsError(call.service, "AccessDenied", message, 403, d.explain().text())
        self.record(call, op, steps, request_id, err.status, b"", error=err)
        return err.render(request_id)

    # ------------------------------------------------------------------ per-service steps
    def kms_key_for(self, call: Call) -> Any:
        p = call.params
        ref = p.get("KeyId") or p.get("TargetKeyId") or p.get("DestinationKeyId")
        if call.operation in ("Decrypt", "ReEncrypt") and not p.get("KeyId"):
            blob = p.get("CiphertextBlob") or p.get("SourceEncryptionContext") and p.get("CiphertextBlob")
            if blob:
                try:
                    raw = base64.b64decode(blob)
                    ref = raw[:36].decode("ascii")
                except (ValueError, UnicodeDecodeError):
                    raise AwsError("kms", "InvalidCiphertextException", "The ciphertext is invalid.", 400) from None
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
        tags = {v: call.params.get(k.replace(".Key", ".Value"), "") for k, v in call.params.items()
                if k.startswith("Tags.member.") and k.endswith(".Key")}
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
            # No such role (or no usable trust policy): AWS answers AccessDenied without saying which.
            trust = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"},
                                  "Action": "sts:AssumeRole"}]}, PolicyKind.TRUST, f"role {role_arn} (does not exist)")
        req = Request(call.caller, "sts:AssumeRole", role_arn, ctx, role_arn.split(":")[4] if role_arn.count(":") >= 5 else "")
        steps = [Step(f"sts:AssumeRole on {role_arn}", req, PolicySet(caller_pol.identity, caller_pol.boundary,
                                                                      caller_pol.session, trust))]
        return steps

    # ------------------------------------------------------------------ writes that AWS validates
    def validate_writes(self, call: Call) -> None:
        """Policy documents are validated the way the owning service validates them (fail closed)."""
        try:
            if call.service == "s3" and call.operation == "PutBucketPolicy":
                body = call.params.get("_body")
                if body is not None:
                    parse_policy(body, PolicyKind.BUCKET, "bucket policy")
            elif call.service == "iam" and call.operation in _IAM_POLICY_PARAMS:
                parse_policy(call.params.get(_IAM_POLICY_PARAMS[call.operation], ""), PolicyKind.IDENTITY, "policy")
            elif call.service == "iam" and call.operation in ("CreateRole", "UpdateAssumeRolePolicy"):
                parse_policy(call.params.get("AssumeRolePolicyDocument", "") or call.params.get("PolicyDocument", ""),
                             PolicyKind.TRUST, "trust policy")
            elif call.service == "sts" and call.operation == "AssumeRole" and call.params.get("Policy"):
                parse_policy(call.params["Policy"], PolicyKind.SESSION, "session policy")
            elif call.service == "kms" and call.operation in ("PutKeyPolicy", "CreateKey") and call.params.get("Policy"):
                new = parse_policy(call.params["Policy"], PolicyKind.KEY, "new key policy")
                if not call.params.get("BypassPolicyLockoutSafetyCheck"):
                    self.lockout_check(call, new)
        except MalformedPolicyError as exc:
            service = call.service
            status = 400
            raise AwsError(service, exc.code, exc.message, status) from None

    def lockout_check(self, call: Call, new_policy: Any) -> None:
        """KMS refuses a key policy that would not let the caller call PutKeyPolicy later (fact 72, 123)."""
        account = call.caller.account
        key_arn = f"arn:aws:kms:{self.state.region}:{account}:key/lockout-check"
        ctx = self.authorizer.global_context(call, account)
        caller_pol = self.authorizer.caller_policies(call.credential)
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
        if plan is None or plan.key is None:
            if call.operation == "CompleteMultipartUpload":
                sse = self.pending_sse.pop(call.query.get("uploadId", ""), None)
                obj = self.state.s3_object(call.bucket, call.key)
                if sse and obj is not None:
                    obj.lab_sse = sse
            return
        backend = self.state.kms(plan.key.arn.split(":")[4])
        _plain, blob, _arn = backend.generate_data_key(plan.key.id, plan.context, 32, "AES_256")
        record = {"key_arn": plan.key.arn, "blob": blob, "context": dict(plan.context), "bucket_key": plan.bucket_key}
        if call.operation == "CreateMultipartUpload":
            upload_id = _between(body, b"<UploadId>", b"</UploadId>")
            self.pending_sse[upload_id] = record
            bucket = self.state.bucket(call.bucket)
            mp = bucket.multiparts.get(upload_id) if bucket is not None else None
            if mp is not None:
                mp.lab_sse = record
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
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers

        chunks = self.moto_app(env, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        headers = {k: v for k, v in captured.get("headers", [])}
        return captured.get("status", 500), headers, body

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
               error: AwsError | None) -> None:
        akid = call.credential.access_key_id if call.credential else ""
        main = steps[0] if steps else None
        main_decision = main.decision.decision if main and main.decision else "allowed"
        explanation = "; ".join(s.decision.summary() for s in steps if s.decision is not None)
        if error is not None:
            denied = next((s for s in steps if s.decision is not None and not s.decision.allowed), None)
            main_decision = denied.decision.decision if denied and denied.decision else "denied"
        params = self.request_parameters(call)
        resources = []
        if call.service == "s3" and call.bucket:
            if call.key:
                resources.append({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{call.bucket}/{call.key}"})
            resources.append({"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{call.bucket}",
                              "accountId": self.authorizer.bucket_owner(call.bucket)})
        elif main is not None and main.request.resource not in ("*", ""):
            resources.append({"type": _resource_type(call.service), "ARN": main.request.resource,
                              "accountId": main.request.resource_account})
        err_code = error.code if error else (None if status < 300 else _error_code(body))
        err_msg = error.message if error else (None if status < 300 else _error_message(body))
        self.trail.add(caller=call.caller, access_key=akid, source=_SOURCES[call.service], name=call.operation,
                       request_id=request_id, source_ip=call.source_ip, user_agent=call.headers.get("user-agent", ""),
                       request_parameters=params, resources=resources, read_only=op.read_only,
                       management=op.management, error_code=err_code, error_message=err_msg,
                       decision=main_decision if error else ("allowed" if status < 300 else "allowed"),
                       explanation=explanation)
        # KMS events S3 made on the caller's behalf (management events, invokedBy s3.amazonaws.com).
        for s in steps:
            if not s.via_s3 or s.decision is None:
                continue
            failed = not s.decision.allowed
            self.trail.add(caller=call.caller, access_key=akid, source="kms.amazonaws.com",
                           name=s.request.action.split(":")[1], request_id=request_id, source_ip=call.source_ip,
                           user_agent="s3.amazonaws.com",
                           request_parameters={"keyId": s.request.resource,
                                               "encryptionContext": {k.split("kms:encryptioncontext:")[1]: v[0]
                                                                     for k, v in s.request.context.items()
                                                                     if k.startswith("kms:encryptioncontext:")}},
                           resources=[{"type": "AWS::KMS::Key", "ARN": s.request.resource,
                                       "accountId": s.request.resource_account}],
                           read_only=True, management=True,
                           error_code="AccessDenied" if failed else None,
                           error_message=s.decision.message() if failed else None,
                           invoked_by="s3.amazonaws.com", decision=s.decision.decision,
                           explanation=s.decision.summary(), recipient_account=s.request.resource_account)
            if failed:
                break

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


def _resource_type(service: str) -> str:
    return {"kms": "AWS::KMS::Key", "iam": "AWS::IAM::Resource", "sts": "AWS::IAM::Role"}.get(service, "AWS::Resource")


def _between(body: bytes, start: bytes, end: bytes) -> str:
    i = body.find(start)
    if i < 0:
        return ""
    j = body.find(end, i)
    return body[i + len(start):j].decode()


def _error_code(body: bytes) -> str | None:
    code = _between(body, b"<Code>", b"</Code>")
    if code:
        return code
    try:
        return json.loads(body).get("__type")
    except (ValueError, AttributeError):
        return "Error"


def _error_message(body: bytes) -> str | None:
    msg = _between(body, b"<Message>", b"</Message>")
    if msg:
        return msg
    try:
        return json.loads(body).get("message")
    except (ValueError, AttributeError):
        return None
