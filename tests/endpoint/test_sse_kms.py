"""SSE-KMS as S3 does it, and a real KMS behind it.

S3 calls KMS as the caller (kms:GenerateDataKey for a new object, kms:Decrypt to read one) with
kms:ViaService=s3.<region>.amazonaws.com, kms:CallerAccount and the encryption context aws:s3:arn
(rules SSE-1 to SSE-7, KMS-3 of docs/aws-rules.md: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html). Key state errors follow
KMS-8; grants KMS-4 (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
"""
from __future__ import annotations

import json

import pytest

from endpoint_helpers import (ACCOUNT, BUCKET, REGION, allow, code_status, deny, error_of, explanation, kms_put,
                              set_user_policy)

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
S3_ONLY = allow("s3:*")
FULL = allow(["s3:*", "kms:*"])


@pytest.fixture(autouse=True)
def restore_policies(lab):
    yield
    set_user_policy(lab, "nobody")
    set_user_policy(lab, "analyst", FULL, name="S3AndKmsFullAccess")


@pytest.fixture(scope="module")
def spare_key(lab):
    """A customer managed key of the lab account (default key policy: the account delegates to IAM)."""
    return lab.client("kms", "admin").create_key(Description="spare")["KeyMetadata"]["Arn"]


def test_put_needs_generate_data_key_get_needs_decrypt_head_needs_neither(lab):
    kms_put(lab, "admin", "sse/one.txt", KEY_ARN)
    set_user_policy(lab, "nobody", S3_ONLY)
    resp = error_of(kms_put, lab, "nobody", "sse/new.txt", KEY_ARN)
    assert code_status(resp) == ("AccessDenied", 403)
    assert f"kms:GenerateDataKey on resource: {KEY_ARN} because no identity-based policy allows" in resp["Error"]["Message"]
    resp = error_of(lab.client("s3", "nobody").get_object, Bucket=BUCKET, Key="sse/one.txt")
    assert f"kms:Decrypt on resource: {KEY_ARN}" in resp["Error"]["Message"]
    assert "kms:Decrypt" in explanation(resp) or "identity" in explanation(resp)
    assert lab.client("s3", "nobody").head_object(Bucket=BUCKET, Key="sse/one.txt")["SSEKMSKeyId"] == KEY_ARN


def test_s3_calls_kms_with_via_service_caller_account_and_the_object_arn(lab):
    """A key policy or IAM condition on kms:ViaService / kms:CallerAccount / the context matches S3's calls."""
    set_user_policy(lab, "nobody", S3_ONLY, allow(["kms:GenerateDataKey", "kms:Decrypt"], KEY_ARN, Condition={
        "StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT,
                         "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{BUCKET}/via/ok.txt"}}))
    kms_put(lab, "nobody", "via/ok.txt", KEY_ARN, body=b"ok")
    assert lab.client("s3", "nobody").get_object(Bucket=BUCKET, Key="via/ok.txt")["Body"].read() == b"ok"
    assert code_status(error_of(kms_put, lab, "nobody", "via/other.txt", KEY_ARN)) == ("AccessDenied", 403)
    # The same permission used directly (not through S3) has no kms:ViaService: refused.
    resp = error_of(lab.client("kms", "nobody").generate_data_key, KeyId=KEY_ARN, KeySpec="AES_256",
                    EncryptionContext={"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/via/ok.txt"})
    assert code_status(resp) == ("AccessDeniedException", 400)
    gdk = [r for r in lab.trail.filter(principal="user/nobody", event_name="GenerateDataKey") if "errorCode" not in r][-1]
    assert gdk["userIdentity"]["invokedBy"] == "s3.amazonaws.com"
    assert gdk["requestParameters"] == {"keyId": KEY_ARN, "keySpec": "AES_256",
                                        "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/via/ok.txt"}}
    assert gdk["resources"] == [{"type": "AWS::KMS::Key", "ARN": KEY_ARN, "accountId": ACCOUNT}]


def test_multipart_generate_on_create_decrypt_on_parts(lab):
    set_user_policy(lab, "nobody", S3_ONLY, allow("kms:GenerateDataKey", KEY_ARN))
    s3 = lab.client("s3", "nobody")
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="mp/x.bin", ServerSideEncryption="aws:kms",
                                        SSEKMSKeyId=KEY_ARN)["UploadId"]
    resp = error_of(s3.upload_part, Bucket=BUCKET, Key="mp/x.bin", UploadId=upload, PartNumber=1, Body=b"x")
    assert f"kms:Decrypt on resource: {KEY_ARN}" in resp["Error"]["Message"]
    set_user_policy(lab, "nobody", S3_ONLY, allow(["kms:GenerateDataKey", "kms:Decrypt"], KEY_ARN))
    etag = s3.upload_part(Bucket=BUCKET, Key="mp/x.bin", UploadId=upload, PartNumber=1, Body=b"x")["ETag"]
    s3.complete_multipart_upload(Bucket=BUCKET, Key="mp/x.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=BUCKET, Key="mp/x.bin")["Body"].read() == b"x"


def test_multipart_part_calls_are_not_refused_by_the_header_deny(lab):
    """The post's Deny (StringNotEquals on the SSE header) does not refuse UploadPart / Complete, which carry
    no SSE header: the upload's encryption comes from CreateMultipartUpload (lab rule SSE-9)."""
    s3 = lab.client("s3", "uploader")
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="mp/post.bin", ServerSideEncryption="aws:kms",
                                        SSEKMSKeyId=KEY_ARN)["UploadId"]
    etag = s3.upload_part(Bucket=BUCKET, Key="mp/post.bin", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    s3.complete_multipart_upload(Bucket=BUCKET, Key="mp/post.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.head_object(Bucket=BUCKET, Key="mp/post.bin")["SSEKMSKeyId"] == KEY_ARN
    resp = error_of(s3.create_multipart_upload, Bucket=BUCKET, Key="mp/plain.bin")
    assert "explicit deny in a resource-based policy" in resp["Error"]["Message"]


def test_copy_decrypts_the_source_key_and_generates_under_the_destination_key(lab, spare_key):
    kms_put(lab, "admin", "copy/src.txt", spare_key, body=b"src")
    set_user_policy(lab, "nobody", S3_ONLY, allow("kms:GenerateDataKey", KEY_ARN))
    s3 = lab.client("s3", "nobody")
    args = dict(Bucket=BUCKET, Key="copy/dst.txt", CopySource={"Bucket": BUCKET, "Key": "copy/src.txt"},
                ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ARN)
    assert f"kms:Decrypt on resource: {spare_key}" in error_of(s3.copy_object, **args)["Error"]["Message"]
    set_user_policy(lab, "nobody", S3_ONLY, allow("kms:Decrypt", spare_key))
    assert f"kms:GenerateDataKey on resource: {KEY_ARN}" in error_of(s3.copy_object, **args)["Error"]["Message"]
    set_user_policy(lab, "nobody", S3_ONLY, allow("kms:Decrypt", spare_key), allow("kms:GenerateDataKey", KEY_ARN))
    assert s3.copy_object(**args)["SSEKMSKeyId"] == KEY_ARN


def test_default_encryption_applies_without_headers_and_the_sse_keys_are_absent(lab):
    """Default SSE-KMS (Bucket Key on) is applied when the header is absent; the SSE condition keys are then
    absent from the request (SSE-6): a Null-check Deny fires, a header-value Allow does not match."""
    admin = lab.client("s3", "admin")
    admin.create_bucket(Bucket="lab-default-enc", CreateBucketConfiguration={"LocationConstraint": REGION})
    admin.put_bucket_encryption(Bucket="lab-default-enc", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
         "BucketKeyEnabled": True}]})
    r = admin.put_object(Bucket="lab-default-enc", Key="d.txt", Body=b"d")
    assert (r["ServerSideEncryption"], r["SSEKMSKeyId"], r["BucketKeyEnabled"]) == ("aws:kms", KEY_ARN, True)
    put = lab.trail.filter(event_name="PutObject")[-1]
    assert "x-amz-server-side-encryption" not in put["requestParameters"]
    gdk = lab.trail.filter(event_name="GenerateDataKey")[-1]
    assert gdk["requestParameters"]["encryptionContext"] == {"aws:s3:arn": "arn:aws:s3:::lab-default-enc"}
    admin.put_bucket_policy(Bucket="lab-default-enc", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::lab-default-enc/*",
         "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}}]}))
    assert "explicit deny" in error_of(admin.put_object, Bucket="lab-default-enc", Key="e.txt", Body=b"e")["Error"]["Message"]
    assert admin.get_object(Bucket="lab-default-enc", Key="d.txt")["Body"].read() == b"d"


def test_aws_kms_without_key_uses_aws_s3_created_on_first_use(lab):
    """aws/s3: created on first use, AWS-managed, key policy only through S3 and only for the account (81-82)."""
    r = kms_put(lab, "analyst", "awss3/a.txt")
    kms = lab.client("kms", "admin")
    meta = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert r["SSEKMSKeyId"] == meta["Arn"] and meta["KeyManager"] == "AWS"
    doc = json.loads(kms.get_key_policy(KeyId=meta["Arn"], PolicyName="default")["Policy"])
    assert doc["Statement"][0]["Condition"]["StringEquals"] == {"kms:CallerAccount": ACCOUNT,
                                                                "kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    assert lab.client("s3", "analyst").get_object(Bucket=BUCKET, Key="awss3/a.txt")["Body"].read() == b"data"
    resp = error_of(kms.encrypt, KeyId="alias/aws/s3", Plaintext=b"direct")  # admin, "*" in IAM, not through S3
    assert code_status(resp) == ("AccessDeniedException", 400)
    assert "because no resource-based policy allows the kms:Encrypt action" in resp["Error"]["Message"]


@pytest.mark.parametrize("sent", ["1234abcd-12ab-34cd-56ef-1234567890ab", "alias/my-secure-key",
                                  f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/my-secure-key", KEY_ARN])
def test_key_given_in_any_form_is_reported_as_the_key_arn(lab, sent):
    assert kms_put(lab, "analyst", "forms/a.txt", sent)["SSEKMSKeyId"] == KEY_ARN
    assert lab.trail.filter(event_name="GenerateDataKey")[-1]["requestParameters"]["keyId"] == KEY_ARN


def test_unknown_key_is_refused_like_s3(lab):
    resp = error_of(kms_put, lab, "analyst", "forms/b.txt", "alias/does-not-exist")
    assert code_status(resp) == ("KMS.NotFoundException", 400)


def test_each_object_has_its_own_data_key_decrypted_through_kms(lab):
    kms_put(lab, "analyst", "dk/1.txt", KEY_ARN)
    kms_put(lab, "analyst", "dk/2.txt", KEY_ARN)
    one, two = (lab.state.object_sse(BUCKET, k) for k in ("dk/1.txt", "dk/2.txt"))
    assert one["blob"] != two["blob"]
    assert one["context"] == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/dk/1.txt"}
    plain, arn = lab.state.kms(ACCOUNT).decrypt(one["blob"], one["context"])
    assert len(plain) == 32 and arn == KEY_ARN


def test_revoking_decrypt_blocks_reads(lab):
    kms_put(lab, "analyst", "revoke/a.txt", KEY_ARN, body=b"r")
    s3 = lab.client("s3", "analyst")
    assert s3.get_object(Bucket=BUCKET, Key="revoke/a.txt")["Body"].read() == b"r"
    set_user_policy(lab, "analyst", FULL, deny("kms:Decrypt", KEY_ARN))
    resp = error_of(s3.get_object, Bucket=BUCKET, Key="revoke/a.txt")
    assert code_status(resp) == ("AccessDenied", 403)
    assert "kms:Decrypt" in resp["Error"]["Message"] and "explicit deny" in resp["Error"]["Message"]


@pytest.mark.parametrize("state,code", [("disable", "KMS.DisabledException"),
                                        ("schedule", "KMS.KMSInvalidStateException")])
def test_key_state_errors_for_put_and_get(lab, spare_key, state, code):
    kms_put(lab, "analyst", f"state/{state}.txt", spare_key, body=b"s")
    kms = lab.client("kms", "admin")
    if state == "disable":
        kms.disable_key(KeyId=spare_key)
    else:
        assert kms.schedule_key_deletion(KeyId=spare_key, PendingWindowInDays=7)["KeyState"] == "PendingDeletion"
    s3 = lab.client("s3", "analyst")
    try:
        for call in (lambda: s3.get_object(Bucket=BUCKET, Key=f"state/{state}.txt"),
                     lambda: kms_put(lab, "analyst", f"state/{state}-2.txt", spare_key)):
            resp = error_of(call)
            assert code_status(resp) == (code, 400)
            assert spare_key in resp["Error"]["Message"]
        assert lab.trail.filter(error_code=code)[-1]["eventName"] == "PutObject"
        assert lab.trail.records[-1]["eventName"] == "GenerateDataKey"
        assert lab.trail.records[-1]["errorCode"] == code[len("KMS."):]
    finally:
        kms.enable_key(KeyId=spare_key) if state == "disable" else kms.cancel_key_deletion(KeyId=spare_key)
        kms.enable_key(KeyId=spare_key)
    assert s3.get_object(Bucket=BUCKET, Key=f"state/{state}.txt")["Body"].read() == b"s"


def test_rotation_keeps_old_objects_readable(lab, spare_key):
    kms_put(lab, "analyst", "rot/old.txt", spare_key, body=b"old")
    kms = lab.client("kms", "admin")
    kms.enable_key_rotation(KeyId=spare_key)
    kms.rotate_key_on_demand(KeyId=spare_key)
    assert len(kms.list_key_rotations(KeyId=spare_key)["Rotations"]) == 1
    kms_put(lab, "analyst", "rot/new.txt", spare_key, body=b"new")
    s3 = lab.client("s3", "analyst")
    assert s3.get_object(Bucket=BUCKET, Key="rot/old.txt")["Body"].read() == b"old"
    assert s3.get_object(Bucket=BUCKET, Key="rot/new.txt")["Body"].read() == b"new"


def test_a_grant_allows_its_grantee_until_revoked(lab):
    """CreateGrant then use by the grantee, with an encryption-context constraint; RevokeGrant ends it."""
    kms_put(lab, "admin", "grant/a.txt", KEY_ARN, body=b"g")
    kms_put(lab, "admin", "grant/b.txt", KEY_ARN, body=b"h")
    set_user_policy(lab, "nobody", S3_ONLY)
    s3 = lab.client("s3", "nobody")
    assert "kms:Decrypt" in error_of(s3.get_object, Bucket=BUCKET, Key="grant/a.txt")["Error"]["Message"]
    kms = lab.client("kms", "admin")
    grant = kms.create_grant(KeyId=KEY_ARN, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/nobody", Operations=["Decrypt"],
                             Constraints={"EncryptionContextSubset": {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/grant/a.txt"}})
    try:
        assert s3.get_object(Bucket=BUCKET, Key="grant/a.txt")["Body"].read() == b"g"
        assert f"KMSGrant{grant['GrantId']}" in lab.trail.filter(principal="user/nobody", event_name="Decrypt")[-1][
            "s3kmsLab"]["explanation"]
        assert "kms:Decrypt" in error_of(s3.get_object, Bucket=BUCKET, Key="grant/b.txt")["Error"]["Message"]
    finally:
        kms.revoke_grant(KeyId=KEY_ARN, GrantId=grant["GrantId"])
    assert "kms:Decrypt" in error_of(s3.get_object, Bucket=BUCKET, Key="grant/a.txt")["Error"]["Message"]


def test_grant_for_direct_kms_use(lab, spare_key):
    kms = lab.client("kms", "admin")
    blob = kms.encrypt(KeyId=spare_key, Plaintext=b"p")["CiphertextBlob"]
    nobody = lab.client("kms", "nobody")
    assert code_status(error_of(nobody.decrypt, CiphertextBlob=blob)) == ("AccessDeniedException", 400)
    kms.create_grant(KeyId=spare_key, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/nobody", Operations=["Decrypt"])
    assert nobody.decrypt(CiphertextBlob=blob)["Plaintext"] == b"p"
