"""Exercise checks of notebook 05: a right and a wrong answer for each, decided by the running lab."""
from __future__ import annotations

from s3kms_lab.exercises.uploading import check_upload_call, check_writer_policy


def test_upload_call_wrong_algorithm(lab):
    res = check_upload_call(lab, dict(Bucket="my-secure-bucket", Key="t/report.csv", Body=b"x",
                                      ServerSideEncryption="AES256"))
    assert not res.ok
    assert "explicit deny" in str(res)


def test_upload_call_lands_on_aws_managed_key(lab):
    res = check_upload_call(lab, dict(Bucket="my-secure-bucket", Key="t/report.csv", Body=b"x",
                                      ServerSideEncryption="aws:kms"))
    assert not res.ok
    assert "not under the post's customer managed key" in str(res)


def test_upload_call_right(lab):
    res = check_upload_call(lab, dict(Bucket="my-secure-bucket", Key="t/report.csv", Body=b"x",
                                      ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn))
    assert res.ok, str(res)


WRONG = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": "KEY"}]}
RIGHT = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
     "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "KEY"}]}


def _with_key(doc, key_arn):
    import json
    return json.loads(json.dumps(doc).replace('"KEY"', json.dumps(key_arn)))


def test_writer_policy_wrong(lab):
    before = lab.client("iam", "admin").list_user_policies(UserName="analyst")["PolicyNames"]
    res = check_writer_policy(lab, _with_key(WRONG, lab.key_arn))
    assert not res.ok
    text = str(res)
    assert "UploadPart" in text and "kms:Decrypt" not in text  # says what fails, not the answer
    assert "delete" in text and "s3:*" in text
    assert lab.client("iam", "admin").list_user_policies(UserName="analyst")["PolicyNames"] == before


def test_writer_policy_that_can_also_read_is_wrong(lab):
    """Issue 12: 05.2 accepted a writer policy that can also read."""
    doc = _with_key(RIGHT, lab.key_arn)
    doc["Statement"][0]["Action"] = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
    res = check_writer_policy(lab, doc)
    assert not res.ok
    assert "can also read the objects" in str(res) and "'s3:GetObject' grants s3:GetObject" in str(res)


def test_writer_policy_generate_data_key_star_is_judged_as_in_04_and_07(lab):
    doc = _with_key(RIGHT, lab.key_arn)
    doc["Statement"][1]["Action"] = ["kms:GenerateDataKey*", "kms:Decrypt"]
    res = check_writer_policy(lab, doc)
    assert not res.ok and "Action 'kms:GenerateDataKey*' also grants kms:GenerateDataKeyPair" in str(res)


def test_writer_policy_right(lab):
    res = check_writer_policy(lab, _with_key(RIGHT, lab.key_arn))
    assert res.ok, str(res)


def test_writer_policy_rejected_document(lab):
    res = check_writer_policy(lab, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})
    assert not res.ok and "rejected" in str(res)
