"""Issue 11, kind 2: principals in resource-based and trust policies are bound to the principal's unique id.

IAM: "If your Principal element in a role trust policy contains an ARN that points to a specific IAM role, then
that ARN transforms to the role's unique principal ID when you save the policy ... If you delete the role, then
you break the relationship. ... If you re-create the role" the new role has another id and the policy does not
apply to it; the policy shows the old id where the ARN was. The same holds for users and for resource-based
policies (bucket policies, key policies):
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
(docs/aws-rules.md PRIN-2). A document naming such an id is refused when saved ("Invalid principal in policy").
"""
from __future__ import annotations

import json

import boto3
import pytest

from endpoint_helpers import ACCOUNT, BUCKET, REGION, code_status, error_of, kms_put, policy, set_role_policy
from s3kms_lab import Lab
from s3kms_lab.endpoint.principal_ids import replace_principal

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "DataUploaderRole"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
TRUST = policy({"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"})


@pytest.fixture
def lab():
    with Lab("seed") as running:
        yield running


# ------------------------------------------------------------------ the rewrite, as a table
@pytest.mark.parametrize("principal, rewritten", [
    ({"AWS": ROLE_ARN}, {"AWS": "AROAEXAMPLE123456789"}),
    ({"AWS": [ROOT, ROLE_ARN]}, {"AWS": [ROOT, "AROAEXAMPLE123456789"]}),
    ({"AWS": f"{ROLE_ARN}2"}, None),                       # another role whose name starts the same
    ({"AWS": ROOT}, None),                                 # the account is not a user or role
    ({"Service": "s3.amazonaws.com"}, None),
])
def test_replace_principal_only_touches_the_deleted_principal(principal, rewritten):
    doc = policy({"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "*",
                  "Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE_ARN}}})
    out = replace_principal(doc, ROLE_ARN, "AROAEXAMPLE123456789")
    if rewritten is None:
        assert out is None
        return
    st = json.loads(out)["Statement"][0]
    assert st["Principal"] == rewritten
    assert st["Condition"]["ArnEquals"]["aws:PrincipalArn"] == ROLE_ARN   # conditions keep the ARN


# ------------------------------------------------------------------ the example, through the endpoint
def test_recreated_role_does_not_inherit_the_old_roles_grants(lab):
    """Issue 11 kind 2: rights only from a bucket policy and a key policy naming DataUploaderRole; delete the role,
    create it again with the same name and trust policy: the upload is refused and the policies show the old id."""
    s3, kms, iam = lab.client("s3", "admin"), lab.client("kms", "admin"), lab.client("iam", "admin")
    set_role_policy(lab, ROLE)  # no identity policy: the rights come from the resource-based policies only
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy({
        "Sid": "Uploader", "Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*"}))
    kms.put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=policy(
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Uploader", "Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "kms:GenerateDataKey",
         "Resource": "*"}))
    assert kms_put(lab, "uploader", "before.txt", KEY_ARN)["SSEKMSKeyId"] == KEY_ARN
    old_id = iam.get_role(RoleName=ROLE)["Role"]["RoleId"]
    assert old_id.startswith("AROA")

    iam.delete_role(RoleName=ROLE)
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=TRUST)
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleId"] != old_id

    resp = error_of(lab.client("s3", "uploader", fresh=True).put_object, Bucket=BUCKET, Key="after.txt",
                    Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ARN)
    assert code_status(resp) == ("AccessDenied", 403)
    bucket_doc = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert bucket_doc["Statement"][0]["Principal"] == {"AWS": old_id}
    key_doc = json.loads(kms.get_key_policy(KeyId=KEY_ARN, PolicyName="default")["Policy"])
    assert key_doc["Statement"][1]["Principal"] == {"AWS": old_id}


def test_trust_policy_naming_a_deleted_user_does_not_let_a_new_user_of_that_name_assume(lab):
    """Trust policies bind too: a user deleted and created again is another principal (PRIN-2)."""
    iam = lab.client("iam", "admin")
    iam.create_user(UserName="temp")
    old_id = iam.get_user(UserName="temp")["User"]["UserId"]
    assert old_id.startswith("AIDA")
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/temp"
    iam.create_role(RoleName="TempRole", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}))
    iam.delete_user(UserName="temp")
    iam.create_user(UserName="temp")
    trust = iam.get_role(RoleName="TempRole")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"AWS": old_id}
    key = iam.create_access_key(UserName="temp")["AccessKey"]

    sts = boto3.client("sts", endpoint_url=lab.endpoint_url, region_name=REGION,
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    iam.put_user_policy(UserName="temp", PolicyName="assume", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    resp = error_of(sts.assume_role, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/TempRole", RoleSessionName="temp-session")
    assert code_status(resp) == ("AccessDenied", 403)


@pytest.mark.parametrize("save", ["bucket", "key", "trust"])
def test_a_policy_naming_a_unique_id_is_refused_when_saved(lab, save):
    """What the deleted principal's ARN became cannot be saved back: each service answers its own error."""
    principal = {"AWS": "AROAEXAMPLE1234567890"}
    if save == "bucket":
        resp = error_of(lab.client("s3", "admin").put_bucket_policy, Bucket=BUCKET, Policy=policy(
            {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}))
        assert code_status(resp) == ("MalformedPolicy", 400)
        assert "Invalid principal in policy" in resp["Error"]["Message"]
    elif save == "key":
        resp = error_of(lab.client("kms", "admin").put_key_policy, KeyId=KEY_ARN, PolicyName="default", Policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt", "Resource": "*"}))
        assert code_status(resp) == ("MalformedPolicyDocumentException", 400)
    else:
        resp = error_of(lab.client("iam", "admin").update_assume_role_policy, RoleName=ROLE, PolicyDocument=policy(
            {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}))
        assert code_status(resp) == ("MalformedPolicyDocument", 400)
