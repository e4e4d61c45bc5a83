"""The one seam between the lab and moto (pinned to moto 5.2.5).

Everything the lab reads from or writes to moto's in-process state goes through here, and so does
the state AWS always has and moto 5.2.5 sometimes lacks (:func:`fill_moto_gaps`), and the neutralising of
moto's own partial authorization:
- ``FakeBucket.get_permission`` (moto's bucket-policy check on object requests, which treats an Allow
  with an unmet Condition as a Deny, and then falls back to its own object-ACL check for unsigned requests)
  answers PERMITTED: the lab forwards only requests its engine has allowed, so neither moto check may
  refuse one (an anonymous GET a public bucket policy allows is served, rule ANON-2);
- ``KmsResponse._validate_key_policy`` (moto's key-policy Deny check) is made a no-op for the same reason.
What the lab keeps beside moto (the SSE-KMS data-key records of objects and multipart uploads, session tags)
lives in the seam's own store, never in attributes added to moto's objects.
``tests/endpoint/test_moto_seam.py`` fails if moto's version or these hooks change.
"""
from __future__ import annotations

import hashlib
import json
import random
import string
import weakref
from dataclasses import dataclass
from typing import Any

import moto
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import PermissionResult
from moto.iam.models import iam_backends
from moto.kms import models as kms_models
from moto.kms.models import kms_backends
from moto.kms import responses as kms_responses
from moto.kms.responses import KmsResponse
from moto.core.request import Request as MotoRequest
from moto.core.routing import get_service_router
from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
from moto.s3.models import FakeBucket, FakeKey, S3Backend, get_canned_acl, s3_backends
from moto.s3.responses import S3Response
from moto.sts.models import sts_backends
from moto.utilities.utils import CaseInsensitiveDict

__all__ = ["MOTO_VERSION", "neutralise_moto_authorization", "fill_moto_gaps", "Credential", "KmsGrant",
           "KmsKey", "MotoState", "match_s3_operation",
           "quiet_request_handler"]

MOTO_VERSION = "5.2.5"
_PARTITION = "aws"


def _lab_decided_bucket_permission(self: Any, action: str, resource: str) -> Any:
    """moto asks this only for requests the lab has already allowed (it never forwards a denied one)."""
    return PermissionResult.PERMITTED


def _no_key_policy_check(self: Any, key_id: str, action: str) -> None:
    return None


def neutralise_moto_authorization() -> None:
    """Disable moto's partial checks so only the lab's engine decides (idempotent)."""
    FakeBucket.get_permission = _lab_decided_bucket_permission  # type: ignore[method-assign]
    KmsResponse._validate_key_policy = _no_key_policy_check  # type: ignore[method-assign]


_moto_get_object_acl = S3Backend.get_object_acl
_moto_head_object = S3Response.head_object


def _object_acl_or_default(self: Any, key: Any) -> Any:
    """Every S3 object has an ACL: without an ACL header the new object gets the default one, the owner with
    FULL_CONTROL (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#default-acl).
    moto 5.2.5 leaves ``acl`` None on objects made by a multipart upload or a copy without an ACL header,
    and GetObjectAcl then fails with an AttributeError (HTTP 500)."""
    acl = _moto_get_object_acl(self, key)
    if acl is None:
        acl = key.acl = get_canned_acl("private")
    return acl


def _head_object_by_version(self: Any, bucket_name: str, query: dict[str, Any], key_name: str,
                            headers: dict[str, Any]) -> Any:
    """HeadObject with ``versionId`` as S3 accepts it. moto 5.2.5 answers 400 to any version id unless
    versioning is Enabled; S3 also accepts ``null`` (the version id of an object stored while versioning was
    off) in a bucket never versioned, and any version id in a bucket whose versioning is Suspended
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html)."""
    version = (query.get("versionId") or [None])[0]
    bucket = self.backend.get_bucket(bucket_name) if version else None
    if bucket is None or bucket.is_versioned:
        return _moto_head_object(self, bucket_name, query, key_name, headers)
    if bucket.versioning_status is None:
        if version != "null":
            return _moto_head_object(self, bucket_name, query, key_name, headers)
        # Never versioned: every object is the null version, the current one.
        return _moto_head_object(self, bucket_name, {k: v for k, v in query.items() if k != "versionId"},
                                 key_name, headers)
    # Suspended: moto looks the version up as it does for an Enabled bucket (the lab serves one request at
    # a time, so the status is restored before anyone else reads it).
    bucket.versioning_status = "Enabled"
    try:
        return _moto_head_object(self, bucket_name, query, key_name, headers)
    finally:
        bucket.versioning_status = "Suspended"


def _bucket_encryption_or_default(self: Any, bucket_name: str) -> Any:
    """Every S3 bucket has default encryption: SSE-S3 (AES256) unless configured otherwise, since January 2023
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html), so GetBucketEncryption
    answers it; moto 5.2.5 answers 404 ServerSideEncryptionConfigurationNotFoundError. The lab encrypts such
    objects the same way (``decide.SsePlan`` source ``s3-default``)."""
    return _moto_get_bucket_encryption(self, bucket_name) or {
        "Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": "false"}}


_moto_get_bucket_encryption = S3Backend.get_bucket_encryption
_moto_put_object = S3Backend.put_object


def _put_object_keeping_versions(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
    """A write to a bucket whose versioning is Suspended stores the new object as the null version and keeps
    the other versions (https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html:
    "version 111111 is not overwritten"); moto 5.2.5 drops every earlier version."""
    bucket = self.get_bucket(bucket_name)
    kept = [k for k in bucket.keys.getlist(key_name, []) if str(getattr(k, "version_id", "null")) != "null"] \
        if bucket.versioning_status == "Suspended" else []
    new = _moto_put_object(self, bucket_name, key_name, *args, **kwargs)
    if kept:
        bucket.keys.setlist(key_name, kept + [k for k in bucket.keys.getlist(key_name, []) if k not in kept])
    return new


def _policy_name_or_default(policy_name: str | None) -> None:
    """KMS's GetKeyPolicy/PutKeyPolicy take an optional PolicyName whose only valid value is ``default``, the
    value used when it is omitted (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html);
    moto 5.2.5 answers NotFoundException when it is omitted."""
    _moto_assert_default_policy(policy_name or "default")


_moto_assert_default_policy = kms_responses._assert_default_policy


_moto_etag = FakeKey.etag


def _etag_as_s3_reports_it(self: Any) -> str:
    """An object stored with SSE-KMS (by PutObject or CopyObject) has an ETag that is not the MD5 digest of its
    data (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonResponseHeaders.html, ETag); moto 5.2.5
    always reports the MD5. The lab reports a digest of the MD5 and the key instead: stable for the object,
    not the data's MD5, so clients that compare it with the bytes' MD5 behave as they do against S3.
    Multipart ETags (``...-N``) are not MD5 digests either way and stay as they are."""
    etag = _moto_etag.fget(self)
    if not str(getattr(self, "encryption", "") or "").startswith("aws:kms") or "-" in etag:
        return etag
    return '"' + hashlib.md5(f"sse-kms:{etag}:{self.kms_key_id}".encode()).hexdigest() + '"'


_moto_generate_private_key = kms_models.generate_private_key


class _PrivateKeyOnFirstUse:
    """moto 5.2.5 makes every KMS key with an RSA-2048 private key, symmetric keys included (0.1-0.2 s of CPU
    each, on every lab start and every checker universe), though only asymmetric keys ever sign or verify.
    This stands in for it and makes the key the first time anything reads it. Dunder lookups (copy, pickle)
    are not forwarded, so copying a key's state never makes one."""

    def __init__(self, key_spec: str):
        self._key_spec = key_spec
        self._key: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._key is None:
            self._key = _moto_generate_private_key(self._key_spec)
        return getattr(self._key, name)


def _private_key_on_first_use(key_spec: str) -> Any:
    return _PrivateKeyOnFirstUse(key_spec)


def fill_moto_gaps() -> None:
    """Give moto the state and defaults AWS always has: an S3 object's default ACL, an SSE-KMS object's ETag
    that is not its MD5, a bucket's default encryption, the versions a write to a Suspended bucket keeps, HEAD of a version id S3 accepts, KMS's default
    key policy name. Idempotent."""
    S3Backend.get_object_acl = _object_acl_or_default  # type: ignore[method-assign]
    FakeKey.etag = property(_etag_as_s3_reports_it)  # type: ignore[method-assign]
    S3Backend.get_bucket_encryption = _bucket_encryption_or_default  # type: ignore[method-assign]
    S3Backend.put_object = _put_object_keeping_versions  # type: ignore[method-assign]
    S3Response.head_object = _head_object_by_version  # type: ignore[method-assign]
    kms_responses._assert_default_policy = _policy_name_or_default
    kms_models.generate_private_key = _private_key_on_first_use


@dataclass(frozen=True)
class Credential:
    """An access key known to moto: who owns it and its secret.

    kind: ``user`` or ``session``; account: owning account; arn: user ARN or assumed-role session ARN;
    role_arn/session_name/session_policy/unique_id for sessions; expires: epoch seconds or None.
    """

    access_key_id: str
    secret: str
    kind: str
    account: str
    arn: str
    name: str
    unique_id: str = ""
    session_token: str | None = None
    role_arn: str = ""
    session_name: str = ""
    session_policy: str | None = None
    expires: float | None = None
    created: float | None = None
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class KmsGrant:
    """A KMS grant: its id, grantee principal, allowed operations (``Decrypt``...) and constraints
    (``EncryptionContextSubset`` / ``EncryptionContextEquals``)."""

    id: str
    grantee_principal: str
    operations: tuple[str, ...]
    constraints: dict[str, Any]


@dataclass(frozen=True)
class KmsKey:
    """What the lab reads of a KMS key (a snapshot of moto's key when it was looked up).

    key_state: ``Enabled`` / ``Disabled`` / ``PendingDeletion``...; aliases: alias names (``alias/x``)."""

    id: str
    arn: str
    account: str
    policy: str
    aliases: tuple[str, ...]
    grants: tuple[KmsGrant, ...]
    key_state: str
    enabled: bool
    origin: str
    key_spec: str
    key_usage: str


def _key_view(key: Any) -> KmsKey | None:
    if key is None:
        return None
    grants = tuple(KmsGrant(g.id, g.grantee_principal, tuple(g.operations or ()), dict(g.constraints or {}))
                   for g in (getattr(key, "grants", None) or {}).values())
    return KmsKey(key.id, key.arn, key.arn.split(":")[4], key.policy, tuple(getattr(key, "aliases", {}) or ()),
                  grants, key.key_state, bool(key.enabled), getattr(key, "origin", "AWS_KMS"),
                  getattr(key, "key_spec", "SYMMETRIC_DEFAULT"), getattr(key, "key_usage", "ENCRYPT_DECRYPT"))


_S3_ROUTER: Any = None


def match_s3_operation(environ: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """(operation name, URI parameters such as ``Bucket``/``Key``) of an S3 request, named by moto's own router
    (the one moto dispatches with, so the lab authorizes the operation moto executes). Raises ValueError
    when the request matches no S3 operation."""
    global _S3_ROUTER
    if _S3_ROUTER is None:
        _S3_ROUTER = get_service_router("s3")
    try:
        op_model, uri = _S3_ROUTER.match(MotoRequest(environ))
    except Exception as exc:
        raise ValueError(f"no S3 operation matches: {exc}") from None
    return op_model.name, uri


class _QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without werkzeug's per-request log line (the trail records every call)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def quiet_request_handler() -> type:
    """The werkzeug request-handler class the lab serves with: moto's own (it keeps the raw body moto's
    S3 needs), without the per-request log line."""
    return _QuietRequestHandler


class MotoState:
    """Typed read access to moto's backends plus the few writes the lab needs.

    The writes that the requirement checker undoes (:mod:`s3kms_lab.checker.moves`,
    :mod:`s3kms_lab.checker.candidate`) return the value they replaced, so the caller can put it back with
    the same method."""

    def __init__(self, region: str):
        self.region = region
        neutralise_moto_authorization()
        fill_moto_gaps()
        self._credentials: dict[str, Credential] = {}
        self._apps: dict[str, Any] = {}
        self.session_info: dict[str, tuple[tuple[tuple[str, str], ...], float]] = {}
        # The lab's own SSE-KMS records, keyed by moto's object / upload (dropped with it).
        self._object_sse: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()
        self._upload_sse: dict[str, dict[str, Any]] = {}
        self._upload_headers: dict[str, dict[str, str]] = {}

    @staticmethod
    def reset() -> None:
        """Empty moto's process-wide state (every backend of every account)."""
        from moto.moto_api._internal.models import moto_api_backend
        moto_api_backend.reset()

    # -- moto's WSGI applications
    def backend_app(self, service: str) -> Any:
        """moto's Flask app for ``service`` (``s3``/``kms``/``iam``/``sts``), created once.

        moto's own ``DomainDispatcherApplication`` finds the service from the Host header / signature on
        every request (scanning its module folder each time); the lab already knows the service.
        """
        app = self._apps.get(service)
        if app is None:
            app = self._apps[service] = create_backend_app(service)  # type: ignore[arg-type]
        return app

    # -- backends
    @staticmethod
    def iam(account: str) -> Any:
        return iam_backends[account][_PARTITION]

    def kms(self, account: str, region: str | None = None) -> Any:
        return kms_backends[account][region or self.region]

    @staticmethod
    def s3(account: str = DEFAULT_ACCOUNT_ID) -> Any:
        """moto's S3 backend. Bucket names are global: any account's backend finds every bucket."""
        return s3_backends[account][_PARTITION]

    @staticmethod
    def sts(account: str) -> Any:
        return sts_backends[account][_PARTITION]

    # -- credentials
    def find_credential(self, access_key_id: str) -> Credential | None:
        """Look an access key up among IAM users' keys and STS sessions of every account.

        Found credentials are cached; :meth:`forget_credentials` drops the cache (the endpoint calls it
        after every IAM write, so deleted or deactivated keys stop working at once)."""
        cred = self._credentials.get(access_key_id)
        if cred is None:
            cred = self._find_credential(access_key_id)
            if cred is not None:
                self._credentials[access_key_id] = cred
        return cred

    def forget_credentials(self) -> None:
        self._credentials.clear()

    def note_session(self, access_key_id: str, tags: dict[str, str], created: float) -> None:
        """Remember what moto 5.2.5 does not keep about an AssumeRole session: its session tags and
        when it was created (CloudTrail's sessionContext.attributes.creationDate)."""
        self.session_info[access_key_id] = (tuple(sorted(tags.items())), created)
        self._credentials.pop(access_key_id, None)

    def _find_credential(self, access_key_id: str) -> Credential | None:
        for account, by_partition in list(iam_backends.items()):
            backend = by_partition[_PARTITION]
            for user in list(backend.users.values()):
                for key in user.access_keys:
                    if key.access_key_id == access_key_id:
                        if key.status != "Active":
                            return None
                        return Credential(access_key_id, key.secret_access_key, "user", account,
                                          f"arn:aws:iam::{account}:user{user.path}{user.name}", user.name, user.id)
            for session in list(sts_backends[account][_PARTITION].assumed_roles):
                if session.access_key_id == access_key_id:
                    role = self.role_by_arn(session.role_arn)
                    role_id = role.id if role is not None else "AROAUNKNOWN"
                    tags, created = self.session_info.get(access_key_id, ((), None))
                    return Credential(access_key_id, session.secret_access_key, "session", session.account_id,
                                      session.arn, session.role_arn.split("/")[-1], f"{role_id}:{session.session_name}",
                                      session.session_token, session.role_arn, session.session_name,
                                      session.policy, session.expiration.timestamp(), created, tags)
        return None

    # -- IAM entities
    def user(self, account: str, name: str) -> Any:
        return self.iam(account).users.get(name)

    def role_by_arn(self, arn: str) -> Any:
        parts = arn.split(":")
        if len(parts) < 6:
            return None
        account = parts[4]
        name = arn.split("/")[-1]
        return self.iam(account).roles.get(name) or next(
            (r for r in self.iam(account).roles.values() if r.name == name), None)

    @staticmethod
    def managed_document(policy: Any) -> str:
        for v in policy.versions:
            if v.version_id == policy.default_version_id:
                doc = v.document
                return doc if isinstance(doc, str) else json.dumps(doc)
        return "{}"

    def identity_policies(self, cred: Credential) -> list[tuple[str, str]]:
        """(name, JSON) of every identity-based policy of the user or of the session's role (groups included)."""
        out: list[tuple[str, str]] = []
        if cred.kind == "user":
            user = self.user(cred.account, cred.name)
            if user is None:
                return out
            out += [(f"inline policy {n} of user {user.name}", d) for n, d in user.policies.items()]
            out += [(f"managed policy {p.name} attached to user {user.name}", self.managed_document(p))
                    for p in user.managed_policies.values()]
            for group in self.iam(cred.account).get_groups_for_user(user.name):
                out += [(f"inline policy {n} of group {group.name}", d) for n, d in group.policies.items()]
                out += [(f"managed policy {p.name} attached to group {group.name}", self.managed_document(p))
                        for p in group.managed_policies.values()]
        else:
            role = self.role_by_arn(cred.role_arn)
            if role is None:
                return out
            out += [(f"inline policy {n} of role {role.name}", d) for n, d in role.policies.items()]
            out += [(f"managed policy {p.name} attached to role {role.name}", self.managed_document(p))
                    for p in role.managed_policies.values()]
        return out

    def set_user_boundary(self, account: str, name: str, policy_arn: str | None) -> bool:
        """Put/DeletePermissionsBoundary for a user (moto 5.2.5 does not implement them). False: no such user."""
        user = self.user(account, name)
        if user is None:
            return False
        user.permissions_boundary_arn = policy_arn
        self.forget_credentials()
        return True

    def user_boundary(self, account: str, name: str) -> tuple[str, str] | None:
        user = self.user(account, name)
        return self.role_boundary(user) if user is not None else None

    def role_boundary(self, role: Any) -> tuple[str, str] | None:
        """(name, JSON) of the permissions boundary of a role or user (``permissions_boundary_arn``), or None."""
        arn = getattr(role, "permissions_boundary_arn", None)
        if not arn:
            return None
        account = arn.split(":")[4]
        pol = self.iam(account).managed_policies.get(arn) if account != "aws" else None
        if pol is None:
            return None
        return (f"permissions boundary {pol.name}", self.managed_document(pol))

    # -- S3
    def bucket(self, name: str) -> Any:
        try:
            return self.s3().get_bucket(name)
        except Exception:  # moto raises MissingBucket
            return None

    def bucket_policy(self, bucket: Any) -> str | None:
        pol = getattr(bucket, "policy", None)
        if not pol:
            return None
        return pol.decode() if isinstance(pol, bytes) else pol

    def s3_object(self, bucket: str, key: str, version_id: str | None = None) -> Any:
        try:
            return self.s3().get_object(bucket, key, version_id=version_id)
        except Exception:
            return None

    def bucket_versioning(self, name: str) -> str | None:
        """The bucket's versioning status (``Enabled``/``Suspended``; None: never enabled, or no such bucket)."""
        bucket = self.bucket(name)
        return getattr(bucket, "versioning_status", None) if bucket is not None else None

    def bucket_exists(self, name: str) -> bool:
        return self.bucket(name) is not None

    def object_exists(self, bucket: str, key: str, version_id: str | None = None) -> bool:
        return self.s3_object(bucket, key, version_id) is not None

    def bucket_owner(self, name: str) -> str:
        """The account that owns bucket ``name`` ('' when there is no such bucket)."""
        b = self.bucket(name)
        return getattr(b, "account_id", "") if b is not None else ""

    def bucket_policy_text(self, name: str) -> str | None:
        b = self.bucket(name)
        return self.bucket_policy(b) if b is not None else None

    def bucket_encryption(self, name: str) -> dict[str, Any] | None:
        """The bucket's default-encryption configuration as moto stores it (``{"Rule": {...}}``) or None."""
        b = self.bucket(name)
        return getattr(b, "encryption", None) if b is not None else None

    def set_bucket_encryption(self, name: str, configuration: dict[str, Any] | None) -> dict[str, Any] | None:
        """Replace the bucket's default encryption (None: none), as the lab operator; returns the previous
        configuration (None also when there is no such bucket)."""
        b = self.bucket(name)
        if b is None:
            return None
        old = getattr(b, "encryption", None)
        b.encryption = configuration
        return old

    def set_bucket_policy(self, name: str, policy: str | None) -> str | None:
        """Replace the bucket policy of bucket ``name`` with the JSON text ``policy`` (None: delete it)
        without validation (the checker's what-if); returns the previous policy text or None.
        Raises KeyError when there is no such bucket."""
        b = self._existing_bucket(name)
        old = self.bucket_policy(b)
        b.policy = policy.encode() if policy is not None else None
        return old

    def swap_public_access_block(self, name: str, configuration: Any) -> Any:
        """Replace the bucket's Block Public Access configuration object as moto stores it (None: none) without
        validation (the checker's what-if, undone by swapping the returned previous object back).
        Raises KeyError when there is no such bucket."""
        b = self._existing_bucket(name)
        old = getattr(b, "public_access_block", None)
        b.public_access_block = configuration
        return old

    def set_bucket_versioning(self, name: str, status: str | None) -> str | None:
        """Set the bucket's versioning status (``Enabled``/``Suspended``/None); returns the previous one.
        Raises KeyError when there is no such bucket."""
        b = self._existing_bucket(name)
        old = getattr(b, "versioning_status", None)
        b.versioning_status = status
        return old

    def _existing_bucket(self, name: str) -> Any:
        b = self.bucket(name)
        if b is None:
            raise KeyError(f"no bucket {name!r}")
        return b

    def create_bucket(self, account: str, name: str, region: str) -> None:
        """Create bucket ``name`` owned by ``account`` (the lab operator's setup), with S3's defaults for a new
        bucket: Block Public Access all on, ACLs disabled (rule BPA-5)."""
        self.s3(account).create_bucket(name, region)
        from .services.public_access import apply_new_bucket_defaults
        apply_new_bucket_defaults(self, name)

    def put_bucket_policy(self, name: str, policy: str) -> None:
        self.s3().put_bucket_policy(name, policy.encode())

    # -- Block Public Access and Object Ownership (rules BPA-1 to BPA-5)
    _BPA_FIELDS = (("BlockPublicAcls", "block_public_acls"), ("IgnorePublicAcls", "ignore_public_acls"),
                   ("BlockPublicPolicy", "block_public_policy"), ("RestrictPublicBuckets", "restrict_public_buckets"))

    def bucket_public_access_block(self, name: str) -> dict[str, bool] | None:
        """The bucket's Block Public Access settings (``BlockPublicAcls``... -> bool), or None when it has none."""
        b = self.bucket(name)
        pab = getattr(b, "public_access_block", None) if b is not None else None
        return {api: bool(getattr(pab, attr)) for api, attr in self._BPA_FIELDS} if pab is not None else None

    def account_public_access_block(self, account: str) -> dict[str, bool] | None:
        """The account-level (``s3control``) Block Public Access settings of ``account``, or None."""
        from moto.s3control.models import s3control_backends
        by_partition = s3control_backends.get(account)
        backend = dict.get(by_partition, _PARTITION) if by_partition is not None else None
        pab = getattr(backend, "public_access_block", None)
        return {api: bool(getattr(pab, attr)) for api, attr in self._BPA_FIELDS} if pab is not None else None

    def set_bucket_public_access_block(self, name: str, settings: dict[str, bool]) -> None:
        """Replace the bucket's Block Public Access settings (the lab's default for a new bucket)."""
        self.s3().put_public_access_block(name, {k: "true" if v else "false" for k, v in settings.items()})

    def bucket_ownership(self, name: str) -> str | None:
        """The bucket's Object Ownership (``BucketOwnerEnforced``...), or None when it has no ownership controls."""
        b = self.bucket(name)
        rule = getattr(b, "ownership_rule", None) if b is not None else None
        if isinstance(rule, dict):
            return rule.get("ObjectOwnership")
        return rule or None

    def set_bucket_ownership(self, name: str, ownership: str) -> None:
        b = self.bucket(name)
        if b is not None:
            b.ownership_rule = ownership  # moto 5.2.5 keeps the bare value

    def put_object(self, bucket: str, key: str, body: bytes, encryption: str | None = None,
                   kms_key_id: str | None = None, bucket_key: bool = False) -> None:
        """Store an object directly (the lab operator's setup, not an authorized request)."""
        self.s3().put_object(bucket, key, body, encryption=encryption, kms_key_id=kms_key_id or None,
                             bucket_key_enabled="true" if bucket_key else None)

    def create_multipart_upload(self, bucket: str, key: str, encryption: str | None, kms_key_id: str | None) -> str:
        """Start a multipart upload directly (the checker's setup); returns its upload id."""
        mp = self.s3().create_multipart_upload(bucket, key, CaseInsensitiveDict(), "STANDARD", {}, None,
                                               encryption, kms_key_id or None)
        return mp.id

    def object_tags(self, bucket: str, key: str, version_id: str | None = None) -> dict[str, str] | None:
        """The object's tags (None: no such object)."""
        obj = self.s3_object(bucket, key, version_id)
        if obj is None:
            return None
        return {t["Key"]: t["Value"] for t in self.s3().get_object_tagging(obj).get("Tags", [])}

    def object_kms_key_id(self, bucket: str, key: str, version_id: str | None = None) -> str | None:
        """The KMS key id an SSE-KMS object is stored under (None: no such object, or not SSE-KMS)."""
        obj = self.s3_object(bucket, key, version_id)
        if obj is None or not str(getattr(obj, "encryption", "") or "").startswith("aws:kms"):
            return None
        return obj.kms_key_id or None

    def upload_kms_key_id(self, bucket: str, upload_id: str) -> str | None:
        """The KMS key id of an SSE-KMS multipart upload (None: unknown upload, or not SSE-KMS)."""
        b = self.bucket(bucket)
        mp = b.multiparts.get(upload_id) if b is not None else None
        if mp is None or not str(getattr(mp, "sse_encryption", "") or "").startswith("aws:kms"):
            return None
        return mp.kms_key_id or None

    # -- the lab's SSE-KMS records (beside moto's objects, in the lab's own store)
    def object_sse(self, bucket: str, key: str, version_id: str | None = None) -> dict[str, Any] | None:
        """The data-key record of an object written through the lab: ``key_arn``, ``blob`` (the wrapped data
        key), ``context`` (encryption context), ``bucket_key``. None when the lab wrote none."""
        obj = self.s3_object(bucket, key, version_id)
        return self._object_sse.get(obj) if obj is not None else None

    def set_object_sse(self, bucket: str, key: str, record: dict[str, Any]) -> None:
        """Attach ``record`` to the current version of the object (just written)."""
        obj = self.s3_object(bucket, key)
        if obj is not None:
            self._object_sse[obj] = record

    def upload_sse(self, upload_id: str) -> dict[str, Any] | None:
        return self._upload_sse.get(upload_id)

    def set_upload_sse(self, upload_id: str, record: dict[str, Any]) -> None:
        self._upload_sse[upload_id] = record

    def pop_upload_sse(self, upload_id: str) -> dict[str, Any] | None:
        self._upload_headers.pop(upload_id, None)
        return self._upload_sse.pop(upload_id, None)

    def upload_headers(self, bucket: str, upload_id: str) -> dict[str, str]:
        """The SSE headers CreateMultipartUpload was sent with (empty when moto does not know the upload)."""
        b = self.bucket(bucket)
        if b is None or upload_id not in b.multiparts:
            return {}
        return dict(self._upload_headers.get(upload_id, {}))

    def set_upload_headers(self, upload_id: str, headers: dict[str, str]) -> None:
        self._upload_headers[upload_id] = dict(headers)

    # -- KMS
    def resolve_key(self, ref: str, caller_account: str) -> KmsKey | None:
        """Resolve a key id, key ARN, alias name or alias ARN to the key, or None.

        Aliases resolve in the caller's account (SSE-8 of ``docs/aws-rules.md``); key ARNs
        and alias ARNs name their own account and region.
        """
        account, region, ident = caller_account, self.region, ref
        if ref.startswith("arn:"):
            parts = ref.split(":", 5)
            if len(parts) != 6:
                return None
            region, account, ident = parts[3], parts[4], parts[5]
            if ident.startswith("key/"):
                ident = ident[4:]
        backend = self.kms(account, region)
        if ident.startswith("alias/"):
            for key in backend.keys.values():
                if ident in getattr(key, "aliases", {}):
                    return _key_view(key)
            return None
        return _key_view(backend.keys.get(ident))

    def key_by_id_any_account(self, key_id: str) -> KmsKey | None:
        """The key with this id in whichever account holds it (a ciphertext names only the key id)."""
        for account in list(kms_backends.keys()):
            key = kms_backends[account][self.region].keys.get(key_id)
            if key is not None:
                return _key_view(key)
        return None

    def generate_data_key(self, key: KmsKey, context: dict[str, str]) -> bytes:
        """A new 256-bit data key under ``key`` with ``context``; returns the wrapped key."""
        _plain, blob, _arn = self.kms(key.account).generate_data_key(key.id, context, 32, "AES_256")
        return blob

    def decrypt(self, key: KmsKey, blob: bytes, context: dict[str, str]) -> bytes:
        """Unwrap ``blob`` with KMS in ``key``'s account (raises moto's errors on a wrong context)."""
        plain, _arn = self.kms(key.account).decrypt(blob, context)
        return plain

    def encrypt(self, key: KmsKey, plaintext: bytes, context: dict[str, str]) -> bytes:
        """Encrypt ``plaintext`` under ``key`` (the lab operator's setup); returns the ciphertext blob."""
        blob, _arn = self.kms(key.account).encrypt(key.id, plaintext, context)
        return blob

    def create_aws_managed_key(self, account: str, alias: str, policy: str, description: str) -> KmsKey:
        """An AWS managed key (``KeyManager`` AWS) with its alias, as the service creates it on first use."""
        backend = self.kms(account)
        key = backend.create_key(policy, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", description, None)
        key.key_manager = "AWS"
        backend.create_alias(key.id, alias)
        return _key_view(key)  # type: ignore[return-value]

    def create_key(self, account: str, policy: str, description: str) -> KmsKey:
        """A symmetric customer managed key (the lab operator's setup)."""
        key = self.kms(account).create_key(policy, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", description, None)
        return _key_view(key)  # type: ignore[return-value]

    def create_alias(self, key: KmsKey, alias: str) -> None:
        self.kms(key.account).create_alias(key.id, alias)

    def enable_key_rotation(self, key: KmsKey) -> None:
        self.kms(key.account).keys[key.id].key_rotation_status = True

    def create_grant(self, key: KmsKey, grantee: str, operations: list[str], name: str,
                     constraints: dict[str, Any], retiring_principal: str) -> str:
        """A grant on ``key`` as ``kms:CreateGrant`` leaves it (provisioning imported scenarios, the checker's
        escalation moves); returns the grant id (:meth:`remove_grant` takes it away again)."""
        grant_id, _token = self.kms(key.account).create_grant(key.id, grantee, operations, name, constraints,
                                                              retiring_principal)
        return grant_id

    def key(self, account: str, key_id: str) -> KmsKey | None:
        """The key ``key_id`` of ``account`` in the lab's region (None: no such key)."""
        return _key_view(self.kms(account).keys.get(key_id))

    def _moto_key(self, key: KmsKey) -> Any:
        found = self.kms(key.account).keys.get(key.id)
        if found is None:
            raise KeyError(f"no KMS key {key.arn}")
        return found

    def set_key_policy(self, key: KmsKey, policy: str) -> str:
        """Replace ``key``'s key policy with the JSON text ``policy`` without KMS's validation or lockout
        check (the checker's what-if); returns the previous policy. Raises KeyError for an unknown key."""
        moto_key = self._moto_key(key)
        old = moto_key.policy
        moto_key.policy = policy
        return old

    def set_key_state(self, key: KmsKey, key_state: str, enabled: bool) -> tuple[str, bool]:
        """Set ``key``'s state (``Enabled``/``Disabled``/``PendingDeletion``) and enabled flag, as DisableKey or
        ScheduleKeyDeletion leave them; returns the previous (key_state, enabled). Raises KeyError for an
        unknown key."""
        moto_key = self._moto_key(key)
        old = (moto_key.key_state, moto_key.enabled)
        moto_key.key_state, moto_key.enabled = key_state, enabled
        return old

    def remove_grant(self, key: KmsKey, grant_id: str) -> Any:
        """Take grant ``grant_id`` off ``key`` (RevokeGrant's effect); returns moto's grant, opaque, for
        :meth:`restore_grant` (None when the key had no such grant)."""
        return (getattr(self._moto_key(key), "grants", None) or {}).pop(grant_id, None)

    def restore_grant(self, key: KmsKey, grant_id: str, removed: Any) -> None:
        """Put back a grant :meth:`remove_grant` returned (nothing when it returned None)."""
        if removed is not None:
            self._moto_key(key).grants[grant_id] = removed

    # -- IAM reads used by validation
    def user_exists(self, account: str, name: str) -> bool:
        return self.user(account, name) is not None

    def managed_policy_exists(self, arn: str, default_account: str) -> bool:
        """A customer managed policy named by its ARN, looked up in the ARN's account (``default_account`` when
        the ARN names none); AWS managed ``arn:aws:iam::aws:`` policies count as existing."""
        account = arn.split(":")[4] if arn.count(":") >= 5 else ""
        return account == "aws" or arn in self.iam(account or default_account).managed_policies

    def role_trust_policy(self, arn: str) -> tuple[str, str] | None:
        """(role name, trust policy JSON) of the role ``arn`` names, or None."""
        role = self.role_by_arn(arn)
        if role is None:
            return None
        doc = role.assume_role_policy_document
        return role.name, doc if isinstance(doc, str) else json.dumps(doc)

    def users(self, account: str) -> list[str]:
        """The names of the IAM users of ``account``."""
        return [u.name for u in list(self.iam(account).users.values())]

    def roles(self, account: str) -> list[tuple[str, str]]:
        """(name, ARN) of every IAM role of ``account``."""
        return [(r.name, r.arn) for r in list(self.iam(account).roles.values())]

    def _role(self, account: str, name: str) -> Any:
        role = next((r for r in self.iam(account).roles.values() if r.name == name), None)
        if role is None:
            raise KeyError(name)
        return role

    def _entity(self, kind: str, account: str, name: str) -> Any:
        """moto's user or role (``kind`` ``user``/``role``); KeyError naming it when there is none."""
        if kind == "role":
            return self._role(account, name)
        user = self.user(account, name)
        if user is None:
            raise KeyError(name)
        return user

    def set_trust_policy(self, account: str, role: str, policy: str) -> str:
        """Replace the trust policy of role ``role`` with the JSON text ``policy`` without validation (the
        checker's what-if); returns the previous one. Raises KeyError naming an unknown role."""
        r = self._role(account, role)
        old = r.assume_role_policy_document
        r.assume_role_policy_document = policy
        return old if isinstance(old, str) else json.dumps(old)

    def set_inline_policy(self, kind: str, account: str, name: str, policy_name: str,
                          document: str | None) -> str | None:
        """Put (``document`` JSON text) or remove (None) inline policy ``policy_name`` of the user or role
        (``kind`` ``user``/``role``) ``name``; returns the previous document or None. Raises KeyError naming
        an unknown user or role."""
        policies = self._entity(kind, account, name).policies
        old = policies.get(policy_name)
        if document is None:
            policies.pop(policy_name, None)
        else:
            policies[policy_name] = document
        return old

    def replace_inline_policies(self, kind: str, account: str, name: str,
                                policies: dict[str, str]) -> dict[str, str]:
        """Make ``policies`` (name -> JSON text) the only inline policies of the user or role (``kind``
        ``user``/``role``) ``name``; returns the previous ones, for the same call to put them back. Raises
        KeyError naming an unknown user or role."""
        current = self._entity(kind, account, name).policies
        old = dict(current)
        current.clear()
        current.update(policies)
        return old

    def user_boundary_arn(self, account: str, name: str) -> str | None:
        """The ARN of the user's permissions boundary (None: none, or no such user)."""
        user = self.user(account, name)
        return getattr(user, "permissions_boundary_arn", None) if user is not None else None

    def role_max_session(self, arn: str) -> int:
        """The role's MaxSessionDuration in seconds (3600 when unknown)."""
        role = self.role_by_arn(arn)
        return int(getattr(role, "max_session_duration", 3600) or 3600) if role is not None else 3600

    def role_boundary_by_arn(self, arn: str) -> tuple[str, str] | None:
        role = self.role_by_arn(arn)
        return self.role_boundary(role) if role is not None else None

    def create_key_with_id(self, account: str, key_id: str, policy: str, description: str) -> KmsKey:
        """Create a symmetric KMS key with a chosen id (moto 5.2.5 has no public way to do this)."""
        backend = self.kms(account)
        key = backend.create_key(policy, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", description, None)
        backend.keys.pop(key.id)
        key.id = key_id
        key.arn = f"arn:aws:kms:{self.region}:{account}:key/{key_id}"
        backend.keys[key_id] = key
        return _key_view(key)  # type: ignore[return-value]

    def inline_policies(self, account: str, kind: str, name: str) -> dict[str, str]:
        """Inline policies (name -> JSON) of IAM ``kind`` (``user``/``role``/``group``) ``name`` ({} when none)."""
        backend = self.iam(account)
        entity = (backend.users.get(name) if kind == "user" else backend.groups.get(name) if kind == "group"
                  else self.role_by_arn(f"arn:aws:iam::{account}:role/{name}"))
        policies = getattr(entity, "policies", None) or {}
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in policies.items()}

    # -- principals' unique ids (resource-based and trust policies bind to them, rule PRIN-2)
    def principal_identity(self, account: str, kind: str, name: str) -> tuple[str, str] | None:
        """(ARN, unique id) of IAM ``kind`` (``user``/``role``) ``name`` in ``account``, or None."""
        entity = self.iam(account).users.get(name) if kind == "user" else self.role_by_arn(
            f"arn:aws:iam::{account}:role/{name}")
        return (entity.arn, entity.id) if entity is not None else None

    def give_user_unique_id(self, account: str, name: str) -> None:
        """moto 5.2.5 gives users a lower-case random id; IAM's user ids start with ``AIDA`` (like roles'
        ``AROA``, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids)."""
        user = self.user(account, name)
        if user is not None and not str(user.id).startswith("AIDA"):
            user.id = "AIDA" + "".join(random.choices(string.ascii_uppercase + string.digits, k=17))
            self.forget_credentials()

    def rewrite_policy_documents(self, rewrite: Any) -> int:
        """Apply ``rewrite(text) -> new text or None`` to every bucket policy, key policy and role trust policy
        of every account; returns how many documents changed."""
        changed = 0
        for bucket in list(self.s3().buckets.values()):
            text = self.bucket_policy(bucket)
            new = rewrite(text) if text else None
            if new is not None:
                bucket.policy = new.encode()
                changed += 1
        for by_region in list(kms_backends.values()):
            for backend in list(by_region.values()):  # only the regions already built
                for key in list(backend.keys.values()):
                    new = rewrite(key.policy) if key.policy else None
                    if new is not None:
                        key.policy = new
                        changed += 1
        for by_partition in list(iam_backends.values()):
            for role in [r for backend in list(by_partition.values()) for r in list(backend.roles.values())]:
                doc = role.assume_role_policy_document
                new = rewrite(doc if isinstance(doc, str) else json.dumps(doc)) if doc else None
                if new is not None:
                    role.assume_role_policy_document = new
                    changed += 1
        return changed

    # -- IAM / STS writes of the lab operator's setup
    def create_user(self, account: str, name: str, region: str) -> None:
        self.iam(account).create_user(region_name=region, user_name=name, path="/", tags=[])
        self.give_user_unique_id(account, name)

    def put_user_policy(self, account: str, user: str, name: str, document: str) -> None:
        self.iam(account).put_user_policy(user, name, document)

    def create_access_key(self, account: str, user: str) -> tuple[str, str]:
        """A new access key of ``user``: (access key id, secret)."""
        key = self.iam(account).create_access_key(user)
        return key.access_key_id, key.secret_access_key

    def create_role(self, account: str, name: str, trust_policy: str, description: str) -> None:
        self.iam(account).create_role(role_name=name, assume_role_policy_document=trust_policy, path="/",
                                      permissions_boundary=None, description=description, tags=[],
                                      max_session_duration="3600", linked_service=None)

    def put_role_policy(self, account: str, role: str, name: str, document: str) -> None:
        self.iam(account).put_role_policy(role, name, document)

    def role_inline_policy(self, account: str, role: str, name: str) -> str | None:
        """The JSON of inline policy ``name`` of ``role`` (None: no such role or policy)."""
        r = self.role_by_arn(f"arn:aws:iam::{account}:role/{role}")
        doc = r.policies.get(name) if r is not None else None
        return doc if doc is None or isinstance(doc, str) else json.dumps(doc)

    def assume_role(self, account: str, role_arn: str, session_name: str, region: str) -> str:
        """Start a role session directly (the checker's setup, not an authorized call); its access key id."""
        return self.sts(account).assume_role(region, session_name, role_arn, None, 43200, None).access_key_id

    def prepare_account(self, account: str) -> None:
        """Build the account's KMS and STS backends now (moto builds them on first touch, ~80 ms for KMS)."""
        self.kms(account)
        self.sts(account)

    @staticmethod
    def moto_version() -> str:
        return moto.__version__
