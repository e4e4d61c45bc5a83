"""Issue 10, bypasses 1-4: the request the lab authorizes is exactly the request moto executes.

Each test is the attack as sent (stock boto3, or hand-signed with botocore and sent byte-exact), against the
`hardened` scenario, where `analyst`, `admin` and `outsider` are denied the secret SSE-KMS object.
AWS references: CopyObject's ``x-amz-copy-source`` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html),
KMS Decrypt/ReEncrypt ``IncorrectKeyException`` (https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html,
https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html), S3's signed-header rule
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-header-based-auth.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
"""
from __future__ import annotations

import hashlib
import json

import pytest
from endpoint_helpers import BUCKET, REGION, code_status, error_of, explanation, set_user_policy, allow
from raw_http import presign, replace_header, send, sign

from s3kms_lab import Lab

SECRET = b"top secret plaintext"


@pytest.fixture(scope="module")
def lab():
    with Lab("hardened") as running:
        running.client("s3", "uploader").put_object(
            Bucket=BUCKET, Key="secret.txt", Body=SECRET, ServerSideEncryption="aws:kms", SSEKMSKeyId=running.key_arn)
        yield running


def _own_bucket(lab, profile: str) -> str:
    name = f"{profile}-own-bucket"
    s3 = lab.client("s3", profile)
    if name not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


# ------------------------------------------------------------------ 1. copy source read as a URL
@pytest.mark.parametrize("profile", ["analyst", "admin", "outsider"])
def test_copy_source_with_two_leading_slashes_is_refused(lab, profile):
    own = _own_bucket(lab, profile)
    s3 = lab.client("s3", profile)
    resp = error_of(s3.copy_object, Bucket=own, Key="stolen.txt", CopySource=f"//{own}/{BUCKET}/secret.txt")
    assert code_status(resp) == ("InvalidArgument", 400)
    assert code_status(error_of(s3.get_object, Bucket=own, Key="stolen.txt"))[1] == 404  # nothing was copied


@pytest.mark.parametrize("profile", ["analyst", "admin", "outsider"])
def test_plain_copy_of_the_secret_is_denied(lab, profile):
    own = _own_bucket(lab, profile)
    resp = error_of(lab.client("s3", profile).copy_object, Bucket=own, Key="stolen.txt",
                    CopySource={"Bucket": BUCKET, "Key": "secret.txt"})
    assert code_status(resp) == ("AccessDenied", 403)


# ------------------------------------------------------------------ 2. copy source with a suffix
@pytest.fixture
def s3_but_no_kms(lab):
    """`nobody` gets s3:* (no KMS right) and the bucket loses its guard-rail policy: only the key policy
    protects the secret now, as in the issue's report."""
    admin = lab.client("s3", "admin")
    admin.delete_bucket_policy(Bucket=BUCKET)
    set_user_policy(lab, "nobody", allow("s3:*"))
    try:
        yield "nobody"
    finally:
        set_user_policy(lab, "nobody")
        admin.put_bucket_policy(Bucket=BUCKET, Policy=lab.scenario.policies["bucket-policy.json"]
                                if isinstance(lab.scenario.policies["bucket-policy.json"], str)
                                else json.dumps(lab.scenario.policies["bucket-policy.json"]))


def _copy(lab, profile: str, source: str, dest_key: str):
    target, headers = sign(lab, profile, "PUT", f"/{BUCKET}/{dest_key}",
                           {"x-amz-copy-source": source, "x-amz-server-side-encryption": "AES256"})
    return send(lab, "PUT", target, headers)


@pytest.mark.parametrize("suffix", ["?x=1", "#fragment", ";param=1", "?versionId=a&x=1", "?versionid=a",
                                    "?versionId=", "?"])
def test_copy_source_suffix_is_refused(lab, s3_but_no_kms, suffix):
    answer = _copy(lab, s3_but_no_kms, f"{BUCKET}/secret.txt{suffix}", "copy-with-suffix.txt")
    assert (answer.status, answer.code) == (400, "InvalidArgument")
    assert code_status(error_of(lab.client("s3", "admin").head_object, Bucket=BUCKET,
                                Key="copy-with-suffix.txt"))[1] == 404


def test_copy_of_sse_kms_source_plans_decrypt_on_the_source_key(lab, s3_but_no_kms):
    answer = _copy(lab, s3_but_no_kms, f"{BUCKET}/secret.txt", "copy-plain.txt")
    assert (answer.status, answer.code) == (403, "AccessDenied")
    assert "kms:Decrypt" in answer.headers.get("x-s3kms-lab-explanation", "")
    # and the direct read is denied the same way
    resp = error_of(lab.client("s3", s3_but_no_kms).get_object, Bucket=BUCKET, Key="secret.txt")
    assert code_status(resp) == ("AccessDenied", 403)
    assert "kms:Decrypt" in explanation(resp)


# ------------------------------------------------------------------ 3. ReEncrypt / Decrypt name the wrong key
@pytest.fixture(scope="module")
def cmk_ciphertext(lab):
    """A ciphertext under the scenario's CMK (made through the seam: in `hardened` only S3 may use the key)."""
    backend = lab.state.kms(lab.key_arn.split(":")[4])
    blob, _arn = backend.encrypt(lab.key_arn.rsplit("/", 1)[1], b"cmk secret", {})
    return blob


@pytest.fixture(scope="module")
def analyst_key(lab):
    return lab.client("kms", "analyst").create_key(Description="analyst's own key")["KeyMetadata"]["Arn"]


def test_reencrypt_naming_another_source_key_is_incorrect_key(lab, cmk_ciphertext, analyst_key):
    kms = lab.client("kms", "analyst")
    resp = error_of(kms.re_encrypt, CiphertextBlob=cmk_ciphertext, SourceKeyId=analyst_key,
                    DestinationKeyId=analyst_key)
    assert code_status(resp) == ("IncorrectKeyException", 400)


def test_reencrypt_is_authorized_on_the_ciphertexts_key(lab, cmk_ciphertext, analyst_key):
    resp = error_of(lab.client("kms", "analyst").re_encrypt, CiphertextBlob=cmk_ciphertext,
                    DestinationKeyId=analyst_key)
    assert code_status(resp) == ("AccessDeniedException", 400)
    assert lab.key_arn in resp["Error"]["Message"]


def test_decrypt_naming_another_key_is_incorrect_key(lab, cmk_ciphertext, analyst_key):
    kms = lab.client("kms", "analyst")
    assert code_status(error_of(kms.decrypt, CiphertextBlob=cmk_ciphertext, KeyId=analyst_key)) == \
        ("IncorrectKeyException", 400)
    assert code_status(error_of(kms.decrypt, CiphertextBlob=cmk_ciphertext))[0] == "AccessDeniedException"


def test_reencrypt_of_own_ciphertext_still_works(lab, analyst_key):
    kms = lab.client("kms", "analyst")
    blob = kms.encrypt(KeyId=analyst_key, Plaintext=b"mine")["CiphertextBlob"]
    out = kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=analyst_key, DestinationKeyId=analyst_key)
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], KeyId=analyst_key)["Plaintext"] == b"mine"


# ------------------------------------------------------------------ 4. unsigned x-amz-* headers
def _signed_put(lab, key: str, body: bytes = b"uploaded"):
    return sign(lab, "uploader", "PUT", f"/{BUCKET}/{key}",
                {"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn,
                 "x-amz-content-sha256": hashlib.sha256(body).hexdigest()}, body)


def test_signed_put_is_accepted_as_sent(lab):
    target, headers = _signed_put(lab, "replay-control.txt")
    assert send(lab, "PUT", target, headers, b"uploaded").status == 200


@pytest.mark.parametrize("added", [("x-amz-copy-source", f"{BUCKET}/secret.txt"), ("x-amz-acl", "public-read"),
                                   ("x-amz-tagging", "a=b"), ("x-amz-meta-note", "added"),
                                   ("x-amz-storage-class", "GLACIER"), ("X-Amz-Website-Redirect-Location", "/x")])
def test_replayed_put_with_an_added_unsigned_header_is_refused(lab, added):
    target, headers = _signed_put(lab, "replayed.txt")
    answer = send(lab, "PUT", target, headers + [added], b"uploaded")
    assert (answer.status, answer.code) == (403, "AccessDenied")
    assert b"<HeadersNotSigned>" + added[0].lower().encode() in answer.body


def test_presigned_put_with_an_added_unsigned_header_is_refused(lab):
    target, headers = presign(lab, "uploader", "PUT", f"/{BUCKET}/presigned.txt",
                              {"x-amz-server-side-encryption": "aws:kms",
                               "x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn})
    assert send(lab, "PUT", target, headers, b"ok").status == 200  # control: as signed
    for added in [("x-amz-copy-source", f"{BUCKET}/secret.txt"), ("x-amz-acl", "public-read")]:
        answer = send(lab, "PUT", target, headers + [added], b"ok")
        assert (answer.status, answer.code) == (403, "AccessDenied"), added


def test_unsigned_security_token_header_is_refused(lab):
    body = b"token"
    target, headers = sign(lab, "uploader", "PUT", f"/{BUCKET}/token.txt",
                           {"x-amz-server-side-encryption": "aws:kms",
                            "x-amz-server-side-encryption-aws-kms-key-id": lab.key_arn}, body, with_token=False)
    token = lab.session("uploader").get_credentials().get_frozen_credentials().token
    answer = send(lab, "PUT", target, headers + [("X-Amz-Security-Token", token)], body)
    assert (answer.status, answer.code) == (403, "AccessDenied")
    assert b"x-amz-security-token" in answer.body


def test_signed_headers_without_host_is_refused(lab):
    target, headers = _signed_put(lab, "no-host.txt")
    auth = dict((k.lower(), v) for k, v in headers)["authorization"]
    assert "SignedHeaders=host;" in auth
    answer = send(lab, "PUT", target, replace_header(headers, "Authorization",
                                                     auth.replace("SignedHeaders=host;", "SignedHeaders=")), b"uploaded")
    assert answer.status in (400, 403) and answer.code in ("AccessDenied", "SignatureDoesNotMatch")


def test_signed_headers_naming_an_absent_header_is_refused(lab):
    target, headers = _signed_put(lab, "absent.txt")
    auth = dict((k.lower(), v) for k, v in headers)["authorization"]
    forged = auth.replace("SignedHeaders=host;", "SignedHeaders=host;x-amz-acl;")
    answer = send(lab, "PUT", target, replace_header(headers, "Authorization", forged), b"uploaded")
    assert (answer.status, answer.code) == (403, "SignatureDoesNotMatch")


def test_unsigned_kms_target_header_is_refused(lab, analyst_key):
    body = json.dumps({"KeyId": analyst_key}).encode()
    target, headers = sign(lab, "analyst", "POST", "/", {"Content-Type": "application/x-amz-json-1.1"}, body,
                           service="kms")
    answer = send(lab, "POST", target, headers + [("X-Amz-Target", "TrentService.DescribeKey")], body)
    assert answer.status == 400 and answer.code == "InvalidSignatureException"
