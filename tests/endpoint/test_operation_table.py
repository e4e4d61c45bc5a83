"""Every row of the operation table works end to end through boto3, and is refused with its own action.

Each row is called once as ``admin`` (allowed ``*``: the call must reach moto and succeed) and, where a
permission is needed, once as ``nobody`` (no policies: AccessDenied naming the row's IAM action, from the
Service Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/).
Rows run in file order and build on each other (create before get before delete).
Operations outside the table are refused with an AWS-shaped error naming them as not modelled.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from endpoint_helpers import ACCOUNT, BUCKET, REGION, allow, code_status, deny, error_of, policy, run_aws, set_user_policy
from s3kms_lab.endpoint.operations import IAM_OPERATIONS, KMS_OPERATIONS, S3_OPERATIONS, STS_OPERATIONS, lookup

NEW = "lab-table-bucket"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SSE = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ARN}
DOC = policy(allow("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*"))
TRUST = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/TablePolicy"
ctx: dict = {}  # ids created by earlier rows (upload id, key id, grant id...)


def _upload(c):
    ctx["upload"] = c.s3.create_multipart_upload(Bucket=BUCKET, Key="mp.bin", **SSE)["UploadId"]


def _part(c):
    c.s3.upload_part(Bucket=BUCKET, Key="mp.bin", UploadId=ctx["upload"], PartNumber=1, Body=b"p" * 5 * 1024 * 1024)


def _part_copy(c):
    c.s3.upload_part_copy(Bucket=BUCKET, Key="mp.bin", UploadId=ctx["upload"], PartNumber=2,
                          CopySource={"Bucket": BUCKET, "Key": "t/a.txt"})


def _complete(c):
    parts = c.s3.list_parts(Bucket=BUCKET, Key="mp.bin", UploadId=ctx["upload"])["Parts"]
    c.s3.complete_multipart_upload(Bucket=BUCKET, Key="mp.bin", UploadId=ctx["upload"], MultipartUpload={
        "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]})


def _abort(c):
    upload = c.s3.create_multipart_upload(Bucket=BUCKET, Key="aborted.bin", **SSE)["UploadId"]
    c.s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted.bin", UploadId=upload)


def _new_key(c):
    ctx["key"] = c.kms.create_key(Description="table")["KeyMetadata"]["KeyId"]


def _ciphertext(c):
    ctx["blob"] = c.kms.encrypt(KeyId=KEY_ARN, Plaintext=b"secret", EncryptionContext={"k": "v"})["CiphertextBlob"]


def _grant(c):
    ctx["grant"] = c.kms.create_grant(KeyId=KEY_ARN, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/analyst",
                                      RetiringPrincipal=f"arn:aws:iam::{ACCOUNT}:user/admin",
                                      Operations=["Decrypt"])["GrantId"]


def _access_key(c):
    ctx["akid"] = c.iam.create_access_key(UserName="table-user")["AccessKey"]["AccessKeyId"]


# (operation, call) in execution order; ``c`` has s3 / kms / iam / sts clients of one profile.
ROWS = [
    # ---- S3, bucket level
    ("CreateBucket", lambda c: c.s3.create_bucket(Bucket=NEW, CreateBucketConfiguration={"LocationConstraint": REGION})),
    ("HeadBucket", lambda c: c.s3.head_bucket(Bucket=BUCKET)),
    ("ListBuckets", lambda c: c.s3.list_buckets()),
    ("GetBucketLocation", lambda c: c.s3.get_bucket_location(Bucket=BUCKET)),
    ("GetBucketAcl", lambda c: c.s3.get_bucket_acl(Bucket=BUCKET)),
    ("PutBucketVersioning", lambda c: c.s3.put_bucket_versioning(Bucket=NEW, VersioningConfiguration={"Status": "Suspended"})),
    ("GetBucketVersioning", lambda c: c.s3.get_bucket_versioning(Bucket=NEW)),
    ("PutBucketEncryption", lambda c: c.s3.put_bucket_encryption(Bucket=NEW, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}}]})),
    ("GetBucketEncryption", lambda c: c.s3.get_bucket_encryption(Bucket=NEW)),
    ("DeleteBucketEncryption", lambda c: c.s3.delete_bucket_encryption(Bucket=NEW)),
    ("PutPublicAccessBlock", lambda c: c.s3.put_public_access_block(Bucket=NEW, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})),
    ("GetPublicAccessBlock", lambda c: c.s3.get_public_access_block(Bucket=NEW)),
    ("DeletePublicAccessBlock", lambda c: c.s3.delete_public_access_block(Bucket=NEW)),
    ("PutBucketPolicy", lambda c: c.s3.put_bucket_policy(Bucket=NEW, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": f"arn:aws:s3:::{NEW}",
         "Condition": {"StringEquals": {"aws:username": "never"}}}]}))),
    ("GetBucketPolicy", lambda c: c.s3.get_bucket_policy(Bucket=NEW)),
    ("GetBucketPolicyStatus", lambda c: c.s3.get_bucket_policy_status(Bucket=NEW)),
    ("DeleteBucketPolicy", lambda c: c.s3.delete_bucket_policy(Bucket=NEW)),
    ("GetBucketOwnershipControls", lambda c: c.s3.get_bucket_ownership_controls(Bucket=NEW)),
    # ACLs enabled (ObjectWriter) so the next row may set a bucket ACL: with BucketOwnerEnforced every bucket-ACL
    # write is refused with AccessControlListNotSupported (BPA-5; test_public_access.py covers that)
    ("PutBucketOwnershipControls", lambda c: c.s3.put_bucket_ownership_controls(Bucket=NEW, OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})),
    # a bucket's canned ACLs are private, public-read, public-read-write and authenticated-read (BucketCannedACL)
    ("PutBucketAcl", lambda c: c.s3.put_bucket_acl(Bucket=NEW, ACL="private")),
    ("DeleteBucketOwnershipControls", lambda c: c.s3.delete_bucket_ownership_controls(Bucket=NEW)),
    # ---- S3, object level
    ("PutObject", lambda c: c.s3.put_object(Bucket=BUCKET, Key="t/a.txt", Body=b"table", **SSE)),
    ("HeadObject", lambda c: c.s3.head_object(Bucket=BUCKET, Key="t/a.txt")),
    ("GetObject", lambda c: c.s3.get_object(Bucket=BUCKET, Key="t/a.txt")["Body"].read()),
    ("CopyObject", lambda c: c.s3.copy_object(Bucket=BUCKET, Key="t/b.txt", CopySource={"Bucket": BUCKET, "Key": "t/a.txt"}, **SSE)),
    ("PutObjectTagging", lambda c: c.s3.put_object_tagging(Bucket=BUCKET, Key="t/a.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})),
    ("GetObjectTagging", lambda c: c.s3.get_object_tagging(Bucket=BUCKET, Key="t/a.txt")),
    ("DeleteObjectTagging", lambda c: c.s3.delete_object_tagging(Bucket=BUCKET, Key="t/a.txt")),
    ("GetObjectAcl", lambda c: c.s3.get_object_acl(Bucket=BUCKET, Key="t/a.txt")),
    ("PutObjectAcl", lambda c: c.s3.put_object_acl(Bucket=BUCKET, Key="t/a.txt", ACL="bucket-owner-full-control")),
    ("ListObjects", lambda c: c.s3.list_objects(Bucket=BUCKET, Prefix="t/")),
    ("ListObjectsV2", lambda c: c.s3.list_objects_v2(Bucket=BUCKET, Prefix="t/")),
    ("ListObjectVersions", lambda c: c.s3.list_object_versions(Bucket=BUCKET, Prefix="t/")),
    ("CreateMultipartUpload", _upload),
    ("UploadPart", _part),
    ("UploadPartCopy", _part_copy),
    ("ListParts", lambda c: c.s3.list_parts(Bucket=BUCKET, Key="mp.bin", UploadId=ctx["upload"])),
    ("ListMultipartUploads", lambda c: c.s3.list_multipart_uploads(Bucket=BUCKET)),
    ("CompleteMultipartUpload", _complete),
    ("AbortMultipartUpload", _abort),
    ("DeleteObject", lambda c: c.s3.delete_object(Bucket=BUCKET, Key="t/b.txt")),
    ("DeleteObjects", lambda c: c.s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "mp.bin"}]})),
    ("DeleteBucket", lambda c: c.s3.delete_bucket(Bucket=NEW)),
    # ---- KMS
    ("CreateKey", _new_key),
    ("ListKeys", lambda c: c.kms.list_keys()),
    ("DescribeKey", lambda c: c.kms.describe_key(KeyId="alias/my-secure-key")),
    ("Encrypt", _ciphertext),
    ("Decrypt", lambda c: c.kms.decrypt(CiphertextBlob=ctx["blob"], EncryptionContext={"k": "v"})),
    ("ReEncrypt", lambda c: c.kms.re_encrypt(CiphertextBlob=ctx["blob"], SourceEncryptionContext={"k": "v"},
                                             DestinationKeyId=KEY_ARN)),
    ("GenerateDataKey", lambda c: c.kms.generate_data_key(KeyId=KEY_ARN, KeySpec="AES_256")),
    ("GenerateDataKeyWithoutPlaintext", lambda c: c.kms.generate_data_key_without_plaintext(KeyId=KEY_ARN, KeySpec="AES_256")),
    ("GenerateRandom", lambda c: c.kms.generate_random(NumberOfBytes=16)),
    ("GetKeyPolicy", lambda c: c.kms.get_key_policy(KeyId=KEY_ARN, PolicyName="default")),
    ("ListKeyPolicies", lambda c: c.kms.list_key_policies(KeyId=KEY_ARN)),
    ("PutKeyPolicy", lambda c: c.kms.put_key_policy(KeyId=ctx["key"], PolicyName="default", Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}))),
    ("EnableKeyRotation", lambda c: c.kms.enable_key_rotation(KeyId=ctx["key"])),
    ("GetKeyRotationStatus", lambda c: c.kms.get_key_rotation_status(KeyId=ctx["key"])),
    ("RotateKeyOnDemand", lambda c: c.kms.rotate_key_on_demand(KeyId=ctx["key"])),
    ("ListKeyRotations", lambda c: c.kms.list_key_rotations(KeyId=ctx["key"])),
    ("DisableKeyRotation", lambda c: c.kms.disable_key_rotation(KeyId=ctx["key"])),
    ("CreateGrant", _grant),
    ("ListGrants", lambda c: c.kms.list_grants(KeyId=KEY_ARN)),
    ("RetireGrant", lambda c: c.kms.retire_grant(KeyId=KEY_ARN, GrantId=ctx["grant"])),
    ("RevokeGrant", lambda c: (_grant(c), c.kms.revoke_grant(KeyId=KEY_ARN, GrantId=ctx["grant"]))),
    ("CreateAlias", lambda c: c.kms.create_alias(AliasName="alias/table", TargetKeyId=ctx["key"])),
    ("ListAliases", lambda c: c.kms.list_aliases()),
    ("UpdateAlias", lambda c: c.kms.update_alias(AliasName="alias/table", TargetKeyId=ctx["key"])),
    ("DeleteAlias", lambda c: c.kms.delete_alias(AliasName="alias/table")),
    ("TagResource", lambda c: c.kms.tag_resource(KeyId=ctx["key"], Tags=[{"TagKey": "team", "TagValue": "lab"}])),
    ("ListResourceTags", lambda c: c.kms.list_resource_tags(KeyId=ctx["key"])),
    ("UntagResource", lambda c: c.kms.untag_resource(KeyId=ctx["key"], TagKeys=["team"])),
    ("UpdateKeyDescription", lambda c: c.kms.update_key_description(KeyId=ctx["key"], Description="renamed")),
    ("DisableKey", lambda c: c.kms.disable_key(KeyId=ctx["key"])),
    ("EnableKey", lambda c: c.kms.enable_key(KeyId=ctx["key"])),
    ("ScheduleKeyDeletion", lambda c: c.kms.schedule_key_deletion(KeyId=ctx["key"], PendingWindowInDays=7)),
    ("CancelKeyDeletion", lambda c: c.kms.cancel_key_deletion(KeyId=ctx["key"])),
    # ---- IAM: users
    ("CreateUser", lambda c: c.iam.create_user(UserName="table-user")),
    ("GetUser", lambda c: c.iam.get_user(UserName="table-user")),
    ("ListUsers", lambda c: c.iam.list_users()),
    ("TagUser", lambda c: c.iam.tag_user(UserName="table-user", Tags=[{"Key": "team", "Value": "lab"}])),
    ("UntagUser", lambda c: c.iam.untag_user(UserName="table-user", TagKeys=["team"])),
    ("PutUserPolicy", lambda c: c.iam.put_user_policy(UserName="table-user", PolicyName="p", PolicyDocument=DOC)),
    ("GetUserPolicy", lambda c: c.iam.get_user_policy(UserName="table-user", PolicyName="p")),
    ("ListUserPolicies", lambda c: c.iam.list_user_policies(UserName="table-user")),
    ("DeleteUserPolicy", lambda c: c.iam.delete_user_policy(UserName="table-user", PolicyName="p")),
    ("CreateAccessKey", _access_key),
    ("ListAccessKeys", lambda c: c.iam.list_access_keys(UserName="table-user")),
    ("UpdateAccessKey", lambda c: c.iam.update_access_key(UserName="table-user", AccessKeyId=ctx["akid"], Status="Inactive")),
    ("DeleteAccessKey", lambda c: c.iam.delete_access_key(UserName="table-user", AccessKeyId=ctx["akid"])),
    # ---- IAM: managed policies
    ("CreatePolicy", lambda c: c.iam.create_policy(PolicyName="TablePolicy", PolicyDocument=DOC)),
    ("GetPolicy", lambda c: c.iam.get_policy(PolicyArn=POLICY_ARN)),
    ("ListPolicies", lambda c: c.iam.list_policies(Scope="Local")),
    ("CreatePolicyVersion", lambda c: c.iam.create_policy_version(PolicyArn=POLICY_ARN, PolicyDocument=DOC)),
    ("ListPolicyVersions", lambda c: c.iam.list_policy_versions(PolicyArn=POLICY_ARN)),
    ("GetPolicyVersion", lambda c: c.iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId="v2")),
    ("SetDefaultPolicyVersion", lambda c: c.iam.set_default_policy_version(PolicyArn=POLICY_ARN, VersionId="v2")),
    ("DeletePolicyVersion", lambda c: c.iam.delete_policy_version(PolicyArn=POLICY_ARN, VersionId="v1")),
    ("AttachUserPolicy", lambda c: c.iam.attach_user_policy(UserName="table-user", PolicyArn=POLICY_ARN)),
    ("ListAttachedUserPolicies", lambda c: c.iam.list_attached_user_policies(UserName="table-user")),
    ("ListEntitiesForPolicy", lambda c: c.iam.list_entities_for_policy(PolicyArn=POLICY_ARN)),
    ("DetachUserPolicy", lambda c: c.iam.detach_user_policy(UserName="table-user", PolicyArn=POLICY_ARN)),
    ("PutUserPermissionsBoundary", lambda c: c.iam.put_user_permissions_boundary(UserName="table-user", PermissionsBoundary=POLICY_ARN)),
    ("DeleteUserPermissionsBoundary", lambda c: c.iam.delete_user_permissions_boundary(UserName="table-user")),
    # ---- IAM: groups
    ("CreateGroup", lambda c: c.iam.create_group(GroupName="table-group")),
    ("GetGroup", lambda c: c.iam.get_group(GroupName="table-group")),
    ("ListGroups", lambda c: c.iam.list_groups()),
    ("AddUserToGroup", lambda c: c.iam.add_user_to_group(GroupName="table-group", UserName="table-user")),
    ("ListGroupsForUser", lambda c: c.iam.list_groups_for_user(UserName="table-user")),
    ("PutGroupPolicy", lambda c: c.iam.put_group_policy(GroupName="table-group", PolicyName="g", PolicyDocument=DOC)),
    ("GetGroupPolicy", lambda c: c.iam.get_group_policy(GroupName="table-group", PolicyName="g")),
    ("ListGroupPolicies", lambda c: c.iam.list_group_policies(GroupName="table-group")),
    ("DeleteGroupPolicy", lambda c: c.iam.delete_group_policy(GroupName="table-group", PolicyName="g")),
    ("AttachGroupPolicy", lambda c: c.iam.attach_group_policy(GroupName="table-group", PolicyArn=POLICY_ARN)),
    ("ListAttachedGroupPolicies", lambda c: c.iam.list_attached_group_policies(GroupName="table-group")),
    ("DetachGroupPolicy", lambda c: c.iam.detach_group_policy(GroupName="table-group", PolicyArn=POLICY_ARN)),
    ("RemoveUserFromGroup", lambda c: c.iam.remove_user_from_group(GroupName="table-group", UserName="table-user")),
    ("DeleteGroup", lambda c: c.iam.delete_group(GroupName="table-group")),
    # ---- IAM: roles
    ("CreateRole", lambda c: c.iam.create_role(RoleName="TableRole", AssumeRolePolicyDocument=TRUST)),
    ("GetRole", lambda c: c.iam.get_role(RoleName="TableRole")),
    ("ListRoles", lambda c: c.iam.list_roles()),
    ("UpdateRole", lambda c: c.iam.update_role(RoleName="TableRole", MaxSessionDuration=7200)),
    ("UpdateAssumeRolePolicy", lambda c: c.iam.update_assume_role_policy(RoleName="TableRole", PolicyDocument=TRUST)),
    ("TagRole", lambda c: c.iam.tag_role(RoleName="TableRole", Tags=[{"Key": "team", "Value": "lab"}])),
    ("UntagRole", lambda c: c.iam.untag_role(RoleName="TableRole", TagKeys=["team"])),
    ("PutRolePolicy", lambda c: c.iam.put_role_policy(RoleName="TableRole", PolicyName="r", PolicyDocument=DOC)),
    ("GetRolePolicy", lambda c: c.iam.get_role_policy(RoleName="TableRole", PolicyName="r")),
    ("ListRolePolicies", lambda c: c.iam.list_role_policies(RoleName="TableRole")),
    ("DeleteRolePolicy", lambda c: c.iam.delete_role_policy(RoleName="TableRole", PolicyName="r")),
    ("AttachRolePolicy", lambda c: c.iam.attach_role_policy(RoleName="TableRole", PolicyArn=POLICY_ARN)),
    ("ListAttachedRolePolicies", lambda c: c.iam.list_attached_role_policies(RoleName="TableRole")),
    ("DetachRolePolicy", lambda c: c.iam.detach_role_policy(RoleName="TableRole", PolicyArn=POLICY_ARN)),
    ("PutRolePermissionsBoundary", lambda c: c.iam.put_role_permissions_boundary(RoleName="TableRole", PermissionsBoundary=POLICY_ARN)),
    ("DeleteRolePermissionsBoundary", lambda c: c.iam.delete_role_permissions_boundary(RoleName="TableRole")),
    ("GetAccountSummary", lambda c: c.iam.get_account_summary()),
    ("GetAccountAuthorizationDetails", lambda c: c.iam.get_account_authorization_details(Filter=["User"])),
    ("SimulateCustomPolicy", lambda c: c.iam.simulate_custom_policy(PolicyInputList=[DOC], ActionNames=["s3:GetObject"])),
    ("SimulatePrincipalPolicy", lambda c: c.iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/analyst", ActionNames=["s3:GetObject"])),
    ("DeleteRole", lambda c: c.iam.delete_role(RoleName="TableRole")),
    ("DeletePolicy", lambda c: c.iam.delete_policy(PolicyArn=POLICY_ARN)),
    ("DeleteUser", lambda c: c.iam.delete_user(UserName="table-user")),
    # ---- STS
    ("GetCallerIdentity", lambda c: c.sts.get_caller_identity()),
    ("GetSessionToken", lambda c: c.sts.get_session_token()),
    ("AssumeRole", lambda c: c.sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole", RoleSessionName="table")),
]
NO_PERMISSION_NEEDED = {"GetCallerIdentity", "GetSessionToken"}  # STS answers these for any caller
# Rows whose admin call chains several operations: nobody makes the single call (refused before moto).
NOBODY_CALLS = {
    "CompleteMultipartUpload": lambda c: c.s3.complete_multipart_upload(
        Bucket=BUCKET, Key="mp.bin", UploadId="none", MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": "e"}]}),
    "AbortMultipartUpload": lambda c: c.s3.abort_multipart_upload(Bucket=BUCKET, Key="mp.bin", UploadId="none"),
    "RevokeGrant": lambda c: c.kms.revoke_grant(KeyId=KEY_ARN, GrantId="none"),
    "DeleteAlias": lambda c: c.kms.delete_alias(AliasName="alias/my-secure-key"),
}
DENIED_ROWS = [(name, NOBODY_CALLS.get(name, call)) for name, call in ROWS
               if name not in NO_PERMISSION_NEEDED | {"DeleteObjects"}]
_SERVICE = {**{n: "s3" for n in S3_OPERATIONS}, **{n: "kms" for n in KMS_OPERATIONS},
            **{n: "iam" for n in IAM_OPERATIONS}, **{n: "sts" for n in STS_OPERATIONS}}


def clients(lab, profile):
    return SimpleNamespace(**{svc: lab.client(svc, profile) for svc in ("s3", "kms", "iam", "sts")})


@pytest.fixture(scope="module")
def admin(lab):
    return clients(lab, "admin")


@pytest.fixture(scope="module")
def nobody(lab):
    return clients(lab, "nobody")


def test_the_rows_cover_the_whole_table():
    names = [name for name, _ in ROWS]
    assert len(names) == len(set(names))
    assert set(names) == set(_SERVICE)


@pytest.mark.parametrize("name,call", ROWS, ids=[name for name, _ in ROWS])
def test_row_works_for_admin(lab, admin, name, call):
    before = len(lab.trail.records)
    call(admin)
    recs = [r for r in lab.trail.records[before:] if r["eventName"] == name]
    assert recs, f"no trail record for {name}"
    assert all("errorCode" not in r for r in recs), recs


@pytest.mark.parametrize("name,call", DENIED_ROWS, ids=[name for name, _ in DENIED_ROWS])
def test_row_is_refused_to_nobody_naming_its_action(lab, nobody, name, call):
    """Same-account caller without any policy: implicit deny naming the row's action
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."""
    op = lookup(_SERVICE[name], name)
    resp = error_of(call, nobody)
    code, status = code_status(resp)
    message = resp["Error"]["Message"]
    if name in ("HeadBucket", "HeadObject"):
        # A HEAD answer has no body: the SDK sees only the status; the trail keeps S3's message.
        assert (code, status) == ("403", 403)
        message = lab.trail.filter(event_name=name, error_code="AccessDenied")[-1]["errorMessage"]
    elif _SERVICE[name] == "kms":
        assert (code, status) == ("AccessDeniedException", 400)
    else:
        assert (code, status) == ("AccessDenied", 403)
    assert f"is not authorized to perform: {op.action}" in message


def test_nobody_multi_delete_gets_per_key_access_denied(lab, admin, nobody):
    admin.s3.put_object(Bucket=BUCKET, Key="keep/1.txt", Body=b"1", **SSE)
    out = nobody.s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "keep/1.txt"}]})
    assert out.get("Deleted", []) == []
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [("keep/1.txt", "AccessDenied")]
    assert admin.s3.head_object(Bucket=BUCKET, Key="keep/1.txt")["ContentLength"] == 1


def test_multi_delete_is_decided_per_key(lab, admin):
    """A Deny on one prefix removes only those keys from a DeleteObjects request (s3:DeleteObject per key)."""
    for key in ("mixed/ok.txt", "mixed/locked/no.txt"):
        admin.s3.put_object(Bucket=BUCKET, Key=key, Body=b"x", **SSE)
    set_user_policy(lab, "analyst", allow(["s3:*", "kms:*"]),
                    deny("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/mixed/locked/*"))
    try:
        out = lab.client("s3", "analyst").delete_objects(
            Bucket=BUCKET, Delete={"Objects": [{"Key": "mixed/ok.txt"}, {"Key": "mixed/locked/no.txt"}]})
    finally:
        set_user_policy(lab, "analyst", allow(["s3:*", "kms:*"]), name="S3AndKmsFullAccess")
    assert [d["Key"] for d in out["Deleted"]] == ["mixed/ok.txt"]
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [("mixed/locked/no.txt", "AccessDenied")]
    denied = lab.trail.filter(event_name="DeleteObjects", error_code="AccessDenied")
    assert denied[-1]["resources"][0]["ARN"] == f"arn:aws:s3:::{BUCKET}/mixed/locked/no.txt"
    assert "s3:DeleteObject" in denied[-1]["errorMessage"] and "explicit deny" in denied[-1]["errorMessage"]


def test_cli_recursive_remove_uses_multi_delete(lab, admin):
    for i in range(3):
        admin.s3.put_object(Bucket=BUCKET, Key=f"rm/{i}.txt", Body=b"x", **SSE)
    p = run_aws(lab, "admin", "s3", "rm", f"s3://{BUCKET}/rm/", "--recursive")
    assert p.returncode == 0, p.stderr.decode()
    assert admin.s3.list_objects_v2(Bucket=BUCKET, Prefix="rm/")["KeyCount"] == 0


def test_list_objects_carries_s3_prefix(lab, admin):
    """``s3:prefix`` is the ListObjects Prefix parameter (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html)."""
    set_user_policy(lab, "analyst", allow(["s3:*", "kms:*"]),
                    deny("s3:ListBucket", f"arn:aws:s3:::{BUCKET}", Condition={"StringNotLike": {"s3:prefix": "public/*"}}))
    analyst = lab.client("s3", "analyst")
    try:
        assert analyst.list_objects_v2(Bucket=BUCKET, Prefix="public/")["KeyCount"] == 0
        assert analyst.list_objects(Bucket=BUCKET, Prefix="public/x")["ResponseMetadata"]["HTTPStatusCode"] == 200
        resp = error_of(analyst.list_objects_v2, Bucket=BUCKET, Prefix="private/")
        assert code_status(resp) == ("AccessDenied", 403)
        assert f'on resource: "arn:aws:s3:::{BUCKET}"' in resp["Error"]["Message"]
        assert "s3:prefix" in resp["ResponseMetadata"]["HTTPHeaders"]["x-s3kms-lab-explanation"]
        # no Prefix at all: the key is absent, StringNotLike matches, the Deny applies
        assert code_status(error_of(analyst.list_objects_v2, Bucket=BUCKET)) == ("AccessDenied", 403)
    finally:
        set_user_policy(lab, "analyst", allow(["s3:*", "kms:*"]), name="S3AndKmsFullAccess")


def test_copy_object_carries_the_copy_source_key(lab, admin):
    """``s3:x-amz-copy-source`` is the copy-source header; the copy also needs s3:GetObject on the source."""
    admin.s3.put_object(Bucket=BUCKET, Key="private/s.txt", Body=b"s", **SSE)
    admin.s3.put_object(Bucket=BUCKET, Key="public/s.txt", Body=b"s", **SSE)
    set_user_policy(lab, "analyst", allow(["s3:*", "kms:*"]),
                    deny("s3:PutObject", "*", Condition={"StringLike": {"s3:x-amz-copy-source": f"{BUCKET}/private/*"}}))
    analyst = lab.client("s3", "analyst")
    try:
        analyst.copy_object(Bucket=BUCKET, Key="copies/ok.txt", CopySource={"Bucket": BUCKET, "Key": "public/s.txt"}, **SSE)
        resp = error_of(analyst.copy_object, Bucket=BUCKET, Key="copies/no.txt",
                        CopySource={"Bucket": BUCKET, "Key": "private/s.txt"}, **SSE)
        assert code_status(resp) == ("AccessDenied", 403)
        assert "s3:PutObject" in resp["Error"]["Message"] and "explicit deny" in resp["Error"]["Message"]
        set_user_policy(lab, "analyst", allow(["s3:*", "kms:*"]), deny("s3:GetObject", f"arn:aws:s3:::{BUCKET}/private/*"))
        resp = error_of(analyst.copy_object, Bucket=BUCKET, Key="copies/no.txt",
                        CopySource={"Bucket": BUCKET, "Key": "private/s.txt"}, **SSE)
        assert f'perform: s3:GetObject on resource: "arn:aws:s3:::{BUCKET}/private/s.txt"' in resp["Error"]["Message"]
    finally:
        set_user_policy(lab, "analyst", allow(["s3:*", "kms:*"]), name="S3AndKmsFullAccess")


@pytest.mark.parametrize("service,call,code,status", [
    ("s3", lambda c: c.s3.get_bucket_lifecycle_configuration(Bucket=BUCKET), "NotImplemented", 501),
    ("kms", lambda c: c.kms.list_retirable_grants(RetiringPrincipal=f"arn:aws:iam::{ACCOUNT}:user/admin"),
     "UnsupportedOperation", 400),
    ("iam", lambda c: c.iam.list_server_certificates(), "UnsupportedOperation", 400),
    ("sts", lambda c: c.sts.get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE"), "UnsupportedOperation", 400),
], ids=["s3", "kms", "iam", "sts"])
def test_operations_outside_the_table_are_refused_by_name(lab, admin, service, call, code, status):
    resp = error_of(call, admin)
    assert code_status(resp) == (code, status)
    assert "does not model" in resp["Error"]["Message"] and "refused" in resp["Error"]["Message"]
    assert lab.trail.records[-1]["errorCode"] == code
