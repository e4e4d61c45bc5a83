"""Issue 11, kind 3: an anonymous (unsigned) caller is its own kind of caller.

Rules (docs/aws-rules.md ANON-1, ANON-2):
- only S3 serves unsigned requests; KMS, IAM and STS need every request signed with SigV4
  (https://docs.aws.amazon.com/kms/latest/developerguide/requests-and-responses.html), so S3 cannot call KMS
  for an anonymous caller and an SSE-KMS object is never readable anonymously, whatever the bucket policy and
  the key policy say (``Principal "*"`` included)
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html);
- an unsigned request that a bucket policy allows for ``"*"`` is served: the object comes back with 200
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html). The decision is the
  lab's engine's, never moto's own object-ACL check.
"""
from __future__ import annotations

import pytest
import requests

from endpoint_helpers import ACCOUNT, BUCKET, REGION, policy
from s3kms_lab import Lab
from s3kms_lab.engine import Caller, PolicyKind, PolicySet, Request, authorize, parse_policy
from s3kms_lab.engine.principal import ANONYMOUS

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
PUBLIC_READ = {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
               "Resource": f"arn:aws:s3:::{BUCKET}/*"}
KEY_POLICY_PUBLIC_DECRYPT = policy(
    {"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "AnyoneDecrypts", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"})


# ------------------------------------------------------------------ the engine's rule, per service
@pytest.mark.parametrize("action, resource, allowed", [
    ("s3:GetObject", "arn:aws:s3:::b/k", True),          # S3 serves anonymous requests a policy allows
    ("kms:Decrypt", KEY_ARN, False),                     # KMS: signed requests only
    ("kms:GenerateDataKey", KEY_ARN, False),
    ("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/x", False),
    ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/r", False),
])
def test_anonymous_caller_only_reaches_services_that_serve_unsigned_requests(action, resource, allowed):
    """A resource-based policy allowing "*" everything grants an anonymous caller S3 only (ANON-1)."""
    kind = PolicyKind.KEY if action.startswith("kms:") else PolicyKind.BUCKET
    doc = policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    d = authorize(Request(Caller(ANONYMOUS), action, resource, {}, ACCOUNT),
                  PolicySet(resource=parse_policy(doc, kind, "public policy")))
    assert d.allowed is allowed
    if not allowed:
        assert d.rule == "anonymous-unsigned-service" and "anonymous" in d.message()


# ------------------------------------------------------------------ through the endpoint
@pytest.fixture(scope="module")
def public_lab():
    """The seed scenario with a public-read bucket policy and a key policy letting "*" use the key."""
    with Lab("seed") as lab:
        s3 = lab.client("s3", "admin")
        s3.delete_public_access_block(Bucket=BUCKET)  # a public policy needs Block Public Access off (kind 4)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(PUBLIC_READ))
        lab.client("kms", "admin").put_key_policy(KeyId=KEY_ARN, PolicyName="default",
                                                  Policy=KEY_POLICY_PUBLIC_DECRYPT)
        s3.put_object(Bucket=BUCKET, Key="sse-s3.txt", Body=b"public text", ServerSideEncryption="AES256")
        s3.put_object(Bucket=BUCKET, Key="sse-kms.txt", Body=b"secret text", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=KEY_ARN)
        s3.put_object(Bucket=BUCKET, Key="plain.txt", Body=b"plain text")
        yield lab


@pytest.mark.parametrize("key, status, body", [
    ("sse-s3.txt", 200, b"public text"),   # issue 11 kind 3: was an empty 403 from moto's ACL check
    ("plain.txt", 200, b"plain text"),
    ("sse-kms.txt", 403, None),            # issue 11 kind 3: was 200 with the plaintext
])
def test_unsigned_get(public_lab, key, status, body):
    url = public_lab.env()["AWS_ENDPOINT_URL"]
    r = requests.get(f"{url}/{BUCKET}/{key}", timeout=30)
    assert r.status_code == status
    if body is not None:
        assert r.content == body
    else:
        assert b"<Code>AccessDenied</Code>" in r.content and b"secret" not in r.content
        assert "serves only signed requests" in r.headers["x-s3kms-lab-explanation"]


def test_unsigned_put_under_sse_kms_is_refused(public_lab):
    """An anonymous upload asking for SSE-KMS cannot be encrypted: S3 would call KMS unsigned (ANON-1)."""
    s3 = public_lab.client("s3", "admin")
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(PUBLIC_READ, {
        "Sid": "PublicWrite", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*"}))
    try:
        url = public_lab.env()["AWS_ENDPOINT_URL"]
        r = requests.put(f"{url}/{BUCKET}/anon-kms.txt", data=b"x", timeout=30,
                         headers={"x-amz-server-side-encryption": "aws:kms",
                                  "x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN})
        assert r.status_code == 403
        r = requests.put(f"{url}/{BUCKET}/anon-s3.txt", data=b"x", timeout=30,
                         headers={"x-amz-server-side-encryption": "AES256"})
        assert r.status_code == 200
    finally:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(PUBLIC_READ))
