"""Issue 11, kind 7: policy validation as strict as the service that stores the policy (docs/aws-rules.md POL-3..5).

- S3: a bucket policy over 20 KB, with a Resource outside the bucket ("Policy has invalid resource") or an action
  S3 does not have ("Policy has invalid action") is refused with 400 MalformedPolicy
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html);
- IAM: inline policies of a user / role / group are limited to 2,048 / 10,240 / 5,120 characters in total,
  managed policies to 6,144, whitespace not counted; beyond: 409 LimitExceeded
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html);
- KMS: a key policy is at most 32,768 characters (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html).
"""
from __future__ import annotations

import json

import pytest

from endpoint_helpers import ACCOUNT, BUCKET, REGION, code_status, error_of, policy
from s3kms_lab import Lab
from s3kms_lab.endpoint.services.policy_limits import policy_size

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


@pytest.fixture(scope="module")
def lab():
    with Lab("seed") as running:
        yield running


def _bucket_statement(action="s3:GetObject", resource=f"arn:aws:s3:::{BUCKET}/*", sid="S"):
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": action, "Resource": resource}


@pytest.mark.parametrize("statement, error", [
    (_bucket_statement(), None),
    (_bucket_statement(resource=f"arn:aws:s3:::{BUCKET}"), None),
    (_bucket_statement(action="s3:Get*"), None),
    (_bucket_statement(action="s3:*"), None),
    (_bucket_statement(action="*"), None),
    (_bucket_statement(resource="arn:aws:s3:::other-bucket/*"), "Policy has invalid resource"),
    (_bucket_statement(resource="arn:aws:s3:::my-secure-bucket-2/*"), "Policy has invalid resource"),
    (_bucket_statement(resource="*"), "Policy has invalid resource"),
    (_bucket_statement(resource=KEY_ARN), "Policy has invalid resource"),
    (_bucket_statement(action="s3:GetObjects"), "Policy has invalid action"),      # misspelt
    (_bucket_statement(action="s3:Fetch*"), "Policy has invalid action"),          # matches no S3 action
    (_bucket_statement(action="kms:Decrypt"), "Policy has invalid action"),        # not S3's
])
def test_s3_refuses_what_it_would_not_store(lab, statement, error):
    s3 = lab.client("s3", "admin")
    if error is None:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(statement))
        return
    resp = error_of(s3.put_bucket_policy, Bucket=BUCKET, Policy=policy(statement))
    assert code_status(resp) == ("MalformedPolicy", 400)
    assert resp["Error"]["Message"] == error


def _padded_bucket_policy(size: int) -> str:
    doc = policy(_bucket_statement(sid=""))
    return doc.replace('"Sid": ""', '"Sid": "' + "A" * (size - len(doc)) + '"')


@pytest.mark.parametrize("size, refused", [(20 * 1024, False), (20 * 1024 + 1, True)])
def test_s3_bucket_policy_20_kb(lab, size, refused):
    text = _padded_bucket_policy(size)
    assert len(text) == size
    s3 = lab.client("s3", "admin")
    if not refused:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=text)
        return
    resp = error_of(s3.put_bucket_policy, Bucket=BUCKET, Policy=text)
    # refused when the request is read (endpoint/bad_input.py, the security branch's cap)
    assert code_status(resp) == ("PolicyTooLarge", 400)
    assert resp["Error"]["Message"] == "Policy exceeds the maximum allowed document size."


def _identity_policy(chars: int) -> str:
    """An identity policy of exactly ``chars`` characters, whitespace not counted."""
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    pad = chars - policy_size(doc)
    return doc.replace('"Sid": ""', '"Sid": "' + "A" * pad + '"')


@pytest.mark.parametrize("kind, limit", [("user", 2048), ("role", 10240), ("group", 5120)])
def test_iam_inline_policy_quotas(lab, kind, limit):
    iam = lab.client("iam", "admin")
    name = {"user": "quota-user", "role": "QuotaRole", "group": "quota-group"}[kind]
    create = {"user": lambda: iam.create_user(UserName=name),
              "role": lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy(
                  {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"})),
              "group": lambda: iam.create_group(GroupName=name)}[kind]
    put = {"user": iam.put_user_policy, "role": iam.put_role_policy, "group": iam.put_group_policy}[kind]
    entity = {"user": "UserName", "role": "RoleName", "group": "GroupName"}[kind]
    create()
    at_limit = _identity_policy(limit)
    assert policy_size(at_limit) == limit and len(at_limit) > limit      # whitespace is not counted
    put(**{entity: name}, PolicyName="p1", PolicyDocument=at_limit)
    put(**{entity: name}, PolicyName="p1", PolicyDocument=at_limit)      # replacing p1 is not adding to it
    resp = error_of(put, **{entity: name}, PolicyName="p1", PolicyDocument=_identity_policy(limit + 1))
    assert code_status(resp) == ("LimitExceeded", 409)
    # the quota is on the sum of the entity's inline policies
    put(**{entity: name}, PolicyName="p1", PolicyDocument=_identity_policy(limit // 2))
    resp = error_of(put, **{entity: name}, PolicyName="p2", PolicyDocument=_identity_policy(limit - limit // 2 + 1))
    assert code_status(resp) == ("LimitExceeded", 409)


def test_iam_managed_policy_quota(lab):
    iam = lab.client("iam", "admin")
    iam.create_policy(PolicyName="AtQuota", PolicyDocument=_identity_policy(6144))
    resp = error_of(iam.create_policy, PolicyName="OverQuota", PolicyDocument=_identity_policy(6145))
    assert code_status(resp) == ("LimitExceeded", 409)


@pytest.mark.parametrize("size, refused", [(32768, False), (32769, True)])
def test_kms_key_policy_32_kb(lab, size, refused):
    doc = policy({"Sid": "", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"})
    text = doc.replace('"Sid": ""', '"Sid": "' + "A" * (size - len(doc)) + '"')
    kms = lab.client("kms", "admin")
    if not refused:
        kms.put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=text)
        return
    resp = error_of(kms.put_key_policy, KeyId=KEY_ARN, PolicyName="default", Policy=text)
    assert code_status(resp) == ("ValidationException", 400)
