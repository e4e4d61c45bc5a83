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

__all__ = ["Op", "Resource", "KmsUse", "CopySource", "Source", "Form", "Param", "ConditionKey", "ParamAction", "S3_OPERATIONS",
           "KMS_OPERATIONS", "IAM_OPERATIONS", "STS_OPERATIONS", "S3CONTROL_OPERATIONS", "lookup", "action_of", "also_actions", "request_value"]


class Source(enum.Enum):
    """Where a value is read from. Request parameters: an HTTP header (S3), the query string (S3), the decoded
    body (KMS JSON, IAM/STS query form), the tag set in an S3 ``<Tagging>`` body (PutObjectTagging).
    State: the SSE headers CreateMultipartUpload was sent with (UPLOAD, lab rule SSE-9), the tags of the
    object the request acts on (OBJECT_TAGS)."""

    HEADER = "header"
    QUERY = "query"
    BODY = "body"
    TAGGING_BODY = "tagging-body"
    UPLOAD = "upload"
    OBJECT_TAGS = "object-tags"


class Form(enum.Enum):
    """How a value becomes condition keys: VALUE one value; LIST every value of a list parameter; TAGS one key
    per tag (``<key>/<tag-key>``, the tag's value); TAG_KEYS the list of tag keys."""

    VALUE = "value"
    LIST = "list"
    TAGS = "tags"
    TAG_KEYS = "tag-keys"


@dataclass(frozen=True)
class Param:
    """One request parameter: where it travels and its wire name (``versionId``, ``x-amz-acl``, ``PolicyArn``).
    ``model_path``: where botocore's service model declares it when that is not the operation's own input
    member of this wire name (DeleteObjects: ``("Delete", "Objects", "VersionId")``)."""

    source: Source
    name: str
    model_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConditionKey:
    """The condition key ``key`` takes the value(s) of ``param`` when the request (or state) has it, in
    ``form`` (for TAGS, ``key`` is the prefix: ``s3:RequestObjectTag`` gives ``s3:RequestObjectTag/<tag-key>``)."""

    key: str
    param: Param
    form: Form = Form.VALUE


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


@dataclass(frozen=True)
class CopySource:
    """A copy reads its source (``x-amz-copy-source``): ``action`` on the source object, ``version_action`` when
    the source names a version (``?versionId=``; ``null`` counts as a version id), rule SSE-4 / S3-4."""

    action: str = "s3:GetObject"
    version_action: str = "s3:GetObjectVersion"

    def action_for(self, version_id: str | None) -> str:
        return self.version_action if version_id is not None else self.action


class KmsUse(str, enum.Enum):
    """What S3 asks KMS for, as the caller, for an SSE-KMS object (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html)."""

    GENERATE_DATA_KEY = "encrypt"  # kms:GenerateDataKey for the new object's data key
    DECRYPT_OBJECT = "decrypt"     # kms:Decrypt of the stored object's data key
    DECRYPT_UPLOAD = "part"        # kms:Decrypt of the multipart upload's data key (S3 reads earlier parts)


@dataclass(frozen=True)
class Op:
    """One row. action: the IAM action; resource: what it is checked against; kms: S3's KMS call as the caller;
    copy: the request also reads ``x-amz-copy-source`` (:class:`CopySource`; plus kms:Decrypt on an SSE-KMS source);
    read_only: the trail's ``readOnly``; management: CloudTrail management event (else data event);
    actions: parameters that change the action (first present wins); also: parameters that need a further
    action on the same resource (each present one adds a step); condition_keys: the request parameters
    (or state) that become condition keys, complete per action as the service authorization reference lists
    them for what the lab models."""

    action: str
    resource: Resource
    kms: KmsUse | None = None
    copy: CopySource | None = None
    read_only: bool = False
    management: bool = True
    actions: tuple[ParamAction, ...] = ()
    condition_keys: tuple[ConditionKey, ...] = ()
    also: tuple[ParamAction, ...] = ()


def request_value(call: "Call", param: Param) -> str | None:
    """The value of request parameter ``param`` in ``call`` (None when the request does not carry it;
    state sources are read by :mod:`.condition_keys`)."""
    where = {Source.HEADER: call.headers, Source.QUERY: call.query, Source.BODY: call.params}.get(param.source, {})
    value = where.get(param.name)
    return None if value is None else str(value)


def also_actions(op: Op, call: "Call") -> list[str]:
    """The further actions ``call`` needs on the same resource (``op.also``: one per parameter present)."""
    out: list[str] = []
    for row in op.also:
        if request_value(call, row.param) is not None and row.action not in out:
            out.append(row.action)
    return out


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


# S3 condition keys read from requests, per operation (service authorization reference for S3,
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html; object tags:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html).
_SSE_KEYS = (_header("x-amz-server-side-encryption"), _header("x-amz-server-side-encryption-aws-kms-key-id"))
_SSE_C = _header("x-amz-server-side-encryption-customer-algorithm")
_TAGGING = Param(Source.HEADER, "x-amz-tagging")
_REQUEST_TAGS = (ConditionKey("s3:RequestObjectTag", _TAGGING, Form.TAGS),
                 ConditionKey("s3:RequestObjectTagKeys", _TAGGING, Form.TAG_KEYS))
_BODY_TAGS = Param(Source.TAGGING_BODY, "Tagging", ("Tagging", "TagSet"))
_REQUEST_BODY_TAGS = (ConditionKey("s3:RequestObjectTag", _BODY_TAGS, Form.TAGS),
                      ConditionKey("s3:RequestObjectTagKeys", _BODY_TAGS, Form.TAG_KEYS))
# s3:ExistingObjectTag/<key>: the stored object's tags (not for PutObject / DeleteObject, per the tagging page)
_EXISTING_TAGS = (ConditionKey("s3:ExistingObjectTag", Param(Source.OBJECT_TAGS, "tags"), Form.TAGS),)
_PUT_KEYS = _SSE_KEYS + (_SSE_C,) + tuple(_header(h) for h in (
    "x-amz-acl", "x-amz-storage-class", "x-amz-grant-full-control", "x-amz-grant-read", "x-amz-grant-read-acp",
    "x-amz-grant-write-acp", "x-amz-website-redirect-location")) + (
    ConditionKey("s3:object-lock-mode", Param(Source.HEADER, "x-amz-object-lock-mode")),
    ConditionKey("s3:object-lock-retain-until-date", Param(Source.HEADER, "x-amz-object-lock-retain-until-date")),
    ConditionKey("s3:object-lock-legal-hold", Param(Source.HEADER, "x-amz-object-lock-legal-hold"))) + _REQUEST_TAGS
_COPY_KEYS = _PUT_KEYS + (_header("x-amz-copy-source"), _header("x-amz-metadata-directive"))
# Part calls: the upload's SSE headers (lab rule SSE-9) plus their own SSE-C header.
_UPLOAD_SSE = tuple(ConditionKey(k.key, Param(Source.UPLOAD, k.param.name)) for k in _SSE_KEYS)
_PART_KEYS = _UPLOAD_SSE + (_SSE_C,)
_LIST_KEYS = (_query("prefix"), _query("delimiter"), _query("max-keys"))
_VERSION = Param(Source.QUERY, "versionId")


def _by_version(action: str) -> tuple[ParamAction, ...]:
    """A request naming a version (``versionId``, ``null`` included) needs the ``...Version`` action
    (S3-4; each API page's Permissions section, e.g. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html)."""
    return (ParamAction(_VERSION, action),)


_COPY = CopySource()
# PutObject's Permissions section: setting the ACL needs s3:PutObjectAcl, setting the tag-set
# s3:PutObjectTagging (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html).
_PUT_ALSO = tuple(ParamAction(Param(Source.HEADER, h), "s3:PutObjectAcl") for h in (
    "x-amz-acl", "x-amz-grant-full-control", "x-amz-grant-read", "x-amz-grant-read-acp", "x-amz-grant-write-acp")) + (
    ParamAction(_TAGGING, "s3:PutObjectTagging"),)


def _s3(action: str, resource: Resource, kms: KmsUse | None = None, copy: CopySource | None = None,
        read_only: bool = False,
        actions: tuple[ParamAction, ...] = (), keys: tuple[ConditionKey, ...] = (),
        also: tuple[ParamAction, ...] = ()) -> Op:
    return Op(action, resource, kms, copy, read_only, management=resource is not Resource.OBJECT,
              actions=actions, condition_keys=keys, also=also)


_O, _B = Resource.OBJECT, Resource.BUCKET
S3_OPERATIONS: dict[str, Op] = {
    "PutObject": _s3("s3:PutObject", _O, KmsUse.GENERATE_DATA_KEY, keys=_PUT_KEYS, also=_PUT_ALSO),
    "GetObject": _s3("s3:GetObject", _O, KmsUse.DECRYPT_OBJECT, read_only=True,
                     actions=_by_version("s3:GetObjectVersion"), keys=_EXISTING_TAGS),
    # no KMS call (rule SSE-5); HeadObject is authorized as s3:GetObject / s3:GetObjectVersion
    "HeadObject": _s3("s3:GetObject", _O, read_only=True, actions=_by_version("s3:GetObjectVersion"),
                      keys=_EXISTING_TAGS),
    "DeleteObject": _s3("s3:DeleteObject", _O, actions=_by_version("s3:DeleteObjectVersion")),
    # multi-object delete: decided per key, s3:DeleteObjectVersion for a key that names a version (S3-3)
    "DeleteObjects": _s3("s3:DeleteObject", _O, actions=(ParamAction(
        Param(Source.QUERY, "versionId", ("Delete", "Objects", "VersionId")), "s3:DeleteObjectVersion"),)),
    "CopyObject": _s3("s3:PutObject", _O, KmsUse.GENERATE_DATA_KEY, copy=_COPY, keys=_COPY_KEYS),
    "CreateMultipartUpload": _s3("s3:PutObject", _O, KmsUse.GENERATE_DATA_KEY, keys=_PUT_KEYS),
    "UploadPart": _s3("s3:PutObject", _O, KmsUse.DECRYPT_UPLOAD, keys=_PART_KEYS),
    "UploadPartCopy": _s3("s3:PutObject", _O, KmsUse.DECRYPT_UPLOAD, copy=_COPY,
                          keys=_PART_KEYS + (_header("x-amz-copy-source"),)),
    "CompleteMultipartUpload": _s3("s3:PutObject", _O, keys=_PART_KEYS),
    "AbortMultipartUpload": _s3("s3:AbortMultipartUpload", _O),
    "ListParts": _s3("s3:ListMultipartUploadParts", _O, read_only=True),
    "GetObjectTagging": _s3("s3:GetObjectTagging", _O, read_only=True,
                            actions=_by_version("s3:GetObjectVersionTagging"), keys=_EXISTING_TAGS),
    "PutObjectTagging": _s3("s3:PutObjectTagging", _O, actions=_by_version("s3:PutObjectVersionTagging"),
                            keys=_EXISTING_TAGS + _REQUEST_BODY_TAGS),
    "DeleteObjectTagging": _s3("s3:DeleteObjectTagging", _O, actions=_by_version("s3:DeleteObjectVersionTagging"),
                               keys=_EXISTING_TAGS),
    "GetObjectAcl": _s3("s3:GetObjectAcl", _O, read_only=True, actions=_by_version("s3:GetObjectVersionAcl"),
                        keys=_EXISTING_TAGS),
    "ListObjects": _s3("s3:ListBucket", _B, read_only=True, keys=_LIST_KEYS),
    "ListObjectsV2": _s3("s3:ListBucket", _B, read_only=True, keys=_LIST_KEYS),
    "ListObjectVersions": _s3("s3:ListBucketVersions", _B, read_only=True, keys=_LIST_KEYS),
    "HeadBucket": _s3("s3:ListBucket", _B, read_only=True),
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
}

# Block Public Access / Object Ownership / ACL writes (issue 11 kind 4, S3 service authorization reference).
S3_OPERATIONS.update({
    "PutBucketAcl": _s3("s3:PutBucketAcl", _B),
    "PutObjectAcl": _s3("s3:PutObjectAcl", _O, actions=_by_version("s3:PutObjectVersionAcl"), keys=_EXISTING_TAGS),
    "GetBucketOwnershipControls": _s3("s3:GetBucketOwnershipControls", _B, read_only=True),
    "PutBucketOwnershipControls": _s3("s3:PutBucketOwnershipControls", _B),
    "DeleteBucketOwnershipControls": _s3("s3:PutBucketOwnershipControls", _B),
})

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
# KMS condition keys from request parameters (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html);
# the encryption-context keys and the key's own spec/usage/origin are set by the Authorizer.
def _kms(key: str, param: str, form: Form = Form.VALUE) -> ConditionKey:
    return ConditionKey(key, Param(Source.BODY, param), form)


_BYPASS = _kms("kms:BypassPolicyLockoutSafetyCheck", "BypassPolicyLockoutSafetyCheck")
_KMS_KEYS: dict[str, tuple[ConditionKey, ...]] = {
    "Encrypt": (_kms("kms:EncryptionAlgorithm", "EncryptionAlgorithm"),),
    "Decrypt": (_kms("kms:EncryptionAlgorithm", "EncryptionAlgorithm"),),
    "ReEncrypt": (_kms("kms:EncryptionAlgorithm", "SourceEncryptionAlgorithm"),),
    "CreateGrant": (_kms("kms:GranteePrincipal", "GranteePrincipal"), _kms("kms:RetiringPrincipal", "RetiringPrincipal"),
                    _kms("kms:GrantOperations", "Operations", Form.LIST)),
    "PutKeyPolicy": (_BYPASS,),
    "CreateKey": (_BYPASS, _kms("kms:KeySpec", "KeySpec"), _kms("kms:KeyUsage", "KeyUsage"), _kms("kms:KeyOrigin", "Origin"),
                  _kms("kms:MultiRegion", "MultiRegion")),
}
KMS_OPERATIONS: dict[str, Op] = {name: Op(f"kms:{name}", Resource.KEY, read_only=name in _KMS_READ,
                                          condition_keys=_KMS_KEYS.get(name, ())) for name in _KMS_KEY_OPS}
KMS_OPERATIONS.update({
    "CreateKey": Op("kms:CreateKey", Resource.ANY, condition_keys=_KMS_KEYS["CreateKey"]),
    "ListKeys": Op("kms:ListKeys", Resource.ANY, read_only=True),
    "ListAliases": Op("kms:ListAliases", Resource.ANY, read_only=True),
    "GenerateRandom": Op("kms:GenerateRandom", Resource.ANY, read_only=True),
    # plus kms:ReEncryptTo on the destination key
    "ReEncrypt": Op("kms:ReEncryptFrom", Resource.KEY, read_only=True, condition_keys=_KMS_KEYS["ReEncrypt"]),
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
_IAM_TAGS = Param(Source.BODY, "Tags")
_REQUEST_TAG_KEYS = (ConditionKey("aws:RequestTag", _IAM_TAGS, Form.TAGS), ConditionKey("aws:TagKeys", _IAM_TAGS, Form.TAG_KEYS))
_IAM_KEYS: dict[str, tuple[ConditionKey, ...]] = {
    **{n: (_BOUNDARY,) + _REQUEST_TAG_KEYS for n in ("CreateUser", "CreateRole")},
    **{n: (_BOUNDARY,) for n in ("PutUserPermissionsBoundary", "PutRolePermissionsBoundary")},
    **{n: _REQUEST_TAG_KEYS for n in ("TagUser", "TagRole")},
    **{n: (ConditionKey("aws:TagKeys", Param(Source.BODY, "TagKeys"), Form.LIST),) for n in ("UntagUser", "UntagRole")},
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
_STS_TAGS = Param(Source.BODY, "Tags")
_ASSUME_ROLE_KEYS = (ConditionKey("sts:RoleSessionName", Param(Source.BODY, "RoleSessionName")),
                     ConditionKey("sts:ExternalId", Param(Source.BODY, "ExternalId")),
                     ConditionKey("sts:SourceIdentity", Param(Source.BODY, "SourceIdentity")),
                     ConditionKey("aws:RequestTag", _STS_TAGS, Form.TAGS),
                     ConditionKey("aws:TagKeys", _STS_TAGS, Form.TAG_KEYS),
                     ConditionKey("sts:TransitiveTagKeys", Param(Source.BODY, "TransitiveTagKeys"), Form.LIST))
STS_OPERATIONS: dict[str, Op] = {
    "AssumeRole": Op("sts:AssumeRole", Resource.ROLE_ARN, condition_keys=_ASSUME_ROLE_KEYS),
    "GetCallerIdentity": Op("sts:GetCallerIdentity", Resource.ANY, read_only=True),  # never denied (STS docs)
    "GetSessionToken": Op("sts:GetSessionToken", Resource.ANY, read_only=True),
}

# ---------------------------------------------------------------- S3 Control (account-level Block Public Access)
S3CONTROL_OPERATIONS: dict[str, Op] = {
    "GetPublicAccessBlock": Op("s3:GetAccountPublicAccessBlock", Resource.ANY, read_only=True),
    "PutPublicAccessBlock": Op("s3:PutAccountPublicAccessBlock", Resource.ANY),
    "DeletePublicAccessBlock": Op("s3:PutAccountPublicAccessBlock", Resource.ANY),
}

_TABLES = {"s3": S3_OPERATIONS, "kms": KMS_OPERATIONS, "iam": IAM_OPERATIONS, "sts": STS_OPERATIONS,
           "s3control": S3CONTROL_OPERATIONS}


def lookup(service: str, operation: str) -> Op | None:
    """The table row for ``service``/``operation``, or None when the lab does not model it."""
    return _TABLES.get(service, {}).get(operation)
