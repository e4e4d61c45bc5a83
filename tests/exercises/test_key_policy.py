"""Notebook 03's exercise checks: a right and a wrong answer each, decided by a running lab."""
from __future__ import annotations

import copy

import pytest

from s3kms_lab.exercises.key_policy import check_key_users, check_only_through_s3, post_key_policy
from s3kms_lab.exercises.threats import reset_attempts
from hint_tiers import tiers

ROLE = "arn:aws:iam::123456789012:role/DataUploaderRole"
ADMIN = "arn:aws:iam::123456789012:user/admin"
# The console's default "key administrators" list: kms:Create* includes kms:CreateGrant (issue 12: the
# administrator gives itself use of the key with a grant, no key-policy change needed).
CONSOLE_ADMIN_ACTIONS = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                         "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                         "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]
ADMIN_ACTIONS = ["kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:PutKeyPolicy", "kms:Update*",
                 "kms:RevokeGrant", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
                 "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]
ROOT = "arn:aws:iam::123456789012:root"


@pytest.fixture(scope="module")
def post(lab):
    return post_key_policy(lab)


def uploader_statement(post):
    return copy.deepcopy(next(s for s in post["Statement"] if s["Sid"] == "AllowUseOfKeyForUploaderRole"))


def admin_statement(actions=ADMIN_ACTIONS, principal=ADMIN):
    return {"Sid": "KeyAdministrators", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions),
            "Resource": "*"}


# ---------------------------------------------------------------- exercise 3.1

def test_key_users_post_policy_fails_and_names_the_delegation(lab, post):
    c = check_key_users(lab, post)
    assert not c.ok
    assert "analyst can still use the key" in str(c)
    assert "delegates the key to the account's IAM policies" in str(c)


def test_key_users_without_any_admin_statement_is_locked_out(lab, post):
    doc = dict(post, Statement=[uploader_statement(post)])
    c = check_key_users(lab, doc)
    assert not c.ok
    assert "lockout safety check" in str(c) and "MalformedPolicyDocumentException" in str(c)


def test_key_users_admin_with_kms_star_still_uses_the_key(lab, post):
    admin_all = dict(admin_statement(), Action="kms:*")
    c = check_key_users(lab, dict(post, Statement=[admin_all, uploader_statement(post)]))
    assert not c.ok and "admin can still use the key" in str(c) and "different actions" in str(c)


def test_key_users_right_answer(lab, post):
    c = check_key_users(lab, dict(post, Statement=[admin_statement(), uploader_statement(post)]))
    assert c.ok, str(c)


def test_key_users_console_admin_list_lets_admin_grant_itself_the_key(lab, post):
    """Issue 12: 03.1 accepted kms:Create* in the administrators' statement; CreateGrant is in it."""
    doc = dict(post, Statement=[admin_statement(CONSOLE_ADMIN_ACTIONS), uploader_statement(post)])
    for text in tiers(check_key_users, lab, doc, "3.1"):
        assert "admin can give itself use of the key with kms:CreateGrant" in text
        assert "KeyAdministrators" in text


def test_key_users_root_cut_to_admin_actions_lets_analyst_take_the_key(lab, post):
    """Issue 12: cutting the root statement down to administrative actions still delegates them to IAM, so
    analyst's kms:* rewrites the key policy and then uses the key (an escalation path)."""
    doc = dict(post, Statement=[admin_statement(principal=ROOT), uploader_statement(post)])
    t1, t2, t3 = tiers(check_key_users, lab, doc, "3.1")
    for text in (t1, t2, t3):
        assert "analyst calls kms:PutKeyPolicy" in text and "R3" in text
    assert "Look at" not in t1
    assert "key policy of" in t2 and "your key policy allows it" in t2
    assert "KeyAdministrators of key policy" in t3 and ROOT in t3


# ---------------------------------------------------------------- exercise 3.2

def via_s3_deny(value="s3.ap-northeast-2.amazonaws.com"):
    return {"Sid": "UploaderOnlyThroughS3", "Effect": "Deny", "Principal": {"AWS": ROLE},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "Resource": "*",
            "Condition": {"StringNotEquals": {"kms:ViaService": value}}}


def test_only_through_s3_post_policy_fails(lab, post):
    c = check_only_through_s3(lab, post)
    assert not c.ok and "directly (not through S3)" in str(c)


def test_only_through_s3_condition_on_the_allow_only_is_bypassed_by_delegation(lab, post):
    doc = copy.deepcopy(post)
    st = next(s for s in doc["Statement"] if s["Sid"] == "AllowUseOfKeyForUploaderRole")
    st["Condition"] = {"StringEquals": {"kms:ViaService": "s3.ap-northeast-2.amazonaws.com"}}
    c = check_only_through_s3(lab, doc)
    assert not c.ok
    assert "role's own IAM policy" in str(c)


def test_only_through_s3_wrong_service_value(lab, post):
    doc = copy.deepcopy(post)
    doc["Statement"].append(via_s3_deny("s3.amazonaws.com"))
    c = check_only_through_s3(lab, doc)
    assert not c.ok
    assert "upload through S3 is now DENIED" in str(c) and "documented format of kms:ViaService" in str(c)


def test_only_through_s3_right_answer(lab, post):
    doc = copy.deepcopy(post)
    doc["Statement"].append(via_s3_deny())
    c = check_only_through_s3(lab, doc)
    assert c.ok, str(c)


def test_malformed_key_policy_is_reported(lab):
    c = check_key_users(lab, {"Version": "2012-10-17", "Statement": []})
    assert not c.ok and "AWS would refuse this key policy" in str(c)


# A tester's reproducers: a non-administrator that may create grants or rewrite the key policy gives key use
# to another principal (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html), and an encryption
# context condition restricts nothing because the caller sends the context
# (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context).
ROLE_MAY_CREATE_GRANTS = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:CreateGrant", "Resource": "*"}
ROLE_MAY_PUT_KEY_POLICY = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:PutKeyPolicy", "Resource": "*"}
NOBODY_WITH_A_CONTEXT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/nobody"},
                         "Action": "kms:Decrypt", "Resource": "*",
                         "Condition": {"StringEquals": {"kms:EncryptionContext:purpose": "x"}}}


@pytest.mark.parametrize("extra, names", [(ROLE_MAY_CREATE_GRANTS, "kms:CreateGrant"),
                                          (ROLE_MAY_PUT_KEY_POLICY, "kms:PutKeyPolicy"),
                                          (NOBODY_WITH_A_CONTEXT, "nobody")])
def test_key_users_right_answer_plus_an_insecure_statement_is_not_well_done(lab, post, extra, names):
    doc = dict(post, Statement=[admin_statement(), uploader_statement(post), extra])
    reset_attempts("3.1")
    c = check_key_users(lab, doc)
    reset_attempts("3.1")
    assert not c.ok, str(c)
    assert "R3" in str(c) and names in str(c), str(c)
