"""The operation table: one row per modelled API operation (data, not ``if`` chains).

Each row (:class:`Op`) says which IAM action the operation needs (and which parameters change it), the
resource the action is checked against (a :class:`Resource` kind, which builds the ARN), which request
parameters become condition keys, and what S3 asks KMS for on the caller's behalf (:class:`KmsUse`).
Sources: the Service Authorization Reference pages for S3
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html),
KMS (.../list_awskeymanagementservice.html), IAM (.../list_awsidentityandaccessmanagementiam.html),
STS (.../list_awssecuritytokenservice.html), and the SSE-KMS permission needs in
https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html (rules SSE-1 to SSE-4 of
``docs/aws-rules.md``). Operations not in the table are refused (fail closed).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .decide import Call

__all__ = ["Op", "Resource", "KmsUse", "Source", "Param", "ConditionKey", "ParamAction", "S3_OPERATIONS",
           "KMS_OPERATIONS", "IAM_OPERATIONS", "STS_OPERATIONS", "lookup", "action_of", "request_value"]


class Source(enum.Enum):
    """Where a request parameter is read from: an HTTP header (S3), the query string (S3), or the decoded
    body (KMS JSON, IAM/STS query form)."""

    HEADER = "header"
    QUERY = "query"
    BODY = "body"


@dataclass(frozen=True)
class Param:
    """One request parameter: where it travels and its wire name (``versionId``, ``x-amz-acl``, ``PolicyArn``).
    ``api_name``: the member name in botocore's service model when it differs from the wire name."""

    source: Source
    name: str
    api_name: str = ""


@dataclass(frozen=True)
class ConditionKey:
    """The condition key ``key`` takes the value of request parameter ``param`` when the request has it."""

    key: str
    param: Param


@dataclass(frozen=True)
class ParamAction:
    """When the request carries ``param`` (even empty, e.g. ``versionId=null``), the action is ``action``."""

    param: Param
    action: str


class Resource(str, enum.Enum):
    """The kind of resource an operation's action is checked against (builds the resource ARN)."""

    OBJECT = "object"
    BUCKET = "bucket"
    ANY = "*"
    KEY = "key"            # the KMS key the request names (resolved by the KMS service module)
    USER = "user"
    ROLE = "role"
    GROUP = "group"
    POLICY = "policy"
    SOURCE = "source"      # SimulatePrincipalPolicy: the PolicySourceArn
    ROLE_ARN = "role-arn"  # sts:AssumeRole: the RoleArn parameter

    def arn(self, call: "Call") -> str:
        """The resource ARN for ``call`` (``*`` when the action takes no resource). KEY is resolved elsewhere."""
        return _ARN_BUILDERS[self](call)


def _iam_arn(kind: str, param: str, default: str = "") -> "object":
    return lambda c: f"arn:aws:iam::{c.caller.account}:{kind}/{c.params.get(param, default or '')}"


_ARN_BUILDERS = {
    Resource.OBJECT: lambda c: f"arn:aws:s3:::{c.bucket}/{c.key}",
    Resource.BUCKET: lambda c: f"arn:aws:s3:::{c.bucket}",
    Resource.ANY: lambda c: "*",
    Resource.KEY: lambda c: "*",
    Resource.USER: lambda c: f"arn:aws:iam::{c.caller.account}:user/{c.params.get('UserName', c.caller.name)}",
    Resource.ROLE: _iam_arn("role", "RoleName"),
    Resource.GROUP: _iam_arn("group", "GroupName"),
    Resource.POLICY: lambda c: c.params.get("PolicyArn")
    or f"arn:aws:iam::{c.caller.account}:policy/{c.params.get('PolicyName', '')}",
    Resource.SOURCE: lambda c: c.params.get("PolicySourceArn", "*"),
    Resource.ROLE_ARN: lambda c: c.params.get("RoleArn", ""),
}


class KmsUse(str, enum.Enum):
    """What S3 asks KMS for, as the caller, for an SSE-KMS object (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html)."""

    GENERATE_DATA_KEY = "encrypt"  # kms:GenerateDataKey for the new object's data key
    DECRYPT_OBJECT = "decrypt"     # kms:Decrypt of the stored object's data key
    DECRYPT_UPLOAD = "part"        # kms:Decrypt of the multipart upload's data key (S3 reads earlier parts)


@dataclass(frozen=True)
class Op:
    """One row. action: the IAM action; resource: what it is checked against; kms: S3's KMS call as the caller;
    copy: the request also reads ``x-amz-copy-source`` (s3:GetObject + kms:Decrypt on the source);
    read_only: the trail's ``readOnly``; management: CloudTrail management event (else data event);
    actions: parameters that change the action (first present wins); condition_keys: request parameters
    that become condition keys; upload_headers: the call carries no SSE headers of its own and S3 applies
    the ones CreateMultipartUpload was sent with (rule SSE-9)."""

    action: str
    resource: Resource
    kms: KmsUse | None = None
    copy: bool = False
    read_only: bool = False
    management: bool = True
    actions: tuple[ParamAction, ...] = ()
    condition_keys: tuple[ConditionKey, ...] = ()
    upload_headers: bool = False


def request_value(call: "Call", param: Param) -> str | None:
    """The value of ``param`` in ``call`` (None when the request does not carry it)."""
    where = call.headers if param.source is Source.HEADER else call.query if param.source is Source.QUERY \
        else call.params
    value = where.get(param.name)
    return None if value is None else str(value)


def action_of(op: Op, call: "Call") -> str:
    """The IAM action ``call`` needs: the first of ``op.actions`` whose parameter the request carries, else
    ``op.action``."""
    for row in op.actions:
        if request_value(call, row.param) is not None:
            return row.action
    return op.action


# ---------------------------------------------------------------- S3
def _header(name: str) -> ConditionKey:
    return ConditionKey(f"s3:{name}", Param(Source.HEADER, name))


def _query(name: str) -> ConditionKey:
    return ConditionKey(f"s3:{name}", Param(Source.QUERY, name))


# PutObject's condition keys that S3 reads from request headers (S3 service authorization reference).
_PUT_KEYS = tuple(_header(h) for h in (
    "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-acl",
    "x-amz-storage-class", "x-amz-copy-source", "x-amz-metadata-directive",
    "x-amz-server-side-encryption-customer-algorithm"))
_LIST_KEYS = (_query("prefix"), _query("delimiter"), _query("max-keys"))
_VERSION = Param(Source.QUERY, "versionId", "VersionId")


def _s3(action: str, resource: Resource, kms: KmsUse | None = None, copy: bool = False, read_only: bool = False,
        actions: tuple[ParamAction, ...] = (), keys: tuple[ConditionKey, ...] = (), upload_headers: bool = False) -> Op:
    return Op(action, resource, kms, copy, read_only, management=resource is not Resource.OBJECT,
              actions=actions, condition_keys=keys, upload_headers=upload_headers)


_O, _B = Resource.OBJECT, Resource.BUCKET
S3_OPERATIONS: dict[str, Op] = {
    "PutObject": _s3("s3:PutObject", _O, KmsUse.GENERATE_DATA_KEY, keys=_PUT_KEYS),
    "GetObject": _s3("s3:GetObject", _O, KmsUse.DECRYPT_OBJECT, read_only=True),
    "HeadObject": _s3("s3:GetObject", _O, read_only=True),  # no KMS call (rule SSE-5)
    "DeleteObject": _s3("s3:DeleteObject", _O),
    # multi-object delete: decided per key, s3:DeleteObjectVersion for a key that names a version
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html)
    "DeleteObjects": _s3("s3:DeleteObject", _O, actions=(ParamAction(_VERSION, "s3:DeleteObjectVersion"),)),
    "CopyObject": _s3("s3:PutObject", _O, KmsUse.GENERATE_DATA_KEY, copy=True, keys=_PUT_KEYS),
    "CreateMultipartUpload": _s3("s3:PutObject", _O, KmsUse.GENERATE_DATA_KEY, keys=_PUT_KEYS),
    "UploadPart": _s3("s3:PutObject", _O, KmsUse.DECRYPT_UPLOAD, keys=_PUT_KEYS, upload_headers=True),
    "UploadPartCopy": _s3("s3:PutObject", _O, KmsUse.DECRYPT_UPLOAD, copy=True, keys=_PUT_KEYS, upload_headers=True),
    "CompleteMultipartUpload": _s3("s3:PutObject", _O, keys=_PUT_KEYS, upload_headers=True),
    "AbortMultipartUpload": _s3("s3:AbortMultipartUpload", _O),
    "ListParts": _s3("s3:ListMultipartUploadParts", _O, read_only=True),
    "GetObjectTagging": _s3("s3:GetObjectTagging", _O, read_only=True),
    "PutObjectTagging": _s3("s3:PutObjectTagging", _O),
    "ListObjects": _s3("s3:ListBucket", _B, read_only=True, keys=_LIST_KEYS),
    "ListObjectsV2": _s3("s3:ListBucket", _B, read_only=True, keys=_LIST_KEYS),
    "HeadBucket": _s3("s3:ListBucket", _B, read_only=True, keys=_LIST_KEYS),
    "ListMultipartUploads": _s3("s3:ListBucketMultipartUploads", _B, read_only=True),
    "ListBuckets": _s3("s3:ListAllMyBuckets", Resource.ANY, read_only=True),
    "CreateBucket": _s3("s3:CreateBucket", _B),
    "DeleteBucket": _s3("s3:DeleteBucket", _B),
    "PutBucketPolicy": _s3("s3:PutBucketPolicy", _B),
    "GetBucketPolicy": _s3("s3:GetBucketPolicy", _B, read_only=True),
    "DeleteBucketPolicy": _s3("s3:DeleteBucketPolicy", _B),
    "GetBucketPolicyStatus": _s3("s3:GetBucketPolicyStatus", _B, read_only=True),
    "PutBucketEncryption": _s3("s3:PutEncryptionConfiguration", _B),
    "GetBucketEncryption": _s3("s3:GetEncryptionConfiguration", _B, read_only=True),
    "DeleteBucketEncryption": _s3("s3:PutEncryptionConfiguration", _B),
    "GetBucketLocation": _s3("s3:GetBucketLocation", _B, read_only=True),
    "PutPublicAccessBlock": _s3("s3:PutBucketPublicAccessBlock", _B),
    "GetPublicAccessBlock": _s3("s3:GetBucketPublicAccessBlock", _B, read_only=True),
    "DeletePublicAccessBlock": _s3("s3:PutBucketPublicAccessBlock", _B),
    "GetBucketVersioning": _s3("s3:GetBucketVersioning", _B, read_only=True),
    "PutBucketVersioning": _s3("s3:PutBucketVersioning", _B),
    "GetBucketAcl": _s3("s3:GetBucketAcl", _B, read_only=True),
    "GetObjectAcl": _s3("s3:GetObjectAcl", _O, read_only=True),
}

# ---------------------------------------------------------------- KMS
_KMS_KEY_OPS = ["DescribeKey", "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
                "GetKeyPolicy", "PutKeyPolicy", "EnableKey", "DisableKey", "EnableKeyRotation",
                "DisableKeyRotation", "GetKeyRotationStatus", "RotateKeyOnDemand", "ListKeyRotations",
                "ScheduleKeyDeletion", "CancelKeyDeletion", "CreateGrant", "ListGrants", "RevokeGrant",
                "CreateAlias", "UpdateAlias", "TagResource", "UntagResource", "ListResourceTags",
                "ListKeyPolicies", "UpdateKeyDescription"]
_KMS_READ = {"DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListKeyRotations", "ListGrants",
             "ListResourceTags", "ListKeyPolicies", "Encrypt", "Decrypt", "GenerateDataKey",
             "GenerateDataKeyWithoutPlaintext", "ReEncrypt", "ListKeys", "ListAliases", "GenerateRandom"}
KMS_OPERATIONS: dict[str, Op] = {name: Op(f"kms:{name}", Resource.KEY, read_only=name in _KMS_READ)
                                 for name in _KMS_KEY_OPS}
KMS_OPERATIONS.update({
    "CreateKey": Op("kms:CreateKey", Resource.ANY),
    "ListKeys": Op("kms:ListKeys", Resource.ANY, read_only=True),
    "ListAliases": Op("kms:ListAliases", Resource.ANY, read_only=True),
    "GenerateRandom": Op("kms:GenerateRandom", Resource.ANY, read_only=True),
    "ReEncrypt": Op("kms:ReEncryptFrom", Resource.KEY, read_only=True),  # plus kms:ReEncryptTo on the destination key
    "RetireGrant": Op("kms:RetireGrant", Resource.KEY),
    "DeleteAlias": Op("kms:DeleteAlias", Resource.KEY),
})

# ---------------------------------------------------------------- IAM
_IAM_BY_RESOURCE = {
    Resource.USER: ["CreateUser", "GetUser", "DeleteUser", "PutUserPolicy", "GetUserPolicy", "DeleteUserPolicy",
                    "ListUserPolicies", "AttachUserPolicy", "DetachUserPolicy", "ListAttachedUserPolicies",
                    "CreateAccessKey", "DeleteAccessKey", "ListAccessKeys", "UpdateAccessKey", "ListGroupsForUser",
                    "TagUser", "UntagUser", "PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary"],
    Resource.ROLE: ["CreateRole", "GetRole", "DeleteRole", "UpdateAssumeRolePolicy", "PutRolePolicy", "GetRolePolicy",
                    "DeleteRolePolicy", "ListRolePolicies", "AttachRolePolicy", "DetachRolePolicy",
                    "ListAttachedRolePolicies", "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary",
                    "TagRole", "UntagRole", "UpdateRole"],
    Resource.GROUP: ["CreateGroup", "GetGroup", "DeleteGroup", "AddUserToGroup", "RemoveUserFromGroup",
                     "PutGroupPolicy", "GetGroupPolicy", "DeleteGroupPolicy", "ListGroupPolicies",
                     "AttachGroupPolicy", "DetachGroupPolicy", "ListAttachedGroupPolicies"],
    Resource.POLICY: ["CreatePolicy", "GetPolicy", "DeletePolicy", "GetPolicyVersion", "CreatePolicyVersion",
                      "ListPolicyVersions", "DeletePolicyVersion", "SetDefaultPolicyVersion", "ListEntitiesForPolicy"],
    Resource.ANY: ["ListUsers", "ListRoles", "ListGroups", "ListPolicies", "GetAccountAuthorizationDetails",
                   "SimulateCustomPolicy", "GetAccountSummary"],
    Resource.SOURCE: ["SimulatePrincipalPolicy"],
}
# IAM condition keys from request parameters
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html).
_BOUNDARY = ConditionKey("iam:PermissionsBoundary", Param(Source.BODY, "PermissionsBoundary"))
_POLICY_ARN = ConditionKey("iam:PolicyARN", Param(Source.BODY, "PolicyArn"))
_IAM_KEYS: dict[str, tuple[ConditionKey, ...]] = {
    **{n: (_BOUNDARY,) for n in ("CreateUser", "CreateRole", "PutUserPermissionsBoundary",
                                 "PutRolePermissionsBoundary")},
    **{n: (_POLICY_ARN,) for n in ("AttachUserPolicy", "DetachUserPolicy", "AttachRolePolicy", "DetachRolePolicy",
                                   "AttachGroupPolicy", "DetachGroupPolicy")},
}
IAM_OPERATIONS: dict[str, Op] = {
    name: Op(f"iam:{name}", res, read_only=name.startswith(("Get", "List", "Simulate")),
             condition_keys=_IAM_KEYS.get(name, ()))
    for res, names in _IAM_BY_RESOURCE.items() for name in names
}

# ---------------------------------------------------------------- STS
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-sts
_ASSUME_ROLE_KEYS = (ConditionKey("sts:RoleSessionName", Param(Source.BODY, "RoleSessionName")),
                     ConditionKey("sts:ExternalId", Param(Source.BODY, "ExternalId")))
STS_OPERATIONS: dict[str, Op] = {
    "AssumeRole": Op("sts:AssumeRole", Resource.ROLE_ARN, condition_keys=_ASSUME_ROLE_KEYS),
    "GetCallerIdentity": Op("sts:GetCallerIdentity", Resource.ANY, read_only=True),  # never denied (STS docs)
    "GetSessionToken": Op("sts:GetSessionToken", Resource.ANY, read_only=True),
}

_TABLES = {"s3": S3_OPERATIONS, "kms": KMS_OPERATIONS, "iam": IAM_OPERATIONS, "sts": STS_OPERATIONS}


def lookup(service: str, operation: str) -> Op | None:
    """The table row for ``service``/``operation``, or None when the lab does not model it."""
    return _TABLES.get(service, {}).get(operation)
