"""S3's HTTP as S3 speaks it (issue: real clients break on the lab's HTTP, not on its decisions).

- A HEAD answer carries no body whatever its status (RFC 9110 9.3.2;
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). Checked on the raw socket, because
  every HTTP client hides the bytes a server wrongly sends after a HEAD's headers.
- Response headers are those S3's API model declares for the operation plus S3's common ones
  (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonResponseHeaders.html); none of moto's own.
- ``x-amz-version-id`` only where versioning is Enabled or Suspended
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html), and ``versionId=null``
  accepted where S3 accepts it, authorized as s3:GetObjectVersion (API_GetObject.html, Permissions).
- State S3 always has: an object's ACL (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html),
  a bucket's default encryption (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html).
"""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from endpoint_helpers import ACCOUNT, BUCKET, REGION, code_status, error_of, explanation, kms_put

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SSE = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ARN}
# Headers of moto's that S3 never sends (moto's request id, a CORS header on every answer, request headers
# moto stores with the object and replays).
BACKEND_HEADERS = ("x-amzn-requestid", "access-control-allow-origin", "x-amz-content-sha256",
                   "x-amz-sdk-checksum-algorithm", "content-md5")


def raw_exchange(lab, method: str, path: str, profile: str | None) -> bytes:
    """Send one request (SigV4-signed as ``profile``, or anonymous) on a plain socket; return every byte the
    lab sent back until it closed the connection."""
    url = lab.endpoint_url + path
    headers = {"host": urlsplit(url).netloc, "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
    if profile is not None:
        creds = lab.session(profile).get_credentials().get_frozen_credentials()
        request = AWSRequest(method=method, url=url, headers=headers)
        SigV4Auth(creds, "s3", REGION).add_auth(request)
        headers = dict(request.headers.items())
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()] + ["Connection: close", "", ""]
    parts = urlsplit(lab.endpoint_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall("\r\n".join(lines).encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.fixture(scope="module")
def objects(lab):
    s3 = lab.client("s3", "admin")
    s3.put_object(Bucket=BUCKET, Key="http/put.txt", Body=b"hello", **SSE)
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="http/mp.bin", **SSE)["UploadId"]
    etag = s3.upload_part(Bucket=BUCKET, Key="http/mp.bin", UploadId=up, PartNumber=1, Body=b"part")["ETag"]
    s3.complete_multipart_upload(Bucket=BUCKET, Key="http/mp.bin", UploadId=up,
                                 MultipartUpload={"Parts": [{"ETag": etag, "PartNumber": 1}]})
    s3.copy_object(Bucket=BUCKET, Key="http/copy.txt", CopySource={"Bucket": BUCKET, "Key": "http/put.txt"}, **SSE)
    return ["http/put.txt", "http/mp.bin", "http/copy.txt"]


# ------------------------------------------------------------------ HEAD has no body
@pytest.mark.parametrize("profile,path,status", [
    ("nobody", f"/{BUCKET}/http/put.txt", 403),
    (None, f"/{BUCKET}/http/put.txt", 403),
    ("nobody", f"/{BUCKET}", 403),
    (None, f"/{BUCKET}", 403),
    ("uploader", f"/{BUCKET}/http/missing.txt", 403),
    ("admin", f"/{BUCKET}/http/missing.txt", 404),
    ("admin", "/no-such-bucket-here/x", 404),
    ("admin", f"/{BUCKET}/http/put.txt", 200),
])
def test_a_head_answer_has_no_body_whatever_its_status(lab, objects, profile, path, status):
    data = raw_exchange(lab, "HEAD", path, profile)
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.split()[1] == str(status).encode(), head[:200]
    assert rest == b"", f"{len(rest)} byte(s) after the headers of a HEAD answer: {rest[:80]!r}"


def test_a_get_error_still_has_its_xml_body(lab, objects):
    head, _, rest = raw_exchange(lab, "GET", f"/{BUCKET}/http/put.txt", "nobody").partition(b"\r\n\r\n")
    assert b" 403 " in head.split(b"\r\n")[0] and b"<Code>AccessDenied</Code>" in rest
    # S3's error headers: its request ids, not another service's x-amzn-RequestId
    lines = {line.split(b":", 1)[0].lower(): line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")[1:]}
    assert b"x-amzn-requestid" not in lines and lines[b"x-amz-id-2"]


# ------------------------------------------------------------------ headers per operation
def _headers(response) -> dict[str, str]:
    return {k.lower(): v for k, v in response["ResponseMetadata"]["HTTPHeaders"].items()}


def test_answers_carry_s3s_headers_not_the_backends(lab, objects):
    s3 = lab.client("s3", "admin")
    calls = {
        "PutObject": lambda: s3.put_object(Bucket=BUCKET, Key="http/h.txt", Body=b"h", **SSE),
        "HeadObject": lambda: s3.head_object(Bucket=BUCKET, Key="http/put.txt"),
        "GetObject": lambda: s3.get_object(Bucket=BUCKET, Key="http/put.txt"),
        "CopyObject": lambda: s3.copy_object(Bucket=BUCKET, Key="http/c2.txt",
                                             CopySource={"Bucket": BUCKET, "Key": "http/put.txt"}, **SSE),
        "ListObjectsV2": lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="http/"),
        "DeleteObject": lambda: s3.delete_object(Bucket=BUCKET, Key="http/h.txt"),
    }
    for name, call in calls.items():
        h = _headers(call())
        assert h.get("x-amz-request-id") and h.get("x-amz-id-2"), name
        leaked = [b for b in BACKEND_HEADERS if b in h]
        assert not leaked, f"{name} answered with backend headers {leaked}"
        assert "amazon.com" not in h.get("server", ""), name
    # the ETag is a header where S3's model says so, in the XML body of a copy or a completed upload
    assert "etag" not in _headers(calls["CopyObject"]()) and "etag" in _headers(calls["GetObject"]())
    put = _headers(calls["PutObject"]())
    assert "content-type" not in put and "last-modified" not in put  # PutObject's answer has no body
    assert put["etag"].startswith('"') and put["etag"].endswith('"')
    head = _headers(calls["HeadObject"]())
    assert head["content-type"] == "binary/octet-stream" and head["content-length"] == "5"
    assert head["x-amz-server-side-encryption"] == "aws:kms"


def test_the_request_id_header_is_the_trail_records_request_id(lab, objects):
    r = lab.client("s3", "admin").head_object(Bucket=BUCKET, Key="http/put.txt")
    rid = _headers(r)["x-amz-request-id"]
    assert [rec["eventName"] for rec in lab.trail.records if rec["requestID"] == rid] == ["HeadObject"]


# ------------------------------------------------------------------ versions
def test_an_unversioned_bucket_reports_no_version_ids(lab, objects):
    s3 = lab.client("s3", "admin")
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="http/v.bin", **SSE)["UploadId"]
    etag = s3.upload_part(Bucket=BUCKET, Key="http/v.bin", UploadId=up, PartNumber=1, Body=b"v")["ETag"]
    answers = {
        "CompleteMultipartUpload": s3.complete_multipart_upload(
            Bucket=BUCKET, Key="http/v.bin", UploadId=up, MultipartUpload={"Parts": [{"ETag": etag, "PartNumber": 1}]}),
        "PutObject": s3.put_object(Bucket=BUCKET, Key="http/v.txt", Body=b"v", **SSE),
        "CopyObject": s3.copy_object(Bucket=BUCKET, Key="http/v2.txt", CopySource={"Bucket": BUCKET, "Key": "http/v.txt"},
                                     **SSE),
        "HeadObject": s3.head_object(Bucket=BUCKET, Key="http/v.bin"),
        "GetObject": s3.get_object(Bucket=BUCKET, Key="http/v.bin"),
        "DeleteObject": s3.delete_object(Bucket=BUCKET, Key="http/v2.txt"),
    }
    assert "etag" not in _headers(answers["CompleteMultipartUpload"]) and answers["CompleteMultipartUpload"]["ETag"]
    for name, response in answers.items():
        h = _headers(response)
        assert "x-amz-version-id" not in h and "x-amz-delete-marker" not in h, f"{name}: {h}"
    # the trail's responseElements follow the answer
    complete = [r for r in lab.trail.records if r["eventName"] == "CompleteMultipartUpload"][-1]
    assert "x-amz-version-id" not in (complete["responseElements"] or {})


@pytest.mark.parametrize("status", ["Enabled", "Suspended"])
def test_a_versioned_or_suspended_bucket_reports_version_ids(lab, status):
    s3 = lab.client("s3", "admin")
    bucket = f"http-versions-{status.lower()}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="a.txt", Body=b"one")["VersionId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
    put = _headers(s3.put_object(Bucket=bucket, Key="a.txt", Body=b"two"))
    if status == "Enabled":
        assert put["x-amz-version-id"] not in ("", "null", first)
    else:  # the new object's version id is null (AddingObjectstoVersionSuspendedBuckets.html)
        assert put.get("x-amz-version-id", "null") == "null"
        assert s3.head_object(Bucket=bucket, Key="a.txt", VersionId="null")["ContentLength"] == 3
    # HEAD of an older version, by its id, in either state
    old = s3.head_object(Bucket=bucket, Key="a.txt", VersionId=first)
    assert old["VersionId"] == first and old["ContentLength"] == 3


def test_version_id_null_is_accepted_in_an_unversioned_bucket(lab, objects):
    s3 = lab.client("s3", "admin")
    for key in objects:
        assert s3.head_object(Bucket=BUCKET, Key=key, VersionId="null")["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert s3.get_object(Bucket=BUCKET, Key=key, VersionId="null")["Body"].read()
    # another version id does not name anything in a bucket never versioned
    assert error_of(s3.head_object, Bucket=BUCKET, Key=objects[0], VersionId="3HL4kqtJlcpXroDTDmjVBH40Nrjfkd")[
        "ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_version_id_is_authorized_as_the_version_action(lab, objects):
    """The uploader may s3:GetObject but not s3:GetObjectVersion: a read naming a version, null included, is
    refused (API_GetObject.html: "you must have the s3:GetObjectVersion permission")."""
    up = lab.client("s3", "uploader")
    assert up.head_object(Bucket=BUCKET, Key=objects[0])["ResponseMetadata"]["HTTPStatusCode"] == 200
    resp = error_of(up.get_object, Bucket=BUCKET, Key=objects[0], VersionId="null")
    assert code_status(resp) == ("AccessDenied", 403)
    assert "s3:GetObjectVersion" in resp["Error"]["Message"]
    record = lab.trail.filter(event_name="GetObject", error_code="AccessDenied")[-1]
    assert record["eventName"] == "GetObject"


# ------------------------------------------------------------------ state S3 always has
def test_every_object_has_an_acl(lab, objects):
    s3 = lab.client("s3", "admin")
    for key in objects:
        acl = s3.get_object_acl(Bucket=BUCKET, Key=key)
        assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
        assert acl["Owner"]["ID"] == acl["Grants"][0]["Grantee"]["ID"]


def test_every_bucket_has_default_encryption(lab):
    s3 = lab.client("s3", "admin")
    s3.create_bucket(Bucket="http-default-enc", CreateBucketConfiguration={"LocationConstraint": REGION})
    rule = s3.get_bucket_encryption(Bucket="http-default-enc")["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_complete_without_its_part_list_is_malformed_xml_not_a_500(lab):
    s3 = lab.client("s3", "admin")
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="http/nolist.bin", **SSE)["UploadId"]
    resp = error_of(s3.complete_multipart_upload, Bucket=BUCKET, Key="http/nolist.bin", UploadId=up)
    assert code_status(resp) == ("MalformedXML", 400)


# ------------------------------------------------------------------ 403, not 404, and why
def test_a_missing_key_without_list_bucket_explains_403_not_404(lab, objects):
    up = lab.client("s3", "uploader")
    resp = error_of(up.get_object, Bucket=BUCKET, Key="http/never-written.txt")
    assert code_status(resp) == ("AccessDenied", 403)
    text = explanation(resp)
    assert "404 NoSuchKey only to a caller allowed s3:ListBucket" in text and "s3:ListBucket" in text
    record = lab.trail.filter(event_name="GetObject", error_code="AccessDenied")[-1]
    assert "403 AccessDenied" in record["s3kmsLab"]["explanation"]
    # the admin, who may list the bucket, learns that the key does not exist
    assert code_status(error_of(lab.client("s3", "admin").get_object, Bucket=BUCKET,
                                Key="http/never-written.txt")) == ("NoSuchKey", 404)


def test_an_sse_kms_objects_etag_is_not_the_md5_of_its_data(lab):
    """S3: objects encrypted with SSE-KMS have ETags that are not an MD5 digest of their data; SSE-S3 objects'
    are (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonResponseHeaders.html)."""
    import hashlib
    s3 = lab.client("s3", "admin")
    data = b"etag check"
    md5 = f'"{hashlib.md5(data).hexdigest()}"'
    s3.create_bucket(Bucket="http-etags", CreateBucketConfiguration={"LocationConstraint": REGION})
    kms_etag = s3.put_object(Bucket="http-etags", Key="kms.txt", Body=data, **SSE)["ETag"]
    assert kms_etag != md5 and len(kms_etag) == 34
    assert s3.head_object(Bucket="http-etags", Key="kms.txt")["ETag"] == kms_etag  # stable, one value everywhere
    assert s3.list_objects_v2(Bucket="http-etags")["Contents"][0]["ETag"] == kms_etag
    assert s3.get_object(Bucket="http-etags", Key="kms.txt", IfMatch=kms_etag)["Body"].read() == data
    assert s3.put_object(Bucket="http-etags", Key="s3.txt", Body=data, ServerSideEncryption="AES256")["ETag"] == md5
