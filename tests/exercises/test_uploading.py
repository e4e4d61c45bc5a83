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


def test_writer_policy_right(lab):
    res = check_writer_policy(lab, _with_key(RIGHT, lab.key_arn))
    assert res.ok, str(res)


def test_writer_policy_rejected_document(lab):
    res = check_writer_policy(lab, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})
    assert not res.ok and "rejected" in str(res)
