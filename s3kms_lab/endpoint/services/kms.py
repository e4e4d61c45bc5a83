"""KMS: which key a call names, its steps (key policy + the caller's IAM policies), the checks KMS makes
when a key policy is saved, and its trail fields.

AWS rules followed (``docs/aws-rules.md``):
- a key policy must allow the caller to change it later (the lockout safety check, KMS-5)
  https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key
- a ciphertext names its key; Decrypt finds it in any account, then the key policy decides (KMS-6)
  https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
- ReEncrypt needs kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key
  https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html
"""
from __future__ import annotations

import base64
import json
from typing import Any

from ...engine import PolicyKind, PolicySet, Request, authorize, parse_policy
from ..decide import Authorizer, Call, Step
from ..errors import AwsError
from ..operations import Op, Resource
from ..plan_types import Plan
from .validation import check_principals_exist

__all__ = ["plan", "parse_params", "key_for", "lockout_check", "request_parameters", "response_elements"]

EVENT_SOURCE = "kms.amazonaws.com"
UNMODELLED = ("UnsupportedOperation", 400)
INTERNAL_ERROR = "InternalFailure"

# Which parameter names the key (default: KeyId, else TargetKeyId, else DestinationKeyId).
_KEY_PARAM = {"ReEncrypt": "SourceKeyId", "DeleteAlias": "AliasName"}
# Operations that find their key from the ciphertext when no key id is given.
_KEY_FROM_CIPHERTEXT = {"Decrypt": True, "ReEncrypt": True}


def key_for(call: Call, authorizer: Authorizer) -> Any:
    """The KMS key (moto Key) ``call`` acts on. Raises AwsError as KMS does: ``InvalidCiphertextException``,
    ``ValidationException`` (no key id), ``NotFoundException``."""
    p = call.params
    state = authorizer.state
    name = _KEY_PARAM.get(call.operation)
    ref = p.get(name) if name else (p.get("KeyId") or p.get("TargetKeyId") or p.get("DestinationKeyId"))
    if not ref and _KEY_FROM_CIPHERTEXT.get(call.operation):
        try:
            key_id = base64.b64decode(p.get("CiphertextBlob") or "")[:36].decode("ascii")
        except (ValueError, UnicodeDecodeError):
            key_id = ""
        key = state.key_by_id_any_account(key_id) if key_id else None
        if key is None:
            raise AwsError("kms", "InvalidCiphertextException", "The ciphertext is invalid.", 400)
        return key
    if not ref:
        raise AwsError("kms", "ValidationException", f"{call.operation} needs a KeyId", 400)
    key = state.resolve_key(ref, call.caller.account)
    if key is None:
        raise AwsError("kms", "NotFoundException", f"Key '{ref}' does not exist", 400)
    return key


def _reencrypt_to(call: Call, authorizer: Authorizer, caller_pol: PolicySet) -> list[Step]:
    dest = authorizer.state.resolve_key(call.params.get("DestinationKeyId", ""), call.caller.account)
    if dest is None:
        raise AwsError("kms", "NotFoundException", "Destination key does not exist", 400)
    return [authorizer.kms_step(call, "kms:ReEncryptTo", dest, call.params.get("DestinationEncryptionContext") or {},
                                caller_pol, False)]


# Steps beyond the operation's own action (operation -> builder).
_MORE_STEPS = {"ReEncrypt": _reencrypt_to}


def steps_for(call: Call, op: Op, authorizer: Authorizer) -> tuple[list[Step], Any]:
    """(steps, the key acted on or None): the key policy and the caller's IAM policies decide."""
    caller_pol = authorizer.caller_policies(call.credential)
    if op.resource is not Resource.KEY:
        ctx = authorizer.global_context(call, call.caller.account)
        ctx["kms:calleraccount"] = [call.caller.account]
        return [Step(f"{op.action}", Request(call.caller, op.action, "*", ctx, call.caller.account), caller_pol)], None
    key = key_for(call, authorizer)
    ctx = call.params.get("EncryptionContext") or call.params.get("SourceEncryptionContext") or {}
    steps = [authorizer.kms_step(call, op.action, key, ctx, caller_pol, False)]
    steps += _MORE_STEPS.get(call.operation, lambda *a: [])(call, authorizer, caller_pol)
    return steps, key


def lockout_check(call: Call, new_policy: Any, authorizer: Authorizer) -> None:
    """KMS refuses a key policy that would not let the caller call PutKeyPolicy later (KMS-5): the new key
    policy, with the caller's IAM policies when it delegates to the account, must allow the caller
    kms:PutKeyPolicy on the key. Raises AwsError ``MalformedPolicyDocumentException``."""
    account = call.caller.account
    key_arn = f"arn:aws:kms:{authorizer.region}:{account}:key/lockout-check"
    if call.params.get("KeyId"):  # PutKeyPolicy on an existing key (CreateKey has none yet)
        key_arn = key_for(call, authorizer).arn
        account = key_arn.split(":")[4]
    ctx = authorizer.global_context(call, account)
    caller_pol = authorizer.caller_policies(call.credential)
    ctx["kms:calleraccount"] = [call.caller.account]
    req = Request(call.caller, "kms:PutKeyPolicy", key_arn, ctx, account)
    d = authorize(req, PolicySet(caller_pol.identity, caller_pol.boundary, caller_pol.session, new_policy))
    if not d.allowed:
        raise AwsError("kms", "MalformedPolicyDocumentException",
                       "The new key policy will not allow you to update the key policy in the future.", 400,
                       d.explain().text())


def _key_policy_check(call: Call, authorizer: Authorizer) -> None:
    """CreateKey / PutKeyPolicy: valid document, existing principals, then the lockout check unless bypassed."""
    if not call.params.get("Policy"):
        return
    new = parse_policy(call.params["Policy"], PolicyKind.KEY, "new key policy")
    check_principals_exist(authorizer.state, new)
    if not call.params.get("BypassPolicyLockoutSafetyCheck"):
        lockout_check(call, new, authorizer)


def _complete_schedule_key_deletion(params: dict[str, Any]) -> Any:
    """moto 5.2.5 answers ScheduleKeyDeletion without KeyState / PendingWindowInDays; AWS includes both
    (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html)."""
    def finish(body: bytes) -> bytes:
        doc = json.loads(body or b"{}")
        doc.setdefault("KeyState", "PendingDeletion")
        doc.setdefault("PendingWindowInDays", int(params.get("PendingWindowInDays") or 30))
        return json.dumps(doc).encode()
    return finish


_CHECKS = {"CreateKey": _key_policy_check, "PutKeyPolicy": _key_policy_check}
_FINISH = {"ScheduleKeyDeletion": _complete_schedule_key_deletion}


def _check(fn: Any, call: Call, authorizer: Authorizer) -> Any:
    def run() -> None:
        fn(call, authorizer)
    return run


def plan(call: Call, op: Op, authorizer: Authorizer) -> Plan:
    """The plan of a direct KMS call: its steps, its checks, and the account moto must act in (the key's)."""
    steps, key = steps_for(call, op, authorizer)
    out = Plan(call, op, authorizer, steps)
    check, finish = _CHECKS.get(call.operation), _FINISH.get(call.operation)
    if check is not None:
        out.checks.append(_check(check, call, authorizer))
    if finish is not None:
        out.finish = finish(call.params)
    if key is not None:
        out.environ["HTTP_X_MOTO_ACCOUNT_ID"] = key.arn.split(":")[4]
    key_id = call.params.get("KeyId", "")
    if key_id.startswith("arn:") and ":key/" in key_id:
        # moto 5.2.5 fails with a KeyError (HTTP 500) on a key ARN in DisableKey, EnableKey,
        # ScheduleKeyDeletion...; AWS accepts a key id or a key ARN everywhere, so moto gets the id.
        out.body = json.dumps({**call.params, "KeyId": key_id.rsplit("/", 1)[1]}).encode()
    return out


# ---------------------------------------------------------------- denial
def denial_message(call: Call, step: Step) -> str:
    """KMS's AccessDenied sentence. For a caller of another account (and no explicit deny) it does not reveal
    whether the key exists (rule ERR-2,
    https://docs.aws.amazon.com/kms/latest/developerguide/troubleshooting-key-policy.html)."""
    d = step.decision
    assert d is not None
    req = d.request
    cross_account = bool(req.resource_account) and req.resource_account != call.caller.account
    if cross_account and d.effect != "explicitDeny" and req.action.startswith("kms:"):
        return (f"User: {call.caller.arn} is not authorized to perform: {req.action} on resource: "
                f"{req.resource} because the resource does not exist in this Region, no resource-based "
                "policies allow access, or a resource-based policy explicitly denies access")
    return d.message()


def deny(call: Call, step: Step, bucket_owner: str) -> AwsError:
    """KMS answers a denied call with 400 ``AccessDeniedException`` (JSON protocol)."""
    assert step.decision is not None
    return AwsError("kms", "AccessDeniedException", denial_message(call, step), 400, step.decision.explain().text())


# ---------------------------------------------------------------- parse
_STRING_PARAMS = ("KeyId", "DestinationKeyId", "SourceKeyId", "TargetKeyId", "AliasName", "Plaintext",
                  "CiphertextBlob", "Policy", "PolicyName", "Description", "GrantId", "GrantToken", "KeySpec",
                  "GranteePrincipal", "RetiringPrincipal", "Name")
_MAP_PARAMS = ("EncryptionContext", "SourceEncryptionContext", "DestinationEncryptionContext")


def parse_params(body: bytes) -> dict[str, Any]:
    """Decode a KMS JSON body, refusing the shapes KMS refuses (JSON 1.1 protocol: SerializationException for
    a wrong JSON type, ValidationException for an encryption context that is not a string-to-string map)."""
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        raise AwsError("kms", "SerializationException", "The request body is not valid JSON", 400) from None
    if not isinstance(params, dict):
        raise AwsError("kms", "SerializationException", "Start of list found where not expected", 400)
    for name in _STRING_PARAMS:
        if name in params and not isinstance(params[name], str):
            raise AwsError("kms", "SerializationException", f"{name} must be a string", 400)
    for name in _MAP_PARAMS:
        value = params.get(name)
        if value is not None and not (isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
            raise AwsError("kms", "ValidationException", f"1 validation error detected: {name} must be a map of "
                           "strings to strings", 400)
    return params


# ---------------------------------------------------------------- trail
def request_parameters(call: Call) -> dict[str, Any]:
    """CloudTrail ``requestParameters`` of a KMS event (no plaintext, no ciphertext)."""
    return {k: v for k, v in call.params.items() if k not in ("Plaintext", "CiphertextBlob")}


def response_elements(call: Call, headers: dict[str, str] | None, body: bytes) -> dict[str, Any] | None:
    """CloudTrail ``responseElements`` of a KMS write: KMS's answer, camelCased, without key material."""
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    return {k[:1].lower() + k[1:]: v for k, v in doc.items() if k not in ("Plaintext", "CiphertextBlob")} or None
