"""The seed post's scenario end to end (issue 2): AWS's decisions through boto3 and the AWS CLI.

Expected outcomes follow AWS's evaluation logic
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
same-account identity policies suffice for S3 (analyst), a bucket-policy Deny binds everyone,
cross-account callers need the bucket policy to allow them, and the key policy's root statement
delegates the key to the account's IAM policies (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
"""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import run_aws

BUCKET = "my-secure-bucket"


def put(lab, profile, key, **sse):
    return lab.client("s3", profile).put_object(Bucket=BUCKET, Key=key, Body=b"Hello Secure World!", **sse)


def error_of(fn, *a, **kw):
    with pytest.raises(ClientError) as exc:
        fn(*a, **kw)
    return exc.value.response


def test_uploader_put_with_the_post_key_succeeds_and_reports_the_key(lab):
    r = put(lab, "uploader", "file.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    assert r["ServerSideEncryption"] == "aws:kms"
    assert r["SSEKMSKeyId"] == lab.key_arn
    head = lab.client("s3", "uploader").head_object(Bucket=BUCKET, Key="file.txt")
    assert head["SSEKMSKeyId"] == lab.key_arn


def test_uploader_get_returns_the_body(lab):
    put(lab, "uploader", "get-me.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    body = lab.client("s3", "uploader").get_object(Bucket=BUCKET, Key="get-me.txt")["Body"].read()
    assert body == b"Hello Secure World!"


@pytest.mark.parametrize("sse", [{}, {"ServerSideEncryption": "AES256"}], ids=["no-sse", "aes256"])
def test_uploader_put_without_kms_is_explicitly_denied_by_the_bucket_policy(lab, sse):
    resp = error_of(put, lab, "uploader", "plain.txt", **sse)
    assert resp["Error"]["Code"] == "AccessDenied"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "with an explicit deny in a resource-based policy" in resp["Error"]["Message"]
    explanation = resp["ResponseMetadata"]["HTTPHeaders"]["x-s3kms-lab-explanation"]
    assert "DenyUnEncryptedUploads" in explanation


@pytest.mark.parametrize("profile", ["nobody", "outsider"])
def test_nobody_and_outsider_cannot_put_or_get(lab, profile):
    put(lab, "uploader", "secret.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    resp = error_of(put, lab, profile, "intruder.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    assert resp["Error"]["Code"] == "AccessDenied"
    resp = error_of(lab.client("s3", profile).get_object, Bucket=BUCKET, Key="secret.txt")
    assert resp["Error"]["Code"] == "AccessDenied"


def test_outsider_gets_the_plain_message_nobody_gets_the_reason(lab):
    """S3 details the reason only for callers of the bucket owner's account (S3-403 page)."""
    put(lab, "uploader", "secret.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    out = error_of(lab.client("s3", "outsider").get_object, Bucket=BUCKET, Key="secret.txt")
    assert out["Error"]["Message"] == "Access Denied"
    same = error_of(lab.client("s3", "nobody").get_object, Bucket=BUCKET, Key="secret.txt")
    assert "because no identity-based policy allows the s3:GetObject action" in same["Error"]["Message"]


def test_analyst_same_account_identity_policy_is_enough(lab):
    """Requirement 4 of the post is NOT met by its policies: analyst reads and writes."""
    r = put(lab, "analyst", "analyst.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    assert r["SSEKMSKeyId"] == lab.key_arn
    put(lab, "uploader", "by-uploader.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    body = lab.client("s3", "analyst").get_object(Bucket=BUCKET, Key="by-uploader.txt")["Body"].read()
    assert body == b"Hello Secure World!"


def test_post_cli_command_verbatim_succeeds_for_uploader(lab, tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("Hello from the CLI")
    p = run_aws(lab, "uploader", "s3", "cp", str(f), f"s3://{BUCKET}/", "--sse", "aws:kms",
                "--sse-kms-key-id", lab.key_arn)
    assert p.returncode == 0, p.stderr.decode()
    head = lab.client("s3", "admin").head_object(Bucket=BUCKET, Key="file.txt")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == lab.key_arn


def test_cli_upload_without_sse_shows_access_denied(lab, tmp_path):
    f = tmp_path / "plain.txt"
    f.write_text("no encryption")
    p = run_aws(lab, "uploader", "s3", "cp", str(f), f"s3://{BUCKET}/plain.txt")
    assert p.returncode != 0
    err = p.stderr.decode()
    assert "AccessDenied" in err and "explicit deny" in err


def test_cli_get_as_nobody_is_denied(lab, tmp_path):
    put(lab, "uploader", "cli-secret.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    p = run_aws(lab, "nobody", "s3api", "get-object", "--bucket", BUCKET, "--key", "cli-secret.txt", str(tmp_path / "o"))
    assert p.returncode != 0
    assert "AccessDenied" in p.stderr.decode()


def test_every_call_is_in_the_trail_with_kms_calls_made_by_s3(lab):
    put(lab, "uploader", "trail.txt", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    recs = lab.trail.filter(event_name="GenerateDataKey")
    assert recs and recs[-1]["userIdentity"]["invokedBy"] == "s3.amazonaws.com"
    assert recs[-1]["requestParameters"]["encryptionContext"] == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/trail.txt"}
    denied = lab.trail.filter(denied=True)
    assert all(r.get("errorCode") for r in denied)
