"""KMS and auth edge cases found while reviewing the checker against the endpoint.

- aws/s3 is created on first use whether implied or named (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html);
- a ciphertext names its key, so Decrypt without KeyId finds the key even in another account, and then
  the key policy decides (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html);
- KMS, IAM and STS refuse unsigned requests before any authorization
  (https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html: MissingAuthenticationToken).
"""
from __future__ import annotations

import urllib.error
import urllib.request

from endpoint_helpers import BUCKET, error_of


def test_naming_alias_aws_s3_creates_it_on_first_use(lab):
    r = lab.client("s3", "uploader").put_object(Bucket=BUCKET, Key="named-aws-s3.txt", Body=b"x",
                                               ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/aws/s3")
    managed = lab.client("kms", "admin").describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert r["SSEKMSKeyId"] == managed["Arn"]


def test_decrypt_without_key_id_finds_the_key_in_its_own_account(lab):
    blob = lab.client("kms", "admin").encrypt(KeyId=lab.key_arn, Plaintext=b"hi")["CiphertextBlob"]
    assert lab.client("kms", "analyst").decrypt(CiphertextBlob=blob)["Plaintext"] == b"hi"
    resp = error_of(lab.client("kms", "outsider").decrypt, CiphertextBlob=blob)
    assert resp["Error"]["Code"] == "AccessDeniedException"


def test_garbage_ciphertext_is_invalid(lab):
    resp = error_of(lab.client("kms", "admin").decrypt, CiphertextBlob=b"not a ciphertext at all, really not")
    assert resp["Error"]["Code"] == "InvalidCiphertextException"


def _unsigned(lab, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    req = urllib.request.Request(lab.endpoint_url + "/", data=body, headers=headers)
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_unsigned_kms_request_is_refused(lab):
    status, body = _unsigned(lab, b'{"KeyId":"alias/my-secure-key","Plaintext":"aGk="}',
                             {"X-Amz-Target": "TrentService.Encrypt", "Content-Type": "application/x-amz-json-1.1"})
    assert status == 400 and b"MissingAuthenticationTokenException" in body


def test_unsigned_iam_request_is_refused(lab):
    status, body = _unsigned(lab, b"Action=ListUsers&Version=2010-05-08",
                             {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and b"<Code>MissingAuthenticationToken</Code>" in body
