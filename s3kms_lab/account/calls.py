"""The read-only calls the import makes, as data: API call -> the IAM action it needs, and what "not set" looks like.

IAM actions are those of the Service Authorization Reference: Amazon S3
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html), AWS KMS
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html) and IAM
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html).
Note the three S3 calls whose action is not the call's name: GetBucketEncryption needs
``s3:GetEncryptionConfiguration``, GetPublicAccessBlock ``s3:GetBucketPublicAccessBlock`` and the account-level
(S3 Control) GetPublicAccessBlock ``s3:GetAccountPublicAccessBlock``. ``sts:GetCallerIdentity`` needs no
permission (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).

``required``: the scenario would misstate who may do what without this answer (a policy, a grant, the key), so
a refusal stops the import from writing a scenario. The others (default encryption, Block Public Access, Object
Ownership, versioning, aliases, rotation) are recorded as "not read" and the import goes on: the checker
enumerates every default-encryption variant anyway, and the rest does not change its decisions today.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ReadCall", "CALLS", "call", "REFUSED_CODES", "UNSUPPORTED_CODES"]


@dataclass(frozen=True)
class ReadCall:
    """service: boto3 service name; api: the API operation; action: the IAM action it needs ('' for none);
    required: see the module docstring; absent: error codes that mean "nothing configured" (not a failure)."""

    service: str
    api: str
    action: str
    required: bool
    absent: tuple[str, ...] = ()


_TABLE = [
    ReadCall("sts", "GetCallerIdentity", "", True),
    # S3 bucket
    ReadCall("s3", "GetBucketPolicy", "s3:GetBucketPolicy", True, ("NoSuchBucketPolicy",)),
    ReadCall("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration", False,
             ("ServerSideEncryptionConfigurationNotFoundError",)),
    ReadCall("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", False,
             ("NoSuchPublicAccessBlockConfiguration",)),
    ReadCall("s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock", False,
             ("NoSuchPublicAccessBlockConfiguration",)),
    ReadCall("s3", "GetBucketOwnershipControls", "s3:GetBucketOwnershipControls", False,
             ("OwnershipControlsNotFoundError",)),
    ReadCall("s3", "GetBucketVersioning", "s3:GetBucketVersioning", False),
    # KMS key
    ReadCall("kms", "DescribeKey", "kms:DescribeKey", True),
    ReadCall("kms", "GetKeyPolicy", "kms:GetKeyPolicy", True),
    ReadCall("kms", "ListGrants", "kms:ListGrants", True),
    ReadCall("kms", "ListAliases", "kms:ListAliases", False),
    ReadCall("kms", "GetKeyRotationStatus", "kms:GetKeyRotationStatus", False),
    # IAM roles
    ReadCall("iam", "GetRole", "iam:GetRole", True),
    ReadCall("iam", "ListRolePolicies", "iam:ListRolePolicies", True),
    ReadCall("iam", "GetRolePolicy", "iam:GetRolePolicy", True),
    ReadCall("iam", "ListAttachedRolePolicies", "iam:ListAttachedRolePolicies", True),
    # IAM users and their groups
    ReadCall("iam", "GetUser", "iam:GetUser", True),
    ReadCall("iam", "ListUserPolicies", "iam:ListUserPolicies", True),
    ReadCall("iam", "GetUserPolicy", "iam:GetUserPolicy", True),
    ReadCall("iam", "ListAttachedUserPolicies", "iam:ListAttachedUserPolicies", True),
    ReadCall("iam", "ListGroupsForUser", "iam:ListGroupsForUser", True),
    ReadCall("iam", "ListGroupPolicies", "iam:ListGroupPolicies", True),
    ReadCall("iam", "GetGroupPolicy", "iam:GetGroupPolicy", True),
    ReadCall("iam", "ListAttachedGroupPolicies", "iam:ListAttachedGroupPolicies", True),
    # IAM managed policies (attached to any of the above)
    ReadCall("iam", "GetPolicy", "iam:GetPolicy", True),
    ReadCall("iam", "GetPolicyVersion", "iam:GetPolicyVersion", True),
]
CALLS: dict[tuple[str, str], ReadCall] = {(c.service, c.api): c for c in _TABLE}

# Error codes by which an account (or the lab) refuses a call for lack of permission ...
REFUSED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                           "AuthorizationError", "AllAccessDisabled"})
# ... and those by which an endpoint says it does not implement the call (the lab's endpoint, for one).
UNSUPPORTED_CODES = frozenset({"NotImplemented", "UnsupportedOperation", "InvalidAction"})


def call(service: str, api: str) -> ReadCall:
    """The table row for ``service``/``api``. Raises KeyError for a call the import does not make."""
    return CALLS[(service, api)]
