"""The CloudTrail-format trail (TRAIL-1 to TRAIL-3 of docs/aws-rules.md) and presigned URLs (SigV4 query authentication).

Record contents: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html,
userIdentity: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html.
Presigned URLs: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html (the request is
authorized as the principal that signed it; an expired URL answers 403 AccessDenied "Request has expired").
"""
from __future__ import annotations

import json
import subprocess
import sys
import time

import requests

from endpoint_helpers import ACCOUNT, BUCKET, REGION, error_of, kms_put

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SSE = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ARN}


# ------------------------------------------------------------------ trail
def test_put_object_record_is_a_data_event_with_a_role_session_identity(lab):
    before = len(lab.trail.records)
    kms_put(lab, "uploader", "trail/a.txt", KEY_ARN)
    put = next(r for r in lab.trail.records[before:] if r["eventName"] == "PutObject")
    ident = put["userIdentity"]
    assert ident["type"] == "AssumedRole"
    assert ident["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/DataUploaderRole/uploader"
    assert ident["principalId"].endswith(":uploader")
    issuer = ident["sessionContext"]["sessionIssuer"]
    assert issuer == {"type": "Role", "principalId": ident["principalId"].split(":")[0],
                      "arn": f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole", "accountId": ACCOUNT,
                      "userName": "DataUploaderRole"}
    assert ident["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert ident["sessionContext"]["attributes"]["creationDate"].endswith("Z")
    assert (put["eventSource"], put["managementEvent"], put["eventCategory"], put["readOnly"]) == \
        ("s3.amazonaws.com", False, "Data", False)
    assert put["requestParameters"]["bucketName"] == BUCKET and put["requestParameters"]["key"] == "trail/a.txt"
    assert put["requestParameters"]["x-amz-server-side-encryption"] == "aws:kms"
    assert put["responseElements"] == {"x-amz-server-side-encryption": "aws:kms",
                                       "x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}
    assert put["resources"] == [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{BUCKET}/trail/a.txt"},
                                {"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{BUCKET}", "accountId": ACCOUNT}]
    assert put["additionalEventData"]["AuthenticationMethod"] == "AuthHeader"
    assert "errorCode" not in put
    gdk = next(r for r in lab.trail.records[before:] if r["eventName"] == "GenerateDataKey")
    assert (gdk["eventSource"], gdk["managementEvent"], gdk["eventCategory"], gdk["readOnly"]) == \
        ("kms.amazonaws.com", True, "Management", True)
    assert gdk["userIdentity"]["invokedBy"] == "s3.amazonaws.com" and gdk["sourceIPAddress"] == "s3.amazonaws.com"
    assert gdk["requestID"] == put["requestID"]


def test_user_identity_of_an_iam_user_and_reads(lab):
    kms_put(lab, "analyst", "trail/b.txt", KEY_ARN)
    lab.client("s3", "analyst").get_object(Bucket=BUCKET, Key="trail/b.txt")["Body"].read()
    get = lab.trail.filter(principal="user/analyst", event_name="GetObject")[-1]
    assert get["userIdentity"]["type"] == "IAMUser" and get["userIdentity"]["userName"] == "analyst"
    assert get["readOnly"] is True and get["responseElements"] is None
    dec = lab.trail.filter(principal="user/analyst", event_name="Decrypt")[-1]
    assert dec["requestParameters"] == {"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                                        "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/trail/b.txt"}}


def test_denied_record_carries_code_message_and_explanation(lab):
    error_of(lab.client("s3", "nobody").get_object, Bucket=BUCKET, Key="trail/b.txt")
    rec = lab.trail.filter(principal="user/nobody", error_code="AccessDenied")[-1]
    assert rec["errorMessage"].startswith("User: arn:aws:iam::123456789012:user/nobody is not authorized")
    assert rec["s3kmsLab"]["decision"] == "implicitDeny" and rec["s3kmsLab"]["explanation"]
    assert rec["responseElements"] is None


def test_kms_management_call_record(lab):
    lab.client("kms", "admin").create_key(Description="trail")
    rec = lab.trail.filter(event_name="CreateKey")[-1]
    assert rec["eventSource"] == "kms.amazonaws.com" and rec["managementEvent"] is True and rec["readOnly"] is False
    assert rec["responseElements"]["keyMetadata"]["Description"] == "trail"


def test_dataframe_filters(lab):
    error_of(lab.client("s3", "nobody").list_objects_v2, Bucket=BUCKET)
    df = lab.trail.dataframe(principal="user/nobody", event_name="ListObjectsV2", error_code="AccessDenied")
    assert len(df) >= 1
    assert set(df["errorCode"]) == {"AccessDenied"} and set(df["eventName"]) == {"ListObjectsV2"}
    assert df["principal"].str.endswith("user/nobody").all()


def test_shell_trail_denied_prints_only_refusals(lab):
    error_of(lab.client("s3", "nobody").get_object, Bucket=BUCKET, Key="trail/b.txt")
    out = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "trail", "--config-dir", str(lab.config_dir), "--denied"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert records and all(r["s3kmsLab"]["decision"] != "allowed" for r in records)
    assert any(r["userIdentity"].get("arn", "").endswith("user/nobody") and r["eventName"] == "GetObject" for r in records)
    everything = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "trail", "--config-dir", str(lab.config_dir)],
                                capture_output=True, text=True, timeout=60)
    assert len(everything.stdout.splitlines()) > len(records)


# ------------------------------------------------------------------ presigned URLs
def test_presigned_get_is_authorized_as_the_signer(lab):
    kms_put(lab, "uploader", "presigned/a.txt", KEY_ARN, body=b"presigned body")
    url = lab.client("s3", "uploader").generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "presigned/a.txt"}, ExpiresIn=300)
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content == b"presigned body"
    rec = lab.trail.filter(event_name="GetObject")[-1]
    assert rec["userIdentity"]["arn"].endswith("assumed-role/DataUploaderRole/uploader")
    assert rec["additionalEventData"]["AuthenticationMethod"] == "QueryString"
    url = lab.client("s3", "nobody").generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "presigned/a.txt"}, ExpiresIn=300)
    r = requests.get(url, timeout=10)
    assert r.status_code == 403 and b"<Code>AccessDenied</Code>" in r.content and b"s3:GetObject" in r.content


def test_presigned_put_with_sse_headers(lab):
    url = lab.client("s3", "uploader").generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": "presigned/up.txt", **SSE}, ExpiresIn=300)
    headers = {"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}
    r = requests.put(url, data=b"uploaded", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    head = lab.client("s3", "admin").head_object(Bucket=BUCKET, Key="presigned/up.txt")
    assert head["SSEKMSKeyId"] == KEY_ARN
    plain = lab.client("s3", "uploader").generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": "presigned/plain.txt"}, ExpiresIn=300)
    r = requests.put(plain, data=b"plain", timeout=10)
    assert r.status_code == 403 and b"explicit deny in a resource-based policy" in r.content


def test_expired_or_tampered_presigned_url(lab):
    kms_put(lab, "uploader", "presigned/e.txt", KEY_ARN)
    s3 = lab.client("s3", "uploader")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "presigned/e.txt"}, ExpiresIn=1)
    time.sleep(1.2)
    r = requests.get(url, timeout=10)
    assert r.status_code == 403
    assert b"<Code>AccessDenied</Code>" in r.content and b"Request has expired" in r.content
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "presigned/e.txt"}, ExpiresIn=300)
    r = requests.get(url.replace("presigned/e.txt", "presigned/other.txt"), timeout=10)
    assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content
