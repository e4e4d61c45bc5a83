"""Issue 11, kind 4: Block Public Access is enforced or refused, never stored and ignored (docs/aws-rules.md BPA-1..5).

- settings of the bucket and of the owner's account combine, most restrictive wins; BlockPublicPolicy refuses a
  public bucket policy; BlockPublicAcls refuses public ACLs; RestrictPublicBuckets takes a public policy's grants
  away from anonymous and other-account callers:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html
- "public" as AWS defines it ("The meaning of 'public'"):
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
- new buckets: all four settings on, ACLs disabled (BucketOwnerEnforced); ACLs then refused with
  AccessControlListNotSupported: https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
"""
from __future__ import annotations

import json

import pytest
import requests

from endpoint_helpers import ACCOUNT, BUCKET, OTHER_ACCOUNT, code_status, error_of, policy
from s3kms_lab import Lab
from s3kms_lab.endpoint.services.public_access import FLAGS, effective_settings, is_public_acl, is_public_policy
from s3kms_lab.engine import PolicyKind, parse_policy

OBJECTS = f"arn:aws:s3:::{BUCKET}/*"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole"
OUTSIDER = f"arn:aws:iam::{OTHER_ACCOUNT}:user/outsider"


def _st(principal, condition=None, effect="Allow", not_principal=False):
    st = {"Effect": effect, ("NotPrincipal" if not_principal else "Principal"): principal, "Action": "s3:GetObject",
          "Resource": OBJECTS}
    if condition:
        st["Condition"] = condition
    return st


PUBLIC_POLICY = policy(_st("*"))


@pytest.mark.parametrize("statement, public", [
    (_st("*"), True),
    (_st({"AWS": "*"}), True),
    (_st({"AWS": ROLE_ARN}), False),                                                    # fixed principal
    (_st({"AWS": ACCOUNT}), False),
    (_st("*", effect="Deny"), False),                                                   # a Deny grants nothing
    (_st({"AWS": ROLE_ARN}, not_principal=True), True),                                 # Allow with NotPrincipal
    (_st("*", {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}), False),                 # fixed CIDR set
    (_st("*", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), True),                     # every address
    (_st("*", {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}), True),
    (_st("*", {"StringEquals": {"aws:SourceAccount": ACCOUNT}}), False),
    (_st("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), False),
    (_st("*", {"ArnEquals": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}), False),
    (_st("*", {"ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::*:distribution/*"}}), True),   # not fixed
    (_st("*", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), False),
    (_st("*", {"StringEquals": {"aws:userid": "AIDAEXAMPLE123456"}}), False),
    (_st("*", {"StringLike": {"aws:userid": "AROAEXAMPLE123456:*"}}), True),            # "AROLEID:*" pattern
    (_st("*", {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}), True),  # not a listed key
    (_st("*", {"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:r:1:key/k"}}),
     False),
])
def test_the_meaning_of_public(statement, public):
    assert is_public_policy(parse_policy(policy(statement), PolicyKind.BUCKET, "p")) is public


@pytest.mark.parametrize("headers, body, public", [
    ({"x-amz-acl": "public-read"}, b"", True),
    ({"x-amz-acl": "public-read-write"}, b"", True),
    ({"x-amz-acl": "authenticated-read"}, b"", True),
    ({"x-amz-acl": "private"}, b"", False),
    ({"x-amz-acl": "bucket-owner-full-control"}, b"", False),
    ({"x-amz-grant-read": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'}, b"", True),
    ({"x-amz-grant-read": 'id="79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"'}, b"", False),
    ({}, b'<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>http://acs.amazonaws.com/groups/global/'
         b'AuthenticatedUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList>'
         b'</AccessControlPolicy>', True),
])
def test_public_acl(headers, body, public):
    assert is_public_acl(headers, body) is public


# ------------------------------------------------------------------ through the endpoint
@pytest.fixture
def lab():
    """The seed scenario without its bucket policy (whose Deny refuses uploads that are not SSE-KMS)."""
    with Lab("seed") as running:
        running.client("s3", "admin").delete_bucket_policy(Bucket=BUCKET)
        yield running


def _bpa(lab, **flags) -> None:
    lab.client("s3", "admin").put_public_access_block(
        Bucket=BUCKET, PublicAccessBlockConfiguration={f: flags.get(f, False) for f in FLAGS})


def test_new_buckets_start_with_block_public_access_on_and_acls_disabled(lab):
    s3 = lab.client("s3", "admin")
    s3.create_bucket(Bucket="fresh-bucket", CreateBucketConfiguration={"LocationConstraint": lab.region})
    for bucket in (BUCKET, "fresh-bucket"):  # the seed scenario's bucket included
        assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {f: True for f in FLAGS}
        rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
        assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_block_public_policy_refuses_a_public_bucket_policy(lab):
    """Issue 11 kind 4 example: with BlockPublicPolicy on, PutBucketPolicy of a Principal "*" GetObject policy is
    refused (403 AccessDenied) and anonymous reads stay refused."""
    s3 = lab.client("s3", "admin")
    _bpa(lab, BlockPublicPolicy=True)
    s3.put_object(Bucket=BUCKET, Key="doc.txt", Body=b"x", ServerSideEncryption="AES256")
    resp = error_of(s3.put_bucket_policy, Bucket=BUCKET, Policy=PUBLIC_POLICY)
    assert code_status(resp) == ("AccessDenied", 403)
    assert "BlockPublicPolicy" in resp["Error"]["Message"]
    assert requests.get(f"{lab.endpoint_url}/{BUCKET}/doc.txt", timeout=30).status_code == 403
    # a policy limited to fixed values is not public and is accepted
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(_st("*", {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})))
    _bpa(lab)  # all off: the public policy is accepted and anonymous reads work
    s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_POLICY)
    assert requests.get(f"{lab.endpoint_url}/{BUCKET}/doc.txt", timeout=30).content == b"x"


def test_account_level_setting_applies_to_the_accounts_buckets(lab):
    """The account's S3 Control setting combines with the bucket's: most restrictive wins (BPA-1)
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html)."""
    _bpa(lab)
    control = lab.client("s3control", "admin")
    assert code_status(error_of(control.get_public_access_block, AccountId=ACCOUNT)) == \
        ("NoSuchPublicAccessBlockConfiguration", 404)
    assert not any(effective_settings(lab.state, BUCKET, ACCOUNT).values())
    control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    assert control.get_public_access_block(AccountId=ACCOUNT)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"]
    assert effective_settings(lab.state, BUCKET, ACCOUNT)["BlockPublicPolicy"] is True
    resp = error_of(lab.client("s3", "admin").put_bucket_policy, Bucket=BUCKET, Policy=PUBLIC_POLICY)
    assert code_status(resp) == ("AccessDenied", 403)
    control.delete_public_access_block(AccountId=ACCOUNT)
    lab.client("s3", "admin").put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_POLICY)


@pytest.mark.parametrize("profile, account, code", [
    ("nobody", ACCOUNT, "AccessDenied"),          # no identity policy allows s3:GetAccountPublicAccessBlock
    ("admin", OTHER_ACCOUNT, "AccessDenied"),     # another account's settings
])
def test_account_level_settings_are_authorized(lab, profile, account, code):
    resp = error_of(lab.client("s3control", profile).get_public_access_block, AccountId=account)
    assert code_status(resp) == (code, 403)


def test_restrict_public_buckets_takes_public_grants_away_from_anonymous_and_other_accounts(lab):
    s3 = lab.client("s3", "admin")
    _bpa(lab)
    s3.put_object(Bucket=BUCKET, Key="doc.txt", Body=b"x", ServerSideEncryption="AES256")
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(_st("*"), {**_st({"AWS": OUTSIDER}), "Sid": "Partner"}))
    assert requests.get(f"{lab.endpoint_url}/{BUCKET}/doc.txt", timeout=30).status_code == 200
    assert lab.client("s3", "outsider").get_object(Bucket=BUCKET, Key="doc.txt")["Body"].read() == b"x"
    _bpa(lab, RestrictPublicBuckets=True)
    assert requests.get(f"{lab.endpoint_url}/{BUCKET}/doc.txt", timeout=30).status_code == 403
    # the outsider loses even the statement naming it: only the owner's account keeps access
    resp = error_of(lab.client("s3", "outsider").get_object, Bucket=BUCKET, Key="doc.txt")
    assert code_status(resp) == ("AccessDenied", 403)
    # a principal of the owner's account keeps the grant (analyst has no identity policy for this object)
    assert lab.client("s3", "analyst").get_object(Bucket=BUCKET, Key="doc.txt")["Body"].read() == b"x"
    # once the policy is no longer public, the outsider's fixed grant applies again
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy({**_st({"AWS": OUTSIDER}), "Sid": "Partner"}))
    assert lab.client("s3", "outsider").get_object(Bucket=BUCKET, Key="doc.txt")["Body"].read() == b"x"


def test_acls_are_refused_while_disabled_and_public_ones_under_block_public_acls(lab):
    s3 = lab.client("s3", "admin")
    resp = error_of(s3.put_object, Bucket=BUCKET, Key="a.txt", Body=b"x", ACL="public-read")
    assert code_status(resp) == ("AccessControlListNotSupported", 400)
    resp = error_of(s3.put_bucket_acl, Bucket=BUCKET, ACL="private")
    assert code_status(resp) == ("AccessControlListNotSupported", 400)
    s3.put_object(Bucket=BUCKET, Key="b.txt", Body=b"x", ACL="bucket-owner-full-control")  # allowed when enforced
    resp = error_of(s3.create_bucket, Bucket="acl-bucket", ACL="public-read",
                    CreateBucketConfiguration={"LocationConstraint": lab.region})
    assert code_status(resp) == ("InvalidBucketAclWithObjectOwnership", 400)
    # ACLs enabled again: a public ACL is refused while BlockPublicAcls is on, accepted once it is off
    s3.put_bucket_ownership_controls(Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    resp = error_of(s3.put_object, Bucket=BUCKET, Key="c.txt", Body=b"x", ACL="public-read")
    assert code_status(resp) == ("AccessDenied", 403)
    s3.put_object(Bucket=BUCKET, Key="c.txt", Body=b"x", ACL="private")
    _bpa(lab)
    s3.put_object_acl(Bucket=BUCKET, Key="c.txt", ACL="public-read")
