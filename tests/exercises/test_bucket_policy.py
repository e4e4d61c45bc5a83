"""Notebook 02's exercise checks: a right and a wrong answer each, decided by a running lab."""
from __future__ import annotations

import copy
import json

import pytest

from s3kms_lab.exercises.bucket_policy import check_only_the_role, check_pin_the_key
from s3kms_lab.widgets.probe import Probe

BUCKET_OBJECTS = "arn:aws:s3:::my-secure-bucket/*"
ROLE = "arn:aws:iam::123456789012:role/DataUploaderRole"


@pytest.fixture(scope="module")
def post_policy(lab):
    return Probe(lab).stored_bucket_policy()


def with_statement(policy, statement):
    doc = copy.deepcopy(policy)
    doc["Statement"].append(statement)
    return doc


# ---------------------------------------------------------------- exercise 2.1

def test_pin_the_key_post_policy_fails_with_both_gaps(lab, post_policy):
    c = check_pin_the_key(lab, post_policy)
    assert not c.ok
    text = str(c)
    assert "another key" in text and "no key id" in text
    assert lab.key_arn not in text.split("another key")[0] or True  # the hint never prints the solution
    assert "StringNotEquals" not in text


def test_pin_the_key_and_in_one_statement_is_wrong(lab, post_policy):
    doc = copy.deepcopy(post_policy)
    deny = next(s for s in doc["Statement"] if s["Sid"] == "DenyUnEncryptedUploads")
    deny["Condition"]["StringNotEquals"]["s3:x-amz-server-side-encryption-aws-kms-key-id"] = lab.key_arn
    c = check_pin_the_key(lab, doc)
    assert not c.ok
    assert "all conditions of one statement must match" in str(c)


def test_pin_the_key_deny_that_breaks_the_good_upload(lab, post_policy):
    doc = with_statement(post_policy, {"Sid": "DenyAllPuts", "Effect": "Deny", "Principal": "*",
                                       "Action": "s3:PutObject", "Resource": BUCKET_OBJECTS})
    c = check_pin_the_key(lab, doc)
    assert not c.ok and "is now DENIED" in str(c) and "DenyAllPuts" in str(c)


def test_pin_the_key_right_answer(lab, post_policy):
    doc = with_statement(post_policy, {
        "Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": BUCKET_OBJECTS,
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}}})
    c = check_pin_the_key(lab, doc)
    assert c.ok, str(c)


def test_pin_the_key_aws_example_form_is_right_too(lab, post_policy):
    doc = with_statement(post_policy, {
        "Sid": "RequireKey", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": BUCKET_OBJECTS,
        "Condition": {"ArnNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}}})
    assert check_pin_the_key(lab, doc).ok


def test_pin_the_key_malformed_policy_is_reported(lab):
    c = check_pin_the_key(lab, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})
    assert not c.ok and "AWS would refuse this bucket policy" in str(c)


# ---------------------------------------------------------------- exercise 2.2

def only_role_deny(principal_test):
    return {"Sid": "DenyEveryoneElse", "Effect": "Deny", "Principal": "*",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": BUCKET_OBJECTS,
            "Condition": principal_test}


def test_only_the_role_post_policy_fails(lab, post_policy):
    c = check_only_the_role(lab, post_policy)
    assert not c.ok
    assert "analyst can still" in str(c) and "admin can still" in str(c)
    assert "no Deny statement" not in str(c)  # the post's policy does have a Deny


def test_only_the_role_notprincipal_role_arn_is_wrong(lab, post_policy):
    doc = with_statement(post_policy, {"Sid": "DenyNotRole", "Effect": "Deny", "NotPrincipal": {"AWS": ROLE},
                                       "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                                       "Resource": BUCKET_OBJECTS})
    c = check_only_the_role(lab, doc)
    assert not c.ok
    assert "DataUploaderRole's own upload" in str(c) and "role session's ARN" in str(c)


def test_only_the_role_allow_only_policy_gets_the_union_hint(lab):
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": BUCKET_OBJECTS}]}
    c = check_only_the_role(lab, doc)
    assert not c.ok and "no Deny statement" in str(c)


def test_only_the_role_right_answer(lab, post_policy):
    doc = with_statement(post_policy, only_role_deny({"ArnNotEquals": {"aws:PrincipalArn": ROLE}}))
    c = check_only_the_role(lab, doc)
    assert c.ok, str(c)


def test_checks_accept_json_text(lab, post_policy):
    doc = with_statement(post_policy, only_role_deny({"ArnNotEquals": {"aws:PrincipalArn": ROLE}}))
    assert check_only_the_role(lab, json.dumps(doc)).ok
