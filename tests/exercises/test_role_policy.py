"""Notebook 04's exercise checks: a right and a wrong answer each, decided by a running lab."""
from __future__ import annotations

import pytest

from s3kms_lab.exercises.role_policy import check_assume_policy, check_least_privilege
from s3kms_lab.widgets.probe import Probe

ROLE = "arn:aws:iam::123456789012:role/DataUploaderRole"
OBJECTS = "arn:aws:s3:::my-secure-bucket/*"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


# ---------------------------------------------------------------- exercise 4.1

def test_least_privilege_post_policy_is_too_broad(lab):
    c = check_least_privilege(lab, Probe(lab).stored_role_policy())
    assert not c.ok
    assert "kms:Encrypt" in str(c) and "kms:GenerateDataKeyPair" in str(c)


def test_least_privilege_missing_decrypt(lab):
    c = check_least_privilege(lab, doc(
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": OBJECTS},
        {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": lab.key_arn}))
    assert not c.ok and "can no longer download" in str(c)
    assert "kms:Decrypt is refused (S3 calls KMS on the role's behalf)" in str(c)


def test_least_privilege_missing_get_object_is_a_different_hint(lab):
    """Issue 12: a missing s3:GetObject and a missing kms:Decrypt used to get one hint."""
    c = check_least_privilege(lab, doc(
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": OBJECTS},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": lab.key_arn}))
    assert not c.ok and "s3:GetObject is refused" in str(c) and "kms:Decrypt is refused" not in str(c)


def test_least_privilege_generate_data_key_star_is_judged_as_in_07(lab):
    c = check_least_privilege(lab, doc(
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": OBJECTS},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": lab.key_arn}))
    assert not c.ok and "Action 'kms:GenerateDataKey*' also grants kms:GenerateDataKeyPair" in str(c)


def test_least_privilege_s3_star_is_too_broad(lab):
    c = check_least_privilege(lab, doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": lab.key_arn}))
    assert not c.ok and "delete objects" in str(c) and "another bucket" in str(c)


def test_least_privilege_right_answer(lab):
    c = check_least_privilege(lab, doc(
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": OBJECTS},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": lab.key_arn}))
    assert c.ok, str(c)


# ---------------------------------------------------------------- exercise 4.2

def test_assume_policy_without_sts_fails(lab):
    c = check_assume_policy(lab, doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))
    assert not c.ok and "still cannot assume" in str(c)


def test_assume_policy_any_role_is_too_broad(lab):
    c = check_assume_policy(lab, doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    assert not c.ok and "any other role" in str(c)


def test_assume_policy_direct_access_is_reported(lab):
    c = check_assume_policy(lab, doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE},
                                     {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS}))
    assert not c.ok and "read objects as itself" in str(c)


def test_assume_policy_right_answer(lab):
    c = check_assume_policy(lab, doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}))
    assert c.ok, str(c)


@pytest.mark.parametrize("check", [check_least_privilege, check_assume_policy])
def test_malformed_identity_policy_is_reported(lab, check):
    c = check(lab, doc({"Effect": "Allow", "Action": "s3:GetObject"}))
    assert not c.ok and "AWS would refuse this identity policy" in str(c)
