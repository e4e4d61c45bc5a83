"""Condition keys read from requests come from one checked table (issue 11, kind 8).

Rows of the operation table name, for each operation, the request parameter (or state) each condition key
is read from; tests/endpoint/test_operation_table_model.py checks every name against botocore's model.
Sources: S3 object tags https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html,
IAM keys https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html,
STS keys https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-sts,
KMS keys https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html,
the service authorization reference https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html.
"""
from __future__ import annotations

import json

import pytest

from endpoint_helpers import ACCOUNT, REGION, allow, code_status, error_of, set_user_policy
from s3kms_lab.endpoint.auth import caller_for
from s3kms_lab.endpoint.decide import Call
from s3kms_lab.endpoint.planner import plan

TBUCKET = "lab-tagged-bucket"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def tagged(lab):
    """A bucket (no default encryption) whose policy lets ``outsider`` read objects tagged security=public."""
    s3 = lab.client("s3", "admin")
    s3.create_bucket(Bucket=TBUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket=TBUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{TBUCKET}/*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/security": "public"}}}]}))
    s3.put_object(Bucket=TBUCKET, Key="public.txt", Body=b"open", Tagging="security=public")
    s3.put_object(Bucket=TBUCKET, Key="private.txt", Body=b"closed", Tagging="security=private")
    return s3


def test_existing_object_tag_lets_another_account_read_the_tagged_object(lab, tagged):
    """The issue's example: the bucket policy allows outsider GetObject when s3:ExistingObjectTag/security is
    public."""
    s3 = lab.client("s3", "outsider")
    assert s3.get_object(Bucket=TBUCKET, Key="public.txt")["Body"].read() == b"open"
    assert code_status(error_of(s3.get_object, Bucket=TBUCKET, Key="private.txt")) == ("AccessDenied", 403)


def test_request_object_tags_decide_put_object(lab, tagged):
    # setting a tag-set with PutObject also needs s3:PutObjectTagging (PutObject API, Permissions)
    set_user_policy(lab, "analyst", allow(["s3:PutObject", "s3:PutObjectTagging"], f"arn:aws:s3:::{TBUCKET}/*", Condition={
        "StringEquals": {"s3:RequestObjectTag/team": "data"},
        "ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["team"]}}))
    s3 = lab.client("s3", "analyst")
    s3.put_object(Bucket=TBUCKET, Key="by-analyst.txt", Body=b"x", Tagging="team=data")
    for tagging in ("team=other", "team=data&extra=1", ""):
        resp = error_of(s3.put_object, Bucket=TBUCKET, Key="by-analyst.txt", Body=b"x", Tagging=tagging)
        assert code_status(resp) == ("AccessDenied", 403), tagging


def test_request_object_tags_of_put_object_tagging_come_from_its_body(lab, tagged):
    set_user_policy(lab, "analyst", allow("s3:PutObjectTagging", f"arn:aws:s3:::{TBUCKET}/*", Condition={
        "StringEquals": {"s3:RequestObjectTag/team": "data"}}))
    s3 = lab.client("s3", "analyst")
    s3.put_object_tagging(Bucket=TBUCKET, Key="public.txt", Tagging={"TagSet": [
        {"Key": "security", "Value": "public"}, {"Key": "team", "Value": "data"}]})
    resp = error_of(s3.put_object_tagging, Bucket=TBUCKET, Key="public.txt",
                    Tagging={"TagSet": [{"Key": "team", "Value": "ops"}]})
    assert code_status(resp) == ("AccessDenied", 403)


def test_iam_policy_arn_is_read_from_policyarn(lab):
    """iam:PolicyARN holds AttachRolePolicy's PolicyArn (the parameter's name in IAM's API)."""
    iam = lab.client("iam", "admin")
    arns = [iam.create_policy(PolicyName=f"CondKey{n}", PolicyDocument=json.dumps({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))["Policy"]["Arn"]
            for n in ("Ok", "No")]
    set_user_policy(lab, "analyst", allow("iam:AttachRolePolicy", "*", Condition={"ArnEquals": {"iam:PolicyARN": arns[0]}}))
    analyst = lab.client("iam", "analyst")
    analyst.attach_role_policy(RoleName="DataUploaderRole", PolicyArn=arns[0])
    resp = error_of(analyst.attach_role_policy, RoleName="DataUploaderRole", PolicyArn=arns[1])
    assert code_status(resp) == ("AccessDenied", 403)
    iam.detach_role_policy(RoleName="DataUploaderRole", PolicyArn=arns[0])


# (service, operation, call fields, expected subset of the first step's context)
CONTEXT_ROWS = [
    ("s3", "PutObject", dict(bucket="b", key="k", headers={"x-amz-tagging": "Team=data&env=prod", "x-amz-acl": "private"}),
     {"s3:requestobjecttag/team": ["data"], "s3:requestobjecttag/env": ["prod"],
      "s3:requestobjecttagkeys": ["Team", "env"], "s3:x-amz-acl": ["private"]}),
    ("s3", "CopyObject", dict(bucket="b", key="k", headers={"x-amz-copy-source": "/b/src", "x-amz-metadata-directive": "COPY"}),
     {"s3:x-amz-copy-source": ["/b/src"], "s3:x-amz-metadata-directive": ["COPY"]}),
    ("s3", "ListObjectVersions", dict(bucket="b", query={"prefix": "p/", "max-keys": "5"}),
     {"s3:prefix": ["p/"], "s3:max-keys": ["5"]}),
    ("sts", "AssumeRole", dict(params={"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole", "RoleSessionName": "s",
                                       "SourceIdentity": "me", "Tags.member.1.Key": "Team", "Tags.member.1.Value": "d",
                                       "TransitiveTagKeys.member.1": "Team"}),
     {"sts:rolesessionname": ["s"], "sts:sourceidentity": ["me"], "aws:requesttag/team": ["d"],
      "aws:tagkeys": ["Team"], "sts:transitivetagkeys": ["Team"]}),
    ("iam", "TagUser", dict(params={"UserName": "u", "Tags.member.1.Key": "k", "Tags.member.1.Value": "v"}),
     {"aws:requesttag/k": ["v"], "aws:tagkeys": ["k"]}),
    ("iam", "UntagRole", dict(params={"RoleName": "r", "TagKeys.member.1": "a", "TagKeys.member.2": "b"}),
     {"aws:tagkeys": ["a", "b"]}),
    ("iam", "CreateRole", dict(params={"RoleName": "r", "PermissionsBoundary": "arn:aws:iam::aws:policy/P"}),
     {"iam:permissionsboundary": ["arn:aws:iam::aws:policy/P"]}),
    ("kms", "CreateGrant", dict(params={"KeyId": KEY_ARN, "GranteePrincipal": "arn:aws:iam::1:root",
                                        "Operations": ["Decrypt", "Encrypt"]}),
     {"kms:granteeprincipal": ["arn:aws:iam::1:root"], "kms:grantoperations": ["Decrypt", "Encrypt"]}),
    ("kms", "CreateKey", dict(params={"BypassPolicyLockoutSafetyCheck": True, "KeySpec": "SYMMETRIC_DEFAULT"}),
     {"kms:bypasspolicylockoutsafetycheck": ["true"], "kms:keyspec": ["SYMMETRIC_DEFAULT"]}),
    ("kms", "Encrypt", dict(params={"KeyId": KEY_ARN, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
     {"kms:encryptionalgorithm": ["SYMMETRIC_DEFAULT"]}),
]


@pytest.mark.parametrize("service,operation,fields,expected", CONTEXT_ROWS, ids=[f"{r[0]}:{r[1]}" for r in CONTEXT_ROWS])
def test_the_table_puts_request_parameters_in_the_context(lab, service, operation, fields, expected):
    cred = lab.state.find_credential(lab.session("admin").get_credentials().access_key)
    call = Call(service, operation, caller_for(cred), cred, region=REGION, **fields)
    with lab.app.lock:
        ctx = plan(call, lab.app.authorizer).steps[0].request.context
    assert {k: ctx.get(k) for k in expected} == expected
