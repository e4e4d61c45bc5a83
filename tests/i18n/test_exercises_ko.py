"""The exercise checks speak Korean inside ``language("ko")``: for every exercise module, a wrong answer's hints
and a right answer's success message are Korean, and keep AWS's names (actions, condition keys, ARNs, Sids,
policy names) in English; outside the block the same checks say exactly what they said before (English).

The answers are the ones tests/exercises judges (one lab per module, as there: the seed lab for notebooks
02-07, then the hardened lab for notebook 08)."""
from __future__ import annotations

import copy
import json
import re

import pytest

from s3kms_lab import Lab
from s3kms_lab.exercises import (best_practices, bucket_policy, failure_cases, hardened_design, key_policy,
                                 role_policy, uploading)
from s3kms_lab.exercises.threats import ATTEMPTS, reset_attempts
from s3kms_lab.i18n import language
from s3kms_lab.widgets.probe import Probe
from .hangul import HANGUL

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole"
ADMIN = f"arn:aws:iam::{ACCOUNT}:user/admin"
B = "my-secure-bucket"
OBJECTS = f"arn:aws:s3:::{B}/*"


def korean(check, *args):
    """Run ``check(*args)`` in Korean; its verdict and its text (rendered in Korean too)."""
    with language("ko"):
        c = check(*args)
        return c, str(c)


def every_line_korean(text: str) -> None:
    """The head and every message of a verdict contain Hangul (no English sentence left)."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and all(HANGUL.search(line) for line in lines), text


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_english_is_unchanged_outside_the_block(lab):
    """A few verdicts whose whole text is the lab's: byte for byte what they said before the Korean edition."""
    bad = doc({"Effect": "Allow"})
    assert str(bucket_policy.check_pin_the_key(lab, bad)) == (
        "Not yet:\n  - AWS would refuse this bucket policy (MalformedPolicy): "
        "Missing required field Principal in statement 1")
    c = uploading.check_upload_call(lab, dict(Bucket="other", Key="k", Body=b"x"))
    assert str(c) == "Not yet:\n  - The post uploads to the bucket 'my-secure-bucket'; your call names 'other'."
    with language("ko"):
        korean_text = str(uploading.check_upload_call(lab, dict(Bucket="other", Key="k", Body=b"x")))
    assert korean_text != str(c) and "'my-secure-bucket'" in korean_text and "'other'" in korean_text
    every_line_korean(korean_text)
    assert not HANGUL.search(str(c))


# ---------------------------------------------------------------- notebook 02 (bucket_policy, threats)

def test_bucket_policy_in_korean(lab):
    post = Probe(lab).stored_bucket_policy()
    c, text = korean(bucket_policy.check_pin_the_key, lab, post)
    assert not c.ok
    every_line_korean(text)
    assert "alias/another-key" in text and "s3:PutObject" in text and "aws/s3" in text

    pinned = copy.deepcopy(post)
    pinned["Statement"].append({
        "Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": OBJECTS,
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}}})
    # without the guard on the bucket policy: the requirement checker's hint at the 3rd wrong try (threats.hint;
    # a 3rd-tier hint is the 1st tier's sentence, then the 2nd's, then the statement: one checker run shows all)
    reset_attempts("2.1")
    ATTEMPTS["2.1"] = 2
    c, text = korean(bucket_policy.check_pin_the_key, lab, pinned)
    reset_attempts("2.1")
    assert not c.ok
    every_line_korean(text)
    assert "R2" in text and "analyst" in text and "s3:PutBucketPolicy" in text and "2번의 호출" in text
    assert "작성한 버킷 정책에는 이를 거부하는 문이 없습니다" in text  # 2nd tier
    assert "S3AndKmsFullAccess" in text and '"Action": ["s3:*", "kms:*"]' in text  # 3rd tier: the statement

    pinned["Statement"].append({
        "Sid": "DenyPolicyChangesByAnyoneButTheAdministrator", "Effect": "Deny", "Principal": "*",
        "Action": ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"], "Resource": [f"arn:aws:s3:::{B}"],
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ADMIN}}})
    c, text = korean(bucket_policy.check_pin_the_key, lab, pinned)
    assert c.ok, text
    every_line_korean(text)
    assert "aws:kms" in text and "ARN" in text
    assert str(c).startswith("Well done: every check passes.")  # rendered outside the block: English head


def test_malformed_policy_in_korean(lab):
    c, text = korean(bucket_policy.check_pin_the_key, lab, doc({"Effect": "Allow"}))
    assert not c.ok and "버킷 정책" in text and "MalformedPolicy" in text
    assert "Missing required field Principal in statement 1" in text  # AWS's own message stays English


# ---------------------------------------------------------------- notebook 03 (key_policy)

def test_key_policy_in_korean(lab):
    post = key_policy.post_key_policy(lab)
    c, text = korean(key_policy.check_key_users, lab, post)
    assert not c.ok
    every_line_korean(text)
    assert "analyst" in text and "kms:Encrypt" in text

    uploader = next(s for s in post["Statement"] if s["Sid"] == "AllowUseOfKeyForUploaderRole")
    admin = {"Sid": "KeyAdministrators", "Effect": "Allow", "Principal": {"AWS": ADMIN}, "Resource": "*",
             "Action": ["kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:PutKeyPolicy",
                        "kms:Update*", "kms:RevokeGrant", "kms:Disable*", "kms:Get*", "kms:Delete*",
                        "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]}
    c, text = korean(key_policy.check_key_users, lab, dict(post, Statement=[admin, uploader]))
    assert c.ok, text
    every_line_korean(text)
    assert "DataUploaderRole" in text and "admin" in text


# ---------------------------------------------------------------- notebook 04 (role_policy, least_privilege)

def test_role_policy_in_korean(lab):
    c, text = korean(role_policy.check_least_privilege, lab, Probe(lab).stored_role_policy())
    assert not c.ok
    every_line_korean(text)
    assert "'kms:GenerateDataKey*'" in text and "kms:GenerateDataKeyPair" in text and "너무 넓습니다" in text

    right = doc({"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": OBJECTS},
                {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": lab.key_arn})
    c, text = korean(role_policy.check_least_privilege, lab, right)
    assert c.ok, text
    every_line_korean(text)
    assert B in text and "SSE-KMS" in text


# ---------------------------------------------------------------- notebook 05 (uploading)

def test_uploading_in_korean(lab):
    call = dict(Bucket=B, Key="t/ko.csv", Body=b"x", ServerSideEncryption="aws:kms")
    c, text = korean(uploading.check_upload_call, lab, call)
    assert not c.ok
    every_line_korean(text)
    assert "고객 관리형 키" in text and "arn:aws:kms:" in text

    c, text = korean(uploading.check_upload_call, lab, dict(call, SSEKMSKeyId=lab.key_arn))
    assert c.ok, text
    every_line_korean(text)
    assert "t/ko.csv" in text and lab.key_arn in text


# ---------------------------------------------------------------- notebook 06 (failure_cases)

def _bucket_key_policy(key_arn, condition=True):
    kms = {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn}
    if condition:
        kms["Condition"] = {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{B}"}}
    return doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{B}/state/*"},
               kms)


def test_failure_cases_in_korean(lab):
    c, text = korean(failure_cases.check_bucket_key_policy, lab, _bucket_key_policy(lab.key_arn, condition=False))
    assert not c.ok
    every_line_korean(text)
    assert "kms:EncryptionContext:aws:s3:arn" in text

    c, text = korean(failure_cases.check_bucket_key_policy, lab, _bucket_key_policy(lab.key_arn))
    assert c.ok, text
    every_line_korean(text)

    # the one-line verdicts: the lab's words in Korean, AWS's code, action and message as AWS sends them
    get = lab.client("s3", "nobody").get_object
    with language("ko"):
        line = failure_cases.outcome(get, Bucket=B, Key="missing")
        short = failure_cases.verdict(line)
    assert line.startswith("거부됨 AccessDenied (HTTP 403): ") and "is not authorized to perform" in line
    assert short == "거부됨 AccessDenied: s3:GetObject 암시적 거부"
    assert failure_cases.verdict(failure_cases.outcome(get, Bucket=B, Key="missing")) == \
        "DENIED AccessDenied: s3:GetObject implicit deny"


# ---------------------------------------------------------------- notebook 07 (best_practices)

def test_best_practices_in_korean(lab):
    c, text = korean(best_practices.check_least_privilege_role, lab, lab.scenario.policies["role-policy.json"])
    assert not c.ok
    every_line_korean(text)
    assert "kms:Encrypt" in text and "DescribeKey" in text

    right = doc({"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": OBJECTS},
                {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": lab.key_arn})
    reset_attempts("7.1")
    c, text = korean(best_practices.check_least_privilege_role, lab, right)
    assert c.ok, text
    every_line_korean(text)


# ---------------------------------------------------------------- notebook 08 (hardened_design), last

@pytest.fixture(scope="module")
def hardened():
    """The hardened lab, started after the seed lab's tests (starting it stops the seed lab: one per process)."""
    with Lab("hardened") as running:
        yield running


def _without_key_id_statements(lab):
    bp = json.loads(lab.scenario.policies["bucket-policy.json"])
    bp["Statement"] = [s for s in bp["Statement"]
                       if s["Sid"] not in ("DenyUploadsWithoutKeyIdHeader", "DenyUploadsUnderAnyOtherKey")]
    return bp


def test_hardened_design_in_korean(hardened):
    bp = _without_key_id_statements(hardened)
    c, text = korean(hardened_design.check_key_id_statement, hardened, bp)
    assert not c.ok
    every_line_korean(text)
    assert "키 ID 없는 aws:kms" in text and "다른 KMS 키를 지정한 aws:kms" in text

    bp["Statement"].append({"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                            "Resource": OBJECTS, "Condition": {"StringNotEquals": {
                                "s3:x-amz-server-side-encryption-aws-kms-key-id": hardened.key_arn}}})
    c, text = korean(hardened_design.check_key_id_statement, hardened, bp)
    assert c.ok, text
    every_line_korean(text)

    c, text = korean(hardened_design.check_trust_policy, hardened, doc(
        {"Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "sts:AssumeRole"}))
    assert not c.ok
    every_line_korean(text)
    assert "EC2(ec2.amazonaws.com)" in text
    reset_attempts("8.2")


def test_probe_table_in_korean(hardened):
    probes = hardened_design.PROBES[:2]
    with language("ko"):
        rows = hardened_design.run_probes(hardened, probes)
    assert [r["ok"] for r in rows] == ["예", "예"]
    assert rows[0]["case"] == "1 kms:Decrypt 없는 GetObject" and rows[0]["request"] == "analyst의 GetObject"
    assert rows[0]["wanted"] == "거부됨" and rows[0]["outcome"].startswith("거부됨 AccessDenied")
    assert rows[1]["wanted"] == rows[1]["outcome"] == "허용됨"
    english = hardened_design.run_probes(hardened, probes)
    assert [(r["case"], r["request"], r["wanted"], r["ok"]) for r in english] == [
        ("1 GetObject without kms:Decrypt", "analyst GetObject", "DENIED", "yes"),
        ("2 multipart without kms:Decrypt", "uploader multipart upload, key ARN", "ALLOWED", "yes")]
