"""The authorization core shared by every service: who calls (:class:`Call`), what is decided
(:class:`Step`), and :class:`Authorizer`, which gathers the policies that apply from moto's state (identity
policies, permissions boundary, session policy, bucket policy, key policy and grants), builds the request
context (global condition keys, KMS condition keys) and decides each step with
:func:`s3kms_lab.engine.authorize`. Which steps a call needs is the planner's job
(:mod:`s3kms_lab.endpoint.planner`).

AWS rules followed (``docs/aws-rules.md``):
- S3 calls KMS as the caller with kms:ViaService=s3.<region>.amazonaws.com, kms:CallerAccount and the
  encryption context (SSE-1, SSE-3) https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
- a KMS grant allows its grantee like a key-policy statement (KMS-4)
  https://docs.aws.amazon.com/kms/latest/developerguide/grants.html
- LAB RULE (AWS does not pin it down): ``s3:x-amz-server-side-encryption-aws-kms-key-id`` carries the
  header value *as sent*; a bare key id or alias does not equal the key ARN in a policy (LAB-1).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from ..engine import Caller, Decision, PolicyKind, PolicySet, Request, authorize, parse_policy
from ..engine.policy import Policy
from ..i18n import N_, _
from .moto_seam import Credential, MotoState
from .sse import aws_managed_s3_key

__all__ = ["Call", "Step", "Authorizer", "KEY_ID_RULE", "key_id_rule"]

KEY_ID_RULE = N_("Lab rule (AWS's documentation does not say either way): the condition key "
               "s3:x-amz-server-side-encryption-aws-kms-key-id holds the header exactly as sent, so a bare key id "
               "or an alias does not equal a key ARN written in a policy. AWS asks for the key ARN in such "
               "policies: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html")


def key_id_rule() -> str:
    """:data:`KEY_ID_RULE` in the current language (the constant itself is the English catalog id)."""
    return _(KEY_ID_RULE)


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
class Step:
    """One authorization. label: what a learner reads (``kms:GenerateDataKey (S3 on your behalf)``);
    error_service: whose error shape a denial takes; decision: filled by :meth:`Authorizer.decide`;
    note: why the service asks this at all, when that is not the caller's own action (leads the explanation)."""

    label: str
    request: Request
    policies: PolicySet
    via_s3: bool = False
    decision: Decision | None = None
    note: str = ""


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
            b = self.state.role_boundary_by_arn(cred.role_arn)
            if b:
                boundary = _cached_policy(b[1], PolicyKind.BOUNDARY, b[0])
            if cred.session_policy:
                session = [_cached_policy(cred.session_policy, PolicyKind.SESSION, f"session policy of {cred.arn}")]
        return PolicySet(identity=identity, boundary=boundary, session=session)

    def bucket_owner(self, bucket_name: str) -> str:
        if bucket_name in self.bucket_accounts:
            return self.bucket_accounts[bucket_name]
        return self.state.bucket_owner(bucket_name)

    def bucket_policy(self, bucket_name: str) -> Policy | None:
        text = self.state.bucket_policy_text(bucket_name)
        return _cached_policy(text, PolicyKind.BUCKET, f"bucket policy of {bucket_name}") if text else None

    def key_policy(self, key: Any) -> Policy:
        """The key policy, with the key's grants added as extra Allow statements.

        A grant is a third way to allow use of a key besides the key policy and IAM policies (KMS-4,
        https://docs.aws.amazon.com/kms/latest/developerguide/grants.html): it lets its grantee principal
        call the listed operations, within its constraints (EncryptionContextSubset/Equals), and needs no
        IAM policy in the key's account. The lab evaluates a grant as a key-policy statement naming the
        grantee (Sid ``KMSGrant<GrantId>``), so explanations name the grant that allowed the call.
        """
        alias = next(iter(key.aliases), None)
        grants = key.grants
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

    def aws_managed_s3_key(self, account: str) -> Any:
        """The account's AWS managed key aws/s3, created on first use (see :func:`.sse.aws_managed_s3_key`)."""
        return aws_managed_s3_key(self.state, account)

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
        ctx["kms:keyorigin"] = [key.origin]
        ctx["kms:keyspec"] = [key.key_spec]
        ctx["kms:keyusage"] = [key.key_usage]
        req = Request(call.caller, action, key.arn, ctx, key_account)
        policies = PolicySet(identity=caller_policies.identity, boundary=caller_policies.boundary,
                             session=caller_policies.session, resource=self.key_policy(key))
        label = f"{action} on {key.arn}" + (" " + _("(S3 calls KMS on your behalf)") if via_s3 else "")
        return Step(label, req, policies, via_s3)

    # ------------------------------------------------------------------ decide
    @staticmethod
    def decide(steps: list[Step]) -> Step | None:
        """Decide every step in order; return the first denied one (None when all are allowed)."""
        for step in steps:
            step.decision = authorize(step.request, step.policies)
            if not step.decision.allowed:
                return step
        return None
