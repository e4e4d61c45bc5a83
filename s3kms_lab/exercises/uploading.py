"""Exercise checks for notebook 05 (post §5: uploading with the AWS CLI and boto3).

Every check sends real requests to the running lab (the same endpoint the learner uses) and answers in
words: what still goes wrong, never the fix itself. Each check restores what it changed.

- :func:`check_upload_call` — the learner's ``put_object`` arguments for the post's upload.
- :func:`check_writer_policy` — an identity policy that lets the scenario's insider (``analyst`` in the post)
  upload small *and* large (multipart) SSE-KMS objects with the post's key, and nothing more.

Every name (bucket, profiles, users) comes from the lab's scenario through
:class:`~s3kms_lab.widgets.cast.Cast`, so the checks run on any scenario folder.
"""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from ..i18n import _
from ..widgets.cast import Cast
from .checks import Check

__all__ = ["Check", "check_upload_call", "check_writer_policy", "WRITER_POLICY_NAME"]

WRITER_POLICY_NAME = "Writer"


def _user_name(lab: Any, profile: str) -> str:
    """The IAM user name behind a user ``profile`` of the lab's scenario."""
    return (lab.scenario.spec.get("profiles", {}).get(profile) or {}).get("user", profile)


def _code(err: ClientError) -> str:
    return err.response.get("Error", {}).get("Code", "")


def _message(err: ClientError) -> str:
    return err.response.get("Error", {}).get("Message", "")


def _which_step(err: ClientError) -> str:
    """Say which kind of permission was missing, without naming the action to add."""
    text = _message(err)
    if "perform: kms:" in text:
        return _("S3's call to KMS on your behalf was refused. Which KMS call does S3 make for this step "
                 "(look at the trail in the multipart section)?")
    if "perform: s3:" in text:
        return _("S3 itself refused the request: the S3 permission for this step is missing.")
    return f"{_code(err)}."


def _as_text(policy: dict[str, Any] | str) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy)


# --------------------------------------------------------------------------- exercise 1

def check_upload_call(lab: Any, call: dict[str, Any], profile: str | None = None) -> Check:
    """Run ``put_object(**call)`` as ``profile`` (default: the profile of the scenario's role, ``uploader`` in
    the post) and say whether it meets the post's requirement 2: the object lands in the scenario's bucket,
    encrypted with SSE-KMS under the scenario's customer managed key."""
    cast = Cast.of(lab)
    s3 = lab.client("s3", profile or cast.role_user)
    msgs: list[str] = []
    if call.get("Bucket") != cast.bucket:
        msgs.append(_("The post uploads to the bucket {bucket}; your call names {yours}.").format(
            bucket=repr(cast.bucket), yours=repr(call.get("Bucket"))))
        return Check(False, msgs)
    if not call.get("Key"):
        msgs.append(_("Every object needs a Key (its name in the bucket)."))
        return Check(False, msgs)
    try:
        resp = s3.put_object(**call)
    except ClientError as err:
        code, text = _code(err), _message(err)
        if code == "AccessDenied" and "explicit deny" in text:
            msgs.append(_("S3 refused the upload with an explicit deny from the bucket policy: a Deny statement's "
                          "condition matched your request. Compare the encryption header you send with what "
                          "DenyUnEncryptedUploads tests."))
        elif code == "AccessDenied":
            msgs.append(_("S3 refused the upload: {message}").format(message=text))
        elif code.startswith("KMS."):
            msgs.append(_("S3 accepted the request but could not use the key you named ({code}): is that a key "
                          "that exists in this account and region?").format(code=code))
        else:
            msgs.append(_("The call failed with {code}: {message}").format(code=code, message=text))
        return Check(False, msgs)
    except Exception as exc:  # botocore parameter validation and the like
        return Check(False, [_("boto3 could not send the call: {error}").format(error=exc)])
    algo = resp.get("ServerSideEncryption")
    key = resp.get("SSEKMSKeyId", "")
    if algo != "aws:kms":
        msgs.append(_("The object was stored, but encrypted with {algorithm}, which is not SSE-KMS.").format(
            algorithm=repr(algo)))
    elif key != lab.key_arn:
        msgs.append(_("The object is SSE-KMS encrypted, but not under the post's customer managed key (S3 used "
                      "{key}). Which parameter tells S3 the key to use?").format(key=key))
    return Check(not msgs, msgs or [_("{object} is stored with SSE-KMS under {key}.").format(object=call["Key"],
                                                                                           key=lab.key_arn)])


# --------------------------------------------------------------------------- exercise 2

def _multipart(s3: Any, bucket: str, key: str, key_arn: str) -> None:
    """A one-part multipart upload: the same requests the CLI sends for a large file."""
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn)
    uid = up["UploadId"]
    try:
        part = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=b"x" * 1024)
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                     MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    except ClientError:
        try:
            s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
        except ClientError:
            pass
        raise


def _wildcards(policy: dict[str, Any]) -> list[str]:
    """Actions or resources written as a bare ``*`` or ``service:*`` (broader than an upload needs)."""
    found = []
    stmts = policy.get("Statement", [])
    for st in stmts if isinstance(stmts, list) else [stmts]:
        if st.get("Effect") != "Allow":
            continue
        actions = st.get("Action", [])
        for a in actions if isinstance(actions, list) else [actions]:
            if a == "*" or a.endswith(":*"):
                found.append(f"Action {a!r}")
        res = st.get("Resource", [])
        for r in res if isinstance(res, list) else [res]:
            if r == "*":
                found.append("Resource '*'")
    return found


def check_writer_policy(lab: Any, policy: dict[str, Any] | str) -> Check:
    """Install ``policy`` as the only identity policy of the scenario's insider user (``analyst`` in the
    post), then try: a small SSE-KMS upload, a multipart SSE-KMS upload (what ``aws s3 cp`` does above
    8 MiB), and a few things a writer should not be able to do. Restores the user's previous policies
    afterwards."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    cast = Cast.of(lab)
    bucket, writer = cast.bucket, cast.insider
    writer_user = _user_name(lab, writer)
    iam = lab.client("iam", cast.admin)
    saved = {n: iam.get_user_policy(UserName=writer_user, PolicyName=n)["PolicyDocument"]
             for n in iam.list_user_policies(UserName=writer_user)["PolicyNames"]}
    msgs: list[str] = []
    try:
        for n in saved:
            iam.delete_user_policy(UserName=writer_user, PolicyName=n)
        try:
            iam.put_user_policy(UserName=writer_user, PolicyName=WRITER_POLICY_NAME, PolicyDocument=_as_text(doc))
        except ClientError as err:
            return Check(False, [_("IAM rejected the policy document ({code}): {message}").format(
                code=_code(err), message=_message(err))])
        s3 = lab.client("s3", writer)
        try:
            s3.put_object(Bucket=bucket, Key="exercise/small.txt", Body=b"small",
                          ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
        except ClientError as err:
            msgs.append(_("A small SSE-KMS upload fails: {why}").format(why=_which_step(err)))
        try:
            _multipart(s3, bucket, "exercise/large.bin", lab.key_arn)
        except ClientError as err:
            msgs.append(_("A large (multipart) upload fails at {operation}: {why}").format(
                operation=err.operation_name, why=_which_step(err)))
        try:
            s3.get_object(Bucket=bucket, Key="exercise/small.txt")["Body"].read()
            msgs.append(_("{writer} can also read the objects (GetObject): a writer only writes.").format(
                writer=writer))
        except ClientError:
            pass
        try:
            s3.delete_object(Bucket=bucket, Key="exercise/small.txt")
            msgs.append(_("{writer} can also delete objects: an uploader does not need that.").format(writer=writer))
        except ClientError:
            pass
        kms = lab.client("kms", writer)
        try:
            kms.disable_key(KeyId=lab.key_arn.split("/")[-1])
            kms_admin = lab.client("kms", cast.admin)
            kms_admin.enable_key(KeyId=lab.key_arn.split("/")[-1])
            msgs.append(_("{writer} can also disable the key: an uploader needs only what S3 asks KMS for.").format(
                writer=writer))
        except ClientError:
            pass
        from .least_privilege import MULTIPART_EXTRA, WRITER_NEEDS, excess
        msgs += [_("Too broad for a writer: {problem}.").format(problem=m)
                 for m in excess(doc, WRITER_NEEDS, MULTIPART_EXTRA)]
    finally:
        for n in iam.list_user_policies(UserName=writer_user)["PolicyNames"]:
            iam.delete_user_policy(UserName=writer_user, PolicyName=n)
        for n, d in saved.items():
            iam.put_user_policy(UserName=writer_user, PolicyName=n, PolicyDocument=_as_text(d))
    return Check(not msgs, msgs or [_("Small and multipart SSE-KMS uploads work, and nothing broader is allowed.")])
