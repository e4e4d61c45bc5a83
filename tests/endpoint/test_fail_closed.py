"""Bad input gets a clear AWS-shaped error, never a silent allow or a bare 500 (found by a newcomer's review).

Sources: KMS refuses ForAllValues on kms:EncryptionContext:<key> (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html)
and principals that do not exist (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html);
missing objects answer 403 without s3:ListBucket and SSE headers are refused on GET
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html);
CopyObject needs bucket/key in x-amz-copy-source (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
"""
from __future__ import annotations

import base64
import json

import pytest

from endpoint_helpers import BUCKET, error_of

ROOT = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
        "Resource": "*"}


def _key_policy(*extra):
    return json.dumps({"Version": "2012-10-17", "Statement": [ROOT, *extra]})


def test_forallvalues_on_an_encryption_context_key_is_refused(lab):
    st = {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
          "Condition": {"ForAllValues:StringEquals": {"kms:EncryptionContext:aws:s3:arn": "x"}}}
    resp = error_of(lab.client("kms", "admin").put_key_policy, KeyId=lab.key_arn, PolicyName="default",
                    Policy=_key_policy(st))
    assert resp["Error"]["Code"] == "MalformedPolicyDocumentException"
    assert "OverlyPermissiveCondition" in resp["Error"]["Message"]


def test_key_policy_naming_a_user_that_does_not_exist_is_refused(lab):
    st = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/ghost"}, "Action": "kms:Decrypt",
          "Resource": "*"}
    resp = error_of(lab.client("kms", "admin").put_key_policy, KeyId=lab.key_arn, PolicyName="default",
                    Policy=_key_policy(st))
    assert resp["Error"]["Code"] == "MalformedPolicyDocumentException"
    assert "invalid principals" in resp["Error"]["Message"]


def test_bucket_policy_naming_a_role_that_does_not_exist_is_refused(lab):
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "AWS": "arn:aws:iam::123456789012:role/Nope"}, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}
    resp = error_of(lab.client("s3", "admin").put_bucket_policy, Bucket=BUCKET, Policy=json.dumps(policy))
    assert resp["Error"]["Code"] == "MalformedPolicy" and "Invalid principal" in resp["Error"]["Message"]


def test_missing_object_is_403_without_listbucket_and_404_with_it(lab):
    uploader = lab.client("s3", "uploader")  # the post's role has no s3:ListBucket
    resp = error_of(uploader.get_object, Bucket=BUCKET, Key="does-not-exist")
    assert resp["Error"]["Code"] == "AccessDenied" and "s3:ListBucket" in resp["Error"]["Message"]
    resp = error_of(lab.client("s3", "admin").get_object, Bucket=BUCKET, Key="does-not-exist")
    assert resp["Error"]["Code"] == "NoSuchKey"


def test_sse_headers_on_get_are_refused(lab):
    s3 = lab.client("s3", "uploader")
    s3.put_object(Bucket=BUCKET, Key="sse-get.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)

    def add_header(request, **_):
        request.headers["x-amz-server-side-encryption"] = "aws:kms"

    client = lab.client("s3", "uploader", fresh=True)
    client.meta.events.register("before-sign.s3.GetObject", add_header)
    resp = error_of(client.get_object, Bucket=BUCKET, Key="sse-get.txt")
    assert resp["Error"]["Code"] == "InvalidArgument" and resp["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_copy_source_without_a_key_is_invalid_argument(lab):
    resp = error_of(lab.client("s3", "admin").copy_object, Bucket=BUCKET, Key="cp", CopySource="just-a-bucket",
                    ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    assert resp["Error"]["Code"] == "InvalidArgument"


@pytest.mark.parametrize("context", [{"a": 1}, "not json"], ids=["non-string value", "not json"])
def test_bad_encryption_context_header_is_invalid_argument(lab, context):
    raw = json.dumps(context) if isinstance(context, dict) else context

    def set_header(request, **_):
        request.headers["x-amz-server-side-encryption-context"] = base64.b64encode(raw.encode()).decode()

    client = lab.client("s3", "uploader", fresh=True)
    client.meta.events.register("before-sign.s3.PutObject", set_header)
    resp = error_of(client.put_object, Bucket=BUCKET, Key="ctx.txt", Body=b"x", ServerSideEncryption="aws:kms",
                    SSEKMSKeyId=lab.key_arn)
    assert resp["Error"]["Code"] == "InvalidArgument"


def test_kms_wrong_json_types_are_refused(lab):
    def corrupt(request, **_):
        request.data = b'{"KeyId": 5, "Plaintext": "aGk="}'
        request.headers["Content-Length"] = str(len(request.data))

    kms = lab.client("kms", "admin", fresh=True)
    kms.meta.events.register("before-sign.kms.Encrypt", corrupt)
    resp = error_of(kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi")
    assert resp["Error"]["Code"] == "SerializationException"


def test_assume_role_of_a_missing_role_is_an_implicit_deny(lab):
    resp = error_of(lab.client("sts", "admin").assume_role, RoleArn="arn:aws:iam::123456789012:role/Nope",
                    RoleSessionName="probe")
    assert resp["Error"]["Code"] == "AccessDenied"
    assert "explicit deny" not in resp["Error"]["Message"]


def test_explanation_header_stays_within_http_limits(lab):
    resp = error_of(lab.client("s3", "uploader").put_object, Bucket=BUCKET, Key="long.txt", Body=b"x",
                    ServerSideEncryption="z" * 25000)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
    assert len(resp["ResponseMetadata"]["HTTPHeaders"].get("x-s3kms-lab-explanation", "")) < 9000


@pytest.mark.parametrize("service,call", [("dynamodb", lambda c: c.list_tables()), ("sns", lambda c: c.list_topics())])
def test_services_the_lab_does_not_model_are_refused_in_their_own_protocol(lab, service, call):
    resp = error_of(call, lab.client(service, "admin"))
    assert resp["Error"]["Code"] == "UnsupportedOperation"
    assert f"not '{service}'" in resp["Error"]["Message"]
