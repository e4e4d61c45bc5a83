"""Notebook 08: the failure-case probes on seed vs hardened, and the two exercise checks."""
from __future__ import annotations

import json

import pytest

from s3kms_lab import Lab
from s3kms_lab.exercises.hardened_design import PROBES, check_key_id_statement, check_trust_policy, run_probes


# Runs first: no lab of this module is running yet (one lab per process).
def test_seed_breaks_the_requirement_probes():
    rows = run_probes("seed")
    broken = {r["request"] for r in rows if r["ok"] != "yes"}
    assert broken == {"analyst GetObject", "uploader PutObject, aws:kms, no key id",
                      "analyst kms:GenerateDataKey (IAM kms:*)", "admin (IAM *) GetObject"}


@pytest.fixture(scope="module")
def lab():
    with Lab("hardened") as running:
        yield running


def test_hardened_passes_every_probe(lab):
    rows = run_probes(lab)
    assert len(rows) == len(PROBES) >= 13
    assert [r for r in rows if r["ok"] != "yes"] == []


def _without_key_id_statements(lab):
    bp = json.loads(lab.scenario.policies["bucket-policy.json"])
    bp["Statement"] = [s for s in bp["Statement"]
                       if s["Sid"] not in ("DenyUploadsWithoutKeyIdHeader", "DenyUploadsUnderAnyOtherKey")]
    return bp


def test_key_id_statement_wrong(lab):
    res = check_key_id_statement(lab, _without_key_id_statements(lab))
    assert not res.ok and "without a key id" in str(res) and "another KMS key" in str(res)


def test_key_id_statement_right(lab):
    bp = _without_key_id_statements(lab)
    bp["Statement"].append({"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                            "Resource": "arn:aws:s3:::my-secure-bucket/*",
                            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}}})
    res = check_key_id_statement(lab, bp)
    assert res.ok, str(res)


def test_key_id_statement_restores(lab):
    s3 = lab.client("s3", "admin")
    before = json.loads(s3.get_bucket_policy(Bucket="my-secure-bucket")["Policy"])
    check_key_id_statement(lab, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-secure-bucket/*"}]})
    assert json.loads(s3.get_bucket_policy(Bucket="my-secure-bucket")["Policy"]) == before


EC2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
ADMIN = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/admin"}, "Action": "sts:AssumeRole"}
ROOT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}


def test_trust_policy_wrong_whole_account(lab):
    res = check_trust_policy(lab, {"Version": "2012-10-17", "Statement": [ROOT]})
    # root delegates to IAM: analyst has no sts permission, but EC2 is missing
    assert not res.ok and "EC2" in str(res)


def test_trust_policy_wrong_admin_only(lab):
    res = check_trust_policy(lab, {"Version": "2012-10-17", "Statement": [ADMIN]})
    assert not res.ok and "EC2" in str(res)


def test_trust_policy_ec2_plus_the_whole_account_is_wrong(lab):
    """Issue 12: 08.2 accepted a trust policy that trusts the account root (beside EC2): any user whose IAM
    policy allows sts:AssumeRole becomes the role and breaks "only the role uploads"."""
    from s3kms_lab.exercises.threats import reset_attempts
    reset_attempts("8.2")
    texts = []
    for _ in range(3):
        res = check_trust_policy(lab, {"Version": "2012-10-17", "Statement": [EC2, ROOT]})
        assert not res.ok
        texts.append(str(res))
    reset_attempts("8.2")
    for t in texts:
        assert "analyst calls sts:AssumeRole" in t and "Suppose analyst's IAM policy" in t
    assert "trust policy of role DataUploaderRole" in texts[1]
    assert "arn:aws:iam::123456789012:root" in texts[2]


def test_trust_policy_right(lab):
    res = check_trust_policy(lab, {"Version": "2012-10-17", "Statement": [EC2, ADMIN]})
    assert res.ok, str(res)
    assert lab.client("iam", "admin").get_role(RoleName="DataUploaderRole")["Role"]["AssumeRolePolicyDocument"] \
        == json.loads(lab.scenario.policies["trust-policy.json"])
