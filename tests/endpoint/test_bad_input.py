"""Issue 10, items 8-10: bad input gets AWS's 4xx, is never stored, and never answers 500.

S3 error codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html; limits: 1,000 keys per
DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html), 1,024-byte keys
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html), 20 KB bucket policies
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html).
"""
from __future__ import annotations

import hashlib
import json

import pytest
from endpoint_helpers import BUCKET, REGION, code_status, error_of
from raw_http import send, sign

from s3kms_lab.endpoint.bad_input import json_too_deep

DEEP = 100_000


def _s3(lab, method: str, path: str, body: bytes, profile: str = "admin", headers: dict | None = None):
    target, signed = sign(lab, profile, method, path, {"x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
                                                       **(headers or {})}, body)
    return send(lab, method, target, signed, body)


# ------------------------------------------------------------------ 8. invalid UTF-8 bucket policy
def test_bucket_policy_with_invalid_utf8_is_refused_and_never_stored(lab):
    s3 = lab.client("s3", "admin")
    before = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "X", "Effect": "Allow", "Principal": "*",
                                                                  "Action": "s3:GetObject",
                                                                  "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})
    body = policy.replace('"X"', '"\xff"').encode("latin-1")  # one byte that is not UTF-8
    answer = _s3(lab, "PUT", f"/{BUCKET}?policy", body)
    assert (answer.status, answer.code) == (400, "MalformedPolicy")
    assert s3.get_bucket_policy(Bucket=BUCKET)["Policy"] == before  # unchanged, and the bucket still answers
    s3.put_bucket_policy(Bucket=BUCKET, Policy=before)
    s3.list_objects_v2(Bucket=BUCKET)


# ------------------------------------------------------------------ 9. AWS's caps
def test_bucket_policy_over_20_kb_is_policy_too_large(lab):
    statements = [{"Sid": f"S{i}", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{BUCKET}/never-{i}"} for i in range(400)]
    body = json.dumps({"Version": "2012-10-17", "Statement": statements}).encode()
    assert len(body) > 20 * 1024
    answer = _s3(lab, "PUT", f"/{BUCKET}?policy", body)
    assert (answer.status, answer.code) == (400, "PolicyTooLarge")


def _delete_body(n: int, key_len: int = 8) -> bytes:
    objects = "".join(f"<Object><Key>{str(i).zfill(key_len)}</Key></Object>" for i in range(n))
    return f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{objects}</Delete>'.encode()


@pytest.mark.parametrize("count,ok", [(1000, True), (1001, False), (20_000, False)])
def test_delete_objects_takes_at_most_1000_keys(lab, count, ok):
    body = _delete_body(count)
    md5 = __import__("base64").b64encode(hashlib.md5(body).digest()).decode()
    answer = _s3(lab, "POST", f"/{BUCKET}?delete", body, headers={"Content-MD5": md5})
    if ok:
        assert answer.status == 200
    else:
        assert (answer.status, answer.code) == (400, "MalformedXML")


@pytest.mark.parametrize("length,ok", [(1024, True), (1025, False), (5000, False)])
def test_object_keys_are_at_most_1024_bytes(lab, length, ok):
    s3 = lab.client("s3", "admin")
    key = "k" * length
    call = lambda: s3.put_object(Bucket=BUCKET, Key=key, Body=b"x", ServerSideEncryption="aws:kms",  # noqa: E731
                                 SSEKMSKeyId=lab.key_arn)
    if ok:
        call()
        s3.delete_object(Bucket=BUCKET, Key=key)
    else:
        assert code_status(error_of(call)) == ("KeyTooLongError", 400)


def test_multibyte_key_length_counts_bytes(lab):
    key = "é" * 513  # 1,026 bytes
    resp = error_of(lab.client("s3", "admin").put_object, Bucket=BUCKET, Key=key, Body=b"x")
    assert code_status(resp) == ("KeyTooLongError", 400)


# ------------------------------------------------------------------ 10. malformed bodies
MALFORMED_XML_CASES = {
    "encryption truncated": ("PUT", f"/{BUCKET}?encryption",
                             b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"),
    "encryption not xml": ("PUT", f"/{BUCKET}?encryption", b"{not xml}"),
    "encryption empty": ("PUT", f"/{BUCKET}?encryption", b""),
    "create bucket truncated": ("PUT", "/bad-input-bucket",
                                b"<CreateBucketConfiguration><LocationConstraint>ap-north"),
    "create bucket not xml": ("PUT", "/bad-input-bucket", b"\x00\x01garbage"),
    "versioning wrong root": ("PUT", f"/{BUCKET}?versioning",
                              b"<Foo><Status>Enabled</Status></Foo>"),
    "versioning not xml": ("PUT", f"/{BUCKET}?versioning", b"Enabled"),
    "delete truncated": ("POST", f"/{BUCKET}?delete", b"<Delete><Object><Key>a</Key>"),
    "entity expansion": ("PUT", f"/{BUCKET}?versioning",
                         b'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                         b"<VersioningConfiguration><Status>&b;</Status></VersioningConfiguration>"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_XML_CASES))
def test_malformed_xml_bodies_are_malformed_xml(lab, case):
    method, path, body = MALFORMED_XML_CASES[case]
    answer = _s3(lab, method, path, body)
    assert (answer.status, answer.code) == (400, "MalformedXML"), answer.body[:300]


@pytest.mark.parametrize("body", [b"", b"<CompleteMultipartUpload><Part>", b"not xml",
                                  b"<Wrong><Part><PartNumber>1</PartNumber></Part></Wrong>"])
def test_complete_multipart_upload_with_a_bad_body_is_malformed_xml(lab, body):
    s3 = lab.client("s3", "admin")
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="mp-bad", ServerSideEncryption="aws:kms",
                                        SSEKMSKeyId=lab.key_arn)["UploadId"]
    answer = _s3(lab, "POST", f"/{BUCKET}/mp-bad?uploadId={upload}", body)
    assert (answer.status, answer.code) == (400, "MalformedXML")
    s3.abort_multipart_upload(Bucket=BUCKET, Key="mp-bad", UploadId=upload)


def test_versioning_still_accepts_its_own_root(lab):
    s3 = lab.client("s3", "admin")
    s3.create_bucket(Bucket="bad-input-versioned", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="bad-input-versioned", VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket="bad-input-versioned")["Status"] == "Enabled"


def _deep(n: int = DEEP) -> str:
    return "[" * n + "]" * n


def test_deep_json_to_kms_is_serialization_exception(lab):
    body = ('{"KeyId": ' + _deep() + "}").encode()
    target, headers = sign(lab, "admin", "POST", "/", {"X-Amz-Target": "TrentService.DescribeKey",
                                                       "Content-Type": "application/x-amz-json-1.1"}, body,
                           service="kms")
    answer = send(lab, "POST", target, headers, body)
    assert (answer.status, answer.code) == (400, "SerializationException")


def test_deep_json_bucket_policy_is_malformed_policy(lab):
    body = ('{"Version": "2012-10-17", "Statement": ' + _deep(5000) + "}").encode()  # < 20 KB, 5,000 deep
    answer = _s3(lab, "PUT", f"/{BUCKET}?policy", body)
    assert (answer.status, answer.code) == (400, "MalformedPolicy")


@pytest.mark.parametrize("operation,params", [
    ("PutUserPolicy", {"UserName": "nobody", "PolicyName": "deep"}),
    ("CreatePolicy", {"PolicyName": "deep"}),
])
def test_deep_json_iam_policy_is_malformed_policy_document(lab, operation, params):
    iam = lab.client("iam", "admin")
    call = getattr(iam, "put_user_policy" if operation == "PutUserPolicy" else "create_policy")
    resp = error_of(call, PolicyDocument='{"Version": "2012-10-17", "Statement": ' + _deep() + "}", **params)
    assert code_status(resp) == ("MalformedPolicyDocument", 400)


def test_deep_json_trust_policy_is_malformed_policy_document(lab):
    resp = error_of(lab.client("iam", "admin").create_role, RoleName="deep-role",
                    AssumeRolePolicyDocument='{"Statement": ' + _deep() + "}")
    assert code_status(resp) == ("MalformedPolicyDocument", 400)


@pytest.mark.parametrize("text,deep", [("[]", False), ("[" * 64 + "]" * 64, False), ("[" * 65 + "]" * 65, True),
                                       ('["' + "[" * 200 + '"]', False), ('{"a": "\\"[[[["}', False)])
def test_json_depth_scan_ignores_brackets_in_strings(text, deep):
    assert json_too_deep(text) is deep


_STREAMING = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def _streaming_put(lab, key: str, body: bytes, decoded_length: str = "3"):
    headers = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": decoded_length,
               "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}
    target, signed = sign(lab, "admin", "PUT", f"/{BUCKET}/{key}", headers, body, payload_hash=_STREAMING)
    return send(lab, "PUT", target, signed, body)


@pytest.mark.parametrize("body,decoded", [
    (b"zz\r\nabc\r\n0\r\n\r\n", "3"),            # chunk size not hex
    (b"-1\r\nabc\r\n0\r\n\r\n", "3"),            # negative chunk size
    (b"ffffffffffff\r\nabc", "3"),               # size far beyond the body
    (b"3\r\nab", "3"),                           # truncated chunk
    (b"3\r\nabcX\r\n0\r\n\r\n", "3"),            # chunk not ended by CRLF
    (b"3\r\nabc\r\n0\r\n\r\n", "4"),             # decoded length disagrees
    (b"3\r\nabc\r\n0\r\nnot a trailer\r\n\r\n", "3"),
])
def test_unsigned_streaming_body_with_bad_chunks_is_incomplete_body(lab, body, decoded):
    answer = _streaming_put(lab, "chunky-bad", body, decoded)
    assert (answer.status, answer.code) == (400, "IncompleteBody"), answer.body[:300]


def test_unsigned_streaming_body_well_formed_is_stored_decoded(lab):
    answer = _streaming_put(lab, "chunky-good", b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n")
    assert answer.status == 200, answer.body[:300]
    assert lab.client("s3", "admin").get_object(Bucket=BUCKET, Key="chunky-good")["Body"].read() == b"abc"
