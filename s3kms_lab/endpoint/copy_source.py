"""The one parser of ``x-amz-copy-source`` (CopyObject, UploadPartCopy).

S3's format (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html, request header
``x-amz-copy-source``): the source bucket and the source key separated by a slash, optionally preceded by
one slash, URL-encoded, optionally followed by ``?versionId=<version id>`` to copy a given version.
Access point and Outposts ARNs are a second format the lab does not model: they are refused.

The lab reads the header once, here, and what moto executes is rebuilt from that reading
(:func:`canonical_header`), then read back with moto's own rule (:func:`moto_reading`) and compared: on
any disagreement the request is refused, never forwarded. Anything a parser could read two ways is refused
with S3's error for a copy source it cannot use (400 ``InvalidArgument``), naming the problem:

- two leading slashes (a URL reader takes ``//name`` for a network location), a scheme (``http:``), an
  access point ARN;
- a raw ``#``, ``;``, ``,`` (two headers joined), ``+`` (a space to a form decoder, a plus to a URL
  decoder), whitespace, a control or non-ASCII character, a ``\\``;
- a query other than exactly one ``versionId`` with a non-empty value;
- a malformed percent escape, or escapes that do not decode to UTF-8;
- no bucket or no key ("Copy Source must mention the source bucket and key: sourcebucket/sourcekey"),
  a bucket name S3 does not allow, a key over 1,024 bytes.

The bucket/key separator is the first *literal* slash: an encoded ``%2F`` never splits the bucket
from the key (it stays in whichever part it was written in, and a bucket name cannot hold it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlparse

from .errors import AwsError

__all__ = ["CopySource", "COPY_OPERATIONS", "parse_copy_source", "canonical_header", "moto_reading",
           "checked_for_moto", "copy_source_for_moto", "MAX_KEY_BYTES"]

COPY_OPERATIONS = ("CopyObject", "UploadPartCopy")
MAX_KEY_BYTES = 1024  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
_MUST_MENTION = "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"
# Bucket naming rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# What may appear raw in the header: printable ASCII but the characters two readers disagree on.
_RAW_OK = re.compile(r"[!$&'()*\-./0-9:=@A-Z_a-z~%?]*")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class CopySource:
    """A parsed copy source: bucket, key (decoded, UTF-8 text) and version id (None: the current version)."""

    bucket: str
    key: str
    version_id: str | None = None


def _invalid(message: str) -> AwsError:
    return AwsError("s3", "InvalidArgument", message, 400)


def _decode(text: str, what: str) -> str:
    if _ESCAPE.search(text):
        raise _invalid(f"Invalid copy source encoding: a '%' in the {what} is not followed by two hex digits")
    try:
        return unquote(text, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise _invalid(f"Invalid copy source encoding: the {what} does not decode to UTF-8") from None


def parse_copy_source(value: str) -> CopySource:
    """Read an ``x-amz-copy-source`` header value (as received) into a :class:`CopySource`.

    Raises :class:`AwsError` (S3, 400 ``InvalidArgument``) for every value this module's doc lists as
    ambiguous or malformed.
    """
    if not value:
        raise _invalid(_MUST_MENTION)
    if not _RAW_OK.fullmatch(value):
        bad = next(c for c in value if not _RAW_OK.fullmatch(c))
        raise _invalid(f"Invalid copy source: the character {bad!r} must be URL-encoded in x-amz-copy-source")
    if value.startswith("//"):
        raise _invalid("Invalid copy source: it starts with '//'; " + _MUST_MENTION)
    if value.startswith(("arn:", "/arn:")):
        raise _invalid("Invalid copy source: access point and Outposts ARNs are not modelled by the lab; "
                       + _MUST_MENTION)
    path, question, query = value.partition("?")
    version = None
    if question:
        pairs = query.split("&")
        name, eq, raw_version = pairs[0].partition("=")
        if len(pairs) != 1 or name != "versionId" or not eq:
            raise _invalid("Invalid copy source: the only query S3 accepts in x-amz-copy-source is "
                           "?versionId=<version id>")
        if "?" in raw_version:
            raise _invalid("Invalid copy source: '?' appears twice; encode it as %3F")
        version = _decode(raw_version, "version id")
        if not version:
            raise _invalid("Invalid version id specified")
    path = path[1:] if path.startswith("/") else path
    raw_bucket, slash, raw_key = path.partition("/")
    if not slash or not raw_bucket or not raw_key:
        raise _invalid(_MUST_MENTION)
    if ":" in raw_bucket:
        raise _invalid("Invalid copy source: the bucket part names a scheme or an ARN; " + _MUST_MENTION)
    bucket = _decode(raw_bucket, "bucket name")
    key = _decode(raw_key, "key")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise _invalid(f"Invalid copy source: {bucket!r} is not a valid bucket name")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise AwsError("s3", "KeyTooLongError", "Your key is too long", 400)
    return CopySource(bucket, key, version)


def canonical_header(src: CopySource) -> str:
    """The header the lab forwards: ``bucket/key[?versionId=v]`` with everything but unreserved characters
    and the key's slashes percent-encoded (the form botocore sends)."""
    out = f"{quote(src.bucket, safe='')}/{quote(src.key, safe='/~')}"
    if src.version_id is not None:
        out += f"?versionId={quote(src.version_id, safe='~')}"
    return out


def moto_reading(value: str) -> CopySource:
    """How moto 5.2.5 reads the header (``S3Response.copy_object`` / ``upload_part_copy``, verbatim rule):
    ``urlparse``, unquote the path, strip leading slashes, split at the first slash; ``versionId`` from the
    parsed query. Raises ValueError where moto would fail."""
    parsed = urlparse(value)
    bucket, key = unquote(parsed.path).lstrip("/").split("/", 1)
    version = parse_qs(parsed.query).get("versionId", [None])[0]
    return CopySource(bucket, key, version)


def checked_for_moto(src: CopySource) -> str:
    """The canonical header for ``src``, after checking that moto reads it back as exactly ``src``.

    Raises :class:`AwsError` (S3, 400 ``InvalidArgument``) on any disagreement: the lab never forwards a copy
    whose source moto would read differently from the one that was authorized."""
    header = canonical_header(src)
    try:
        agreed = moto_reading(header) == src
    except ValueError:
        agreed = False
    if not agreed:
        raise _invalid("Invalid copy source: the lab cannot forward this copy source unambiguously; " + _MUST_MENTION)
    return header


def copy_source_for_moto(operation: str, headers: dict[str, str]) -> str | None:
    """The ``x-amz-copy-source`` value to forward to moto for an S3 ``operation`` (None: the request has none).

    The header is read with :func:`parse_copy_source` and rebuilt with :func:`checked_for_moto`. It is
    refused (400 ``InvalidArgument``) on an operation that does not copy (for example ``PutObjectAcl``), where
    moto's own dispatch might still read it."""
    value = headers.get("x-amz-copy-source")
    if value is None:
        if operation in COPY_OPERATIONS:
            raise _invalid(_MUST_MENTION)
        return None
    if operation not in COPY_OPERATIONS:
        raise _invalid(f"The x-amz-copy-source header is not accepted on {operation}; the lab refuses it "
                       "rather than guess which operation was meant.")
    return checked_for_moto(parse_copy_source(value))
