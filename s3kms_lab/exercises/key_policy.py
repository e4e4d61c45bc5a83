"""Exercise checks for notebook 03 (post §3: the KMS key policy).

Each check takes the running lab and the learner's candidate key policy (dict or JSON text) and asks the
lab how it would decide requests under it (a what-if through :class:`~s3kms_lab.widgets.probe.Probe`;
the key's stored policy is not changed). The answer names what still goes wrong, never the fix.

- :func:`check_key_users` — requirement 3: only DataUploaderRole may *use* the key, and someone can still
  administer it (KMS's lockout safety check must accept the policy when admin puts it).
- :func:`check_only_through_s3` — DataUploaderRole may use the key only through S3 (``kms:ViaService``).
"""
from __future__ import annotations

import json
from typing import Any

from ..i18n import _
from ..widgets.probe import Probe, as_policy_text
from .bucket_policy import Check, as_doc, because, validate
from .threats import broken, finish

__all__ = ["check_key_users", "check_only_through_s3"]

_USE = ("kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt")


def _uploader_through_s3(p: Probe, policy: Any) -> list[str]:
    msgs = []
    cast = p.cast
    up = p.put(cast.role_user, key_policy=policy)
    if not up.allowed:
        msgs.append(_("{role}'s SSE-KMS upload through S3 is now DENIED: {reason}.").format(role=cast.role,
                                                                                          reason=because(up)))
    dec = p.kms(cast.role_user, "kms:Decrypt", via_s3=True, key_policy=policy)
    if not dec.allowed:
        msgs.append(_("S3 can no longer decrypt objects for {role} (kms:Decrypt through S3 is DENIED): "
                      "{reason}.").format(role=cast.role, reason=because(dec)))
    return msgs


def _lockout(p: Probe, policy: Any) -> list[str]:
    err = p.lockout_check(p.cast.admin, policy)
    if err:
        return [_("KMS would refuse this key policy when {admin} sends it ({error}). Nobody could change the key "
                  "policy afterwards, so KMS's lockout safety check stops you: someone must still be allowed "
                  "kms:PutKeyPolicy.").format(admin=p.cast.admin, error=err)]
    return []


# --------------------------------------------------------------------------- exercise 3.1

def check_key_users(lab: Any, key_policy: Any) -> Check:
    """Requirement 3 (KMS 키는 DataUploaderRole만 사용할 수 있음).

    Under the candidate key policy: admin can still put a key policy (lockout check); DataUploaderRole can
    upload and download through S3; analyst (kms:* in its IAM policy) and admin can neither encrypt,
    decrypt nor generate data keys, directly or through S3; nobody and outsider are refused.
    """
    p = Probe(lab)
    cast = p.cast
    bad = validate(lambda: p.kms(cast.role_user, "kms:Decrypt", key_policy=key_policy), "key policy")
    if bad:
        return bad
    msgs = _lockout(p, key_policy) + _uploader_through_s3(p, key_policy)
    for who in (cast.insider, cast.admin, cast.part("no_policy"), cast.part("outsider")):
        used = [(a, p.kms(who, a, key_policy=key_policy)) for a in _USE]
        used.append((_("an SSE-KMS upload through S3"), p.put(who, key_policy=key_policy)))
        allowed = [(a, o) for a, o in used if o.allowed]
        if allowed:
            names = ", ".join(a for a, _o in allowed)
            first = allowed[0][1]
            hint = ""
            if any(s.decision.rule == "identity-allow-delegated" for s in first.decided
                   if s.request.action.startswith("kms:")):
                hint = " " + _("The key policy itself does not name this principal: an identity-based policy counts "
                               "because a statement delegates the key to the account's IAM policies.")
            if who == cast.admin:
                hint += " " + _("Administering a key and using it are different actions.")
            msgs.append(_("{principal} can still use the key ({actions}): {reason}.").format(
                principal=who, actions=names, reason=because(first, "kms")) + hint)
    grant = p.kms(cast.admin, "kms:CreateGrant", key_policy=key_policy)
    if grant.allowed:
        # A grant allows use of the key without any change to the key policy
        # (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html): a key administrator with
        # kms:CreateGrant (e.g. through kms:Create*) can give itself kms:Encrypt / kms:Decrypt in one call.
        msgs.append(_("{admin} can give itself use of the key with kms:CreateGrant (a grant needs no change to the "
                      "key policy, and no IAM permission): {reason}. Administering a key does not need "
                      "kms:CreateGrant; which of your wildcard actions includes it?").format(
            admin=cast.admin, reason=because(grant, "kms")))
    threats = [] if msgs else broken(lab, {"key_policy": as_doc(key_policy)}, ["R3"])
    ok, out = finish("3.1", msgs, threats, "key policy")
    if not ok:
        return Check(False, out)
    return Check(True, [_("Only {role} uses the key; {admin} can still administer it (and change the key policy, "
                          "as the trusted administrator), but cannot give itself use of the key with a grant, and no "
                          "other principal can reach the key by any sequence of calls.").format(
        role=cast.role, admin=cast.admin)])


# --------------------------------------------------------------------------- exercise 3.2

def check_only_through_s3(lab: Any, key_policy: Any) -> Check:
    """DataUploaderRole may use the key only when S3 calls KMS on its behalf (uploads and downloads), not by
    calling kms:Encrypt / kms:Decrypt / kms:GenerateDataKey itself. admin must still pass the lockout check."""
    p = Probe(lab)
    cast = p.cast
    bad = validate(lambda: p.kms(cast.role_user, "kms:Decrypt", key_policy=key_policy), "key policy")
    if bad:
        return bad
    through = _uploader_through_s3(p, key_policy)
    msgs = _lockout(p, key_policy) + through
    if through and "kms:viaservice" in as_policy_text(key_policy).lower():
        msgs.append(_("Your policy tests kms:ViaService, but not with the value S3 puts in that key: look up the "
                      "documented format of kms:ViaService values (it names the service and the Region)."))
    direct = [(a, p.kms(cast.role_user, a, key_policy=key_policy)) for a in _USE]
    allowed = [(a, o) for a, o in direct if o.allowed]
    if allowed:
        first = allowed[0][1]
        hint = ""
        if first.decided and first.decided[-1].decision.rule == "identity-allow-delegated":
            hint = " " + _("This Allow comes from the role's own IAM policy, which counts because a key-policy "
                           "statement delegates to the account: a condition on the role's key-policy statement alone "
                           "cannot stop it.")
        msgs.append(_("{role} can still call {actions} directly (not through S3): {reason}.").format(
            role=cast.role, actions=", ".join(a for a, _o in allowed), reason=because(first)) + hint)
    # Requirement 3 (who else may use the key) is exercise 3.1's concern; this one starts from the post's
    # policy on purpose and judges only the role's direct use, which no requirement of the scenario names.
    ok, msgs = finish("3.2", msgs, [], "key policy")
    if not ok:
        return Check(False, msgs)
    return Check(True, [_("{role} uses the key only through S3; direct KMS calls are refused.").format(
        role=cast.role)])


def post_key_policy(lab: Any) -> dict[str, Any]:
    """The key policy stored in the lab (the post's §3 policy), as a starting point."""
    return json.loads(json.dumps(Probe(lab).stored_key_policy()))
