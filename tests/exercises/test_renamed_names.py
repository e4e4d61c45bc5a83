"""Exercise checks take every name from the scenario (issue 12/13): on data/scenarios/renamed (bucket
ledger-archive, role LedgerWriterRole, profiles ops / writer / auditor / guest / partner) the hints name that
scenario's principals and role, and the requirement checker runs on that scenario."""
from __future__ import annotations

import json

import pytest

from s3kms_lab import Lab
from s3kms_lab.exercises.bucket_policy import check_only_the_role, check_pin_the_key
from s3kms_lab.exercises.key_policy import check_key_users
from s3kms_lab.exercises.threats import reset_attempts


@pytest.fixture(scope="module")
def renamed():
    with Lab("renamed") as running:
        yield running


def test_bucket_policy_hints_use_the_scenario_names(renamed):
    post = json.loads(renamed.scenario.policies["bucket-policy.json"])
    text = str(check_pin_the_key(renamed, post))
    assert "auditor can still upload" in text and "analyst" not in text
    text = str(check_only_the_role(renamed, post))
    assert "auditor can still" in text and "analyst" not in text and "DataUploaderRole" not in text


def test_key_policy_hints_use_the_scenario_names(renamed):
    post = json.loads(renamed.scenario.policies["key-policy.json"])
    text = str(check_key_users(renamed, post))
    assert "auditor can still use the key" in text and "ops can" in text and "analyst" not in text


def test_the_checker_hint_names_the_scenario_principal(renamed):
    """A right goal, and the policy change left open: the hint's path starts with the scenario's insider."""
    bucket = renamed.scenario.spec["buckets"][0]["name"]
    post = json.loads(renamed.scenario.policies["bucket-policy.json"])
    post["Statement"].append({"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                              "Resource": f"arn:aws:s3:::{bucket}/*", "Condition": {"StringNotEquals": {
                                  "s3:x-amz-server-side-encryption-aws-kms-key-id": renamed.key_arn}}})
    reset_attempts("2.1")
    text = str(check_pin_the_key(renamed, post))
    reset_attempts("2.1")
    assert "auditor calls s3:PutBucketPolicy" in text and bucket in text


def test_role_policy_checks_use_the_scenario_names(renamed):
    from s3kms_lab.exercises.role_policy import check_assume_policy, check_least_privilege
    text = str(check_assume_policy(renamed, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))
    assert "guest still cannot assume LedgerWriterRole" in text and "nobody" not in text
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                                                   {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
    text = str(check_least_privilege(renamed, wide))
    assert "Too broad" in text and "my-secure-bucket" not in text
