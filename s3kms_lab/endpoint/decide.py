"""From an API call to the authorizations it needs, decided by the engine.

One code path for the endpoint, the requirement checker and the widgets: :class:`Authorizer` turns a
:class:`Call` into :class:`Step` objects (the S3 action itself, the KMS calls S3 makes on the caller's
behalf, the source read of a copy...), gathers the policies that apply from moto's state and decides
each step with :func:`s3kms_lab.engine.authorize`.

AWS behaviour followed (numbers refer to ``shared/aws-facts.md``):
- SSE-KMS: PutObject/CreateMultipartUpload/CopyObject need kms:GenerateDataKey, GetObject and
  UploadPart need kms:Decrypt; S3 calls KMS as the caller with kms:ViaService=s3.<region>.amazonaws.com,
  kms:CallerAccount and encryption context aws:s3:arn (the bucket ARN when an S3 Bucket Key is used)
  (75-80) https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
- ``aws:kms`` without a key id uses the AWS managed key aws/s3, usable only through S3 by the account (81-82)
- SSE condition keys reflect the request headers; absent when the client relies on default encryption (85, 124)
- LAB RULE (fact 87 is not pinned by AWS): ``s3:x-amz-server-side-encryption-aws-kms-key-id`` carries the
  header value *as sent*; a bare key id or alias does not equal the key ARN in a policy.
"""
from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from ..engine import Caller, Decision, PolicyKind, PolicySet, Request, authorize, parse_policy
from ..engine.policy import Policy
from .errors import AwsError
from .moto_seam import Credential, MotoState
from .operations import Op

__all__ = ["Call", "Step", "SsePlan", "Authorizer", "KEY_ID_RULE", "aws_managed_s3_key_policy"]

KEY_ID_RULE = ("Lab rule (AWS's documentation does not say either way): the condition key "
               "s3:x-amz-server-side-encryption-aws-kms-key-id holds the header exactly as sent, so a bare key id "
               "or an alias does not equal a key ARN written in a policy. AWS asks for the key ARN in such "
               "policies: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html")


@lru_cache(maxsize=512)
def _cached_policy(text: str, kind: PolicyKind, name: str) -> Policy:
    return parse_policy(text, kind, name)


@dataclass
class Call:
    """One API call as the authorizer sees it.

    service/operation: ``s3``/``PutObject``...; bucket/key: S3 target; headers: lower-cased request headers;
    query: query parameters; params: decoded body parameters (KMS JSON, IAM/STS form);
    source_ip / secure / auth_type feed the global condition keys.
    """

    service: str
    operation: str
    caller: Caller
    credential: Credential | None
    bucket: str = ""
    key: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    source_ip: str = "127.0.0.1"
    secure: bool = False
    auth_type: str = "header"
    region: str = "ap-northeast-2"


@dataclass
class SsePlan:
    """How S3 will encrypt a new object: algorithm (``AES256``/``aws:kms``/``aws:kms:dsse``), the
    resolved KMS key (moto Key) and its ARN, whether a Bucket Key is used, the encryption context, and
    where the choice came from (``header``; ``default-key``: header ``aws:kms`` without a key id, the bucket
    default's key; ``default``: no header, default encryption; ``s3-default``: SSE-S3)."""

    algorithm: str
    key: Any = None
    key_arn: str = ""
    bucket_key: bool = False
    context: dict[str, str] = field(default_factory=dict)
    source: str = "header"


@dataclass
class Step:
    """One authorization. label: what a learner reads (``kms:GenerateDataKey (S3 on your behalf)``);
    error_service: whose error shape a denial takes; decision: filled by :meth:`Authorizer.decide`."""

    label: str
    request: Request
    policies: PolicySet
    via_s3: bool = False
    decision: Decision | None = None


_PART_OPERATIONS = ("UploadPart", "UploadPartCopy", "CompleteMultipartUpload")
_PUT_CONTEXT_OPERATIONS = ("PutObject", "CopyObject", "CreateMultipartUpload") + _PART_OPERATIONS
_PUT_CONDITION_HEADERS = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                          "x-amz-acl", "x-amz-storage-class", "x-amz-copy-source", "x-amz-metadata-directive",
                          "x-amz-server-side-encryption-customer-algorithm")
SSE_HEADERS = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
               "x-amz-server-side-encryption-bucket-key-enabled", "x-amz-server-side-encryption-context")


def _grant_statement(grant: Any) -> dict[str, Any]:
    """A KMS grant as a key-policy statement (see :meth:`Authorizer.key_policy`)."""
    grantee = grant.grantee_principal
    principal = {"Service": grantee} if grantee.endswith(".amazonaws.com") else {"AWS": grantee}
    st: dict[str, Any] = {"Sid": f"KMSGrant{grant.id}", "Effect": "Allow", "Principal": principal,
                          "Action": [f"kms:{op}" for op in grant.operations], "Resource": "*"}
    constraints = grant.constraints or {}
    subset = constraints.get("EncryptionContextSubset") or {}
    equals = constraints.get("EncryptionContextEquals") or {}
    cond: dict[str, Any] = {}
    pairs = {**subset, **equals}
    if pairs:
        cond["StringEquals"] = {f"kms:EncryptionContext:{k}": v for k, v in pairs.items()}
    if equals:
        cond["ForAllValues:StringEquals"] = {"kms:EncryptionContextKeys": sorted(equals)}
    if cond:
        st["Condition"] = cond
    return st


def _encryption_context_header(value: str) -> dict[str, str]:
    """``x-amz-server-side-encryption-context``: base64 of a JSON object of string pairs (S3 PutObject API);
    anything else is refused with 400 InvalidArgument rather than ignored."""
    try:
        ctx = json.loads(base64.b64decode(value, validate=True))
    except (ValueError, TypeError):
        ctx = None
    if not isinstance(ctx, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in ctx.items()):
        raise AwsError("s3", "InvalidArgument", "The header 'x-amz-server-side-encryption-context' shall be "
                       "Base64-encoded UTF-8 string holding JSON which represents a string-string map", 400)
    return ctx


def _names_aws_managed_s3_key(ref: str) -> bool:
    return ref == "alias/aws/s3" or (ref.startswith("arn:") and ref.endswith(":alias/aws/s3"))


def _alias_account(ref: str | None) -> str:
    parts = (ref or "").split(":")
    return parts[4] if len(parts) >= 6 and ref.startswith("arn:") else ""


def aws_managed_s3_key_policy(account: str, region: str) -> str:
    """The key policy AWS gives the AWS managed key aws/s3 (KCOND, fact 68/82): any principal of the
    account, only through S3."""
    return json.dumps({
        "Version": "2012-10-17", "Id": "auto-s3-2",
        "Statement": [
            {"Sid": "Allow access through S3 for all principals in the account that are authorized to use S3",
             "Effect": "Allow", "Principal": {"AWS": "*"},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
             "Resource": "*",
             "Condition": {"StringEquals": {"kms:CallerAccount": account,
                                            "kms:ViaService": f"s3.{region}.amazonaws.com"}}},
            {"Sid": "Allow direct access to key metadata to the account", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
             "Action": ["kms:Describe*", "kms:Get*", "kms:List*"], "Resource": "*"},
        ]})


class Authorizer:
    """Plans and decides the authorizations for calls against moto's state (see module doc)."""

    def __init__(self, state: MotoState, account_of_bucket: dict[str, str] | None = None):
        self.state = state
        self.region = state.region
        self.bucket_accounts = account_of_bucket if account_of_bucket is not None else {}

    # ------------------------------------------------------------------ policies
    def caller_policies(self, cred: Credential | None) -> PolicySet:
        """Identity policies, permissions boundary and session policy of the caller."""
        if cred is None:
            return PolicySet()
        identity = [_cached_policy(text, PolicyKind.IDENTITY, name) for name, text in self.state.identity_policies(cred)]
        boundary = None
        session: list[Policy] = []
        if cred.kind == "user":
            b = self.state.user_boundary(cred.account, cred.name)
            if b:
                boundary = _cached_policy(b[1], PolicyKind.BOUNDARY, b[0])
        if cred.kind == "session":
            role = self.state.role_by_arn(cred.role_arn)
            b = self.state.role_boundary(role) if role is not None else None
            if b:
                boundary = _cached_policy(b[1], PolicyKind.BOUNDARY, b[0])
            if cred.session_policy:
                session = [_cached_policy(cred.session_policy, PolicyKind.SESSION, f"session policy of {cred.arn}")]
        return PolicySet(identity=identity, boundary=boundary, session=session)

    def bucket_owner(self, bucket_name: str) -> str:
        if bucket_name in self.bucket_accounts:
            return self.bucket_accounts[bucket_name]
        b = self.state.bucket(bucket_name)
        return getattr(b, "account_id", "") if b is not None else ""

    def bucket_policy(self, bucket_name: str) -> Policy | None:
        b = self.state.bucket(bucket_name)
        text = self.state.bucket_policy(b) if b is not None else None
        return _cached_policy(text, PolicyKind.BUCKET, f"bucket policy of {bucket_name}") if text else None

    def key_policy(self, key: Any) -> Policy:
        """The key policy, with the key's grants added as extra Allow statements.

        A grant is a third way to allow use of a key besides the key policy and IAM policies (fact 67,
        https://docs.aws.amazon.com/kms/latest/developerguide/grants.html): it lets its grantee principal
        call the listed operations, within its constraints (EncryptionContextSubset/Equals), and needs no
        IAM policy in the key's account. The lab evaluates a grant as a key-policy statement naming the
        grantee (Sid ``KMSGrant<GrantId>``), so explanations name the grant that allowed the call.
        """
        alias = next(iter(getattr(key, "aliases", {}) or {}), None)
        grants = list((getattr(key, "grants", None) or {}).values())
        if not grants:
            return _cached_policy(key.policy, PolicyKind.KEY, f"key policy of {alias or key.id}")
        doc = json.loads(key.policy)
        statements = doc.get("Statement", [])
        doc["Statement"] = (statements if isinstance(statements, list) else [statements]) + \
            [_grant_statement(g) for g in grants]
        return _cached_policy(json.dumps(doc, sort_keys=True), PolicyKind.KEY,
                              f"key policy of {alias or key.id} and its grants")

    # ------------------------------------------------------------------ context
    def global_context(self, call: Call, resource_account: str) -> dict[str, list[str]]:
        now = datetime.now(timezone.utc)
        ctx = call.caller.global_context()
        ctx.update({
            "aws:securetransport": ["true" if call.secure else "false"],
            "aws:sourceip": [call.source_ip],
            "aws:currenttime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
            "aws:epochtime": [str(int(now.timestamp()))],
            "aws:requestedregion": [call.region],
            "aws:viaawsservice": ["false"],
        })
        if resource_account:
            ctx["aws:resourceaccount"] = [resource_account]
        if call.credential is not None and call.credential.kind == "session" and call.credential.expires:
            ctx["aws:tokenissuetime"] = [now.strftime("%Y-%m-%dT%H:%M:%SZ")]
        return ctx

    # ------------------------------------------------------------------ S3
    def s3_context(self, call: Call, op: Op) -> dict[str, list[str]]:
        ctx: dict[str, list[str]] = {}
        h = call.headers
        if op.action == "s3:PutObject" and call.operation in _PART_OPERATIONS:
            # UploadPart / UploadPartCopy / CompleteMultipartUpload carry no SSE headers; S3 treats the
            # upload's encryption as the one CreateMultipartUpload asked for, and header-based Deny
            # statements do not refuse the part calls (fact 125, [M], observed against real S3:
            # https://github.com/awslabs/mountpoint-s3/blob/main/mountpoint-s3-fs/tests/fuse_tests/write_test.rs).
            # Lab rule: the SSE condition keys carry the CreateMultipartUpload headers for those calls.
            h = dict(h)
            for name, value in self.upload_headers(call).items():
                h.setdefault(name, value)
        if op.action == "s3:PutObject" and call.operation in _PUT_CONTEXT_OPERATIONS:
            for name in _PUT_CONDITION_HEADERS:
                if name in h:
                    ctx[f"s3:{name}"] = [h[name]]
        if op.action == "s3:ListBucket":
            for name in ("prefix", "delimiter", "max-keys"):
                if name in call.query:
                    ctx[f"s3:{name}"] = [call.query[name]]
        ctx["s3:signatureversion"] = ["AWS4-HMAC-SHA256"]
        ctx["s3:authtype"] = ["REST-QUERY-STRING" if call.auth_type == "query" else "REST-HEADER"]
        return ctx

    def upload(self, call: Call) -> Any:
        """moto's multipart upload named by ``uploadId`` (None when unknown)."""
        bucket = self.state.bucket(call.bucket)
        return bucket.multiparts.get(call.query.get("uploadId", "")) if bucket is not None else None

    def upload_headers(self, call: Call) -> dict[str, str]:
        """The SSE headers CreateMultipartUpload was sent with (kept on moto's upload by the endpoint)."""
        mp = self.upload(call)
        return dict(getattr(mp, "lab_sse_headers", None) or {}) if mp is not None else {}

    def s3_resource(self, op: Op, bucket: str, key: str) -> str:
        if op.resource == "object":
            return f"arn:aws:s3:::{bucket}/{key}"
        if op.resource == "bucket":
            return f"arn:aws:s3:::{bucket}"
        return "*"

    def sse_plan(self, call: Call, bucket: Any) -> SsePlan:
        """Decide how S3 will encrypt the new object (request headers win over default encryption: 84)."""
        h = call.headers
        owner = self.bucket_owner(call.bucket) or call.caller.account
        algorithm = h.get("x-amz-server-side-encryption")
        key_ref = h.get("x-amz-server-side-encryption-aws-kms-key-id")
        bucket_key_hdr = h.get("x-amz-server-side-encryption-bucket-key-enabled")
        rule = ((getattr(bucket, "encryption", None) or {}).get("Rule") or {}) if bucket is not None else {}
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if algorithm:
            source = "header"
            bucket_key = (bucket_key_hdr or "").lower() == "true" if bucket_key_hdr is not None else \
                str(rule.get("BucketKeyEnabled", "false")).lower() == "true"
            if algorithm.startswith("aws:kms") and not key_ref and str(default.get("SSEAlgorithm", "")).startswith("aws:kms") \
                    and default.get("KMSMasterKeyID"):
                # aws:kms without a key id: the bucket's default key when the default names one, else aws/s3
                # (fact 81; failure report 7 (b): the object is encrypted with the default configuration's key).
                key_ref, source = default["KMSMasterKeyID"], "default-key"
        elif default:
            source = "default"
            algorithm = default.get("SSEAlgorithm", "AES256")
            key_ref = default.get("KMSMasterKeyID")
            bucket_key = str(rule.get("BucketKeyEnabled", "false")).lower() == "true"
        else:
            return SsePlan("AES256", source="s3-default")
        plan = SsePlan(algorithm, source=source, bucket_key=bucket_key if algorithm.startswith("aws:kms") else False)
        if not algorithm.startswith("aws:kms"):
            return plan
        if not key_ref or _names_aws_managed_s3_key(key_ref):
            # aws/s3 is created on first use, whether implied or named (fact 81).
            # A named alias resolves in the requester's account (fact 83); an implied aws/s3 is the owner's.
            named_in = call.caller.account if key_ref and source == "header" else ""
            key = self.aws_managed_s3_key(_alias_account(key_ref) or named_in or owner)
        else:
            key = self.state.resolve_key(key_ref, call.caller.account if source == "header" else owner)
        plan.key = key
        plan.key_arn = key.arn if key is not None else ""
        arn = f"arn:aws:s3:::{call.bucket}" if plan.bucket_key else f"arn:aws:s3:::{call.bucket}/{call.key}"
        plan.context = {"aws:s3:arn": arn}
        extra = h.get("x-amz-server-side-encryption-context")
        if extra:
            plan.context.update(_encryption_context_header(extra))
        return plan

    def aws_managed_s3_key(self, account: str) -> Any:
        """The account's aws/s3 key, created on first use with AWS's policy for it."""
        key = self.state.resolve_key("alias/aws/s3", account)
        if key is None:
            backend = self.state.kms(account)
            key = backend.create_key(aws_managed_s3_key_policy(account, self.region), "ENCRYPT_DECRYPT",
                                     "SYMMETRIC_DEFAULT", "Default key that protects my S3 objects when no other key is defined", None)
            key.key_manager = "AWS"
            backend.create_alias(key.id, "alias/aws/s3")
        return key

    def kms_step(self, call: Call, action: str, key: Any, context: dict[str, str], caller_policies: PolicySet,
                 via_s3: bool) -> Step:
        """The KMS request for ``key``: key policy + the caller's identity policies, KMS condition keys."""
        key_account = key.arn.split(":")[4]
        ctx = self.global_context(call, key_account)
        ctx["kms:calleraccount"] = [call.caller.account] if call.caller.account else []
        if via_s3:
            ctx["kms:viaservice"] = [f"s3.{self.region}.amazonaws.com"]
            ctx["aws:calledvia"] = ["s3.amazonaws.com"]
            ctx["aws:calledviafirst"] = ["s3.amazonaws.com"]
            ctx["aws:viaawsservice"] = ["true"]
        for k, v in context.items():
            ctx[f"kms:encryptioncontext:{k.lower()}"] = [v]
        if context:
            ctx["kms:encryptioncontextkeys"] = list(context)
        ctx["kms:keyorigin"] = [getattr(key, "origin", "AWS_KMS")]
        ctx["kms:keyspec"] = [getattr(key, "key_spec", "SYMMETRIC_DEFAULT")]
        ctx["kms:keyusage"] = [getattr(key, "key_usage", "ENCRYPT_DECRYPT")]
        req = Request(call.caller, action, key.arn, ctx, key_account)
        policies = PolicySet(identity=caller_policies.identity, boundary=caller_policies.boundary,
                             session=caller_policies.session, resource=self.key_policy(key))
        label = f"{action} on {key.arn}" + (" (S3 calls KMS on your behalf)" if via_s3 else "")
        return Step(label, req, policies, via_s3)

    def s3_steps(self, call: Call, op: Op) -> tuple[list[Step], SsePlan | None, Any]:
        """Steps for an S3 call: the S3 action, a copy's source read, and S3's KMS calls.

        Returns (steps, sse plan for a new object or None, the KMS key whose data key must be decrypted or None).
        """
        caller_pol = self.caller_policies(call.credential)
        owner = self.bucket_owner(call.bucket) if call.bucket else ""
        ctx = self.global_context(call, owner)
        ctx.update(self.s3_context(call, op))
        bpol = self.bucket_policy(call.bucket) if call.bucket else None
        main = Step(f"{op.action} on {self.s3_resource(op, call.bucket, call.key)}",
                    Request(call.caller, op.action, self.s3_resource(op, call.bucket, call.key), ctx, owner),
                    PolicySet(caller_pol.identity, caller_pol.boundary, caller_pol.session, bpol))
        steps = [main]
        if op.copy:
            src_bucket, src_key, src_version = self.copy_source(call.headers.get("x-amz-copy-source", ""))
            src_owner = self.bucket_owner(src_bucket)
            sctx = self.global_context(call, src_owner)
            read = "s3:GetObjectVersion" if src_version else "s3:GetObject"  # a named source version
            sreq = Request(call.caller, read, f"arn:aws:s3:::{src_bucket}/{src_key}", sctx, src_owner)
            steps.append(Step(f"{read} on arn:aws:s3:::{src_bucket}/{src_key} (copy source)", sreq,
                              PolicySet(caller_pol.identity, caller_pol.boundary, caller_pol.session,
                                        self.bucket_policy(src_bucket))))
            src_obj = self.state.s3_object(src_bucket, src_key, src_version)
            if src_obj is not None and str(getattr(src_obj, "encryption", "")).startswith("aws:kms"):
                skey = self.state.resolve_key(src_obj.kms_key_id, src_owner) if src_obj.kms_key_id else None
                if skey is not None:
                    sctx2 = getattr(src_obj, "lab_sse", {}).get("context") or {"aws:s3:arn": f"arn:aws:s3:::{src_bucket}/{src_key}"}
                    steps.append(self.kms_step(call, "kms:Decrypt", skey, sctx2, caller_pol, True))
        plan = None
        decrypt_key = None
        if op.kms == "encrypt":
            plan = self.sse_plan(call, self.state.bucket(call.bucket))
            if plan.key is not None:
                steps.append(self.kms_step(call, "kms:GenerateDataKey", plan.key, plan.context, caller_pol, True))
        elif op.kms == "decrypt":
            obj = self.state.s3_object(call.bucket, call.key, call.query.get("versionId"))
            if obj is not None and str(getattr(obj, "encryption", "")).startswith("aws:kms") and obj.kms_key_id:
                decrypt_key = self.state.resolve_key(obj.kms_key_id, owner)
                if decrypt_key is not None:
                    sse_ctx = getattr(obj, "lab_sse", {}).get("context") or {"aws:s3:arn": f"arn:aws:s3:::{call.bucket}/{call.key}"}
                    steps.append(self.kms_step(call, "kms:Decrypt", decrypt_key, sse_ctx, caller_pol, True))
        elif op.kms == "part":
            mp = self.upload(call)
            if mp is not None and str(getattr(mp, "sse_encryption", "")).startswith("aws:kms") and mp.kms_key_id:
                decrypt_key = self.state.resolve_key(mp.kms_key_id, owner)
                if decrypt_key is not None:
                    sse_ctx = getattr(mp, "lab_sse", {}).get("context") or {"aws:s3:arn": f"arn:aws:s3:::{call.bucket}/{call.key}"}
                    steps.append(self.kms_step(call, "kms:Decrypt", decrypt_key, sse_ctx, caller_pol, True))
        return steps, plan, decrypt_key

    @staticmethod
    def copy_source(value: str) -> tuple[str, str, str | None]:
        """``x-amz-copy-source`` -> (bucket, key, version id). Raises AwsError InvalidArgument when it does not
        name both a bucket and a key (S3 CopyObject API)."""
        src = unquote(value).lstrip("/")
        version = None
        if "?versionId=" in src:
            src, _, version = src.partition("?versionId=")
        bucket, _, key = src.partition("/")
        if not bucket or not key:
            raise AwsError("s3", "InvalidArgument", "Copy Source must mention the source bucket and key: "
                           "sourcebucket/sourcekey", 400)
        return bucket, key, version

    # ------------------------------------------------------------------ decide
    @staticmethod
    def decide(steps: list[Step]) -> Step | None:
        """Decide every step in order; return the first denied one (None when all are allowed)."""
        for step in steps:
            step.decision = authorize(step.request, step.policies)
            if not step.decision.allowed:
                return step
        return None

    def now(self) -> float:
        return time.time()
