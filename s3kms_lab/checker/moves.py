"""State-changing calls a principal may try on the way to breaking a requirement (the escalation universe).

A :class:`Move` is one concrete API call (service, operation, parameters) made by an identity the attacker
holds, with the effect it has on moto's state once the endpoint allows it. The calls are the ones
privilege-escalation tools for IAM reason about (PMapper's edges: assume a role, create an access key or a
login profile for another user, put or attach a policy to oneself, rewrite a trust policy, new policy
versions; https://github.com/nccgroup/PMapper/wiki) and their S3 and KMS analogues (rewrite or delete a
resource-based policy, give oneself a KMS grant, turn a key off). The attacker always writes the most
useful content it can: a policy that allows it everything on the target, a grant of every cryptographic
operation to itself. A call that gives rights (a grant, a key policy, a bucket policy, an identity policy)
is also tried for every *other* principal the search treats as untrusted (``beneficiary``): a role that may
create grants breaks "only the role uses the key" by granting use to analyst, who then acts
(https://docs.aws.amazon.com/kms/latest/developerguide/grants.html: the grantee principal may be any
principal; https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html).

Effects are applied to moto's state through the seam's writes (:class:`~s3kms_lab.endpoint.moto_seam.MotoState`:
the state moto's handlers leave when the endpoint forwards the call) and return an undo function, so the search can explore a path and step back.
Sources for the actions each call needs: the Service Authorization Reference pages cited in
:mod:`s3kms_lab.endpoint.operations`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..endpoint.auth import caller_for
from ..endpoint.decide import Call
from ..i18n import N_, _

if TYPE_CHECKING:
    from .universe import Principal, Universe

__all__ = ["Move", "moves_for", "ESCALATION_POLICY_NAME", "SESSION_NAME", "GRANT_OPERATIONS"]

ESCALATION_POLICY_NAME = "checker-escalation"
SESSION_NAME = "checker-escalation"
GRANT_OPERATIONS = ["Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
                    "GenerateDataKeyWithoutPlaintext", "DescribeKey", "CreateGrant"]
Undo = Callable[[], None]


@dataclass
class Move:
    """One state-changing call. actor: the identity making it; params: the API parameters in AWS's names
    (what the CLI and boto3 recipes send); call_params / bucket: what the endpoint's Call carries;
    gains: the identity the caller holds afterwards (a role session, another user), or None;
    target: what it changes (for the report)."""

    actor: str
    service: str
    operation: str
    params: dict[str, Any]
    target: str
    bucket: str = ""
    call_params: dict[str, Any] = field(default_factory=dict)
    gains: str | None = None
    apply: Callable[["Universe"], Undo] | None = None
    beneficiary: str | None = None  # another principal of the universe the call gives rights to (it then acts)

    @property
    def action(self) -> str:
        return f"{self.service}:{self.operation}"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity of the move in a path (same call by the same identity on the same target)."""
        return (self.actor, self.service, self.operation, self.target)

    def call(self, who: "Principal", region: str) -> Call:
        return Call(self.service, self.operation, caller=who.caller, credential=who.credential, bucket=self.bucket,
                    params=self.call_params or self.params, auth_type="none" if who.caller.is_anonymous else "header",
                    region=region)


def policy_principal(who: "Principal") -> Any:
    """How a policy names this identity: the user or role ARN (a session is named by its role), "*" for
    anonymous callers."""
    if who.caller.is_anonymous:
        return "*"
    return {"AWS": who.caller.principal_arn}


def _beneficiary(who: "Principal", target: "Principal") -> str | None:
    return None if target.name == who.name else target.name


def _for(who: "Principal", target: "Principal", own: str, other: str, **fields: str) -> str:
    """A move's target in words (``own``, marked with N_), naming whom the call gives rights to when it is not
    the caller itself (``other``, with a ``{principal}`` field)."""
    if target.name == who.name:
        return _(own).format(**fields)
    return _(other).format(principal=target.name, **fields)


def _doc(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


# ---------------------------------------------------------------------- S3
def _s3_moves(u: "Universe", who: "Principal", others: list["Principal"]) -> list[Move]:
    if not u.bucket:
        return []
    b = u.bucket
    state = u.state
    out = []

    def setting(setter: Callable[[str, Any], Any], value: Any) -> Callable[["Universe"], Undo]:
        """Apply ``setter(bucket, value)`` (a seam write returning the previous value); undo puts that back."""
        def apply(_u: "Universe") -> Undo:
            old = setter(b, value)
            return lambda: setter(b, old) and None
        return apply

    for target in [who, *others]:
        own = _doc([{"Sid": "CheckerEscalation", "Effect": "Allow", "Principal": policy_principal(target),
                     "Action": "s3:*", "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"]}])
        out.append(Move(who.name, "s3", "PutBucketPolicy", {"Bucket": b, "Policy": own},
                        _for(who, target, N_("bucket policy of {bucket}"),
                             N_("bucket policy of {bucket} (for {principal})"), bucket=b), bucket=b, call_params={"_body": own},
                        apply=setting(state.set_bucket_policy, own), beneficiary=_beneficiary(who, target)))
    if state.bucket_policy_text(b):
        out.append(Move(who.name, "s3", "DeleteBucketPolicy", {"Bucket": b},
                        _("bucket policy of {bucket}").format(bucket=b), bucket=b,
                        apply=setting(state.set_bucket_policy, None)))
    sse_s3 = {"Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": "false"}}
    encryption = state.bucket_encryption(b)
    if encryption != sse_s3:
        out.append(Move(who.name, "s3", "PutBucketEncryption",
                        {"Bucket": b, "ServerSideEncryptionConfiguration": {"Rules": [
                            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}},
                        _("default encryption of {bucket}").format(bucket=b), bucket=b,
                        apply=setting(state.set_bucket_encryption, sse_s3)))
    if encryption:
        out.append(Move(who.name, "s3", "DeleteBucketEncryption", {"Bucket": b},
                        _("default encryption of {bucket}").format(bucket=b), bucket=b, apply=setting(state.set_bucket_encryption, None)))
    if state.bucket_public_access_block(b):
        out.append(Move(who.name, "s3", "DeletePublicAccessBlock", {"Bucket": b},
                        _("Block Public Access of {bucket}").format(bucket=b),
                        bucket=b, apply=setting(state.swap_public_access_block, None)))
    if state.bucket_versioning(b) == "Enabled":
        out.append(Move(who.name, "s3", "PutBucketVersioning",
                        {"Bucket": b, "VersioningConfiguration": {"Status": "Suspended"}},
                        _("versioning of {bucket}").format(bucket=b),
                        bucket=b, apply=setting(state.set_bucket_versioning, "Suspended")))
    return out


# ---------------------------------------------------------------------- KMS
def _kms_moves(u: "Universe", who: "Principal", others: list["Principal"]) -> list[Move]:
    if not u.key_arn or who.caller.is_anonymous:
        return []
    k = u.key_arn
    state = u.state
    # The seam's writes below change moto's key the way moto's KMS handlers do when the endpoint forwards
    # PutKeyPolicy / CreateGrant / DisableKey...
    key = state.key(k.split(":")[4], u.key_id)  # type: ignore[union-attr]
    if key is None:
        return []
    out: list[Move] = []

    def set_state(key_state: str) -> Callable[["Universe"], Undo]:
        def apply(_u: "Universe") -> Undo:
            old_state, old_enabled = state.set_key_state(key, key_state, enabled=False)
            return lambda: state.set_key_state(key, old_state, old_enabled) and None
        return apply

    def grant(grantee: str) -> Callable[["Universe"], Undo]:
        def apply(_u: "Universe") -> Undo:
            gid = state.create_grant(key, grantee, list(GRANT_OPERATIONS), ESCALATION_POLICY_NAME, {}, "")
            return lambda: state.remove_grant(key, gid) and None
        return apply

    def set_policy(new_policy: str) -> Callable[["Universe"], Undo]:
        def apply(_u: "Universe") -> Undo:
            old = state.set_key_policy(key, new_policy)
            return lambda: state.set_key_policy(key, old) and None
        return apply

    # KMS grants and key policies name AWS principals only (anonymous callers cannot use KMS)
    for target in [who, *(o for o in others if not o.caller.is_anonymous)]:
        grantee = target.caller.principal_arn
        doc = json.loads(key.policy)
        stmts = doc.get("Statement", [])
        stmts = stmts if isinstance(stmts, list) else [stmts]
        # The attacker keeps every existing statement (so KMS's lockout check still passes) and adds the grantee.
        doc["Statement"] = stmts + [{"Sid": "CheckerEscalation", "Effect": "Allow", "Principal": {"AWS": grantee},
                                     "Action": "kms:*", "Resource": "*"}]
        new_policy = json.dumps(doc)
        out.append(Move(who.name, "kms", "PutKeyPolicy", {"KeyId": k, "PolicyName": "default", "Policy": new_policy},
                        _for(who, target, N_("key policy of {key}"), N_("key policy of {key} (for {principal})"), key=k),
                        apply=set_policy(new_policy),
                        beneficiary=_beneficiary(who, target)))
        out.append(Move(who.name, "kms", "CreateGrant", {"KeyId": k, "GranteePrincipal": grantee,
                                                         "Operations": list(GRANT_OPERATIONS)},
                        _for(who, target, N_("grants of {key}"), N_("grants of {key} (for {principal})"), key=k),
                        apply=grant(grantee),
                        beneficiary=_beneficiary(who, target)))
    if key.enabled:
        out.append(Move(who.name, "kms", "DisableKey", {"KeyId": k},
                        _("state of {key}").format(key=k), apply=set_state("Disabled")))
    if key.key_state != "PendingDeletion":
        out.append(Move(who.name, "kms", "ScheduleKeyDeletion", {"KeyId": k, "PendingWindowInDays": 7},
                        _("state of {key}").format(key=k), apply=set_state("PendingDeletion")))
    for gid in [g.id for g in key.grants]:
        def revoke(_u: "Universe", gid: str = gid) -> Undo:
            removed = state.remove_grant(key, gid)
            return lambda: state.restore_grant(key, gid, removed)
        out.append(Move(who.name, "kms", "RevokeGrant", {"KeyId": k, "GrantId": gid},
                        _("grant {grant} of {key}").format(grant=gid, key=k),
                        apply=revoke))
    return out


# ---------------------------------------------------------------------- IAM and STS
def _iam_moves(u: "Universe", who: "Principal", others: list["Principal"]) -> list[Move]:
    if who.caller.is_anonymous or not who.account:
        return []
    acct = who.account
    state = u.state
    out: list[Move] = []
    admin_doc = _doc([{"Sid": "CheckerEscalation", "Effect": "Allow", "Action": "*", "Resource": "*"}])
    held = set(u.identities)
    # the untrusted principals an identity policy change benefits (a session principal is named by its role)
    by_arn = {o.caller.principal_arn: o.name for o in others if not o.caller.is_anonymous}

    def put_inline(kind: str, name: str) -> Callable[["Universe"], Undo]:
        def apply(_u: "Universe") -> Undo:
            old = state.set_inline_policy(kind, acct, name, ESCALATION_POLICY_NAME, admin_doc)
            _u.policies_changed()

            def undo() -> None:
                state.set_inline_policy(kind, acct, name, ESCALATION_POLICY_NAME, old)
                _u.policies_changed()
            return undo
        return apply

    for user_name in state.users(acct):
        arn = f"arn:aws:iam::{acct}:user/{user_name}"
        out.append(Move(who.name, "iam", "PutUserPolicy", {"UserName": user_name, "PolicyName": ESCALATION_POLICY_NAME,
                                                           "PolicyDocument": admin_doc},
                        _("policies of {arn}").format(arn=arn), apply=put_inline("user", user_name),
                        beneficiary=_other(by_arn, who, arn)))
        if state.user_boundary_arn(acct, user_name):
            def drop_boundary(_u: "Universe", user_name: str = user_name) -> Undo:
                old = state.user_boundary_arn(acct, user_name)
                state.set_user_boundary(acct, user_name, None)
                _u.policies_changed()
                return lambda: (state.set_user_boundary(acct, user_name, old), _u.policies_changed()) and None
            out.append(Move(who.name, "iam", "DeleteUserPermissionsBoundary", {"UserName": user_name},
                            _("permissions boundary of {arn}").format(arn=arn), apply=drop_boundary))
        if who.caller.principal_arn != arn:
            gains = _("{user} (new access key)").format(user=user_name)
            if gains not in held:
                out.append(Move(who.name, "iam", "CreateAccessKey", {"UserName": user_name},
                                _("access keys of {arn}").format(arn=arn),
                                gains=gains, apply=_become_user(acct, user_name, gains)))
    for role_name, arn in state.roles(acct):
        out.append(Move(who.name, "iam", "PutRolePolicy", {"RoleName": role_name, "PolicyName": ESCALATION_POLICY_NAME,
                                                           "PolicyDocument": admin_doc},
                        _("policies of {arn}").format(arn=arn), apply=put_inline("role", role_name),
                        beneficiary=_other(by_arn, who, arn)))
        _name, trust_text = state.role_trust_policy(arn)  # type: ignore[misc]
        trust = json.loads(trust_text)
        tst = trust.get("Statement", [])
        trust["Statement"] = (tst if isinstance(tst, list) else [tst]) + [
            {"Sid": "CheckerEscalation", "Effect": "Allow", "Principal": {"AWS": who.caller.principal_arn},
             "Action": "sts:AssumeRole"}]
        new_trust = json.dumps(trust)

        def set_trust(_u: "Universe", role_name: str = role_name, text: str = new_trust) -> Undo:
            old = state.set_trust_policy(acct, role_name, text)
            return lambda: state.set_trust_policy(acct, role_name, old) and None
        out.append(Move(who.name, "iam", "UpdateAssumeRolePolicy", {"RoleName": role_name, "PolicyDocument": new_trust},
                        _("trust policy of {arn}").format(arn=arn), apply=set_trust))
        gains = _("{role} session").format(role=role_name)
        if gains not in held and not (who.credential is not None and who.credential.kind == "session"
                                      and who.credential.role_arn == arn):
            out.append(Move(who.name, "sts", "AssumeRole", {"RoleArn": arn, "RoleSessionName": SESSION_NAME},
                            _("role {arn}").format(arn=arn), call_params={"Action": "AssumeRole", "RoleArn": arn,
                                                        "RoleSessionName": SESSION_NAME},
                            gains=gains, apply=_assume(arn, gains)))
    for m in out:
        if m.service == "iam" and not m.call_params:
            m.call_params = {"Action": m.operation, **m.params}
    return out


def _other(by_arn: dict[str, str], who: "Principal", arn: str) -> str | None:
    """The other untrusted principal whose identity ``arn`` is (it acts after the call), None otherwise."""
    return by_arn.get(arn) if arn != who.caller.principal_arn else None


def _become_user(account: str, user_name: str, name: str) -> Callable[["Universe"], Undo]:
    def apply(u: "Universe") -> Undo:
        from .universe import Principal
        cred = u.obtained_credential(("user", account, user_name))
        if cred is None:
            akid, _secret = u.state.create_access_key(account, user_name)  # type: ignore[union-attr]
            cred = u.state.find_credential(akid)  # type: ignore[union-attr]
            u.remember_credential(("user", account, user_name), cred)
        u.identities[name] = Principal(name, caller_for(cred), cred, None)
        return lambda: u.identities.pop(name, None) and None
    return apply


def _assume(role_arn: str, name: str) -> Callable[["Universe"], Undo]:
    def apply(u: "Universe") -> Undo:
        from .universe import Principal
        cred = u.obtained_credential(("role", role_arn))
        if cred is None:
            acct = role_arn.split(":")[4]
            akid = u.state.assume_role(acct, role_arn, SESSION_NAME, u.scenario.region)  # type: ignore[union-attr]
            cred = u.state.find_credential(akid)  # type: ignore[union-attr]
            u.remember_credential(("role", role_arn), cred)
        u.identities[name] = Principal(name, caller_for(cred), cred, None)
        return lambda: u.identities.pop(name, None) and None
    return apply


def moves_for(u: "Universe", who: "Principal", others: list["Principal"] | None = None) -> list[Move]:
    """Every state-changing call the identity ``who`` may try on the scenario's bucket, key, users and roles;
    ``others``: the other untrusted principals a rights-giving call is also tried for (see module doc)."""
    rest = [o for o in (others or []) if o.name != who.name]
    return _s3_moves(u, who, rest) + _kms_moves(u, who, rest) + _iam_moves(u, who, rest)
