"""Exercise checks of notebook 07: a right and a wrong answer for each, decided by the running lab."""
from __future__ import annotations

import json

from s3kms_lab.exercises.best_practices import check_hardened_key_policy, check_least_privilege_role

B = "my-secure-bucket"


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


def test_least_privilege_right(lab):
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"arn:aws:s3:::{B}/*"},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": lab.key_arn}]}
    res = check_least_privilege_role(lab, doc)
    assert res.ok, str(res)


def _key_policy(lab, condition):
    kp = json.loads(lab.scenario.policies["key-policy.json"])
    role_stmt = kp["Statement"][1]
    role_stmt["Action"] = ["kms:GenerateDataKey", "kms:Decrypt"]
    if condition:
        role_stmt["Condition"] = condition
    return kp


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
    res = check_hardened_key_policy(lab, _key_policy(lab, {
        "StringEquals": {"kms:ViaService": "s3.ap-northeast-2.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{B}", f"arn:aws:s3:::{B}/*"]}}))
    assert res.ok, str(res)
