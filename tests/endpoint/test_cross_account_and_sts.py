"""Cross-account access (EVAL-3 of docs/aws-rules.md: both the caller's identity policy and the bucket / key policy must allow,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html;
aws/s3 is never usable from another account, KMS-7) and STS AssumeRole (trust policy with conditions,
session policies, DurationSeconds, session tags: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html).
"""
from __future__ import annotations

import json

import boto3
import pytest

from endpoint_helpers import (ACCOUNT, BUCKET, OTHER_ACCOUNT, REGION, allow, code_status, error_of, kms_put, policy,
                              set_user_policy)

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OUTSIDER = f"arn:aws:iam::{OTHER_ACCOUNT}:user/outsider"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


@pytest.fixture
def opened_to_outsider(lab):
    """As admin: add an outsider statement to the bucket policy and to the key policy; restore afterwards."""
    s3, kms = lab.client("s3", "admin"), lab.client("kms", "admin")
    bucket_before = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    key_before = kms.get_key_policy(KeyId=KEY_ARN, PolicyName="default")["Policy"]
    doc = json.loads(bucket_before)
    doc["Statement"].append({"Sid": "PartnerReadWrite", "Effect": "Allow", "Principal": {"AWS": OUTSIDER},
                             "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{BUCKET}/partner/*"})
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(doc))
    kdoc = json.loads(key_before)
    kdoc["Statement"].append({"Sid": "PartnerUse", "Effect": "Allow", "Principal": {"AWS": OUTSIDER},
                              "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"})
    kms.put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=json.dumps(kdoc))
    yield
    s3.put_bucket_policy(Bucket=BUCKET, Policy=bucket_before)
    kms.put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=key_before)
    set_user_policy(lab, "outsider", allow(["s3:*", "kms:*"]), name="S3AndKmsFullAccess")


# ------------------------------------------------------------------ cross-account
def test_outsider_is_refused_until_the_bucket_and_key_policies_allow_it(lab):
    resp = error_of(kms_put, lab, "outsider", "partner/a.txt", KEY_ARN)
    assert code_status(resp) == ("AccessDenied", 403) and resp["Error"]["Message"] == "Access Denied"


def test_outsider_works_once_both_sides_allow(lab, opened_to_outsider):
    assert kms_put(lab, "outsider", "partner/a.txt", KEY_ARN, body=b"p")["SSEKMSKeyId"] == KEY_ARN
    assert lab.client("s3", "outsider").get_object(Bucket=BUCKET, Key="partner/a.txt")["Body"].read() == b"p"
    # outside the prefix the bucket policy grants: refused, with S3's plain cross-account message (ERR-1)
    resp = error_of(kms_put, lab, "outsider", "private/a.txt", KEY_ARN)
    assert code_status(resp) == ("AccessDenied", 403) and resp["Error"]["Message"] == "Access Denied"
    # cross-account KMS use is logged for both accounts with one sharedEventID (TRAIL-2)
    gdk = [r for r in lab.trail.filter(principal="user/outsider", event_name="GenerateDataKey") if "errorCode" not in r][-2:]
    assert {r["recipientAccountId"] for r in gdk} == {ACCOUNT, OTHER_ACCOUNT}
    assert gdk[0]["sharedEventID"] == gdk[1]["sharedEventID"]


def test_outsider_needs_its_own_identity_policy_too(lab, opened_to_outsider):
    set_user_policy(lab, "outsider", allow("s3:*"))  # no kms:* any more in its own account
    resp = error_of(kms_put, lab, "outsider", "partner/b.txt", KEY_ARN)
    assert code_status(resp) == ("AccessDenied", 403)
    rec = lab.trail.filter(principal="user/outsider", event_name="GenerateDataKey", error_code="AccessDenied")[-1]
    assert "kms:GenerateDataKey" in rec["errorMessage"]
    set_user_policy(lab, "outsider", allow(["s3:*", "kms:*"]), name="S3AndKmsFullAccess")
    kms = lab.client("kms", "outsider")
    blob = lab.client("kms", "admin").encrypt(KeyId=KEY_ARN, Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, KeyId=KEY_ARN)["Plaintext"] == b"x"


def test_aws_s3_is_never_usable_cross_account(lab, opened_to_outsider):
    """Even with the bucket policy allowing the outsider, aws/s3's policy admits only its own account."""
    resp = error_of(kms_put, lab, "outsider", "partner/c.txt")  # aws:kms without key id -> owner's aws/s3
    assert code_status(resp) == ("AccessDenied", 403)
    rec = lab.trail.filter(principal="user/outsider", event_name="GenerateDataKey", error_code="AccessDenied")[-1]
    assert rec["resources"][0]["ARN"] == lab.client("kms", "admin").describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"]


def test_direct_kms_refusal_to_another_account_does_not_reveal_the_key(lab):
    blob = lab.client("kms", "admin").encrypt(KeyId=KEY_ARN, Plaintext=b"x")["CiphertextBlob"]
    resp = error_of(lab.client("kms", "outsider").decrypt, CiphertextBlob=blob, KeyId=KEY_ARN)
    assert code_status(resp) == ("AccessDeniedException", 400)
    assert "because the resource does not exist in this Region" in resp["Error"]["Message"]


# ------------------------------------------------------------------ STS
@pytest.mark.parametrize("profile,arn", [
    ("admin", f"arn:aws:iam::{ACCOUNT}:user/admin"),
    ("uploader", f"arn:aws:sts::{ACCOUNT}:assumed-role/DataUploaderRole/uploader"),
    ("analyst", f"arn:aws:iam::{ACCOUNT}:user/analyst"),
    ("nobody", f"arn:aws:iam::{ACCOUNT}:user/nobody"),
    ("outsider", OUTSIDER),
])
def test_get_caller_identity(lab, profile, arn):
    ident = lab.client("sts", profile).get_caller_identity()
    assert ident["Arn"] == arn and ident["Account"] == arn.split(":")[4]


def test_trust_policy_conditions_are_evaluated(lab):
    iam, sts = lab.client("iam", "admin"), lab.client("sts", "admin")
    before = iam.get_role(RoleName="DataUploaderRole")["Role"]["AssumeRolePolicyDocument"]
    iam.update_assume_role_policy(RoleName="DataUploaderRole", PolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "lab-123"}}}))
    try:
        resp = error_of(sts.assume_role, RoleArn=ROLE_ARN, RoleSessionName="no-external-id")
        assert code_status(resp) == ("AccessDenied", 403)
        assert f"sts:AssumeRole on resource: {ROLE_ARN}" in resp["Error"]["Message"]
        assert sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="with-id", ExternalId="lab-123")["AssumedRoleUser"]
    finally:
        iam.update_assume_role_policy(RoleName="DataUploaderRole",
                                      PolicyDocument=before if isinstance(before, str) else json.dumps(before))


def test_duration_seconds_is_checked_against_the_role_maximum(lab):
    sts = lab.client("sts", "admin")
    resp = error_of(sts.assume_role, RoleArn=ROLE_ARN, RoleSessionName="too-long", DurationSeconds=7200)
    assert code_status(resp) == ("ValidationError", 400)
    assert "exceeds the MaxSessionDuration" in resp["Error"]["Message"]
    assert sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="short", DurationSeconds=900)["Credentials"]


def test_session_policy_is_an_intersection(lab):
    creds = lab.client("sts", "admin").assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="scoped", Policy=policy(allow(["s3:*", "kms:*"])))["Credentials"]
    s3 = boto3.client("s3", endpoint_url=lab.endpoint_url, region_name=REGION, aws_access_key_id=creds["AccessKeyId"],
                      aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    s3.put_object(Bucket=BUCKET, Key="scoped.txt", Body=b"s", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ARN)
    # the session policy allows s3:*, the role does not allow ListBucket: no new permission
    resp = error_of(s3.list_objects_v2, Bucket=BUCKET)
    assert code_status(resp) == ("AccessDenied", 403)
    assert "because no identity-based policy allows the s3:ListBucket action" in resp["Error"]["Message"]


def test_session_tags_need_tag_session_and_become_principal_tags(lab):
    iam, sts = lab.client("iam", "admin"), lab.client("sts", "admin")
    tagged = "arn:aws:iam::123456789012:role/TaggedRole"
    iam.create_role(RoleName="TaggedRole", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName="TaggedRole", PolicyName="BlueTeamList", PolicyDocument=policy(allow(
        "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})))
    resp = error_of(sts.assume_role, RoleArn=tagged, RoleSessionName="tagged", Tags=[{"Key": "team", "Value": "blue"}])
    assert code_status(resp) == ("AccessDenied", 403) and "sts:TagSession" in resp["Error"]["Message"]
    iam.update_assume_role_policy(RoleName="TaggedRole", PolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": ["sts:AssumeRole", "sts:TagSession"]}))

    def s3_for(team):
        c = sts.assume_role(RoleArn=tagged, RoleSessionName=f"team-{team}", Tags=[{"Key": "team", "Value": team}])["Credentials"]
        return boto3.client("s3", endpoint_url=lab.endpoint_url, region_name=REGION, aws_access_key_id=c["AccessKeyId"],
                            aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])

    assert s3_for("blue").list_objects_v2(Bucket=BUCKET)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert code_status(error_of(s3_for("red").list_objects_v2, Bucket=BUCKET)) == ("AccessDenied", 403)
