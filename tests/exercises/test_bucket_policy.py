"""Notebook 02's exercise checks: a right and a wrong answer each, decided by a running lab."""
from __future__ import annotations

import copy
import json

import pytest

from s3kms_lab.exercises.bucket_policy import check_only_the_role, check_pin_the_key
from s3kms_lab.widgets.probe import Probe
from hint_tiers import tiers

BUCKET = "arn:aws:s3:::my-secure-bucket"
BUCKET_OBJECTS = "arn:aws:s3:::my-secure-bucket/*"
ROLE = "arn:aws:iam::123456789012:role/DataUploaderRole"
ADMIN = "arn:aws:iam::123456789012:user/admin"


def guard(resource=(BUCKET,), condition=None):
    """The statement that keeps non-administrators from changing the bucket policy (issue 12: without it,
    analyst's s3:* rewrites the policy and every requirement of the exercise falls in two calls)."""
    return {"Sid": "DenyPolicyChangesByAnyoneButTheAdministrator", "Effect": "Deny", "Principal": "*",
            "Action": ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"], "Resource": list(resource),
            "Condition": condition or {"ArnNotEquals": {"aws:PrincipalArn": ADMIN}}}


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


def pinned(lab, post_policy):
    return with_statement(post_policy, {
        "Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": BUCKET_OBJECTS,
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}}})


def test_pin_the_key_right_answer(lab, post_policy):
    c = check_pin_the_key(lab, with_statement(pinned(lab, post_policy), guard()))
    assert c.ok, str(c)


def test_pin_the_key_aws_example_form_is_right_too(lab, post_policy):
    doc = with_statement(post_policy, {
        "Sid": "RequireKey", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": BUCKET_OBJECTS,
        "Condition": {"ArnNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}}})
    c = check_pin_the_key(lab, with_statement(doc, guard()))
    assert c.ok, str(c)


# Wrong answers whose only mistake is what a non-administrator can do by changing the policy: each gets, at
# every tier, a hint naming its own mistake (1st: who and which calls; 2nd: which policy; 3rd: the statement).
@pytest.mark.parametrize("name, extra, tier3", [
    ("no guard at all", None, "has no statement that denies s3:PutBucketPolicy to analyst"),
    ("guard on the objects, not the bucket", guard(resource=(BUCKET_OBJECTS,)),
     "Resource does not cover arn:aws:s3:::my-secure-bucket"),
    ("guard that exempts the wrong principal",
     guard(condition={"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/analyst"}}),
     "a condition is not met"),
])
def test_pin_the_key_policy_changes_are_part_of_the_answer(lab, post_policy, name, extra, tier3):
    doc = pinned(lab, post_policy) if extra is None else with_statement(pinned(lab, post_policy), extra)
    t1, t2, t3 = tiers(check_pin_the_key, lab, doc, "2.1")
    for text in (t1, t2, t3):
        assert "analyst calls s3:PutBucketPolicy" in text, (name, text)
    assert "Look at" not in t1
    assert "inline policy S3AndKmsFullAccess of user analyst" in t2, (name, t2)
    assert tier3 in t3 and tier3 not in t2, (name, t3)


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
    c = check_only_the_role(lab, with_statement(doc, guard()))
    assert c.ok, str(c)


def test_only_the_role_without_the_guard_names_the_policy_change(lab, post_policy):
    doc = with_statement(post_policy, only_role_deny({"ArnNotEquals": {"aws:PrincipalArn": ROLE}}))
    t1, t2, t3 = tiers(check_only_the_role, lab, doc, "2.2")
    assert "analyst calls s3:PutBucketPolicy" in t1 and "R1" in t1
    assert "nothing in your bucket policy refuses it" in t2
    assert "has no statement that denies s3:PutBucketPolicy to analyst" in t3


def test_only_the_role_wrong_resource_is_named(lab, post_policy):
    """A Deny on the bucket ARN without /* does not cover objects: the hint says so, not a canned sentence."""
    deny = only_role_deny({"ArnNotEquals": {"aws:PrincipalArn": ROLE}})
    deny["Resource"] = BUCKET
    c = check_only_the_role(lab, with_statement(with_statement(post_policy, deny), guard()))
    assert not c.ok and "analyst can still" in str(c)
    assert "Your Deny DenyEveryoneElse does not apply to it: Resource does not cover" in str(c)


def test_only_the_role_deny_on_the_wrong_principal_is_named(lab, post_policy):
    deny = only_role_deny({"ArnNotEquals": {"aws:PrincipalArn": ROLE}})
    deny["Principal"] = {"AWS": "arn:aws:iam::123456789012:user/nobody"}
    c = check_only_the_role(lab, with_statement(with_statement(post_policy, deny), guard()))
    assert not c.ok and "Your Deny DenyEveryoneElse does not apply to it: Principal does not name this caller" in str(c)


def test_only_the_role_principal_arn_hint_does_not_contradict_itself(lab, post_policy):
    """02.2 used to say 'the request carries the session ARN, not the role ARN' for every refusal of the role,
    even when the statement tested aws:PrincipalArn (which is the role ARN)."""
    deny = only_role_deny({"ArnNotEquals": {"aws:PrincipalArn": ROLE + "-typo"}})
    c = check_only_the_role(lab, with_statement(with_statement(post_policy, deny), guard()))
    assert not c.ok
    assert "aws:PrincipalArn is the role's ARN" in str(c) and "not the role's ARN" not in str(c)


def test_checks_accept_json_text(lab, post_policy):
    doc = with_statement(post_policy, only_role_deny({"ArnNotEquals": {"aws:PrincipalArn": ROLE}}))
    assert check_only_the_role(lab, json.dumps(with_statement(doc, guard()))).ok
