"""Exercise checks of notebook 07: a right and a wrong answer for each, decided by the running lab."""
from __future__ import annotations

import json

import pytest

from s3kms_lab.exercises.best_practices import check_hardened_key_policy, check_least_privilege_role
from hint_tiers import tiers

B = "my-secure-bucket"
ADMIN = "arn:aws:iam::123456789012:user/admin"
KEY_ADMIN = {"Sid": "KeyAdministrators", "Effect": "Allow", "Principal": {"AWS": ADMIN},
             "Action": ["kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:PutKeyPolicy",
                        "kms:Update*", "kms:RevokeGrant", "kms:Disable*", "kms:Get*", "kms:Delete*",
                        "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
             "Resource": "*"}


def test_least_privilege_wrong_is_the_posts_policy(lab):
    res = check_least_privilege_role(lab, lab.scenario.policies["role-policy.json"])
    assert not res.ok
    text = str(res)
    assert "kms:Encrypt" in text and "DescribeKey" in text


def test_least_privilege_missing_decrypt(lab):
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"arn:aws:s3:::{B}/*"},
        {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": lab.key_arn}]}
    res = check_least_privilege_role(lab, doc)
    assert not res.ok and "multipart" in str(res) and "download" in str(res)


@pytest.mark.parametrize("actions, named", [
    (["kms:GenerateDataKey*", "kms:Decrypt"], "kms:GenerateDataKeyPair"),   # issue 12: accepted before, 04.1 refused it
    (["kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncrypt*"], "kms:ReEncryptFrom"),
    (["kms:*"], "kms:CreateGrant"),
])
def test_least_privilege_wildcards_are_judged_by_what_they_match(lab, actions, named):
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"arn:aws:s3:::{B}/*"},
        {"Effect": "Allow", "Action": actions, "Resource": lab.key_arn}]}
    for text in tiers(check_least_privilege_role, lab, doc, "7.1"):
        assert "too broad" in text and named in text


def test_least_privilege_right(lab):
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"arn:aws:s3:::{B}/*"},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": lab.key_arn}]}
    res = check_least_privilege_role(lab, doc)
    assert res.ok, str(res)


def _key_policy(lab, condition, actions=("kms:GenerateDataKey", "kms:Decrypt"), root=False):
    """The post's key policy with the role's statement limited; the root statement replaced by exercise 3.1's
    key-administrators statement (issue 12: with the root's kms:*, analyst uses the key), unless ``root``."""
    kp = json.loads(lab.scenario.policies["key-policy.json"])
    role_stmt = kp["Statement"][1]
    role_stmt["Action"] = list(actions)
    if condition:
        role_stmt["Condition"] = condition
    if not root:
        kp["Statement"][0] = KEY_ADMIN
    return kp


GOOD_CONDITION = {"StringEquals": {"kms:ViaService": "s3.ap-northeast-2.amazonaws.com"},
                  "StringLike": {"kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{B}", f"arn:aws:s3:::{B}/*"]}}


def test_key_policy_keeping_encrypt_is_named(lab):
    """Issue 12: 07.2 accepted kms:Encrypt in the role's statement, which its instructions say to drop."""
    doc = _key_policy(lab, GOOD_CONDITION, actions=("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"))
    for text in tiers(check_hardened_key_policy, lab, doc, "7.2"):
        assert "role's statement is still too broad" in text and "kms:Encrypt" in text


def test_key_policy_keeping_the_root_statement_lets_analyst_in(lab):
    t1, t2, t3 = tiers(check_hardened_key_policy, lab, _key_policy(lab, GOOD_CONDITION, root=True), "7.2")
    assert "analyst" in t1 and "R3" in t1 and "Look at" not in t1
    assert "inline policy S3AndKmsFullAccess of user analyst" in t2 and "your key policy allows it" in t2
    assert "AllowKeyAdministration" in t3 and "kms:*" in t3


def test_key_policy_wrong_unchanged(lab):
    before = lab.client("kms", "admin").get_key_policy(KeyId=lab.key_arn.split("/")[-1], PolicyName="default")["Policy"]
    res = check_hardened_key_policy(lab, lab.scenario.policies["key-policy.json"])
    assert not res.ok and "directly" in str(res) and "another bucket" in str(res)
    after = lab.client("kms", "admin").get_key_policy(KeyId=lab.key_arn.split("/")[-1], PolicyName="default")["Policy"]
    assert json.loads(after) == json.loads(before)


def test_key_policy_lockout(lab):
    kp = json.loads(lab.scenario.policies["key-policy.json"])
    kp["Statement"] = kp["Statement"][1:]
    res = check_hardened_key_policy(lab, kp)
    assert not res.ok and "lockout" in str(res)


def test_key_policy_object_arn_only_breaks_nothing_but_is_checked(lab):
    res = check_hardened_key_policy(lab, _key_policy(lab, {"StringEquals": {
        "kms:ViaService": "s3.ap-northeast-2.amazonaws.com"}}))
    assert not res.ok and "another bucket" in str(res) and "directly" not in str(res)


def test_key_policy_right(lab):
    res = check_hardened_key_policy(lab, _key_policy(lab, GOOD_CONDITION))
    assert res.ok, str(res)
