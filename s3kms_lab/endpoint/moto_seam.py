"""The one seam between the lab and moto (pinned to moto 5.2.5).

Everything the lab reads from or writes to moto's in-process state goes through here, and so does
the neutralising of moto's own partial authorization:
- ``FakeBucket.get_permission`` (moto's bucket-policy check on object requests, which treats an Allow
  with an unmet Condition as a Deny) is made neutral: the lab's engine has already decided;
- ``KmsResponse._validate_key_policy`` (moto's key-policy Deny check) is made a no-op for the same reason.
What the lab keeps beside moto (the SSE-KMS data-key records of objects and multipart uploads, session tags)
lives in the seam's own store, never in attributes added to moto's objects.
``tests/test_moto_seam.py`` fails if moto's version or these hooks change.
"""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from typing import Any

import moto
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import PermissionResult
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.kms.responses import KmsResponse
from moto.core.request import Request as MotoRequest
from moto.core.routing import get_service_router
from moto.moto_server.werkzeug_app import create_backend_app
from moto.s3.models import FakeBucket, s3_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import CaseInsensitiveDict

__all__ = ["MOTO_VERSION", "neutralise_moto_authorization", "Credential", "KmsGrant", "KmsKey", "MotoState",
           "match_s3_operation"]

MOTO_VERSION = "5.2.5"
_PARTITION = "aws"


def _neutral_bucket_permission(self: Any, action: str, resource: str) -> Any:
    return PermissionResult.NEUTRAL


def _no_key_policy_check(self: Any, key_id: str, action: str) -> None:
    return None


def neutralise_moto_authorization() -> None:
    """Disable moto's partial checks so only the lab's engine decides (idempotent)."""
    FakeBucket.get_permission = _neutral_bucket_permission  # type: ignore[method-assign]
    KmsResponse._validate_key_policy = _no_key_policy_check  # type: ignore[method-assign]


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


class MotoState:
    """Typed read access to moto's backends plus the few writes the lab needs."""

    def __init__(self, region: str):
        self.region = region
        neutralise_moto_authorization()
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

    def set_bucket_encryption(self, name: str, configuration: dict[str, Any] | None) -> None:
        """Replace the bucket's default encryption (None: none), as the lab operator."""
        b = self.bucket(name)
        if b is not None:
            b.encryption = configuration

    def create_bucket(self, account: str, name: str, region: str) -> None:
        """Create bucket ``name`` owned by ``account`` (the lab operator's setup)."""
        self.s3(account).create_bucket(name, region)

    def put_bucket_policy(self, name: str, policy: str) -> None:
        self.s3().put_bucket_policy(name, policy.encode())

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

    # -- IAM / STS writes of the lab operator's setup
    def create_user(self, account: str, name: str, region: str) -> None:
        self.iam(account).create_user(region_name=region, user_name=name, path="/", tags=[])

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
