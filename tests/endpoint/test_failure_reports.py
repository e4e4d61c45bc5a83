"""Public failure reports of people who run S3 + KMS (each cited by its issue or page), reproduced against the lab with AWS's outcome.

Each test starts a fresh lab (the post's scenario), sets up the entry's policies as the lab's admin
through the endpoint (as a learner would), makes the entry's calls and checks what AWS answers: the
error code, the HTTP status and the permission that is missing (not the full sentence, which AWS has
reworded over the years). KEY_ARN is the lab's key (the entries' ids are placeholders for it).
"""
from __future__ import annotations

import json

import boto3
import pytest
from boto3.s3.transfer import S3UploadFailedError, TransferConfig

from endpoint_helpers import (ACCOUNT, BUCKET, REGION, allow, code_status, error_of, policy, run_aws, set_role_policy,
                              set_user_policy)
from s3kms_lab import Lab
from s3kms_lab.endpoint.decide import KEY_ID_RULE

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
ROLE = "DataUploaderRole"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
KP_ROOT = {"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
S3_RW = allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{BUCKET}/*")


def enc(key_arn: str = KEY_ARN, bucket_key: bool = False) -> dict:
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                       "BucketKeyEnabled": bucket_key}]}


@pytest.fixture
def lab():
    with Lab("seed") as running:
        yield running


def setup(lab, key_policy=(KP_ROOT,), bucket_policy=None, encryption=None, bypass=False):
    """The entry's scenario: key policy, bucket policy (None: none), default encryption of my-secure-bucket."""
    lab.client("kms", "admin").put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=policy(*key_policy),
                                              BypassPolicyLockoutSafetyCheck=bypass)
    s3 = lab.client("s3", "admin")
    if bucket_policy is None:
        s3.delete_bucket_policy(Bucket=BUCKET)
    else:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(bucket_policy))
    if encryption is not None:
        s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=encryption)


def denied_kms(resp, action: str, key_arn: str = KEY_ARN) -> None:
    """S3 fails with 403 AccessDenied carrying KMS's sentence for the missing permission (ERR-1)."""
    assert code_status(resp) == ("AccessDenied", 403)
    assert f"perform: {action} on resource: {key_arn}" in resp["Error"]["Message"]


# ----------------------------------------------------------------------------------------- 1
def test_1_get_object_needs_kms_decrypt_head_does_not(lab, tmp_path):
    """boto/boto3#2952: s3:GetObject alone is not enough for an SSE-KMS object; HeadObject is (SSE-5)."""
    setup(lab, encryption=enc())
    lab.client("s3", "admin").put_object(Bucket=BUCKET, Key="reports/q1.csv", Body=b"a,b\n")
    set_user_policy(lab, "analyst", allow("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*"))
    p = run_aws(lab, "analyst", "s3api", "get-object", "--bucket", BUCKET, "--key", "reports/q1.csv",
                str(tmp_path / "q1.csv"), "--region", REGION)
    assert p.returncode != 0
    err = p.stderr.decode()
    assert "(AccessDenied)" in err and f"kms:Decrypt on resource: {KEY_ARN}" in err
    head = lab.client("s3", "analyst").head_object(Bucket=BUCKET, Key="reports/q1.csv")
    assert head["SSEKMSKeyId"] == KEY_ARN
    set_user_policy(lab, "analyst", allow("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*"), allow("kms:Decrypt", KEY_ARN))
    p = run_aws(lab, "analyst", "s3api", "get-object", "--bucket", BUCKET, "--key", "reports/q1.csv",
                str(tmp_path / "q1.csv"), "--region", REGION)
    assert p.returncode == 0, p.stderr.decode()
    assert (tmp_path / "q1.csv").read_bytes() == b"a,b\n"


# ----------------------------------------------------------------------------------------- 2
ROOT_ADMIN_ONLY = {"Sid": "RootAdminOnly", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*",
    "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
    "Resource": "*"}
UPLOADER_STMT = {"Sid": "Uploader", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"},
                 "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}


@pytest.mark.parametrize("variant", ["admin-only root statement", "no root statement"])
def test_2_root_statement_without_decrypt_cannot_be_opened_by_iam(lab, variant):
    """cloudposse/terraform-aws-vpc-flow-logs-s3-bucket#30: a key policy is the gate; IAM counts only for the
    actions its root statement delegates (KMS-1, https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html)."""
    statements = (ROOT_ADMIN_ONLY, UPLOADER_STMT) if variant.startswith("admin") else (UPLOADER_STMT,)
    setup(lab, key_policy=statements, encryption=enc(), bypass=variant.startswith("no"))
    set_user_policy(lab, "analyst", allow("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*"), allow("kms:Decrypt", KEY_ARN))
    set_role_policy(lab, ROLE, S3_RW)
    lab.client("s3", "uploader").put_object(Bucket=BUCKET, Key="reports/q1.csv", Body=b"q1")  # key policy names the role
    resp = error_of(lab.client("s3", "analyst").get_object, Bucket=BUCKET, Key="reports/q1.csv")
    denied_kms(resp, "kms:Decrypt")
    assert "because no resource-based policy allows the kms:Decrypt action" in resp["Error"]["Message"]
    if variant.startswith("admin"):
        setup(lab, key_policy=(KP_ROOT, UPLOADER_STMT), encryption=enc())  # the fix: delegate everything to IAM
        body = lab.client("s3", "analyst").get_object(Bucket=BUCKET, Key="reports/q1.csv")["Body"].read()
        assert body == b"q1"


# ----------------------------------------------------------------------------------------- 3
def test_3_multipart_upload_fails_on_upload_part_without_kms_decrypt(lab, tmp_path):
    """aws/aws-sdk-js#1814: SSE-KMS multipart needs kms:GenerateDataKey (CreateMultipartUpload) and kms:Decrypt
    (UploadPart) (SSE-2, https://repost.aws/knowledge-center/s3-large-file-encryption-kms-key)."""
    setup(lab, encryption=enc())
    role_policy = [allow(["s3:PutObject", "s3:AbortMultipartUpload"], f"arn:aws:s3:::{BUCKET}/*"),
                   allow(["kms:GenerateDataKey", "kms:Encrypt"], KEY_ARN)]
    set_role_policy(lab, ROLE, *role_policy)
    small, big = tmp_path / "small.bin", tmp_path / "big.bin"
    small.write_bytes(b"s" * 1024 * 1024)
    big.write_bytes(b"b" * 6 * 1024 * 1024)
    cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, use_threads=False)
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ARN}
    s3 = lab.client("s3", "uploader")
    s3.upload_file(str(small), BUCKET, "uploads/small.bin", ExtraArgs=extra, Config=cfg)
    with pytest.raises(S3UploadFailedError) as exc:
        s3.upload_file(str(big), BUCKET, "uploads/big.bin", ExtraArgs=extra, Config=cfg)
    assert "UploadPart" in str(exc.value) and "AccessDenied" in str(exc.value)
    assert "kms:Decrypt" in str(exc.value)
    assert lab.trail.filter(event_name="CreateMultipartUpload")[-1].get("errorCode") is None
    part = lab.trail.filter(event_name="UploadPart", error_code="AccessDenied")[-1]
    assert f"kms:Decrypt on resource: {KEY_ARN}" in part["errorMessage"]
    set_role_policy(lab, ROLE, role_policy[0], allow(["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"], KEY_ARN))
    s3 = lab.client("s3", "uploader")
    s3.upload_file(str(big), BUCKET, "uploads/big.bin", ExtraArgs=extra, Config=cfg)
    assert lab.client("s3", "admin").head_object(Bucket=BUCKET, Key="uploads/big.bin")["SSEKMSKeyId"] == KEY_ARN


# ----------------------------------------------------------------------------------------- 6
def test_6_copy_needs_decrypt_on_the_source_key_and_generate_on_the_destination_key(lab):
    """CMSgov/beneficiary-fhir-data#134: a copy reads with the source key and writes with the destination key (SSE-4)."""
    admin_kms, admin_s3 = lab.client("kms", "admin"), lab.client("s3", "admin")
    src_key = admin_kms.create_key(Policy=policy(KP_ROOT), Description="source CMK")["KeyMetadata"]["Arn"]
    admin_s3.create_bucket(Bucket="my-source-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    admin_s3.put_bucket_encryption(Bucket="my-source-bucket", ServerSideEncryptionConfiguration=enc(src_key))
    setup(lab, encryption=enc())
    admin_s3.put_object(Bucket="my-source-bucket", Key="in/a.csv", Body=b"a")
    get_src = allow("s3:GetObject", "arn:aws:s3:::my-source-bucket/*")
    put_dst = allow("s3:PutObject", f"arn:aws:s3:::{BUCKET}/*")

    def copy():
        return lab.client("s3", "uploader").copy_object(CopySource="my-source-bucket/in/a.csv", Bucket=BUCKET, Key="in/a.csv")

    set_role_policy(lab, ROLE, get_src, put_dst, allow("kms:GenerateDataKey", KEY_ARN))
    denied_kms(error_of(copy), "kms:Decrypt", src_key)
    set_role_policy(lab, ROLE, get_src, put_dst, allow("kms:Decrypt", src_key))  # variant: no GenerateDataKey
    denied_kms(error_of(copy), "kms:GenerateDataKey", KEY_ARN)
    set_role_policy(lab, ROLE, get_src, put_dst, allow("kms:GenerateDataKey", KEY_ARN), allow("kms:Decrypt", src_key))
    assert copy()["SSEKMSKeyId"] == KEY_ARN


# ----------------------------------------------------------------------------------------- 7
DENY_WRONG_SSE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyWrongSSE", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
     "Resource": f"arn:aws:s3:::{BUCKET}/*", "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
    {"Sid": "DenyNoSSE", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
     "Resource": f"arn:aws:s3:::{BUCKET}/*", "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}}]}


def test_7_header_deny_refuses_a_client_relying_on_default_encryption(lab, tmp_path):
    """opentofu/opentofu#2970: bucket policy conditions see only the request's headers; default encryption is
    applied after authorization (SSE-6)."""
    setup(lab, bucket_policy=DENY_WRONG_SSE, encryption=enc())
    set_role_policy(lab, ROLE, S3_RW, allow(["kms:GenerateDataKey", "kms:Decrypt"], KEY_ARN))
    s3 = lab.client("s3", "uploader")
    resp = error_of(s3.put_object, Bucket=BUCKET, Key="state/app.tflock", Body=b"{}")  # (a)
    assert code_status(resp) == ("AccessDenied", 403)
    assert "s3:PutObject" in resp["Error"]["Message"] and "explicit deny in a resource-based policy" in resp["Error"]["Message"]
    assert not lab.trail.filter(event_name="GenerateDataKey")  # refused before any KMS call
    r = s3.put_object(Bucket=BUCKET, Key="state/app.tflock", Body=b"{}", ServerSideEncryption="aws:kms")  # (b)
    assert r["SSEKMSKeyId"] == KEY_ARN  # the default configuration's key
    resp = error_of(s3.put_object, Bucket=BUCKET, Key="state/app.tflock", Body=b"{}", ServerSideEncryption="AES256")  # (c)
    assert code_status(resp) == ("AccessDenied", 403) and "explicit deny" in resp["Error"]["Message"]


# ----------------------------------------------------------------------------------------- 8
DENY_OTHER_KEYS = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
     "Resource": f"arn:aws:s3:::{BUCKET}/*",
     "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}}}]}


@pytest.mark.parametrize("key_id,allowed", [(None, False), (KEY_ARN, True), (KEY_ID, False), ("alias/my-secure-key", False)],
                         ids=["a-no-key-id", "b-key-arn", "c-key-id-lab-rule", "d-alias-lab-rule"])
def test_8_policy_pinning_one_key_arn(lab, key_id, allowed):
    """BerriAI/litellm#35135. (a) header absent -> explicit deny; (b) the key ARN -> success.

    (c)/(d) are NOT pinned by AWS. LAB RULE (decide.KEY_ID_RULE): s3:x-amz-server-side-encryption-aws-kms-key-id
    holds the header value *as sent*, so a bare key id or an alias does not equal the key ARN in the policy and
    the Deny applies (403). This tests the lab's rule, not verified AWS behaviour.
    """
    assert "as sent" in KEY_ID_RULE
    setup(lab, bucket_policy=DENY_OTHER_KEYS, encryption=enc())
    set_role_policy(lab, ROLE, S3_RW, allow(["kms:GenerateDataKey", "kms:Decrypt"], KEY_ARN))
    extra = {"ServerSideEncryption": "aws:kms", **({"SSEKMSKeyId": key_id} if key_id else {})}
    s3 = lab.client("s3", "uploader")
    if allowed:
        assert s3.put_object(Bucket=BUCKET, Key="batch/in.jsonl", Body=b"{}", **extra)["SSEKMSKeyId"] == KEY_ARN
    else:
        resp = error_of(s3.put_object, Bucket=BUCKET, Key="batch/in.jsonl", Body=b"{}", **extra)
        assert code_status(resp) == ("AccessDenied", 403)
        assert "s3:PutObject" in resp["Error"]["Message"] and "explicit deny in a resource-based policy" in resp["Error"]["Message"]


# ----------------------------------------------------------------------------------------- 9
@pytest.mark.parametrize("sent", [KEY_ID, "alias/my-secure-key", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/my-secure-key"])
def test_9_s3_reports_the_key_arn_whatever_form_was_sent(lab, sent):
    """awslabs/mountpoint-s3#906: S3 accepts id / alias / alias ARN and reports the key ARN (SSE-8, KMS-8)."""
    setup(lab)
    set_role_policy(lab, ROLE, S3_RW, allow(["kms:GenerateDataKey", "kms:Decrypt"], KEY_ARN))
    s3 = lab.client("s3", "uploader")
    r = s3.put_object(Bucket=BUCKET, Key="notes/a.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=sent)
    assert r["SSEKMSKeyId"] == KEY_ARN
    assert s3.head_object(Bucket=BUCKET, Key="notes/a.txt")["SSEKMSKeyId"] == KEY_ARN


# ---------------------------------------------------------------------------------------- 13
def test_13_bucket_keys_make_the_context_the_bucket_arn(lab):
    """slashdevops/idp-scim-sync#540: with an S3 Bucket Key the encryption context is the bucket ARN (SSE-3,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html)."""
    setup(lab, encryption=enc(bucket_key=True))
    lab.client("s3", "admin").put_object(Bucket=BUCKET, Key="state/state.json", Body=b"{}")

    def role_policy(context_value: str):
        set_role_policy(lab, ROLE, allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{BUCKET}/state/*"),
                        allow(["kms:Decrypt", "kms:GenerateDataKey"], KEY_ARN,
                              Condition={"StringLike": {"kms:EncryptionContext:aws:s3:arn": context_value}}))

    role_policy(f"arn:aws:s3:::{BUCKET}/state/*")
    s3 = lab.client("s3", "uploader")
    resp = error_of(s3.put_object, Bucket=BUCKET, Key="state/state.json", Body=b"{}")
    denied_kms(resp, "kms:GenerateDataKey")
    assert "because no identity-based policy allows the kms:GenerateDataKey action" in resp["Error"]["Message"]
    resp = error_of(s3.get_object, Bucket=BUCKET, Key="state/state.json")
    denied_kms(resp, "kms:Decrypt")
    gdk = lab.trail.filter(event_name="GenerateDataKey")[-1]
    assert gdk["requestParameters"]["encryptionContext"] == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}"}
    role_policy(f"arn:aws:s3:::{BUCKET}")
    s3 = lab.client("s3", "uploader")
    s3.put_object(Bucket=BUCKET, Key="state/state.json", Body=b'{"v":2}')
    assert s3.get_object(Bucket=BUCKET, Key="state/state.json")["Body"].read() == b'{"v":2}'


# ---------------------------------------------------------------------------------------- 14
LOCKED = policy({"Sid": "UploaderOnly", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"},
                 "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"})


def test_14_lockout_safety_check(lab):
    """cloudposse/terraform-aws-vpc-flow-logs-s3-bucket#3: KMS refuses a policy that would not let the caller
    call PutKeyPolicy again unless BypassPolicyLockoutSafetyCheck (KMS-5,
    https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html)."""
    setup(lab)
    iam = lab.client("iam", "admin")
    trust = policy({"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"})
    role_arn = iam.create_role(RoleName="KeyAdminRole", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName="KeyAdminRole", PolicyName="KeyAdmin", PolicyDocument=policy(allow("kms:*")))
    creds = lab.client("sts", "admin").assume_role(RoleArn=role_arn, RoleSessionName="keyadmin")["Credentials"]
    kms = boto3.client("kms", endpoint_url=lab.endpoint_url, region_name=REGION, aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    resp = error_of(kms.put_key_policy, KeyId=KEY_ARN, PolicyName="default", Policy=LOCKED)
    assert code_status(resp) == ("MalformedPolicyDocumentException", 400)
    assert resp["Error"]["Message"] == "The new key policy will not allow you to update the key policy in the future."
    resp = error_of(kms.create_key, Policy=LOCKED)
    assert code_status(resp) == ("MalformedPolicyDocumentException", 400)
    assert kms.create_key(Policy=LOCKED, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["Enabled"]
    kms.put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=LOCKED, BypassPolicyLockoutSafetyCheck=True)
    resp = error_of(kms.put_key_policy, KeyId=KEY_ARN, PolicyName="default", Policy=policy(KP_ROOT))
    assert code_status(resp) == ("AccessDeniedException", 400) and "kms:PutKeyPolicy" in resp["Error"]["Message"]
    resp = error_of(lab.client("kms", "analyst").describe_key, KeyId=KEY_ARN)  # analyst has kms:* in IAM
    assert code_status(resp) == ("AccessDeniedException", 400)
    assert "because no resource-based policy allows the kms:DescribeKey action" in resp["Error"]["Message"]
