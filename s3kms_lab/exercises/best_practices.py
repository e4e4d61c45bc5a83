"""Exercise checks for notebook 07 (post §6: best practices).

- :func:`check_least_privilege_role` — the role's identity policy, trimmed to what its uploads and
  downloads need (the key policy delegates to IAM during the check, so the role policy decides).
- :func:`check_hardened_key_policy` — the key policy, with the role's statement limited to calls made
  through S3 (``kms:ViaService``) for this bucket (``kms:EncryptionContext:aws:s3:arn``).

Both send real requests to the running lab, say what is still wrong in words, and restore what they changed.
The scenario's names (bucket, role, its policy name, the role's profile) come from
:class:`~s3kms_lab.widgets.cast.Cast`; ``my-other-bucket`` is a bucket the check creates itself.
"""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from ..i18n import _
from ..widgets.cast import Cast
from .failure_cases import _doc, _with_role_policy, client
from .least_privilege import MULTIPART_EXTRA, S3_KMS_NEEDS, UPLOADER_NEEDS, excess
from .threats import broken, finish, hardened_design
from .uploading import Check, _multipart

__all__ = ["check_least_privilege_role", "check_hardened_key_policy", "OTHER_BUCKET"]

OTHER_BUCKET = "my-other-bucket"


def _denied(fn: Any, **kw: Any) -> bool:
    try:
        fn(**kw)
        return False
    except ClientError:
        return True


# --------------------------------------------------------------------------- exercise 1

def check_least_privilege_role(lab: Any, policy: dict[str, Any] | str) -> Check:
    """Install ``policy`` as the role's identity policy (key policy: account root only, so IAM decides KMS
    use) and try what the role needs (single and multipart SSE-KMS uploads, downloads) and what it does not
    (delete objects, manage the key, call KMS for other purposes)."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    cast = Cast.of(lab)
    bucket = cast.bucket

    def body() -> list[str]:
        msgs: list[str] = []
        s3 = client(lab, "s3", cast.role_user)
        kms = client(lab, "kms", cast.role_user)
        sse = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
        need = []
        try:
            s3.put_object(Bucket=bucket, Key="lp/small.txt", Body=b"x", **sse)
        except ClientError:
            need.append(_("a single-request SSE-KMS upload"))
        try:
            _multipart(s3, bucket, "lp/large.bin", lab.key_arn)
        except ClientError:
            need.append(_("a multipart SSE-KMS upload"))
        try:
            s3.get_object(Bucket=bucket, Key="lp/small.txt" if not need else "file.txt")["Body"].read()
        except ClientError:
            need.append(_("a download"))
        if need:
            msgs.append(_("The role can no longer do {requests}: the trail of the role's work above lists every "
                          "call it needs (including those S3 made for it).").format(requests=", ".join(need)))
        if not _denied(s3.delete_object, Bucket=bucket, Key="lp/small.txt"):
            msgs.append(_("The role can delete objects; its job is upload and download."))
        key_id = lab.key_arn.split("/")[-1]
        if not _denied(kms.disable_key, KeyId=key_id):
            client(lab, "kms").enable_key(KeyId=key_id)
            msgs.append(_("The role can disable the key: key management is not its job."))
        if not _denied(kms.encrypt, KeyId=lab.key_arn, Plaintext=b"x"):
            msgs.append(_("The role can call kms:Encrypt itself; S3 never asks for it on the role's behalf."))
        if not _denied(kms.describe_key, KeyId=lab.key_arn):
            msgs.append(_("The role can read the key's metadata (DescribeKey); S3 does not need that for it."))
        msgs += [_("Still too broad: {problem}.").format(problem=m)
                 for m in excess(doc, UPLOADER_NEEDS, MULTIPART_EXTRA)]
        return msgs

    res = _with_role_policy(lab, doc, body)
    threats = [] if not res.ok else broken(lab, {"role_policies": {cast.role: {cast.role_policy: doc}}},
                                           ["R1", "R2", "R3", "R4", "U1", "U2"], hardened_design(lab))
    ok, msgs = finish("7.1", [] if res.ok else res.messages, threats, "role policy")
    if not ok:
        return Check(False, msgs)
    return Check(True, [_("The role can upload (single and multipart) and download, and nothing more; put into the "
                          "hardened design, no requirement can be broken by a non-administrator.")])


# --------------------------------------------------------------------------- exercise 2

def _ensure_other_bucket(lab: Any) -> None:
    s3 = client(lab, "s3")
    try:
        s3.head_bucket(Bucket=OTHER_BUCKET)
    except ClientError:
        s3.create_bucket(Bucket=OTHER_BUCKET, CreateBucketConfiguration={"LocationConstraint": lab.region})


def check_hardened_key_policy(lab: Any, key_policy: dict[str, Any] | str) -> Check:
    """Install ``key_policy`` on the post's key, give the role S3 permissions on every bucket but no KMS
    permission of its own (so the key policy alone decides), and test: uploads and downloads through S3 to
    the scenario's bucket work; the role calling KMS directly is refused; S3 using the key for another bucket
    (my-other-bucket) on the role's behalf is refused."""
    doc = json.loads(key_policy) if isinstance(key_policy, str) else key_policy
    cast = Cast.of(lab)
    bucket, role, role_policy = cast.bucket, cast.role, cast.role_policy
    kms_admin, iam = client(lab, "kms"), client(lab, "iam")
    key_id = lab.key_arn.split("/")[-1]
    _ensure_other_bucket(lab)
    saved_key = kms_admin.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    saved_role = {n: iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
                  for n in iam.list_role_policies(RoleName=role)["PolicyNames"]}
    msgs: list[str] = []
    try:
        try:
            kms_admin.put_key_policy(KeyId=key_id, PolicyName="default", Policy=_doc(doc))
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if "MalformedPolicyDocument" in code and "update the key policy" in str(err):
                return Check(False, [_("KMS refused the policy (lockout safety check): with it, the admin could "
                                       "never change the key policy again. Keep the statement that lets the "
                                       "account manage the key.")])
            return Check(False, [_("KMS refused the policy ({code}): {message}").format(
                code=code, message=err.response.get("Error", {}).get("Message"))])
        for n in saved_role:
            iam.delete_role_policy(RoleName=role, PolicyName=n)
        iam.put_role_policy(RoleName=role, PolicyName=role_policy, PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
                 "Resource": "arn:aws:s3:::*/*"}]}))
        s3 = client(lab, "s3", cast.role_user)
        kms = client(lab, "kms", cast.role_user)
        sse = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
        try:
            s3.put_object(Bucket=bucket, Key="hardening/a.txt", Body=b"a", **sse)
            s3.get_object(Bucket=bucket, Key="hardening/a.txt")["Body"].read()
        except ClientError as err:
            op = err.operation_name
            msgs.append(_("The role's own {operation} on {bucket} is refused now: the key policy no longer lets S3 "
                          "use the key for it. Compare your condition values with the request context S3 sends "
                          "(the trail shows it).").format(operation=op, bucket=bucket))
        if not _denied(kms.generate_data_key, KeyId=lab.key_arn, KeySpec="AES_256"):
            msgs.append(_("The role can still call KMS directly (GenerateDataKey without S3): nothing in the "
                          "role's statement says the call must come through S3."))
        if not _denied(s3.put_object, Bucket=OTHER_BUCKET, Key="a.txt", Body=b"a", **sse):
            msgs.append(_("S3 can use the key on the role's behalf for another bucket (my-other-bucket): nothing "
                          "ties the key to {bucket}.").format(bucket=bucket))
    finally:
        kms_admin.put_key_policy(KeyId=key_id, PolicyName="default", Policy=saved_key,
                                 BypassPolicyLockoutSafetyCheck=True)
        for n in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role, PolicyName=n)
        for n, d in saved_role.items():
            iam.put_role_policy(RoleName=role, PolicyName=n, PolicyDocument=_doc(d))
    role_arn = f"arn:aws:iam::{lab.account}:role/{role}"
    msgs += [_("The role's statement is still too broad: {problem}.").format(problem=m) for m in
             excess(doc, S3_KMS_NEEDS, resources=False, only=lambda st: role_arn in json.dumps(st.get("Principal")))]
    threats = [] if msgs else broken(lab, {"key_policy": doc}, ["R3", "U1", "U2"], hardened_design(lab))
    ok, msgs = finish("7.2", msgs, threats, "key policy")
    if not ok:
        return Check(False, msgs)
    return Check(True, [_("The role uses the key only through S3, only for {bucket}, only for what S3 asks on its "
                          "behalf; and no other principal can reach the key by any sequence of calls.").format(
        bucket=bucket)])
