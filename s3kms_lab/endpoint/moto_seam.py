"""The one seam between the lab and moto (pinned to moto 5.2.5).

Everything the lab reads from or writes to moto's in-process state goes through here, and so does
the neutralising of moto's own partial authorization:
- ``FakeBucket.get_permission`` (moto's bucket-policy check on object requests, which treats an Allow
  with an unmet Condition as a Deny) is made neutral: the lab's engine has already decided;
- ``KmsResponse._validate_key_policy`` (moto's key-policy Deny check) is made a no-op for the same reason.
``tests/test_moto_seam.py`` fails if moto's version or these hooks change.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import moto
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: F401  (re-exported for callers)
from moto.iam.access_control import PermissionResult
from moto.iam.models import iam_backends
from moto.kms import models as kms_models
from moto.kms.models import kms_backends
from moto.kms.responses import KmsResponse
from moto.moto_server.werkzeug_app import create_backend_app
from moto.s3.models import FakeBucket, s3_backends
from moto.sts.models import sts_backends

__all__ = ["MOTO_VERSION", "neutralise_moto_authorization", "Credential", "MotoState"]

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


class MotoState:
    """Typed read access to moto's backends plus the few writes the lab needs."""

    def __init__(self, region: str):
        self.region = region
        neutralise_moto_authorization()
        self._credentials: dict[str, Credential] = {}
        self._apps: dict[str, Any] = {}
        self.session_info: dict[str, tuple[tuple[tuple[str, str], ...], float]] = {}

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
    def s3() -> Any:
        return s3_backends["123456789012"][_PARTITION]

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

    # -- KMS
    def resolve_key(self, ref: str, caller_account: str) -> Any:
        """Resolve a key id, key ARN, alias name or alias ARN to moto's Key, or None.

        Aliases resolve in the caller's account (S3/KMS rule: PutObject SSEKMSKeyId docs); key ARNs
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
                    return key
            return None
        return backend.keys.get(ident)

    def key_by_id_any_account(self, key_id: str) -> Any:
        """The key with this id in whichever account holds it (a ciphertext names only the key id)."""
        for account in list(kms_backends.keys()):
            key = kms_backends[account][self.region].keys.get(key_id)
            if key is not None:
                return key
        return None

    def create_key_with_id(self, account: str, key_id: str, policy: str, description: str) -> Any:
        """Create a symmetric KMS key with a chosen id (moto 5.2.5 has no public way to do this)."""
        backend = self.kms(account)
        key = backend.create_key(policy, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", description, None)
        backend.keys.pop(key.id)
        key.id = key_id
        key.arn = f"arn:aws:kms:{self.region}:{account}:key/{key_id}"
        backend.keys[key_id] = key
        return key

    @staticmethod
    def decrypt_blob(master_keys: dict[str, Any], blob: bytes, context: dict[str, str]) -> tuple[bytes, str]:
        return kms_models.decrypt(master_keys=master_keys, ciphertext_blob=blob, encryption_context=context)

    @staticmethod
    def moto_version() -> str:
        return moto.__version__
