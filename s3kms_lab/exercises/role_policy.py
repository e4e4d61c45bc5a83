"""Exercise checks for notebook 04 (post §4: the role's IAM policy, trust and AssumeRole).

Each check takes the running lab and the learner's candidate identity policy (dict or JSON text) and asks
the lab how it would decide requests with it (a what-if through :class:`~s3kms_lab.widgets.probe.Probe`;
nothing is attached). The answer names what still goes wrong, never the fix.

- :func:`check_least_privilege` — §6 best practice 3: the role policy grants what an SSE-KMS upload and
  download need and nothing more. It is judged *on its own*: as if the bucket had no bucket policy and the
  key had KMS's default key policy (which delegates to IAM), so the bucket and key policies cannot hide
  a gap or an excess.
- :func:`check_assume_policy` — an identity policy that lets ``nobody`` assume DataUploaderRole, and no
  other role.
"""
from __future__ import annotations

from typing import Any

from ..i18n import N_, _
from ..widgets.probe import NO_POLICY, Probe, default_key_policy
from .bucket_policy import Check, as_doc, because, validate
from .least_privilege import MULTIPART_EXTRA, UPLOADER_NEEDS, excess
from .threats import broken, finish, hardened_design

__all__ = ["check_least_privilege", "check_assume_policy", "OTHER_ROLE_ARN"]

OTHER_ROLE_ARN = "arn:aws:iam::123456789012:role/SomeOtherRole"  # in seed; the check builds it from the lab's account


def check_least_privilege(lab: Any, role_policy: Any) -> Check:
    """The role policy must allow: PutObject with SSE-KMS under the post's key (s3:PutObject and the
    kms:GenerateDataKey S3 asks for), GetObject (s3:GetObject and kms:Decrypt through S3). It must not allow:
    kms:Encrypt, kms:ReEncryptFrom, kms:GenerateDataKeyPair or kms:DescribeKey on the key, s3:DeleteObject,
    uploads to another bucket, decrypting with another key."""
    p = Probe(lab)
    cast = p.cast
    bad = validate(lambda: p.kms(cast.role_user, "kms:Decrypt", identity=role_policy), "identity policy")
    if bad:
        return bad
    sample = p.ensure_object()
    iso = {"identity": role_policy, "bucket_policy": NO_POLICY, "key_policy": default_key_policy(lab.account)}
    msgs: list[str] = []
    need = [(N_("upload with SSE-KMS under the post's key"), p.put(cast.role_user, **iso)),
            (N_("download an SSE-KMS object"), p.s3(cast.role_user, "GetObject", sample, **iso))]
    for what, o in need:
        if not o.allowed:
            # name the refused authorization: a missing s3:GetObject and a missing kms:Decrypt (S3 asking KMS
            # on the role's behalf) are different mistakes
            step = o.deciding
            if step is None:
                text = _("The role can no longer {what}: refused: {reason}.")
            elif step.via_s3:
                text = _("The role can no longer {what}: {action} is refused (S3 calls KMS on the role's behalf): "
                         "{reason}.")
            else:
                text = _("The role can no longer {what}: {action} is refused: {reason}.")
            msgs.append(text.format(what=_(what), action=step.request.action if step is not None else "",
                                    reason=because(o)))
    msgs += [_("Too broad: {problem}.").format(problem=m)
             for m in excess(role_policy, UPLOADER_NEEDS, MULTIPART_EXTRA)]
    other_key = p.other_key_arn()
    for what, o in ((N_("delete objects (s3:DeleteObject)"), p.s3(cast.role_user, "DeleteObject", sample, **iso)),
                    (N_("upload to another bucket"), p.s3(cast.role_user, "PutObject", "x.txt",
                                                          p.sse_headers("aws:kms", "ARN"), bucket="another-bucket",
                                                          **iso)),
                    (N_("decrypt with another key (alias/another-key)"),
                     p.kms(cast.role_user, "kms:Decrypt", key=other_key, identity=role_policy))):
        if o.allowed:
            msgs.append(_("The policy also lets the role {what}: {reason}.").format(what=_(what), reason=because(o)))
    role = lab.scenario.spec["roles"][0]
    name = next(iter(role.get("policies") or {}), "RolePolicy")
    threats = [] if msgs else broken(lab, {"role_policies": {role["name"]: {name: as_doc(role_policy)}}},
                                     ["R1", "R2", "R3", "R4", "U1", "U2"], hardened_design(lab))
    ok, msgs = finish("4.1", msgs, threats, "role policy")
    if not ok:
        return Check(False, msgs)
    return Check(True, [_("The role policy grants exactly what SSE-KMS uploads and downloads of {bucket} with the "
                          "post's key need.").format(bucket=cast.bucket)])


def check_assume_policy(lab: Any, identity_policy: Any) -> Check:
    """``nobody`` gets this identity policy: it must be able to assume DataUploaderRole (whose trust policy
    names the account) and no other role that trusts the account, and gain nothing else on the bucket."""
    p = Probe(lab)
    cast = p.cast
    nobody = cast.part("no_policy")
    other_role = f"arn:aws:iam::{lab.account}:role/SomeOtherRole"
    bad = validate(lambda: p.assume_role(nobody, identity=identity_policy), "identity policy")
    if bad:
        return bad
    msgs: list[str] = []
    o = p.assume_role(nobody, identity=identity_policy)
    if not o.allowed:
        msgs.append(_("{principal} still cannot assume {role}: {reason}. The trust policy names the account, which "
                      "hands the decision to the account's IAM policies.").format(principal=nobody, role=cast.role,
                                                                                 reason=because(o)))
    account_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{lab.account}:root"},
                                                             "Action": "sts:AssumeRole"}]}
    other = p.assume_role(nobody, other_role, identity=identity_policy, trust=account_trust)
    if other.allowed:
        msgs.append(_("{principal} could also assume any other role that trusts the account (e.g. {other_role}): "
                      "{reason}. Name only the role nobody needs.").format(principal=nobody, other_role=other_role,
                                                                          reason=because(other)))
    direct = p.s3(nobody, "HeadObject", p.ensure_object(), identity=identity_policy)
    if direct.allowed:
        msgs.append(_("{principal} can now read objects as itself, without the role (s3:GetObject): {reason}. The "
                      "policy should only open the door to the role.").format(principal=nobody,
                                                                              reason=because(direct)))
    if msgs:
        return Check(False, msgs)
    return Check(True, [_("{principal} can assume {role}, and only that role.").format(principal=nobody,
                                                                                     role=cast.role)])


