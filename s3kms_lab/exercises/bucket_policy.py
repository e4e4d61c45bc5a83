"""Exercise checks for notebook 02 (post §2: the bucket policy).

Each check takes the running lab and the learner's candidate bucket policy (dict or JSON text), asks the
lab how it would decide a handful of requests under that policy (:class:`~s3kms_lab.widgets.probe.Probe`,
a what-if: the stored policy is not changed) and answers in words: what still goes wrong, never the fix.

- :func:`check_pin_the_key` — requirement 2: every upload must be encrypted with *this* KMS key.
- :func:`check_only_the_role` — requirements 1 and 4: only DataUploaderRole reads and writes objects.

:class:`Check` (the verdict type, :mod:`s3kms_lab.exercises.checks`) is shared by every exercise check.
"""
from __future__ import annotations

from typing import Any, Callable

from ..engine import MalformedPolicyError
from ..i18n import N_, _
from ..widgets.probe import Outcome, Probe
from .checks import Check
from .threats import broken, finish, policy_noun

__all__ = ["Check", "check_pin_the_key", "check_only_the_role", "validate", "because"]


def validate(parse: Callable[[], Any], what: str) -> Check | None:
    """Run a parse; a :class:`Check` explaining AWS's refusal if the document is malformed, else None.
    ``what``: the policy the learner writes, in English (``"bucket policy"``, ``"key policy"``...)."""
    try:
        parse()
    except MalformedPolicyError as exc:
        return Check(False, [_("AWS would refuse this {policy} ({code}): {message}").format(
            policy=policy_noun(what), code=exc.code, message=exc.message)])
    except ValueError as exc:
        return Check(False, [_("This {policy} is not valid JSON: {error}").format(policy=policy_noun(what),
                                                                                  error=exc)])
    return None


def because(o: Outcome, service: str | None = None) -> str:
    """Why the lab decided as it did, in one phrase: the deciding step's summary (for an allowed request,
    the first step of ``service`` when given, e.g. ``"s3"`` for the S3 action itself)."""
    step = o.deciding
    if o.allowed and service:
        step = next((s for s in o.decided if s.request.action.startswith(service + ":")), step)
    if step is None or step.decision is None:
        return _("no authorization was needed")
    return step.decision.summary().rstrip(".")


# --------------------------------------------------------------------------- exercise 2.1

def check_pin_the_key(lab: Any, bucket_policy: Any) -> Check:
    """Requirement 2 (업로드 시 반드시 KMS 키로 암호화): uploads must use SSE-KMS with the post's key.

    Checks, under the candidate bucket policy: the post's own upload still works; an upload without
    encryption headers is still refused; an upload with SSE-KMS under *another* key is refused even for a
    same-account principal whose IAM policy allows s3:*; an upload with ``aws:kms`` but no key id (S3
    would use the AWS managed key aws/s3) is refused even for admin.
    """
    p = Probe(lab)
    cast = p.cast
    bad = validate(lambda: p.put(cast.role_user, bucket_policy=bucket_policy), "bucket policy")
    if bad:
        return bad
    msgs: list[str] = []
    ok_put = p.put(cast.role_user, "aws:kms", "ARN", bucket_policy=bucket_policy)
    if not ok_put.allowed:
        msgs.append(_("The post's own upload (uploader, SSE aws:kms, the key's ARN as key id) is now DENIED: "
                      "{reason}. The correct upload must keep working.").format(reason=because(ok_put)))
    plain = p.put(cast.role_user, "none", "none", bucket_policy=bucket_policy)
    if plain.allowed:
        msgs.append(_("An upload with no encryption headers at all is ALLOWED again: keep refusing unencrypted "
                      "uploads."))
    other = p.put(cast.insider, "aws:kms", "another key", bucket_policy=bucket_policy)
    if other.allowed:
        msgs.append(_("{principal} can still upload with SSE-KMS under another key (alias/another-key): {reason}. "
                      "An Allow in the bucket policy cannot hold back a same-account principal whose own IAM policy "
                      "allows s3:PutObject - which kind of statement can? And if your new test sits in the same "
                      "statement as the algorithm test, remember that all conditions of one statement must match "
                      "at once.").format(principal=cast.insider, reason=because(other, "s3")))
    nokey = p.put(cast.insider, "aws:kms", "none", bucket_policy=bucket_policy)
    if nokey.allowed:
        msgs.append(_("{principal} can still upload with 'aws:kms' and no key id at all (S3 then uses the AWS "
                      "managed key aws/s3): {reason}. What does your condition do when the key-id header is absent "
                      "from the request?").format(principal=cast.insider, reason=because(nokey, "s3")))
    threats = [] if msgs else broken(lab, {"bucket_policy": as_doc(bucket_policy)}, ["R2"])
    ok, out = finish("2.1", msgs, threats, "bucket policy")
    if not ok:
        return Check(False, out)
    return Check(True, [_("Only uploads that name the post's key (as its ARN) with aws:kms get through, for every "
                          "principal, and no non-administrator can change the bucket policy to let others through.")])


# --------------------------------------------------------------------------- exercise 2.2

# The requests exercise 2.2 tries, as the learner reads them (translated where shown).
_ROLE_UPLOAD = N_("upload (SSE aws:kms, the key's ARN)")
_ROLE_DOWNLOAD = N_("download (GetObject)")
_UPLOAD = N_("upload (SSE-KMS, the post's key)")
_DOWNLOAD = N_("download")
_DELETE = N_("delete")

def check_only_the_role(lab: Any, bucket_policy: Any) -> Check:
    """Requirements 1 and 4 (DataUploaderRole만 업로드 가능 / 다른 사용자는 읽기/쓰기 금지).

    Under the candidate bucket policy: DataUploaderRole's session can still upload (SSE-KMS, the key's ARN)
    and download; analyst (same account, s3:* in its IAM policy) and admin can neither upload, download
    nor delete objects; nobody and outsider stay refused.
    """
    p = Probe(lab)
    cast = p.cast
    bad = validate(lambda: p.put(cast.role_user, bucket_policy=bucket_policy), "bucket policy")
    if bad:
        return bad
    sample = p.ensure_object()
    msgs: list[str] = []
    for what, o in ((_ROLE_UPLOAD, p.put(cast.role_user, bucket_policy=bucket_policy)),
                    (_ROLE_DOWNLOAD, p.s3(cast.role_user, "GetObject", sample, bucket_policy=bucket_policy))):
        if not o.allowed:
            msgs.append(_("{role}'s own {request} is now DENIED: {reason}.").format(
                role=cast.role, request=_(what), reason=because(o)) + _role_hint(o, p.arn(cast.role_user)))
    others_allowed = False
    for who in (cast.insider, cast.admin, cast.part("no_policy"), cast.part("outsider")):
        tries = ((_UPLOAD, p.put(who, bucket_policy=bucket_policy)),
                 (_DOWNLOAD, p.s3(who, "GetObject", sample, bucket_policy=bucket_policy)),
                 (_DELETE, p.s3(who, "DeleteObject", sample, bucket_policy=bucket_policy)))
        allowed = [(what, o) for what, o in tries if o.allowed]
        if allowed:
            what, first = allowed[0]
            others_allowed = others_allowed or who in (cast.insider, cast.admin)
            msgs.append(_("{principal} can still {requests} objects; the {request} is {reason}.").format(
                principal=who, requests=", ".join(_(w) for w, _o in allowed), request=_(what),
                reason=because(first, "s3")) + _near_miss(first))
    if others_allowed and not any("Deny" in str(s) for s in _effects(bucket_policy)):
        msgs.append(_("Your policy has no Deny statement. Within one account an identity-based Allow is enough on "
                      "its own (identity OR resource policy), so no Allow in a bucket policy can take access away."))
    threats = [] if msgs else broken(lab, {"bucket_policy": as_doc(bucket_policy)}, ["R1", "R4"])
    ok, out = finish("2.2", msgs, threats, "bucket policy")
    if not ok:
        return Check(False, out)
    return Check(True, [_("Only {role}'s sessions read and write objects; every other principal is refused, and "
                          "only the administrator can change the bucket policy that says so.").format(role=cast.role)])


def _near_miss(o: Outcome, yours: str = "bucket policy") -> str:
    """For a request that should have been refused: the learner's Deny statements that were meant for it but
    do not apply, and why (a Resource without ``/*``, a principal test that does not match...)."""
    from ..checker.check import culprits
    near = [c for c in culprits(o.decided) if c.get("near_miss") and yours in c["policy"]]
    return "".join(" " + _("Your Deny {statement} does not apply to it: {why_not}.").format(
        statement=c["statement"], why_not=c["why_not"]) for c in near[:2])


def _role_hint(o: Outcome, session_arn: str) -> str:
    """What the statement that refused the role's own request got wrong about recognising the role."""
    step = o.deciding
    raw = ""
    if step is not None and step.decision is not None:
        raw = " ".join(str(st.raw) for _pol, st in step.decision.deciding)
    if "NotPrincipal" in raw:
        return " " + _("NotPrincipal compares the caller itself: the role session's ARN ({session_arn}), which "
                       "your list does not name; aws:PrincipalArn carries the role's ARN for every session of the "
                       "role.").format(session_arn=session_arn)
    if "aws:PrincipalArn" in raw or "aws:principalarn" in raw.lower():
        return " " + _("For a role session, aws:PrincipalArn is the role's ARN (arn:aws:iam::ACCOUNT:role/NAME), "
                       "not the session's: check the condition operator and the value you compare it with.")
    return ""


def as_doc(policy: Any) -> Any:
    """A candidate policy as a dict (JSON text is parsed)."""
    import json
    return json.loads(policy) if isinstance(policy, (str, bytes)) else policy


def _effects(policy: Any) -> list[str]:
    import json
    doc = json.loads(policy) if isinstance(policy, (str, bytes)) else policy
    sts = doc.get("Statement", [])
    if isinstance(sts, dict):
        sts = [sts]
    return [st.get("Effect", "") for st in sts]
