"""Bad input refused before authorization, with AWS's 4xx, never stored and never a 500.

S3 (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html):
- an XML body that is not well formed, is truncated or empty where one is required, or whose root element is not
  the operation's (``PutBucketVersioning`` with ``<Foo>``): 400 ``MalformedXML`` "The XML you provided was not
  well-formed or did not validate against our published schema";
- ``DeleteObjects`` with more than 1,000 keys: 400 ``MalformedXML``
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html: up to 1,000 keys per request);
- an object key over 1,024 bytes of UTF-8: 400 ``KeyTooLongError`` "Your key is too long"
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html);
- a bucket policy over 20 KB: 400 ``PolicyTooLarge`` "Policy exceeds the maximum allowed document size."
  (limit: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html); a bucket policy that is not
  strict UTF-8 JSON: 400 ``MalformedPolicy`` (the bytes S3 would store are exactly the bytes the lab validated).
- an ``aws-chunked`` unsigned streaming body with a bad chunk size or framing: 400 ``IncompleteBody``.
JSON nested deeper than :data:`MAX_JSON_DEPTH` (no AWS policy or KMS request comes close) is refused in each
service's words instead of exhausting Python's recursion: KMS 400 ``SerializationException``, S3 400
``MalformedPolicy``, IAM/STS 400 ``MalformedPolicyDocument``.
XML is parsed with defusedxml (no entity expansion, no external entities).
"""
from __future__ import annotations

import re
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .copy_source import MAX_KEY_BYTES
from .errors import AwsError

__all__ = ["check_s3_input", "check_kms_body", "check_query_policies", "json_too_deep", "MAX_JSON_DEPTH",
           "MAX_BUCKET_POLICY_BYTES", "MAX_DELETE_KEYS"]

MAX_JSON_DEPTH = 64
MAX_BUCKET_POLICY_BYTES = 20 * 1024
MAX_DELETE_KEYS = 1000
MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"

# operation -> (root element S3 expects, whether a body is required)
_XML_BODIES: dict[str, tuple[str, bool]] = {
    "CreateBucket": ("CreateBucketConfiguration", False),
    "PutBucketEncryption": ("ServerSideEncryptionConfiguration", True),
    "PutBucketVersioning": ("VersioningConfiguration", True),
    "CompleteMultipartUpload": ("CompleteMultipartUpload", True),
    "DeleteObjects": ("Delete", True),
    "PutObjectTagging": ("Tagging", True),
    "PutBucketTagging": ("Tagging", True),
    "PutPublicAccessBlock": ("PublicAccessBlockConfiguration", True),
    "PutBucketAcl": ("AccessControlPolicy", False),
    "PutObjectAcl": ("AccessControlPolicy", False),
}
# IAM/STS parameters that carry a policy document
_POLICY_PARAMS = ("PolicyDocument", "AssumeRolePolicyDocument", "Policy")


def json_too_deep(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``text`` nests arrays/objects more than ``limit`` deep (brackets inside strings not counted).
    Linear time; a cheap count settles the common case."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _malformed_xml() -> AwsError:
    return AwsError("s3", "MalformedXML", MALFORMED_XML, 400)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_xml(operation: str, body: bytes) -> None:
    root_name, required = _XML_BODIES[operation]
    if not body.strip():
        if required:
            raise _malformed_xml()
        return
    try:
        root = fromstring(body)
    except (ParseError, DefusedXmlException, ValueError, SyntaxError):
        raise _malformed_xml() from None
    if _local_name(root.tag) != root_name:
        raise _malformed_xml()
    if operation == "DeleteObjects":
        objects = [child for child in root if _local_name(child.tag) == "Object"]
        if not objects or len(objects) > MAX_DELETE_KEYS:
            raise _malformed_xml()
        for obj in objects:
            key = next((c.text or "" for c in obj if _local_name(c.tag) == "Key"), "")
            if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
                raise AwsError("s3", "KeyTooLongError", "Your key is too long", 400)


def _check_bucket_policy(body: bytes) -> None:
    if len(body) > MAX_BUCKET_POLICY_BYTES:
        raise AwsError("s3", "PolicyTooLarge", "Policy exceeds the maximum allowed document size.", 400)
    try:
        body.decode("utf-8", "strict")
    except UnicodeDecodeError as exc:
        raise AwsError("s3", "MalformedPolicy", f"Policies must be valid UTF-8 JSON: invalid byte at position "
                                                f"{exc.start}", 400) from None
    if json_too_deep(body):
        raise AwsError("s3", "MalformedPolicy", f"Policies must be valid JSON: nested more than {MAX_JSON_DEPTH} "
                                                "levels deep", 400)


_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_TRAILER_LINE = re.compile(rb"[A-Za-z0-9-]+:[^\r\n]*")


def _incomplete(why: str) -> AwsError:
    return AwsError("s3", "IncompleteBody", f"The request body is not a valid aws-chunked body: {why}.", 400)


def check_unsigned_aws_chunked(body: bytes, headers: dict[str, str]) -> None:
    """An ``aws-chunked`` body sent with ``x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`` (no chunk
    signatures, so :mod:`.auth` does not read it): ``<hex size>CRLF<data>CRLF`` chunks, a zero-size last chunk,
    ``name:value`` trailer lines, and a decoded length equal to ``x-amz-decoded-content-length``
    (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html). Else 400 ``IncompleteBody``."""
    pos, decoded = 0, 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0 or not _CHUNK_SIZE.fullmatch(body[pos:eol]):
            raise _incomplete("a chunk header is not '<hex size>' followed by CRLF")
        size = int(body[pos:eol], 16)
        pos = eol + 2
        if size == 0:
            break
        if len(body) < pos + size + 2 or body[pos + size:pos + size + 2] != b"\r\n":
            raise _incomplete("a chunk is shorter than its size or does not end with CRLF")
        decoded, pos = decoded + size, pos + size + 2
    for line in body[pos:].split(b"\r\n"):
        if line and not _TRAILER_LINE.fullmatch(line):
            raise _incomplete("a trailer line is not 'name:value'")
    if not body.endswith(b"\r\n"):
        raise _incomplete("the body does not end with CRLF")
    declared = headers.get("x-amz-decoded-content-length")
    if declared is None or not declared.isdigit() or int(declared) != decoded:
        raise _incomplete("x-amz-decoded-content-length does not match the decoded body")


def check_s3_input(operation: str, key: str, body: bytes, headers: dict[str, str] | None = None) -> None:
    """Refuse bad S3 input for ``operation`` (object ``key``, raw ``body``, lower-cased ``headers``) as the
    module doc lists."""
    if key and len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise AwsError("s3", "KeyTooLongError", "Your key is too long", 400)
    if (headers or {}).get("x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
        check_unsigned_aws_chunked(body, headers or {})
    if operation in _XML_BODIES:
        _check_xml(operation, body)
    elif operation == "PutBucketPolicy":
        _check_bucket_policy(body)


def check_kms_body(body: bytes) -> None:
    """A KMS JSON body nested deeper than :data:`MAX_JSON_DEPTH`: 400 ``SerializationException``."""
    if json_too_deep(body):
        raise AwsError("kms", "SerializationException", f"The request body nests JSON more than {MAX_JSON_DEPTH} "
                                                        "levels deep", 400)


def check_query_policies(service: str, params: dict[str, Any]) -> None:
    """IAM/STS policy parameters nested deeper than :data:`MAX_JSON_DEPTH`: 400 ``MalformedPolicyDocument``."""
    for name in _POLICY_PARAMS:
        value = params.get(name)
        if isinstance(value, str) and json_too_deep(value):
            raise AwsError(service, "MalformedPolicyDocument", f"The policy in {name} nests JSON more than "
                                                                f"{MAX_JSON_DEPTH} levels deep.", 400)
