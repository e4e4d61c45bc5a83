"""Parameters that two readers could take two ways are refused before authorization.

The lab reads parameters with ``dict(parse_qsl(...))`` (the last of a repeated name wins); moto reads the first
one, and for the query protocol (IAM, STS) takes its parameters from a form body, else from the URL. A request
with ``Action=CreateAccessKey&...&Action=ListUsers`` would be authorized as one call and executed as another.
So, for every service:

- a parameter name repeated in the URL query string is refused (S3: 400 ``InvalidArgument``; IAM/STS: 400
  ``MalformedQueryString``, "The query string contains a syntax error.", their common error);
- S3: a form-encoded body (``application/x-www-form-urlencoded``, ``multipart/form-data``) is refused, because
  moto would read its fields as parameters (**lab rule**; S3 itself stores such a body as the object's data);
- IAM/STS: a body must be ``application/x-www-form-urlencoded`` UTF-8 text without repeated names, and the
  parameters come from the body or from the URL, never both (400 ``InvalidParameterCombination``).
IAM/STS common errors: https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html and
https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html.
"""
from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl

from .errors import AwsError

__all__ = ["check_unambiguous_parameters"]


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _repeated(pairs: list[tuple[str, str]]) -> list[str]:
    return sorted(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)


def _refuse(service: str, message: str, code: str | None = None) -> AwsError:
    if service == "s3":
        return AwsError("s3", "InvalidArgument", message, 400)
    return AwsError(service, code or "MalformedQueryString", message, 400)


def check_unambiguous_parameters(service: str, query_string: str, body: bytes, content_type: str) -> None:
    """Refuse (raise :class:`AwsError`, 400) a request whose parameters the lab and moto could read differently
    (see the module doc). ``service``: ``s3``/``kms``/``iam``/``sts``; ``query_string``: as received."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    repeated = _repeated(pairs)
    if repeated:
        raise _refuse(service, f"The query string contains a syntax error: the parameter {repeated[0]!r} is given "
                               "more than once.")
    form = content_type.lower().split(";")[0].strip() in _FORM_TYPES
    if service == "kms" and body and form:
        # KMS speaks JSON 1.1; moto's server would parse a form body away and run the call without parameters.
        raise AwsError("kms", "SerializationException", "KMS requests carry an application/x-amz-json-1.1 body, "
                       f"not {content_type.split(';')[0]}.", 400)
    if service == "s3" and body and form:
        # moto reads a form body as request parameters (uploadId, key...) and can replace the object's body
        # with a form field: what it stores would not be what the lab authorized and hashed. Lab rule.
        raise _refuse("s3", f"The lab refuses S3 requests with a {content_type.split(';')[0]} body: its server would "
                            "read the body as request parameters. Send the data with another Content-Type.")
    if service not in ("iam", "sts") or not body:
        return
    if not content_type.lower().startswith("application/x-www-form-urlencoded"):
        raise _refuse(service, "The query string contains a syntax error: a request body must be "
                               "application/x-www-form-urlencoded.")
    try:
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise _refuse(service, "The query string contains a syntax error: the body is not UTF-8.") from None
    repeated = _repeated(form)
    if repeated:
        raise _refuse(service, f"The query string contains a syntax error: the parameter {repeated[0]!r} is given "
                               "more than once.")
    if pairs:
        raise _refuse(service, "Parameters were given both in the URL and in the body; send them in one place.",
                      "InvalidParameterCombination")


# S3 sub-resources: query parameters that select the operation (S3 API reference, one per operation page).
S3_SELECTORS = frozenset({
    "acl", "tagging", "retention", "legal-hold", "attributes", "restore", "select", "torrent", "uploads", "uploadId",
    "policy", "policyStatus", "versioning", "encryption", "lifecycle", "cors", "website", "logging", "notification",
    "replication", "location", "accelerate", "requestPayment", "analytics", "inventory", "metrics",
    "intelligent-tiering", "ownershipControls", "publicAccessBlock", "object-lock", "delete", "versions"})


def moto_object_put_operation(query_names: set[str], headers: dict[str, str]) -> str:
    """The operation moto 5.2.5 runs for a PUT on an object (``S3Response._key_response_put``, same order)."""
    copy = "x-amz-copy-source" in headers
    if "uploadId" in query_names and "partNumber" in query_names:
        return "UploadPartCopy" if copy else "UploadPart"
    for name, operation in (("retention", "PutObjectRetention"), ("legal-hold", "PutObjectLegalHold"),
                            ("acl", "PutObjectAcl"), ("tagging", "PutObjectTagging")):
        if name in query_names:
            return operation
    return "CopyObject" if copy else "PutObject"


def check_s3_dispatch(method: str, has_key: bool, query_string: str, headers: dict[str, str], operation: str) -> None:
    """Refuse (S3 400 ``InvalidArgument``) an S3 request whose operation two readers could pick differently:
    more than one sub-resource in the query (``?acl&tagging``: the lab's router and moto's dispatch check them in
    different orders), or a PUT on an object where moto's own dispatch would run another operation than
    ``operation``, the one the lab authorizes (``PUT ?tagging`` with ``x-amz-copy-source``)."""
    names = {name for name, _ in parse_qsl(query_string, keep_blank_values=True)}
    selectors = names & S3_SELECTORS
    if len(selectors) > 1:
        raise _refuse("s3", f"The request names more than one sub-resource ({', '.join(sorted(selectors))}); "
                            "send one operation per request.")
    if method == "PUT" and has_key:
        executed = moto_object_put_operation(names, headers)
        if executed != operation:
            raise _refuse("s3", f"This request reads as {operation} and as {executed}; the lab refuses it rather "
                                "than authorize one and run the other.")
