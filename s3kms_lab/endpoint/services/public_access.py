"""S3 Block Public Access and Object Ownership: enforced or refused, never stored and ignored.

AWS rules followed (``docs/aws-rules.md`` BPA-1 to BPA-5):
- the settings of the bucket and of the bucket owner's account (``s3control``) combine: the most restrictive
  wins (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html);
- "public" is AWS's definition: a bucket policy is public unless each Allow statement is limited to a fixed
  principal or by a fixed value of one of the listed condition keys (aws:SourceIp with CIDRs other than
  everything, aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount,
  aws:PrincipalOrgID, aws:PrincipalAccount, s3:x-amz-server-side-encryption-aws-kms-key-id, aws:userid outside
  ``AROLEID:*``); an ACL is public when it grants to AllUsers or AuthenticatedUsers
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status);
- ``BlockPublicPolicy`` refuses PutBucketPolicy of a public policy (403 AccessDenied); ``BlockPublicAcls``
  refuses a public ACL on PutBucketAcl / PutObjectAcl / PutObject / CreateBucket (403 AccessDenied);
  ``RestrictPublicBuckets`` leaves a bucket with a public policy to principals of the owner's account: the
  policy's grants are taken away from anonymous and other-account callers; ``IgnorePublicAcls`` takes public
  ACL grants away (the lab never grants from ACLs: see ``docs/aws-rules.md`` BPA-4)
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html);
- a new bucket starts with all four settings on and ACLs disabled (Object Ownership ``BucketOwnerEnforced``),
  as S3 does since April 2023; while ACLs are disabled, an ACL other than ``bucket-owner-full-control`` is
  refused with 400 ``AccessControlListNotSupported``
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html,
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-faq.html).
"""
from __future__ import annotations

import ipaddress
import json
import xml.etree.ElementTree as ET
from typing import Any

from ...engine import PolicyKind, parse_policy
from ...engine.policy import Policy
from ...engine.principal import SERVICE
from ..errors import AwsError

__all__ = ["FLAGS", "NEW_BUCKET_SETTINGS", "effective_settings", "is_public_policy", "is_public_acl",
           "apply_new_bucket_defaults", "check_put_bucket_policy", "check_acl", "restricted_bucket_policy"]

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
NEW_BUCKET_SETTINGS = {flag: True for flag in FLAGS}
ENFORCED = "BucketOwnerEnforced"

# Condition keys whose fixed value makes an Allow statement non-public (AWS's "The meaning of public").
_FIXING_KEYS = frozenset(k.lower() for k in (
    "aws:SourceArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOwner", "aws:SourceAccount",
    "aws:PrincipalOrgID", "aws:PrincipalAccount", "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:DataAccessPointArn", "s3:DataAccessPointAccount"))
# Operators that pin a key to the listed values (a *Like operator pins only without wildcards).
_FIXED_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "ArnEquals", "StringLike", "ArnLike"})
_PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
_PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
_GRANT_HEADERS = ("x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp",
                  "x-amz-grant-full-control")


def effective_settings(state: Any, bucket: str, owner: str) -> dict[str, bool]:
    """Each flag on when the bucket's or the owner account's setting turns it on (most restrictive wins)."""
    own = state.bucket_public_access_block(bucket) or {}
    account = state.account_public_access_block(owner) if owner else None
    account = account or {}
    return {flag: bool(own.get(flag)) or bool(account.get(flag)) for flag in FLAGS}


def apply_new_bucket_defaults(state: Any, bucket: str, ownership: str | None = None) -> None:
    """S3's defaults for a new bucket: Block Public Access all on, Object Ownership ``BucketOwnerEnforced``
    (or ``ownership`` when the CreateBucket request named one)."""
    state.set_bucket_public_access_block(bucket, NEW_BUCKET_SETTINGS)
    state.set_bucket_ownership(bucket, ownership or ENFORCED)


# ------------------------------------------------------------------ "public"
def _fixed_values(values: tuple[str, ...], operator: str) -> bool:
    return bool(values) and not (operator.endswith("Like") and any("*" in v or "?" in v for v in values))


def _restricting(cond: Any) -> bool:
    """The condition limits the statement to fixed values of a key AWS counts (so it is not public)."""
    if cond.qualifier == "ForAnyValue" or cond.if_exists:
        return False
    if cond.key_lc == "aws:sourceip" and cond.base == "IpAddress":
        try:
            return all(ipaddress.ip_network(v, strict=False).prefixlen > 0 for v in cond.values)
        except ValueError:
            return False
    if cond.key_lc == "aws:userid" and cond.base in _FIXED_OPERATORS:
        return _fixed_values(cond.values, cond.base) and not any(v.endswith(":*") for v in cond.values)
    return cond.key_lc in _FIXING_KEYS and cond.base in _FIXED_OPERATORS and _fixed_values(cond.values, cond.base)


def _statement_is_public(st: Any) -> bool:
    if st.effect != "Allow":
        return False
    if st.principals is None or st.not_principal:
        return True  # NotPrincipal with Allow grants everyone else
    if not any(p.value == "*" for p in st.principals if p.type in ("AWS", "CanonicalUser")):
        return False  # fixed principals only
    return not any(_restricting(c) for c in st.conditions)


def is_public_policy(policy: Policy) -> bool:
    """AWS's definition of a public bucket policy (module doc)."""
    return any(_statement_is_public(st) for st in policy.statements)


def is_public_acl(headers: dict[str, str], body: bytes = b"") -> bool:
    """A canned ACL, grant headers or an AccessControlPolicy body that grants to AllUsers/AuthenticatedUsers."""
    if headers.get("x-amz-acl", "").lower() in _PUBLIC_CANNED_ACLS:
        return True
    if any(group in headers.get(h, "") for h in _GRANT_HEADERS for group in _PUBLIC_GROUPS):
        return True
    if body:
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return False
        return any((el.text or "").strip() in _PUBLIC_GROUPS for el in root.iter() if el.tag.endswith("URI"))
    return False


def _carries_acl(headers: dict[str, str], body: bytes) -> bool:
    return "x-amz-acl" in headers or any(h in headers for h in _GRANT_HEADERS) or bool(body)


# ------------------------------------------------------------------ checks the S3 planner calls
def check_put_bucket_policy(authorizer: Any, bucket: str, owner: str, text: str, caller_arn: str) -> None:
    """PutBucketPolicy under ``BlockPublicPolicy``: a public policy is refused with 403 AccessDenied (BPA-2)."""
    if not effective_settings(authorizer.state, bucket, owner)["BlockPublicPolicy"]:
        return
    if is_public_policy(parse_policy(text, PolicyKind.BUCKET, "bucket policy")):
        raise AwsError("s3", "AccessDenied", f"User: {caller_arn} is not authorized to perform: s3:PutBucketPolicy "
                       f'on resource: "arn:aws:s3:::{bucket}" because public policies are blocked by the '
                       "BlockPublicPolicy block public access setting.", 403)


def check_acl(authorizer: Any, operation: str, bucket: str, owner: str, headers: dict[str, str],
              body: bytes = b"") -> None:
    """An ACL sent with PutBucketAcl / PutObjectAcl / PutObject / CreateBucket: refused while the bucket's ACLs
    are disabled (400 AccessControlListNotSupported; CreateBucket: InvalidBucketAclWithObjectOwnership), and
    a public one refused under ``BlockPublicAcls`` (403 AccessDenied) (BPA-3, BPA-5)."""
    acl_write = operation in ("PutBucketAcl", "PutObjectAcl")
    acl_body = body if acl_write else b""
    if not acl_write and not _carries_acl(headers, acl_body):
        return
    if acl_write and not _carries_acl(headers, acl_body) and \
            authorizer.state.bucket_ownership(bucket) != ENFORCED:
        raise AwsError("s3", "MalformedACLError", "The XML you provided was not well-formed or did not validate "
                       "against our published schema", 400)
    state = authorizer.state
    canned = headers.get("x-amz-acl", "").lower()
    owner_full_control = canned == "bucket-owner-full-control" and not any(h in headers for h in _GRANT_HEADERS)
    if operation == "CreateBucket":
        ownership = headers.get("x-amz-object-ownership", ENFORCED)
        if ownership == ENFORCED and not (canned == "private" and not any(h in headers for h in _GRANT_HEADERS)):
            raise AwsError("s3", "InvalidBucketAclWithObjectOwnership",
                           "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", 400)
        if is_public_acl(headers):  # a new bucket starts with Block Public Access on
            raise AwsError("s3", "AccessDenied", "Access Denied", 403)
        return
    if state.bucket_ownership(bucket) == ENFORCED and not owner_full_control:
        raise AwsError("s3", "AccessControlListNotSupported", "The bucket does not allow ACLs", 400)
    if effective_settings(state, bucket, owner)["BlockPublicAcls"] and is_public_acl(headers, acl_body):
        raise AwsError("s3", "AccessDenied", "Access Denied", 403)


def restricted_bucket_policy(authorizer: Any, bucket: str, owner: str, caller: Any,
                             policy: Policy | None) -> Policy | None:
    """The bucket policy as it applies to ``caller``: under ``RestrictPublicBuckets`` a public policy grants
    nothing to anonymous or other-account callers (its Deny statements still apply) (BPA-4)."""
    if policy is None or caller.kind == SERVICE or not (caller.is_anonymous or (owner and caller.account != owner)):
        return policy  # AWS service principals and the owner's account keep the policy's grants
    if not effective_settings(authorizer.state, bucket, owner)["RestrictPublicBuckets"] or not is_public_policy(policy):
        return policy
    doc = json.loads(policy.text) if policy.text else {}
    statements = doc.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    doc["Statement"] = [st for st in statements if isinstance(st, dict) and st.get("Effect") != "Allow"]
    if not doc["Statement"]:
        return None
    return parse_policy(json.dumps(doc), PolicyKind.BUCKET,
                        f"{policy.name} (its Allow statements restricted by RestrictPublicBuckets)")
