"""The operation table: one row per modelled API operation (data, not ``if`` chains).

Each row gives the IAM action the operation needs, the kind of resource it acts on (from which the
resource ARN is built) and what S3 does with KMS for it. Sources: the Service Authorization Reference
pages for S3 (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html),
KMS (.../list_awskeymanagementservice.html), IAM (.../list_awsidentityandaccessmanagementiam.html),
STS (.../list_awssecuritytokenservice.html), and the SSE-KMS permission needs in
https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html (PutObject needs
kms:GenerateDataKey, GetObject kms:Decrypt, multipart both: facts 75-78).
Operations not in the table are refused (fail closed).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Op", "S3_OPERATIONS", "KMS_OPERATIONS", "IAM_OPERATIONS", "STS_OPERATIONS", "VERSION_ACTIONS", "lookup",
           "version_op"]


@dataclass(frozen=True)
class Op:
    """action: IAM action; resource: ``object`` / ``bucket`` / ``*`` (S3), ``key`` / ``*`` (KMS),
    ``user`` / ``role`` / ``group`` / ``policy`` / ``*`` (IAM), ``role`` (STS);
    kms: what S3 asks KMS for, as the caller: ``encrypt`` (GenerateDataKey for the new object),
    ``decrypt`` (Decrypt the stored data key), ``part`` (Decrypt: S3 reads earlier parts), or None;
    copy: the request also reads ``x-amz-copy-source`` (s3:GetObject + kms:Decrypt on the source);
    read_only: for the trail's ``readOnly``; management: CloudTrail management event (else data event)."""

    action: str
    resource: str
    kms: str | None = None
    copy: bool = False
    read_only: bool = False
    management: bool = True


def _s3(action: str, resource: str, kms: str | None = None, copy: bool = False, read_only: bool = False) -> Op:
    return Op(action, resource, kms, copy, read_only, management=resource != "object")


S3_OPERATIONS: dict[str, Op] = {
    "PutObject": _s3("s3:PutObject", "object", kms="encrypt"),
    "GetObject": _s3("s3:GetObject", "object", kms="decrypt", read_only=True),
    "HeadObject": _s3("s3:GetObject", "object", read_only=True),  # no KMS call (fact 78)
    "DeleteObject": _s3("s3:DeleteObject", "object"),
    # multi-object delete: s3:DeleteObject decided per key (s3:DeleteObjectVersion for a version)
    "DeleteObjects": _s3("s3:DeleteObject", "object"),
    "CopyObject": _s3("s3:PutObject", "object", kms="encrypt", copy=True),
    "CreateMultipartUpload": _s3("s3:PutObject", "object", kms="encrypt"),
    "UploadPart": _s3("s3:PutObject", "object", kms="part"),
    "UploadPartCopy": _s3("s3:PutObject", "object", kms="part", copy=True),
    "CompleteMultipartUpload": _s3("s3:PutObject", "object"),
    "AbortMultipartUpload": _s3("s3:AbortMultipartUpload", "object"),
    "ListParts": _s3("s3:ListMultipartUploadParts", "object", read_only=True),
    "GetObjectTagging": _s3("s3:GetObjectTagging", "object", read_only=True),
    "PutObjectTagging": _s3("s3:PutObjectTagging", "object"),
    "ListObjects": _s3("s3:ListBucket", "bucket", read_only=True),
    "ListObjectsV2": _s3("s3:ListBucket", "bucket", read_only=True),
    "HeadBucket": _s3("s3:ListBucket", "bucket", read_only=True),
    "ListMultipartUploads": _s3("s3:ListBucketMultipartUploads", "bucket", read_only=True),
    "ListBuckets": _s3("s3:ListAllMyBuckets", "*", read_only=True),
    "CreateBucket": _s3("s3:CreateBucket", "bucket"),
    "DeleteBucket": _s3("s3:DeleteBucket", "bucket"),
    "PutBucketPolicy": _s3("s3:PutBucketPolicy", "bucket"),
    "GetBucketPolicy": _s3("s3:GetBucketPolicy", "bucket", read_only=True),
    "DeleteBucketPolicy": _s3("s3:DeleteBucketPolicy", "bucket"),
    "GetBucketPolicyStatus": _s3("s3:GetBucketPolicyStatus", "bucket", read_only=True),
    "PutBucketEncryption": _s3("s3:PutEncryptionConfiguration", "bucket"),
    "GetBucketEncryption": _s3("s3:GetEncryptionConfiguration", "bucket", read_only=True),
    "DeleteBucketEncryption": _s3("s3:PutEncryptionConfiguration", "bucket"),
    "GetBucketLocation": _s3("s3:GetBucketLocation", "bucket", read_only=True),
    "PutPublicAccessBlock": _s3("s3:PutBucketPublicAccessBlock", "bucket"),
    "GetPublicAccessBlock": _s3("s3:GetBucketPublicAccessBlock", "bucket", read_only=True),
    "DeletePublicAccessBlock": _s3("s3:PutBucketPublicAccessBlock", "bucket"),
    "GetBucketVersioning": _s3("s3:GetBucketVersioning", "bucket", read_only=True),
    "PutBucketVersioning": _s3("s3:PutBucketVersioning", "bucket"),
    "GetBucketAcl": _s3("s3:GetBucketAcl", "bucket", read_only=True),
    "GetObjectAcl": _s3("s3:GetObjectAcl", "object", read_only=True),
}

# The action an object operation needs when it names a version (``versionId``, ``null`` included: it is the
# version id of an object stored while versioning was off). Service Authorization Reference for S3 and e.g.
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html ("If you include a versionId in your
# request header, you must have the s3:GetObjectVersion permission").
VERSION_ACTIONS: dict[str, str] = {
    "GetObject": "s3:GetObjectVersion",
    "HeadObject": "s3:GetObjectVersion",
    "DeleteObject": "s3:DeleteObjectVersion",
    "GetObjectAcl": "s3:GetObjectVersionAcl",
    "GetObjectTagging": "s3:GetObjectVersionTagging",
    "PutObjectTagging": "s3:PutObjectVersionTagging",
}

_KMS_KEY_OPS = ["DescribeKey", "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
                "GetKeyPolicy", "PutKeyPolicy", "EnableKey", "DisableKey", "EnableKeyRotation",
                "DisableKeyRotation", "GetKeyRotationStatus", "RotateKeyOnDemand", "ListKeyRotations",
                "ScheduleKeyDeletion", "CancelKeyDeletion", "CreateGrant", "ListGrants", "RevokeGrant",
                "CreateAlias", "UpdateAlias", "TagResource", "UntagResource", "ListResourceTags",
                "ListKeyPolicies", "UpdateKeyDescription"]
_KMS_READ = {"DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListKeyRotations", "ListGrants",
             "ListResourceTags", "ListKeyPolicies", "Encrypt", "Decrypt", "GenerateDataKey",
             "GenerateDataKeyWithoutPlaintext", "ReEncrypt", "ListKeys", "ListAliases", "GenerateRandom"}
KMS_OPERATIONS: dict[str, Op] = {name: Op(f"kms:{name}", "key", read_only=name in _KMS_READ) for name in _KMS_KEY_OPS}
KMS_OPERATIONS.update({
    "CreateKey": Op("kms:CreateKey", "*"),
    "ListKeys": Op("kms:ListKeys", "*", read_only=True),
    "ListAliases": Op("kms:ListAliases", "*", read_only=True),
    "GenerateRandom": Op("kms:GenerateRandom", "*", read_only=True),
    "ReEncrypt": Op("kms:ReEncryptFrom", "key", read_only=True),  # plus kms:ReEncryptTo on the destination key
    "RetireGrant": Op("kms:RetireGrant", "key"),
    "DeleteAlias": Op("kms:DeleteAlias", "key"),
})

_IAM_BY_RESOURCE = {
    "user": ["CreateUser", "GetUser", "DeleteUser", "PutUserPolicy", "GetUserPolicy", "DeleteUserPolicy",
             "ListUserPolicies", "AttachUserPolicy", "DetachUserPolicy", "ListAttachedUserPolicies",
             "CreateAccessKey", "DeleteAccessKey", "ListAccessKeys", "UpdateAccessKey", "ListGroupsForUser",
             "TagUser", "UntagUser", "PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary"],
    "role": ["CreateRole", "GetRole", "DeleteRole", "UpdateAssumeRolePolicy", "PutRolePolicy", "GetRolePolicy",
             "DeleteRolePolicy", "ListRolePolicies", "AttachRolePolicy", "DetachRolePolicy",
             "ListAttachedRolePolicies", "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary",
             "TagRole", "UntagRole", "UpdateRole"],
    "group": ["CreateGroup", "GetGroup", "DeleteGroup", "AddUserToGroup", "RemoveUserFromGroup", "PutGroupPolicy",
              "GetGroupPolicy", "DeleteGroupPolicy", "ListGroupPolicies", "AttachGroupPolicy", "DetachGroupPolicy",
              "ListAttachedGroupPolicies"],
    "policy": ["CreatePolicy", "GetPolicy", "DeletePolicy", "GetPolicyVersion", "CreatePolicyVersion",
               "ListPolicyVersions", "DeletePolicyVersion", "SetDefaultPolicyVersion", "ListEntitiesForPolicy"],
    "*": ["ListUsers", "ListRoles", "ListGroups", "ListPolicies", "GetAccountAuthorizationDetails",
          "SimulateCustomPolicy", "GetAccountSummary"],
    "source": ["SimulatePrincipalPolicy"],
}
IAM_OPERATIONS: dict[str, Op] = {
    name: Op(f"iam:{name}", res, read_only=name.startswith(("Get", "List", "Simulate")))
    for res, names in _IAM_BY_RESOURCE.items() for name in names
}

STS_OPERATIONS: dict[str, Op] = {
    "AssumeRole": Op("sts:AssumeRole", "role"),
    "GetCallerIdentity": Op("sts:GetCallerIdentity", "*", read_only=True),  # never denied (STS docs)
    "GetSessionToken": Op("sts:GetSessionToken", "*", read_only=True),
}

_TABLES = {"s3": S3_OPERATIONS, "kms": KMS_OPERATIONS, "iam": IAM_OPERATIONS, "sts": STS_OPERATIONS}


def version_op(operation: str, op: Op, query: dict[str, str]) -> Op:
    """``op`` with its ``...Version`` action when the request names a version (``versionId`` in ``query``)."""
    action = VERSION_ACTIONS.get(operation)
    if action is None or "versionId" not in query:
        return op
    return Op(action, op.resource, op.kms, op.copy, op.read_only, op.management)


def lookup(service: str, operation: str) -> Op | None:
    """The table row for ``service``/``operation``, or None when the lab does not model it."""
    return _TABLES.get(service, {}).get(operation)
