"""S3's HTTP as S3 speaks it: which response headers appear for each operation, and no body on a HEAD.

moto answers S3 calls with headers that are artefacts of the backend (its ``x-amzn-RequestId``, a
``text/html`` content type on empty answers, a CORS header on every answer, request headers it stored with
the object such as ``x-amz-content-sha256``) and with ``x-amz-version-id: null`` for buckets whose
versioning was never enabled. Real clients act on those headers (rclone sends ``?versionId=null`` back).
This module reshapes an S3 answer after moto produced it:

- the headers kept are those S3's service model declares for the operation's output (botocore's copy of
  the API model: members with ``location: header``/``headers``), plus the headers of every S3 answer
  (``x-amz-request-id``, ``x-amz-id-2``, ``Date``, ``Content-Length``, ``Content-Type`` of a body)
  https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonResponseHeaders.html
- ``x-amz-version-id`` (and ``x-amz-delete-marker``) only where the bucket's versioning is Enabled or
  Suspended: "If you have never enabled versioning on a bucket, Amazon S3 does not return a version ID"
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (x-amz-version-id)
- a HEAD answer never has a body, whatever its status (RFC 9110 section 9.3.2; S3's HeadObject: "A HEAD
  request has the same options as a GET operation on an object. The response is identical to the GET
  response except that there is no response body"
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
"""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from .service_models import service_model


from ..i18n import N_

__all__ = ["s3_headers", "drop_head_body", "versioning_shows", "host_id", "MISSING_KEY_NOTE"]

# Headers every S3 answer may carry, whatever the operation (RESTCommonResponseHeaders).
# An ETag header only where the model declares one (PutObject, UploadPart, GetObject, HeadObject): CopyObject,
# UploadPartCopy and CompleteMultipartUpload give the ETag in their XML body.
_COMMON = frozenset({"content-length", "date", "connection", "x-amz-request-id", "x-amz-id-2"})
# What an S3 error answer may carry besides the common headers: the XML's type; the delete-marker headers
# of a GET/HEAD on a delete marker and ``Allow`` of its 405 (GetObject API, "DeleteMarker").
_ERROR_EXTRA = frozenset({"content-type", "allow", "last-modified", "x-amz-delete-marker", "x-amz-version-id"})
_VERSION_HEADERS = ("x-amz-version-id", "x-amz-delete-marker")
# moto's own Server header ("amazon.com"): the lab's HTTP server names itself; S3's would be AmazonS3.
_BACKEND_ONLY = frozenset({"server"})

MISSING_KEY_NOTE = N_(
    "The key does not exist, and S3 answers 404 NoSuchKey only to a caller allowed s3:ListBucket on the bucket; "
    "without it the answer is 403 AccessDenied, so that a caller who may read objects cannot learn which keys "
    "exist (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions). Reading the "
    "object is allowed; s3:ListBucket is not:")


@lru_cache(maxsize=None)
def _model_headers(operation: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """(header names, header-name prefixes) S3's output shape for ``operation`` declares, lower-cased."""
    model = service_model("s3")
    try:
        shape = model.operation_model(operation).output_shape
    except Exception:  # not in the model: keep only the common headers
        return frozenset(), ()
    names, prefixes = set(), []
    for member in (shape.members.values() if shape is not None else ()):
        where, name = member.serialization.get("location"), member.serialization.get("name", "")
        if where == "header":
            names.add(name.lower())
        elif where == "headers":
            prefixes.append(name.lower())
    return frozenset(names), tuple(prefixes)


def host_id(request_id: str) -> str:
    """The ``x-amz-id-2`` (S3's "extended request ID", also the error XML's ``HostId``) for a request id:
    base64 text, derived from the request id so that both name the same request."""
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()).decode()


def versioning_shows(status: str | None) -> bool:
    """Whether S3 reports version ids for a bucket with this versioning status (``Enabled``/``Suspended``)."""
    return status in ("Enabled", "Suspended")


def s3_headers(operation: str, status: int, headers: dict[str, str], body: bytes, request_id: str,
               versioned: bool) -> dict[str, str]:
    """The response headers S3 would send for ``operation``: moto's headers filtered to those S3's model
    declares (plus the common ones), version headers only when ``versioned``, the content type
    only with a body (or on GET/HEAD of an object, where it is the object's), and the request ids.

    ``headers``: moto's answer (any case); returns a new dict. Never raises for an unknown operation."""
    names, prefixes = _model_headers(operation)
    allowed = _COMMON | names
    if status >= 300:
        allowed = allowed | _ERROR_EXTRA
    out: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low in _BACKEND_ONLY:
            continue
        if low in _VERSION_HEADERS and not versioned:
            continue
        if low == "content-type" and not body and "content-type" not in names and status < 300:
            continue  # an empty answer has no type (moto says text/html)
        if low in allowed or low == "content-type" and body or any(low.startswith(p) for p in prefixes):
            out[name] = value
    out["x-amz-request-id"] = request_id
    out["x-amz-id-2"] = host_id(request_id)
    return out


def drop_head_body(method: str, headers: dict[str, str], body: bytes) -> bytes:
    """The body to send: none for a HEAD request, whatever the status (an error's XML included). A HEAD
    error keeps no ``Content-Length`` of the XML it no longer carries."""
    if method != "HEAD" or not body:
        return body
    for name in [h for h in headers if h.lower() == "content-length"]:
        if headers[name] == str(len(body)):
            del headers[name]
    return b""
