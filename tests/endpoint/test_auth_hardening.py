"""Signature checking fails closed like AWS (s3kms_lab/endpoint/auth.py).

Raw requests are signed with botocore's own signers (SigV4Auth / S3SigV4Auth + AWSRequest), tampered with,
and sent with ``requests``. What AWS does:
- SigV4 for S3, header and query (presigned) auth, x-amz-content-sha256, 15-minute clock window:
  https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
- SigV4 in general (credential scope, Signature expired / not yet current):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
- S3 error codes (XAmzContentSHA256Mismatch, RequestTimeTooSkewed, AuthorizationHeaderMalformed, InvalidToken,
  AuthorizationQueryParametersError, ...): https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timedelta, timezone
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from endpoint_helpers import ACCOUNT, BUCKET, REGION, run_aws
from s3kms_lab.endpoint.auth import authenticate
from s3kms_lab.endpoint.errors import AwsError

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole"
SSE_HEADERS = {"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


# ------------------------------------------------------------------ helpers
def admin_creds(lab) -> Credentials:
    _acct, akid, secret = lab.provisioned.user_keys["admin"]
    return Credentials(akid, secret)


def session_creds(lab, name: str = "hardening") -> Credentials:
    c = lab.client("sts", "admin").assume_role(RoleArn=ROLE_ARN, RoleSessionName=name)["Credentials"]
    return Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


REQUESTS = {  # service -> (method, path, headers, body) of a harmless call the admin may make
    "s3": ("GET", f"/{BUCKET}?list-type=2", {}, b""),
    "kms": ("POST", "/", {"X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1"}, b"{}"),
    "iam": ("POST", "/", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            b"Action=ListUsers&Version=2010-05-08"),
    "sts": ("POST", "/", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            b"Action=GetCallerIdentity&Version=2011-06-15"),
}


def sign(lab, method: str, service: str, path: str, body: bytes = b"", headers: dict | None = None,
         creds: Credentials | None = None, region: str = REGION, at: datetime | None = None,
         s3_payload: bool = True) -> AWSRequest:
    """A SigV4-signed request. S3 requests use S3SigV4Auth (which sets x-amz-content-sha256 = sha256(body)) unless
    ``s3_payload`` is False: then SigV4Auth signs whatever x-amz-content-sha256 the caller put in ``headers``."""
    req = AWSRequest(method=method, url=lab.endpoint_url + path, data=body, headers=dict(headers or {}))
    cls = S3SigV4Auth if service == "s3" and s3_payload else SigV4Auth
    signer = cls(creds or admin_creds(lab), service, region)
    when = (at or datetime.now(timezone.utc)).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        signer.add_auth(req)
    req.context["signer"] = signer
    return req


def send(req: AWSRequest, body: bytes | None = None, **extra_headers: str) -> requests.Response:
    headers = {**dict(req.headers.items()), **extra_headers}
    return requests.request(req.method, req.url, data=req.body if body is None else body, headers=headers, timeout=30)


def call(lab, service: str, **kw) -> requests.Response:
    method, path, headers, body = REQUESTS[service]
    return send(sign(lab, method, service, path, body, headers, **kw))


def code_of(resp: requests.Response) -> tuple[str, int]:
    text = resp.content
    if b"<Code>" in text:
        return text.split(b"<Code>")[1].split(b"</Code>")[0].decode(), resp.status_code
    if text.startswith(b"{"):
        return json.loads(text).get("__type", ""), resp.status_code
    return "", resp.status_code


def message_of(resp: requests.Response) -> str:
    text = resp.content
    if b"<Message>" in text:
        return text.split(b"<Message>")[1].split(b"</Message>")[0].decode()
    return json.loads(text).get("message", "") if text.startswith(b"{") else ""


def object_exists(lab, key: str) -> bool:
    keys = lab.client("s3", "admin").list_objects_v2(Bucket=BUCKET, Prefix=key).get("Contents", [])
    return any(k["Key"] == key for k in keys)


# ------------------------------------------------------------------ 1. payload hash
def test_signed_put_with_matching_payload_hash_is_accepted(lab):
    r = send(sign(lab, "PUT", "s3", f"/{BUCKET}/hard/ok.txt", b"hello", SSE_HEADERS))
    assert r.status_code == 200, r.content
    assert lab.client("s3", "admin").get_object(Bucket=BUCKET, Key="hard/ok.txt")["Body"].read() == b"hello"


def test_body_swapped_after_signing_is_xamzcontentsha256mismatch(lab):
    req = sign(lab, "PUT", "s3", f"/{BUCKET}/hard/evil.txt", b"hello", SSE_HEADERS)
    assert req.headers["X-Amz-Content-SHA256"] == hashlib.sha256(b"hello").hexdigest()
    r = send(req, body=b"EVIL!")
    assert code_of(r) == ("XAmzContentSHA256Mismatch", 400)
    assert message_of(r) == "The provided 'x-amz-content-sha256' header does not match what was computed."
    assert lab.trail.records[-1]["errorCode"] == "XAmzContentSHA256Mismatch"
    assert not object_exists(lab, "hard/evil.txt")


def test_uppercase_hex_payload_hash_is_checked_too(lab):
    headers = {**SSE_HEADERS, "X-Amz-Content-SHA256": hashlib.sha256(b"hello").hexdigest().upper()}
    req = sign(lab, "PUT", "s3", f"/{BUCKET}/hard/upper.txt", b"hello", headers, s3_payload=False)
    assert code_of(send(req, body=b"EVIL!")) == ("XAmzContentSHA256Mismatch", 400)


@pytest.mark.parametrize("value", ["zzz", "", "unsigned-payload", "STREAMING-AWS4-HMAC-SHA256-EVENTS", "0" * 63])
def test_invalid_payload_hash_value_is_invalid_argument(lab, value):
    headers = {**SSE_HEADERS, "X-Amz-Content-SHA256": value}
    r = send(sign(lab, "PUT", "s3", f"/{BUCKET}/hard/zzz.txt", b"hello", headers, s3_payload=False))
    assert code_of(r) == ("InvalidArgument", 400)
    assert "x-amz-content-sha256 must be UNSIGNED-PAYLOAD" in message_of(r)
    assert not object_exists(lab, "hard/zzz.txt")


def test_s3_request_without_payload_hash_header_is_refused(lab):
    r = send(sign(lab, "GET", "s3", f"/{BUCKET}?list-type=2", s3_payload=False))
    assert code_of(r) == ("InvalidRequest", 400)
    assert "x-amz-content-sha256" in message_of(r)


def test_unsigned_payload_is_accepted(lab):
    headers = {**SSE_HEADERS, "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    r = send(sign(lab, "PUT", "s3", f"/{BUCKET}/hard/unsigned.txt", b"any body", headers, s3_payload=False))
    assert r.status_code == 200, r.content
    assert lab.client("s3", "admin").get_object(Bucket=BUCKET, Key="hard/unsigned.txt")["Body"].read() == b"any body"


def _chunked(req: AWSRequest, chunks: list[bytes]) -> bytes:
    """aws-chunked body for STREAMING-AWS4-HMAC-SHA256-PAYLOAD, each chunk signed after the previous one
    (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html)."""
    signer = req.context["signer"]
    previous = req.headers["Authorization"].rpartition("Signature=")[2]
    scope = signer.credential_scope(req)
    out = b""
    for data in [*chunks, b""]:
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", req.context["timestamp"], scope, previous, EMPTY_SHA256,
                             hashlib.sha256(data).hexdigest()])
        previous = signer.signature(to_sign, req)
        out += f"{len(data):x};chunk-signature={previous}\r\n".encode() + data + b"\r\n"
    return out


def _streaming_request(lab, key: str, chunks: list[bytes]) -> tuple[AWSRequest, bytes]:
    decoded = sum(len(c) for c in chunks)
    headers = {**SSE_HEADERS, "X-Amz-Content-SHA256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
               "Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": str(decoded)}
    req = sign(lab, "PUT", "s3", f"/{BUCKET}/{key}", b"", headers, s3_payload=False)
    return req, _chunked(req, chunks)


def test_streaming_signed_payload_is_accepted_and_its_chunks_are_verified(lab):
    req, body = _streaming_request(lab, "hard/stream.txt", [b"hello ", b"streaming ", b"world"])
    r = send(req, body=body)
    assert r.status_code == 200, r.content
    got = lab.client("s3", "admin").get_object(Bucket=BUCKET, Key="hard/stream.txt")["Body"].read()
    assert got == b"hello streaming world"
    req, body = _streaming_request(lab, "hard/stream-evil.txt", [b"hello ", b"streaming ", b"world"])
    r = send(req, body=body.replace(b"streaming ", b"EVIL!EVIL!"))
    assert code_of(r) == ("SignatureDoesNotMatch", 403)
    assert not object_exists(lab, "hard/stream-evil.txt")


def test_streaming_body_that_is_not_aws_chunked_is_refused(lab):
    req, _body = _streaming_request(lab, "hard/stream-bad.txt", [b"hello"])
    for body in (b"hello", b"zz;chunk-signature=00\r\nhello\r\n", b"5;chunk-signature=" + b"0" * 64 + b"\r\nhel"):
        r = send(req, body=body)
        assert r.status_code in (400, 403) and code_of(r)[0] in ("IncompleteBody", "SignatureDoesNotMatch"), r.content
    assert not object_exists(lab, "hard/stream-bad.txt")


def test_non_s3_payload_hash_header_cannot_stand_in_for_the_body(lab):
    """KMS, IAM and STS hash the body themselves: a signed x-amz-content-sha256 of another body does not help."""
    headers = {**REQUESTS["kms"][2], "X-Amz-Content-SHA256": hashlib.sha256(b"{}").hexdigest()}
    req = sign(lab, "POST", "kms", "/", b"{}", headers)
    assert send(req).status_code == 200
    r = send(req, body=b'{"Limit": 1}')
    assert code_of(r)[0] == "InvalidSignatureException"  # KMS's code for a wrong signature


def test_boto3_put_upload_file_and_multipart_still_work(lab, tmp_path):
    s3 = lab.client("s3", "admin")
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ARN}
    s3.put_object(Bucket=BUCKET, Key="hard/boto3.txt", Body=b"boto3 body", **extra)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(6 * 1024 * 1024))
    cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, use_threads=False)
    s3.upload_file(str(big), BUCKET, "hard/multipart.bin", ExtraArgs=extra, Config=cfg)
    got = s3.get_object(Bucket=BUCKET, Key="hard/multipart.bin")["Body"].read()
    assert hashlib.sha256(got).digest() == hashlib.sha256(big.read_bytes()).digest()


def test_aws_cli_multipart_cp_still_works(lab, tmp_path):
    f = tmp_path / "cli-big.bin"
    f.write_bytes(os.urandom(9 * 1024 * 1024))  # > 8 MiB: the CLI's multipart threshold
    p = run_aws(lab, "admin", "s3", "cp", str(f), f"s3://{BUCKET}/hard/cli-big.bin", "--sse", "aws:kms",
                "--sse-kms-key-id", KEY_ARN)
    assert p.returncode == 0, p.stderr.decode()
    got = lab.client("s3", "admin").get_object(Bucket=BUCKET, Key="hard/cli-big.bin")["Body"].read()
    assert got == f.read_bytes()


# ------------------------------------------------------------------ 2. clock skew
SKEWS = [timedelta(hours=-1), timedelta(hours=1), timedelta(days=-2), timedelta(minutes=-16), timedelta(minutes=16)]


@pytest.mark.parametrize("skew", SKEWS, ids=str)
def test_s3_request_outside_the_15_minute_window_is_request_time_too_skewed(lab, skew):
    r = call(lab, "s3", at=datetime.now(timezone.utc) + skew)
    assert code_of(r) == ("RequestTimeTooSkewed", 403)
    assert message_of(r) == "The difference between the request time and the current time is too large."


@pytest.mark.parametrize("skew", SKEWS, ids=str)
def test_kms_iam_sts_outside_the_window_say_signature_expired_or_not_yet_current(lab, skew):
    for service, expected in (("kms", ("InvalidSignatureException", 400)), ("iam", ("SignatureDoesNotMatch", 403)),
                              ("sts", ("SignatureDoesNotMatch", 403))):
        r = call(lab, service, at=datetime.now(timezone.utc) + skew)
        assert code_of(r) == expected, (service, r.content)
        msg = message_of(r)
        if skew < timedelta(0):
            assert msg.startswith("Signature expired: ") and "is now earlier than" in msg
        else:
            assert msg.startswith("Signature not yet current: ") and "is still later than" in msg


@pytest.mark.parametrize("service", ["s3", "kms", "iam", "sts"])
def test_small_clock_skew_is_tolerated(lab, service):
    for skew in (timedelta(minutes=-10), timedelta(minutes=10)):
        assert call(lab, service, at=datetime.now(timezone.utc) + skew).status_code == 200


def test_presigned_url_dated_in_the_future_is_refused(lab):
    s3 = lab.client("s3", "admin")
    s3.put_object(Bucket=BUCKET, Key="hard/presigned.txt", Body=b"p", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ARN)
    params = {"Bucket": BUCKET, "Key": "hard/presigned.txt"}
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=future):
        url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=7200)
    r = requests.get(url, timeout=10)
    assert code_of(r) == ("AccessDenied", 403) and message_of(r) == "Request is not valid yet"
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=past):
        url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=7200)
    r = requests.get(url, timeout=10)  # an old URL that has not expired yet is fine: X-Amz-Expires decides
    assert r.status_code == 200 and r.content == b"p"
    with mock.patch("botocore.auth.get_current_datetime", return_value=past):
        url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=1800)
    assert code_of(requests.get(url, timeout=10)) == ("AccessDenied", 403)


# ------------------------------------------------------------------ 3. credential scope region
def test_s3_signed_for_another_region_is_authorization_header_malformed(lab):
    r = call(lab, "s3", region="us-east-1")
    assert code_of(r) == ("AuthorizationHeaderMalformed", 400)
    assert message_of(r) == ("The authorization header is malformed; the region 'us-east-1' is wrong; "
                             "expecting 'ap-northeast-2'")


def test_kms_signed_for_another_region_is_refused(lab):
    r = call(lab, "kms", region="us-east-1")
    assert code_of(r) == ("InvalidSignatureException", 400)
    assert "Credential should be scoped to a valid region" in message_of(r)


@pytest.mark.parametrize("service", ["iam", "sts"])
def test_iam_and_sts_accept_us_east_1_and_the_lab_region_only(lab, service):
    assert call(lab, service, region="us-east-1").status_code == 200
    assert call(lab, service, region=REGION).status_code == 200
    r = call(lab, service, region="eu-west-1")
    assert code_of(r) == ("SignatureDoesNotMatch", 403)
    assert "Credential should be scoped to a valid region" in message_of(r)


def test_boto3_iam_and_sts_clients_still_work(lab):
    assert lab.client("iam", "admin").list_users()["Users"]
    assert lab.client("sts", "admin").get_caller_identity()["Account"] == ACCOUNT
    _acct, akid, secret = lab.provisioned.user_keys["admin"]
    iam = boto3.client("iam", endpoint_url=lab.endpoint_url, region_name="us-east-1", aws_access_key_id=akid,
                       aws_secret_access_key=secret)
    assert iam.list_users()["Users"]


def test_presigned_url_for_another_region_is_refused(lab):
    _acct, akid, secret = lab.provisioned.user_keys["admin"]
    s3 = boto3.client("s3", endpoint_url=lab.endpoint_url, region_name="us-east-1", aws_access_key_id=akid,
                      aws_secret_access_key=secret, config=Config(signature_version="s3v4"))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hard/ok.txt"}, ExpiresIn=300)
    r = requests.get(url, timeout=10)
    assert code_of(r) == ("AuthorizationQueryParametersError", 400)
    assert "the region 'us-east-1' is wrong; expecting 'ap-northeast-2'" in message_of(r)


def test_sigv2_presigned_url_is_refused_not_anonymous(lab):
    """boto3 presigns with Signature Version 2 in us-east-1 by default; the lab speaks SigV4 only."""
    _acct, akid, secret = lab.provisioned.user_keys["admin"]
    s3 = boto3.client("s3", endpoint_url=lab.endpoint_url, region_name="us-east-1", aws_access_key_id=akid,
                      aws_secret_access_key=secret)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hard/ok.txt"}, ExpiresIn=300)
    assert "AWSAccessKeyId=" in url
    r = requests.get(url, timeout=10)
    assert code_of(r) == ("InvalidArgument", 400)
    assert "Signature Version 4" in message_of(r)


def test_credential_scope_for_another_service_is_refused(lab):
    method, path, headers, body = REQUESTS["kms"]
    r = send(sign(lab, method, "s3", path, body, headers))  # a KMS call signed for s3
    assert code_of(r) == ("InvalidSignatureException", 400)
    assert "Credential should be scoped to correct service: 'kms'" in message_of(r)
    r = send(sign(lab, "GET", "ec2", f"/{BUCKET}?list-type=2"))  # a service the lab does not model
    assert code_of(r) == ("NotImplemented", 501)
    assert "S3, KMS, IAM and STS only, not 'ec2'" in message_of(r)


def test_credential_scope_date_must_be_x_amz_date_day(lab):
    req = sign(lab, REQUESTS["s3"][0], "s3", REQUESTS["s3"][1])
    day = req.context["timestamp"][:8]
    other = (datetime.strptime(day, "%Y%m%d") - timedelta(days=1)).strftime("%Y%m%d")
    r = send(req, Authorization=req.headers["Authorization"].replace(f"/{day}/", f"/{other}/"))
    assert code_of(r) == ("AuthorizationHeaderMalformed", 400)
    assert "Date is not the same as X-Amz-Date" in message_of(r)


# ------------------------------------------------------------------ 4. session tokens
BAD_TOKEN = {"s3": ("InvalidToken", 400), "kms": ("UnrecognizedClientException", 400),
             "iam": ("InvalidClientTokenId", 403), "sts": ("InvalidClientTokenId", 403)}


@pytest.mark.parametrize("service", ["s3", "kms", "iam", "sts"])
def test_long_term_key_with_a_session_token_is_refused(lab, service):
    _acct, akid, secret = lab.provisioned.user_keys["admin"]
    r = call(lab, service, creds=Credentials(akid, secret, "garbage-token"))
    assert code_of(r) == BAD_TOKEN[service]
    expected = ("The provided token is malformed or otherwise invalid." if service == "s3"
                else "The security token included in the request is invalid.")
    assert message_of(r) == expected


@pytest.mark.parametrize("service", ["s3", "kms", "iam", "sts"])
def test_session_key_with_a_wrong_or_missing_token_is_refused(lab, service):
    good = session_creds(lab)
    r = call(lab, service, creds=good)  # authenticated (the role may still lack the permission: AccessDenied)
    assert r.status_code == 200 or code_of(r)[0] in ("AccessDenied", "AccessDeniedException"), r.content
    wrong = Credentials(good.access_key, good.secret_key, good.token[:-4] + "AAAA")
    assert code_of(call(lab, service, creds=wrong)) == BAD_TOKEN[service]
    missing = Credentials(good.access_key, good.secret_key)
    assert code_of(call(lab, service, creds=missing)) == BAD_TOKEN[service]


@pytest.mark.parametrize("service,expected", [("s3", ("ExpiredToken", 400)), ("kms", ("ExpiredTokenException", 400)),
                                              ("iam", ("ExpiredToken", 403)), ("sts", ("ExpiredToken", 403))])
def test_expired_session_token_codes(lab, service, expected):
    creds = session_creds(lab, f"expiring-{service}")
    session = next(s for s in lab.state.sts(ACCOUNT).assumed_roles if s.access_key_id == creds.access_key)
    session.expiration = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=1)
    lab.state.forget_credentials()
    assert code_of(call(lab, service, creds=creds)) == expected


@pytest.mark.parametrize("service,expected", [("s3", ("InvalidAccessKeyId", 403)),
                                              ("kms", ("UnrecognizedClientException", 400)),
                                              ("iam", ("InvalidClientTokenId", 403)),
                                              ("sts", ("InvalidClientTokenId", 403))])
def test_unknown_access_key_codes(lab, service, expected):
    assert code_of(call(lab, service, creds=Credentials("AKIAUNKNOWNUNKNOWN00", "x" * 40))) == expected


@pytest.mark.parametrize("service", ["s3", "kms", "iam", "sts"])
def test_wrong_secret_is_signature_does_not_match(lab, service):
    _acct, akid, _secret = lab.provisioned.user_keys["admin"]
    code, status = code_of(call(lab, service, creds=Credentials(akid, "wrong-secret")))
    # KMS (JSON protocol) names it InvalidSignatureException (https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html)
    expected = ("InvalidSignatureException", 400) if service == "kms" else ("SignatureDoesNotMatch", 403)
    assert (code, status) == expected


# ------------------------------------------------------------------ 5. presigned URL edge cases
def _presigned(lab, expires: int = 300) -> str:
    s3 = lab.client("s3", "admin")
    s3.put_object(Bucket=BUCKET, Key="hard/q.txt", Body=b"q", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ARN)
    return s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hard/q.txt"}, ExpiresIn=expires)


def _edit_query(url: str, drop: str | None = None, **values: str) -> str:
    parts = urlsplit(url)
    pairs = [(k, values.pop(k, v)) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != drop]
    return urlunsplit(parts._replace(query=urlencode(pairs + list(values.items()))))


def test_presigned_url_baseline_works(lab):
    r = requests.get(_presigned(lab), timeout=10)
    assert r.status_code == 200 and r.content == b"q"


def test_presigned_url_plus_authorization_header_is_invalid_argument(lab):
    auth = sign(lab, "GET", "s3", f"/{BUCKET}/hard/q.txt").headers["Authorization"]
    r = requests.get(_presigned(lab), headers={"Authorization": auth}, timeout=10)
    assert code_of(r) == ("InvalidArgument", 400)
    assert message_of(r).startswith("Only one auth mechanism allowed")


@pytest.mark.parametrize("param", ["X-Amz-Signature", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                                   "X-Amz-Algorithm", "X-Amz-SignedHeaders"])
def test_presigned_url_missing_a_parameter_is_authorization_query_parameters_error(lab, param):
    r = requests.get(_edit_query(_presigned(lab), drop=param), timeout=10)
    assert code_of(r) == ("AuthorizationQueryParametersError", 400), r.content
    assert param in message_of(r)


@pytest.mark.parametrize("param,value,words", [
    ("X-Amz-Expires", "604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
    ("X-Amz-Expires", "-1", "X-Amz-Expires must be non-negative"),
    ("X-Amz-Expires", "soon", "X-Amz-Expires should be a number"),
    ("X-Amz-Expires", "9" * 40, "X-Amz-Expires should be a number"),
    ("X-Amz-Date", "yesterday", "X-Amz-Date must be in the ISO8601 Long Format"),
    ("X-Amz-Date", "20241399T999999Z", "X-Amz-Date must be in the ISO8601 Long Format"),
    ("X-Amz-Credential", "AKIAONLY", "Error parsing the X-Amz-Credential parameter"),
    ("X-Amz-Credential", "A/B/C/D/E/F", "Error parsing the X-Amz-Credential parameter"),
    ("X-Amz-Algorithm", "AWS4-HMAC-SHA1", "X-Amz-Algorithm"),
])
def test_presigned_url_with_an_invalid_parameter_is_refused(lab, param, value, words):
    r = requests.get(_edit_query(_presigned(lab), **{param: value}), timeout=10)
    assert code_of(r) == ("AuthorizationQueryParametersError", 400), r.content
    assert words in message_of(r)


def test_presigned_url_of_a_week_is_accepted(lab):
    assert requests.get(_presigned(lab, expires=604800), timeout=10).status_code == 200


def test_presigned_parameters_without_a_credential_are_not_anonymous(lab):
    """Even where an anonymous GET would be allowed, X-Amz-* parameters without X-Amz-Credential are an error."""
    url = f"{lab.endpoint_url}/{BUCKET}/hard/q.txt?X-Amz-Signature=" + "0" * 64
    r = requests.get(url, timeout=10)
    assert code_of(r) == ("AuthorizationQueryParametersError", 400)
    assert lab.trail.records[-1]["errorCode"] == "AuthorizationQueryParametersError"
    r = requests.get(f"{lab.endpoint_url}/{BUCKET}/hard/q.txt?X-Amz-Security-Token=abc", timeout=10)
    assert code_of(r) == ("AuthorizationQueryParametersError", 400)


def test_presigned_url_with_a_foreign_token_on_a_long_term_key_is_invalid_token(lab):
    r = requests.get(_edit_query(_presigned(lab), **{"X-Amz-Security-Token": "garbage"}), timeout=10)
    assert code_of(r) == ("InvalidToken", 400)


# ------------------------------------------------------------------ never a Python exception
MALFORMED_HEADERS = [
    {"authorization": "AWS4-HMAC-SHA256"},
    {"authorization": "AWS4-HMAC-SHA256 "},
    {"authorization": "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature="},
    {"authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"},
    {"authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00"},
    {"authorization": "AWS4-HMAC-SHA256 Credential=AKIA/20240101/ap-northeast-2/s3/aws4_request, "
                      "SignedHeaders=host, Signature=\u00e9\u00e9", "x-amz-date": "20240101T000000Z"},
    {"authorization": "AWS4-HMAC-SHA256 Credential={akid}/{day}/ap-northeast-2/s3/aws4_request, "
                      "SignedHeaders=host;x-amz-date, Signature=\u00e9", "x-amz-date": "{now}",
     "x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
    {"authorization": "AWS4-HMAC-SHA256 Credential={akid}/{day}/ap-northeast-2/s3/aws4_request, "
                      "SignedHeaders=host;x-amz-date, Signature=00", "x-amz-date": "{now}",
     "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
    {"authorization": "AWS4-HMAC-SHA256 Credential={akid}/{day}/ap-northeast-2/s3/aws4_request, "
                      "SignedHeaders=host, Signature=00", "date": "not a date"},
    {"authorization": "AWS4-HMAC-SHA256 Credential={akid}/{day}/ap-northeast-2/s3/aws4_request, "
                      "SignedHeaders=host, Signature=00", "x-amz-date": "99999999T999999Z"},
    {"authorization": "AWS AKIA:signature"},
]
MALFORMED_QUERIES = [
    "X-Amz-Signature", "X-Amz-Expires=1e9", "X-Amz-Date=%00", "X-Amz-Credential=%FF%FE",
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={akid}/{day}/ap-northeast-2/s3/aws4_request&X-Amz-Date={now}"
    "&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=%C3%A9",
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={akid}/{day}/ap-northeast-2/s3/aws4_request&X-Amz-Date={now}"
    "&X-Amz-Expires=300&X-Amz-SignedHeaders=&X-Amz-Signature=00",
]


def _fill(text: str, lab) -> str:
    now = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return text.format(akid=lab.provisioned.user_keys["admin"][1], day=now[:8], now=now)


@pytest.mark.parametrize("service_hint", ["s3", "kms", "iam", "sts"])
def test_authenticate_raises_only_aws_errors_on_malformed_input(lab, service_hint):
    bodies = [b"", b"\xff\xfe", b"zz;chunk-signature=00\r\n"]
    for headers in MALFORMED_HEADERS:
        headers = {k: _fill(v, lab) for k, v in headers.items()}
        for body in bodies:
            with pytest.raises(AwsError) as exc:
                authenticate(lab.state, "PUT", f"/{BUCKET}/k", dict(headers, host="localhost"), body, service_hint)
            assert exc.value.status in (400, 403) and exc.value.code
    for query in MALFORMED_QUERIES:
        with pytest.raises(AwsError) as exc:
            authenticate(lab.state, "GET", f"/{BUCKET}/k?{_fill(query, lab)}", {"host": "localhost"}, b"", service_hint)
        assert exc.value.status in (400, 403) and exc.value.code
