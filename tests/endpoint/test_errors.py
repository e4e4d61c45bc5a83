"""Errors as AWS returns them: access-denied phrasings per policy type, protocol shapes, signature and
credential errors, malformed policies per service, and the explanation header.

Phrasings: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html (ERR-1 to ERR-3 of docs/aws-rules.md);
malformed-policy codes: POL-1; auth errors: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
and https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from endpoint_helpers import (ACCOUNT, BUCKET, REGION, allow, code_status, deny, error_of, explanation, kms_put, policy,
                              set_user_policy)

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole"


@pytest.fixture(autouse=True)
def restore(lab):
    yield
    set_user_policy(lab, "nobody")


def client_with(lab, service, akid, secret, token=None):
    return boto3.client(service, endpoint_url=lab.endpoint_url, region_name=REGION, aws_access_key_id=akid,
                        aws_secret_access_key=secret, aws_session_token=token)


# ------------------------------------------------------------------ access denied, per policy type
def test_s3_explicit_deny_in_a_resource_based_policy(lab):
    resp = error_of(lab.client("s3", "uploader").put_object, Bucket=BUCKET, Key="x.txt", Body=b"x")
    assert code_status(resp) == ("AccessDenied", 403)
    msg = resp["Error"]["Message"]
    assert msg.startswith("User: arn:aws:sts::123456789012:assumed-role/DataUploaderRole/uploader is not authorized")
    assert f'on resource: "arn:aws:s3:::{BUCKET}/x.txt" with an explicit deny in a resource-based policy' in msg
    assert "DenyUnEncryptedUploads" in explanation(resp)


def test_s3_explicit_deny_in_an_identity_based_policy(lab):
    set_user_policy(lab, "nobody", allow("s3:*"), deny("s3:GetObject"))
    resp = error_of(lab.client("s3", "nobody").get_object, Bucket=BUCKET, Key="x.txt")
    assert "s3:GetObject" in resp["Error"]["Message"]
    assert "with an explicit deny in an identity-based policy" in resp["Error"]["Message"]


def test_s3_no_identity_based_policy_allows(lab):
    resp = error_of(lab.client("s3", "nobody").list_objects_v2, Bucket=BUCKET)
    assert resp["Error"]["Message"] == ('User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: '
                                        f's3:ListBucket on resource: "arn:aws:s3:::{BUCKET}" because no identity-based '
                                        'policy allows the s3:ListBucket action')


def test_kms_no_resource_based_policy_allows_in_json(lab):
    """KMS: JSON body, HTTP 400, AccessDeniedException; the key policy is the resource-based policy (ERR-2)."""
    kms_put(lab, "analyst", "err/aws-s3.txt")  # creates aws/s3, whose key policy has no account statement
    resp = error_of(lab.client("kms", "admin").generate_data_key, KeyId="alias/aws/s3", KeySpec="AES_256")
    assert code_status(resp) == ("AccessDeniedException", 400)
    assert resp["Error"]["Message"].endswith("because no resource-based policy allows the kms:GenerateDataKey action")
    assert resp["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


def test_permissions_boundary_caps_a_role(lab):
    iam = lab.client("iam", "admin")
    arn = iam.create_policy(PolicyName="ReadOnlyBoundary", PolicyDocument=policy(allow(["s3:GetObject", "kms:*"])))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="DataUploaderRole", PermissionsBoundary=arn)
    try:
        resp = error_of(kms_put, lab, "uploader", "err/boundary.txt", KEY_ARN)
        assert code_status(resp) == ("AccessDenied", 403)
        assert "because no permissions boundary allows the s3:PutObject action" in resp["Error"]["Message"]
    finally:
        iam.delete_role_permissions_boundary(RoleName="DataUploaderRole")
    assert kms_put(lab, "uploader", "err/boundary.txt", KEY_ARN)["SSEKMSKeyId"] == KEY_ARN


def test_permissions_boundary_caps_a_user(lab):
    iam = lab.client("iam", "admin")
    arn = iam.create_policy(PolicyName="ListOnlyBoundary", PolicyDocument=policy(allow("s3:ListBucket")))["Policy"]["Arn"]
    set_user_policy(lab, "nobody", allow("s3:*"))
    iam.put_user_permissions_boundary(UserName="nobody", PermissionsBoundary=arn)
    try:
        s3 = lab.client("s3", "nobody")
        s3.list_objects_v2(Bucket=BUCKET)
        resp = error_of(s3.get_object, Bucket=BUCKET, Key="x.txt")
        assert "because no permissions boundary allows the s3:GetObject action" in resp["Error"]["Message"]
    finally:
        iam.delete_user_permissions_boundary(UserName="nobody")


def test_session_policy_caps_a_session(lab):
    creds = lab.client("sts", "admin").assume_role(RoleArn=ROLE_ARN, RoleSessionName="capped", Policy=policy(
        allow("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*"), allow("kms:*")))["Credentials"]
    s3 = client_with(lab, "s3", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    resp = error_of(s3.put_object, Bucket=BUCKET, Key="err/s.txt", Body=b"s", ServerSideEncryption="aws:kms",
                    SSEKMSKeyId=KEY_ARN)
    assert "because no session policy allows the s3:PutObject action" in resp["Error"]["Message"]


def test_sts_and_iam_denials_are_query_xml_access_denied(lab):
    resp = error_of(lab.client("iam", "nobody").list_users)
    assert code_status(resp) == ("AccessDenied", 403)
    assert resp["Error"]["Type"] == "Sender"
    resp = error_of(lab.client("sts", "nobody").assume_role, RoleArn=ROLE_ARN, RoleSessionName="x-session")
    assert code_status(resp) == ("AccessDenied", 403)
    assert f"sts:AssumeRole on resource: {ROLE_ARN}" in resp["Error"]["Message"]


# ------------------------------------------------------------------ signatures and credentials
def test_signature_does_not_match(lab):
    akid = lab.provisioned.user_keys["admin"][1]
    resp = error_of(client_with(lab, "s3", akid, "wrong-secret").list_buckets)
    assert code_status(resp) == ("SignatureDoesNotMatch", 403)
    resp = error_of(client_with(lab, "kms", akid, "wrong-secret").list_keys)
    assert code_status(resp) == ("InvalidSignatureException", 400)  # KMS's word for it (CommonErrors)
    assert lab.trail.records[-1]["errorCode"] == "InvalidSignatureException"


@pytest.mark.parametrize("service,call,code,status", [
    ("s3", lambda c: c.list_buckets(), "InvalidAccessKeyId", 403),
    ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId", 403),
    ("iam", lambda c: c.list_users(), "InvalidClientTokenId", 403),
    ("kms", lambda c: c.list_keys(), "UnrecognizedClientException", 400),
])
def test_unknown_access_key(lab, service, call, code, status):
    resp = error_of(call, client_with(lab, service, "AKIAUNKNOWNUNKNOWN00", "x" * 40))
    assert code_status(resp) == (code, status)


def test_expired_session_token(lab):
    creds = lab.client("sts", "admin").assume_role(RoleArn=ROLE_ARN, RoleSessionName="expiring")["Credentials"]
    session = next(s for s in lab.state.sts(ACCOUNT).assumed_roles if s.access_key_id == creds["AccessKeyId"])
    session.expiration = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=1)
    lab.state.forget_credentials()
    resp = error_of(client_with(lab, "s3", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).list_buckets)
    assert code_status(resp) == ("ExpiredToken", 400)
    resp = error_of(client_with(lab, "sts", creds["AccessKeyId"], creds["SecretAccessKey"],
                                creds["SessionToken"]).get_caller_identity)
    assert code_status(resp)[0] == "ExpiredToken"


def test_deactivated_access_key_stops_working(lab):
    iam = lab.client("iam", "admin")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    sts = client_with(lab, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"].endswith(":user/nobody")
    iam.update_access_key(UserName="nobody", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert code_status(error_of(sts.get_caller_identity)) == ("InvalidClientTokenId", 403)


# ------------------------------------------------------------------ malformed policies
def test_malformed_bucket_policy_is_s3_malformed_policy(lab):
    resp = error_of(lab.client("s3", "admin").put_bucket_policy, Bucket=BUCKET,
                    Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}))
    assert code_status(resp) == ("MalformedPolicy", 400)


def test_malformed_iam_policy_is_malformed_policy_document(lab):
    resp = error_of(lab.client("iam", "admin").put_user_policy, UserName="nobody", PolicyName="bad",
                    PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}')
    assert code_status(resp) == ("MalformedPolicyDocument", 400)


def test_malformed_key_policy_is_malformed_policy_document_exception(lab):
    resp = error_of(lab.client("kms", "admin").put_key_policy, KeyId=KEY_ARN, PolicyName="default", Policy="{not json")
    assert code_status(resp) == ("MalformedPolicyDocumentException", 400)


def test_lockout_safety_check_on_create_key_and_put_key_policy(lab):
    locked = policy({"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "kms:Decrypt", "Resource": "*"})
    kms = lab.client("kms", "admin")
    for call in (lambda: kms.create_key(Policy=locked),
                 lambda: kms.put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=locked)):
        resp = error_of(call)
        assert code_status(resp) == ("MalformedPolicyDocumentException", 400)
        assert "will not allow you to update the key policy in the future" in resp["Error"]["Message"]
    assert kms.create_key(Policy=locked, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyState"] == "Enabled"


def test_explanation_header_on_success(lab):
    r = kms_put(lab, "uploader", "err/ok.txt", KEY_ARN)
    text = r["ResponseMetadata"]["HTTPHeaders"]["x-s3kms-lab-explanation"]
    assert "allowed" in text.lower()
