"""Parse once: an HTTP request -> the :class:`~s3kms_lab.endpoint.decide.Call` the lab authorizes and moto
executes. S3 operations are named by moto's own router (the same one moto dispatches with); KMS by the
``X-Amz-Target`` header (JSON 1.1 protocol); IAM and STS by the ``Action`` form parameter (query protocol).
"""
from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qsl

from .auth import Authenticated
from .bad_input import check_kms_body, check_query_policies, check_s3_input
from .copy_source import copy_source_for_moto
from .decide import Call
from .errors import AwsError
from .model_validation import check_kms_parameters, check_query_parameters, check_s3_parameters
from .moto_seam import match_s3_operation
from .request_shape import check_s3_dispatch, check_unambiguous_parameters
from .s3_request import check_xml_body
from .services.kms import parse_params as kms_params
from .services.s3control import operation_for as s3control_operation

__all__ = ["read_request", "service_hint", "parse_call"]

# S3 names a copy by its header: PutObject / UploadPart with x-amz-copy-source are the copy operations.
_COPY_OPERATIONS = {"PutObject": "CopyObject", "UploadPart": "UploadPartCopy"}
# S3 operations whose body the lab reads (a policy to validate, a tag set for condition keys, an ACL).
_READS_BODY = {"PutBucketPolicy": True, "PutObjectTagging": True, "PutBucketAcl": True, "PutObjectAcl": True}


def read_request(environ: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
    """(method, raw URI, lower-cased headers, body) of a WSGI request; the body is read once and put back
    as a seekable stream for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" and not length:
        body = environ["wsgi.input"].read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or (
        environ.get("PATH_INFO", "/") + (("?" + environ["QUERY_STRING"]) if environ.get("QUERY_STRING") else ""))
    return environ["REQUEST_METHOD"], raw_uri, headers, body


def service_hint(headers: dict[str, str], body: bytes = b"") -> str:
    """The service of a request that carries no credential scope (unsigned)."""
    target = headers.get("x-amz-target", "")
    if target.startswith("TrentService"):
        return "kms"
    if target:
        return "json"  # another JSON-protocol service (dynamodb...): refused, in JSON
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded") and b"Action=" in body:
        return "sts" if b"Action=AssumeRole" in body or b"Action=GetCallerIdentity" in body else "iam"
    return "s3"


def _s3_call(environ: dict[str, Any], method: str, headers: dict[str, str], body: bytes,
             common: dict[str, Any]) -> Call:
    control = s3control_operation(method, environ.get("PATH_INFO", ""))
    if control is not None:
        # S3 Control (account-level settings), signed for "s3": its own endpoint and operations.
        return Call("s3control", control, params={"AccountId": headers.get("x-amz-account-id", ""),
                                                  "_body": body.decode("utf-8", "replace")}, **common)
    try:
        name, uri = match_s3_operation(environ)
    except ValueError:
        raise AwsError("s3", "NotImplemented", f"The lab does not model this S3 request ({method} "
                       f"{environ.get('PATH_INFO')}); it was refused, not forwarded.", 501) from None
    if "x-amz-copy-source" in headers:
        name = _COPY_OPERATIONS.get(name, name)
    # One reading: moto's dispatch must agree on the operation, bad input is refused, and moto gets the copy
    # source in the canonical form the lab authorizes (request_shape.py, bad_input.py, copy_source.py).
    check_s3_dispatch(method, bool(uri.get("Key")), environ.get("QUERY_STRING", ""), headers, name)
    check_s3_input(name, uri.get("Key", ""), body, headers)
    check_xml_body(name, body)
    check_s3_parameters(name, common["query"], headers, body)
    forwarded_source = copy_source_for_moto(name, headers)
    if forwarded_source is not None:
        environ["HTTP_X_AMZ_COPY_SOURCE"] = forwarded_source
    params = {"_body": body.decode("utf-8", "replace")} if _READS_BODY.get(name) else {}
    return Call("s3", name, bucket=uri.get("Bucket", ""), key=uri.get("Key", ""), params=params, **common)


def _kms_call(environ: dict[str, Any], method: str, headers: dict[str, str], body: bytes,
              common: dict[str, Any]) -> Call:
    check_kms_body(body)
    operation, params = headers.get("x-amz-target", "").split(".")[-1], kms_params(body)
    check_kms_parameters(operation, params)
    return Call("kms", operation, params=params, **common)


def _query_call(service: str) -> Any:
    def parse(environ: dict[str, Any], method: str, headers: dict[str, str], body: bytes,
              common: dict[str, Any]) -> Call:
        params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) if body \
            else dict(common["query"])
        check_query_policies(service, params)
        check_query_parameters(service, params)
        return Call(service, params.get("Action", ""), params=params, **common)
    return parse


_PARSERS = {"s3": _s3_call, "kms": _kms_call, "iam": _query_call("iam"), "sts": _query_call("sts")}


def parse_call(environ: dict[str, Any], auth: Authenticated, method: str, headers: dict[str, str],
               body: bytes) -> Call:
    """The call ``auth``'s service names. Raises AwsError for a service or request the lab does not model
    (in the caller's protocol: JSON services get JSON, query ones XML) or a body the service refuses."""
    parser = _PARSERS.get(auth.service)
    if parser is None:
        json_protocol = "x-amz-target" in headers or "json" in headers.get("content-type", "")
        raise AwsError("kms" if json_protocol else "iam", "UnsupportedOperation",
                       f"The lab models S3, KMS, IAM and STS only, not {auth.service!r}; the request was refused.", 400)
    check_unambiguous_parameters(auth.service, environ.get("QUERY_STRING", ""), body, headers.get("content-type", ""))
    common = dict(caller=auth.caller, credential=auth.credential, headers=headers,
                  query=dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
                  source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"), secure=environ.get("wsgi.url_scheme") == "https",
                  auth_type=auth.auth_type, region=auth.region)
    return parser(environ, method, headers, body, common)
