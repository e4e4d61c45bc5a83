"""Issue 10, item 10 (the kind): parameters that do not fit AWS's API model get the service's 400, never a 500
and never a 200. The model is botocore's (endpoint/model_validation.py).

- S3: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList (``InvalidArgument``
  for a bad query/header argument, ``MalformedXML`` for a document that "did not validate against our published
  schema"); part numbers 1..10,000: https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
- KMS: https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html (``SerializationException``,
  ``ValidationException``); ``MalformedPolicyDocumentException``:
  https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
- IAM/STS: https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html (``ValidationError``)
"""
from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

import pytest
from endpoint_helpers import BUCKET
from raw_http import send, sign

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def _s3(lab, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    target, headers = sign(lab, "admin", method, path, {"x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
                                                        **(headers or {})}, body)
    return send(lab, method, target, headers, body)


def _kms(lab, operation: str, params: dict | str):
    body = (params if isinstance(params, str) else json.dumps(params)).encode()
    target, headers = sign(lab, "admin", "POST", "/", {"X-Amz-Target": f"TrentService.{operation}",
                                                       "Content-Type": "application/x-amz-json-1.1"}, body,
                           service="kms")
    return send(lab, "POST", target, headers, body)


def _query(lab, service: str, params: dict):
    body = urlencode(params).encode()
    target, headers = sign(lab, "admin", "POST", "/", {"Content-Type": "application/x-www-form-urlencoded"},
                           body, service=service)
    return send(lab, "POST", target, headers, body)


@pytest.mark.parametrize("method,path,body,code", [
    ("GET", f"/{BUCKET}?max-keys=abc", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}?list-type=2&max-keys=abc", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}?list-type=2&max-keys=-1", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}?list-type=2&max-keys=99999999999", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}?list-type=2&fetch-owner=maybe", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}?list-type=2&encoding-type=base64", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}?versions&max-keys=abc", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}?uploads&max-uploads=abc", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}/k?uploadId=U&max-parts=abc", b"", "InvalidArgument"),
    ("GET", f"/{BUCKET}/k?uploadId=U&part-number-marker=abc", b"", "InvalidArgument"),
    ("PUT", f"/{BUCKET}/k?partNumber=abc&uploadId=U", b"x", "InvalidArgument"),
    ("PUT", f"/{BUCKET}/k?partNumber=0&uploadId=U", b"x", "InvalidArgument"),
    ("PUT", f"/{BUCKET}/k?partNumber=10001&uploadId=U", b"x", "InvalidArgument"),
    ("POST", f"/{BUCKET}/k?uploadId=U",
     f"<CompleteMultipartUpload {NS}><Part><PartNumber>abc</PartNumber><ETag>e</ETag></Part>"
     f"</CompleteMultipartUpload>".encode(), "MalformedXML"),
    ("PUT", f"/{BUCKET}?versioning", f"<VersioningConfiguration {NS}><Status>Bogus</Status>"
                                     f"</VersioningConfiguration>".encode(), "MalformedXML"),
    ("PUT", f"/{BUCKET}?encryption",
     f"<ServerSideEncryptionConfiguration {NS}><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>FOO"
     f"</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>".encode(),
     "MalformedXML"),
    ("PUT", f"/{BUCKET}?encryption",
     f"<ServerSideEncryptionConfiguration {NS}><Rule><BucketKeyEnabled>sometimes</BucketKeyEnabled></Rule>"
     f"</ServerSideEncryptionConfiguration>".encode(), "MalformedXML"),
    ("PUT", f"/{BUCKET}?publicAccessBlock",
     f"<PublicAccessBlockConfiguration {NS}><BlockPublicPolicy>maybe</BlockPublicPolicy>"
     f"</PublicAccessBlockConfiguration>".encode(), "MalformedXML"),
])
def test_s3_parameters_outside_the_model_are_400(lab, method, path, body, code):
    answer = _s3(lab, method, path, body)
    assert (answer.status, answer.code) == (400, code), answer.body[:300]


@pytest.mark.parametrize("headers", [{"x-amz-server-side-encryption": "AES512"},
                                     {"x-amz-server-side-encryption-bucket-key-enabled": "perhaps"},
                                     {"x-amz-storage-class": "FAST"}])
def test_s3_headers_outside_the_model_are_invalid_argument(lab, headers):
    answer = _s3(lab, "PUT", f"/{BUCKET}/model-header", b"x", headers)
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer.body[:300]
    assert b"<ArgumentName>" + next(iter(headers)).encode() + b"</ArgumentName>" in answer.body


@pytest.mark.parametrize("path", [f"/{BUCKET}?max-keys=5", f"/{BUCKET}?list-type=2&max-keys=0&fetch-owner=true",
                                  f"/{BUCKET}?list-type=2&encoding-type=url", f"/{BUCKET}?versions&max-keys=3"])
def test_s3_parameters_that_fit_the_model_still_answer(lab, path):
    assert _s3(lab, "GET", path).status == 200


def test_s3_documents_that_fit_the_model_are_accepted(lab):
    s3 = lab.client("s3", "admin")
    before = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=before)
    body = (f"<VersioningConfiguration {NS}><Status>Enabled</Status></VersioningConfiguration>").encode()
    assert _s3(lab, "PUT", f"/{BUCKET}?versioning", body).status == 200


def _deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize("operation,params,code", [
    ("PutKeyPolicy", {"KeyId": "KEY", "PolicyName": "default",
                      "Policy": '{"Version": "2012-10-17", "Statement": ' + _deep(50_000) + "}"},
     "MalformedPolicyDocumentException"),
    ("CreateKey", {"Policy": '{"Statement": ' + _deep(50_000) + "}"}, "MalformedPolicyDocumentException"),
    ("CreateGrant", {"KeyId": "KEY", "GranteePrincipal": "arn:aws:iam::123456789012:root",
                     "Operations": "Decrypt"}, "SerializationException"),
    ("CreateGrant", {"KeyId": "KEY", "GranteePrincipal": "arn:aws:iam::123456789012:root",
                     "Operations": ["Fly"]}, "ValidationException"),
    ("GenerateDataKey", {"KeyId": "KEY", "NumberOfBytes": "32"}, "SerializationException"),
    ("GenerateDataKey", {"KeyId": "KEY", "NumberOfBytes": 5000}, "ValidationException"),
    ("GenerateDataKey", {"KeyId": "KEY", "KeySpec": "AES_512"}, "ValidationException"),
    ("Encrypt", {"KeyId": "KEY", "Plaintext": "eA==", "GrantTokens": "t"}, "SerializationException"),
    ("ListKeys", {"Limit": True}, "SerializationException"),
    ("DescribeKey", {"KeyId": ""}, "ValidationException"),
])
def test_kms_members_outside_the_model_are_400(lab, operation, params, code):
    params = {k: (lab.key_arn if v == "KEY" else v) for k, v in params.items()}
    answer = _kms(lab, operation, params)
    assert (answer.status, answer.code) == (400, code), answer.body[:300]


def test_kms_requests_that_fit_the_model_still_answer(lab):
    answer = _kms(lab, "GenerateDataKey", {"KeyId": lab.key_arn, "NumberOfBytes": 32})
    assert answer.status == 200, answer.body[:300]


@pytest.mark.parametrize("service,params", [
    ("iam", {"Action": "ListUsers", "Version": "2010-05-08", "MaxItems": "abc"}),
    ("iam", {"Action": "ListUsers", "Version": "2010-05-08", "MaxItems": "0"}),
    ("iam", {"Action": "GetUser", "Version": "2010-05-08", "UserName": "u" * 129}),
    ("sts", {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::123456789012:role/x",
             "RoleSessionName": "s", "DurationSeconds": "abc"}),
    ("sts", {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::123456789012:role/x",
             "RoleSessionName": "s", "DurationSeconds": "100"}),
])
def test_query_parameters_outside_the_model_are_validation_error(lab, service, params):
    answer = _query(lab, service, params)
    assert (answer.status, answer.code) == (400, "ValidationError"), answer.body[:300]


def test_query_parameters_that_fit_the_model_still_answer(lab):
    assert _query(lab, "iam", {"Action": "ListUsers", "Version": "2010-05-08", "MaxItems": "5"}).status == 200
