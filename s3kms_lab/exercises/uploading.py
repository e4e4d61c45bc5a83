"""Exercise checks for notebook 05 (post §5: uploading with the AWS CLI and boto3).

Every check sends real requests to the running lab (the same endpoint the learner uses) and answers in
words: what still goes wrong, never the fix itself. Each check restores what it changed.

- :func:`check_upload_call` — the learner's ``put_object`` arguments for the post's upload.
- :func:`check_writer_policy` — an identity policy that lets ``analyst`` upload small *and* large
  (multipart) SSE-KMS objects with the post's key, and nothing more.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

__all__ = ["Check", "check_upload_call", "check_writer_policy", "BUCKET", "WRITER_USER", "WRITER_POLICY_NAME"]

BUCKET = "my-secure-bucket"
WRITER_USER = "analyst"
WRITER_POLICY_NAME = "Writer"


@dataclass
class Check:
    """The verdict of an exercise check: ``ok`` and the sentences a learner reads."""

    ok: bool
    messages: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = "Well done: every check passes." if self.ok else "Not yet:"
        lines = [head] + [f"  - {m}" for m in self.messages]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython display
        p.text(str(self))


def _code(err: ClientError) -> str:
    return err.response.get("Error", {}).get("Code", "")


def _message(err: ClientError) -> str:
    return err.response.get("Error", {}).get("Message", "")


def _which_step(err: ClientError) -> str:
    """Say which kind of permission was missing, without naming the action to add."""
    text = _message(err)
    if "perform: kms:" in text:
        return ("S3's call to KMS on your behalf was refused. Which KMS call does S3 make for this step "
                "(look at the trail in the multipart section)?")
    if "perform: s3:" in text:
        return "S3 itself refused the request: the S3 permission for this step is missing."
    return f"{_code(err)}."


def _as_text(policy: dict[str, Any] | str) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy)


# --------------------------------------------------------------------------- exercise 1

def check_upload_call(lab: Any, call: dict[str, Any], profile: str = "uploader") -> Check:
    """Run ``put_object(**call)`` as ``profile`` and say whether it meets the post's requirement 2:
    the object lands in the bucket, encrypted with SSE-KMS under the post's customer managed key."""
    s3 = lab.client("s3", profile)
    msgs: list[str] = []
    if call.get("Bucket") != BUCKET:
        msgs.append(f"The post uploads to the bucket {BUCKET!r}; your call names {call.get('Bucket')!r}.")
        return Check(False, msgs)
    if not call.get("Key"):
        msgs.append("Every object needs a Key (its name in the bucket).")
        return Check(False, msgs)
    try:
        resp = s3.put_object(**call)
    except ClientError as err:
        code, text = _code(err), _message(err)
        if code == "AccessDenied" and "explicit deny" in text:
            msgs.append("S3 refused the upload with an explicit deny from the bucket policy: a Deny statement's "
                        "condition matched your request. Compare the encryption header you send with what "
                        "DenyUnEncryptedUploads tests.")
        elif code == "AccessDenied":
            msgs.append(f"S3 refused the upload: {text}")
        elif code.startswith("KMS."):
            msgs.append(f"S3 accepted the request but could not use the key you named ({code}): is that a key "
                        "that exists in this account and region?")
        else:
            msgs.append(f"The call failed with {code}: {text}")
        return Check(False, msgs)
    except Exception as exc:  # botocore parameter validation and the like
        return Check(False, [f"boto3 could not send the call: {exc}"])
    algo = resp.get("ServerSideEncryption")
    key = resp.get("SSEKMSKeyId", "")
    if algo != "aws:kms":
        msgs.append(f"The object was stored, but encrypted with {algo!r}, which is not SSE-KMS.")
    elif key != lab.key_arn:
        msgs.append("The object is SSE-KMS encrypted, but not under the post's customer managed key "
                    f"(S3 used {key}). Which parameter tells S3 the key to use?")
    return Check(not msgs, msgs or [f"{call['Key']} is stored with SSE-KMS under {lab.key_arn}."])


# --------------------------------------------------------------------------- exercise 2

def _multipart(s3: Any, key: str, key_arn: str) -> None:
    """A one-part multipart upload: the same requests the CLI sends for a large file."""
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn)
    uid = up["UploadId"]
    try:
        part = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=1, Body=b"x" * 1024)
        s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid,
                                     MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    except ClientError:
        try:
            s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid)
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
    """Install ``policy`` as the ``analyst`` user's only identity policy, then try: a small SSE-KMS upload,
    a multipart SSE-KMS upload (what ``aws s3 cp`` does above 8 MiB), and a few things a writer should
    not be able to do. Restores analyst's previous policies afterwards."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    iam = lab.client("iam", "admin")
    saved = {n: iam.get_user_policy(UserName=WRITER_USER, PolicyName=n)["PolicyDocument"]
             for n in iam.list_user_policies(UserName=WRITER_USER)["PolicyNames"]}
    msgs: list[str] = []
    try:
        for n in saved:
            iam.delete_user_policy(UserName=WRITER_USER, PolicyName=n)
        try:
            iam.put_user_policy(UserName=WRITER_USER, PolicyName=WRITER_POLICY_NAME, PolicyDocument=_as_text(doc))
        except ClientError as err:
            return Check(False, [f"IAM rejected the policy document ({_code(err)}): {_message(err)}"])
        s3 = lab.client("s3", WRITER_USER)
        try:
            s3.put_object(Bucket=BUCKET, Key="exercise/small.txt", Body=b"small",
                          ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
        except ClientError as err:
            msgs.append("A small SSE-KMS upload fails: " + _which_step(err))
        try:
            _multipart(s3, "exercise/large.bin", lab.key_arn)
        except ClientError as err:
            msgs.append(f"A large (multipart) upload fails at {err.operation_name}: " + _which_step(err))
        try:
            s3.get_object(Bucket=BUCKET, Key="exercise/small.txt")["Body"].read()
            msgs.append("analyst can also read the objects (GetObject): a writer only writes.")
        except ClientError:
            pass
        try:
            s3.delete_object(Bucket=BUCKET, Key="exercise/small.txt")
            msgs.append("analyst can also delete objects: an uploader does not need that.")
        except ClientError:
            pass
        kms = lab.client("kms", WRITER_USER)
        try:
            kms.disable_key(KeyId=lab.key_arn.split("/")[-1])
            kms_admin = lab.client("kms", "admin")
            kms_admin.enable_key(KeyId=lab.key_arn.split("/")[-1])
            msgs.append("analyst can also disable the key: an uploader needs only what S3 asks KMS for.")
        except ClientError:
            pass
        from .least_privilege import MULTIPART_EXTRA, WRITER_NEEDS, excess
        msgs += [f"Too broad for a writer: {m}." for m in excess(doc, WRITER_NEEDS, MULTIPART_EXTRA)]
    finally:
        for n in iam.list_user_policies(UserName=WRITER_USER)["PolicyNames"]:
            iam.delete_user_policy(UserName=WRITER_USER, PolicyName=n)
        for n, d in saved.items():
            iam.put_user_policy(UserName=WRITER_USER, PolicyName=n, PolicyDocument=_as_text(d))
    return Check(not msgs, msgs or ["Small and multipart SSE-KMS uploads work, and nothing broader is allowed."])
