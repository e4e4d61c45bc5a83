"""Issue 11, kind 5: a KMS key reference that is not a full key ARN resolves in the REQUESTER's account.

Rules (docs/aws-rules.md SSE-8, SSE-10):
- a key id or alias, in the ``x-amz-server-side-encryption-aws-kms-key-id`` header or in the bucket's default
  encryption, names a key of the account of the caller who writes, not of the bucket owner: "If you use a KMS key
  alias instead, then KMS resolves the key within the requester's account"
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html); cross-account writers
  need the full key ARN (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html);
- the AWS managed key ``aws/s3`` (named or implied) is the requester's account's
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html);
- a reference that resolves to no key is refused with KMS's error, naming the reference as written:
  400 ``KMS.NotFoundException`` ``Invalid keyId <value>``, also when it came from the bucket default.
"""
from __future__ import annotations

import json

import pytest

from endpoint_helpers import ACCOUNT, BUCKET, OTHER_ACCOUNT, REGION, code_status, error_of
from s3kms_lab import Lab

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
ALIAS = "alias/my-secure-key"
ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:{ALIAS}"
OUTSIDER = f"arn:aws:iam::{OTHER_ACCOUNT}:user/outsider"
OWNER_KEY = "owner's key"
OWN_AWS_S3 = "requester's aws/s3"
NOT_FOUND = "not found"


@pytest.fixture(scope="module")
def lab():
    """The seed scenario opened to the outsider: the bucket policy (only this statement, so writes without SSE
    headers are not refused by the post's Deny) lets it PutObject, the key policy lets it use the key."""
    with Lab("seed") as running:
        s3, kms = running.client("s3", "admin"), running.client("kms", "admin")
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "PartnerWrite", "Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{BUCKET}/partner/*"}]}))
        kdoc = json.loads(kms.get_key_policy(KeyId=KEY_ARN, PolicyName="default")["Policy"])
        kdoc["Statement"].append({"Sid": "PartnerUse", "Effect": "Allow", "Principal": {"AWS": OUTSIDER},
                                  "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"})
        kms.put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=json.dumps(kdoc))
        yield running


def _default(lab, key_ref: str | None) -> None:
    rule: dict = {"SSEAlgorithm": "aws:kms"}
    if key_ref is not None:
        rule["KMSMasterKeyID"] = key_ref
    lab.client("s3", "admin").put_bucket_encryption(
        Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": rule}]})


def _aws_s3_arn(lab, profile: str) -> str:
    return lab.client("kms", profile).describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"]


# (writer, where the reference is written, the reference (None: aws/s3 implied), the key S3 must use)
CASES = [
    # issue 11 kind 5 example: the bucket default names the key by bare key id; the outsider writes no SSE header
    ("outsider", "default", KEY_ID, NOT_FOUND),
    ("outsider", "default", ALIAS, NOT_FOUND),
    ("outsider", "default", KEY_ARN, OWNER_KEY),
    ("outsider", "default", ALIAS_ARN, OWNER_KEY),
    ("outsider", "default", None, OWN_AWS_S3),
    ("outsider", "header", KEY_ID, NOT_FOUND),
    ("outsider", "header", ALIAS, NOT_FOUND),
    ("outsider", "header", KEY_ARN, OWNER_KEY),
    ("outsider", "header", ALIAS_ARN, OWNER_KEY),
    ("outsider", "header", "alias/aws/s3", OWN_AWS_S3),
    ("outsider", "header", None, OWN_AWS_S3),
    ("admin", "default", KEY_ID, OWNER_KEY),     # same account: the bare id finds the owner's key
    ("admin", "header", ALIAS, OWNER_KEY),
    ("admin", "default", None, OWN_AWS_S3),
]


@pytest.mark.parametrize("writer, where, key_ref, expected", CASES)
def test_key_reference_resolves_in_the_requesters_account(lab, writer, where, key_ref, expected):
    s3 = lab.client("s3", writer)
    key = f"partner/{writer}-{where}-{key_ref or 'implied'}".replace(":", "_")
    args: dict = {}
    if where == "default":
        _default(lab, key_ref)
    else:
        lab.client("s3", "admin").delete_bucket_encryption(Bucket=BUCKET)
        args = {"ServerSideEncryption": "aws:kms", **({"SSEKMSKeyId": key_ref} if key_ref else {})}
    if expected == NOT_FOUND:
        resp = error_of(s3.put_object, Bucket=BUCKET, Key=key, Body=b"x", **args)
        assert code_status(resp) == ("KMS.NotFoundException", 400)
        assert resp["Error"]["Message"] == f"Invalid keyId {key_ref}"
        return
    out = s3.put_object(Bucket=BUCKET, Key=key, Body=b"x", **args)
    want = KEY_ARN if expected == OWNER_KEY else _aws_s3_arn(lab, writer)
    assert out["SSEKMSKeyId"] == want
    assert want.split(":")[4] == (ACCOUNT if expected == OWNER_KEY else lab.client("sts", writer)
                                  .get_caller_identity()["Account"])


def test_object_under_the_writers_aws_s3_is_unreadable_by_the_bucket_owner(lab):
    """The cross-account trap the rule makes: the outsider's aws/s3 admits only its own account (KMS-7)."""
    _default(lab, None)
    lab.client("s3", "outsider").put_object(Bucket=BUCKET, Key="partner/trap.txt", Body=b"x")
    resp = error_of(lab.client("s3", "admin").get_object, Bucket=BUCKET, Key="partner/trap.txt")
    assert code_status(resp) == ("AccessDenied", 403)
    assert f"kms:Decrypt on resource: {_aws_s3_arn(lab, 'outsider')}" in resp["Error"]["Message"]
