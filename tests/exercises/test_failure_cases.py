"""Exercise checks and helpers of notebook 06, decided by the running lab."""
from __future__ import annotations

from s3kms_lab.exercises.failure_cases import (check_bucket_key_policy, check_copy_back_policy, ensure_copy_source,
                                      outcome, reset_scenario, verdict)

B = "my-secure-bucket"


def _bucket_key_policy(key_arn, context_value):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{B}/state/*"},
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn,
         "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": context_value}}}]}


def test_bucket_key_wrong_object_pattern(lab):
    res = check_bucket_key_policy(lab, _bucket_key_policy(lab.key_arn, f"arn:aws:s3:::{B}/state/*"))
    assert not res.ok and "encryption context" in str(res)


def test_bucket_key_condition_dropped(lab):
    doc = _bucket_key_policy(lab.key_arn, "x")
    del doc["Statement"][1]["Condition"]
    res = check_bucket_key_policy(lab, doc)
    assert not res.ok and "without a kms:EncryptionContext:aws:s3:arn condition" in str(res)


def test_bucket_key_too_broad(lab):
    res = check_bucket_key_policy(lab, _bucket_key_policy(lab.key_arn, "arn:aws:s3:::*"))
    assert not res.ok and "another bucket" in str(res)


def test_bucket_key_right_and_restored(lab):
    kms = lab.client("kms", "admin")
    before = kms.get_key_policy(KeyId=lab.key_arn.split("/")[-1], PolicyName="default")["Policy"]
    res = check_bucket_key_policy(lab, _bucket_key_policy(lab.key_arn, f"arn:aws:s3:::{B}"))
    assert res.ok, str(res)
    assert kms.get_key_policy(KeyId=lab.key_arn.split("/")[-1], PolicyName="default")["Policy"] == before


def _copy_back(key_arn, src_key, decrypt=True):
    kms = [{"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": src_key}]
    if decrypt:
        kms.append({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn})
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-source-bucket/*"}, *kms]}


def test_copy_back_wrong(lab):
    src = ensure_copy_source(lab)
    res = check_copy_back_policy(lab, _copy_back(lab.key_arn, src, decrypt=False))
    assert not res.ok and "object being read" in str(res) and "kms:Decrypt" not in str(res)


def test_copy_back_right(lab):
    src = ensure_copy_source(lab)
    res = check_copy_back_policy(lab, _copy_back(lab.key_arn, src))
    assert res.ok, str(res)


def test_reset_and_verdict(lab):
    iam = lab.client("iam", "admin")
    iam.put_user_policy(UserName="analyst", PolicyName="Extra", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}')
    reset_scenario(lab)
    assert iam.list_user_policies(UserName="analyst")["PolicyNames"] == ["S3AndKmsFullAccess"]
    text = outcome(lab.client("s3", "nobody").get_object, Bucket=B, Key="missing")
    assert verdict(text) == "DENIED AccessDenied: s3:GetObject implicit deny"
