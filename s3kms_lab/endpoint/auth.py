"""Authentication: who signed this request, and is the SigV4 signature right.

Signature checking re-computes AWS Signature Version 4 with botocore's own signer (library, not
home-made crypto): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
Header auth (``Authorization: AWS4-HMAC-SHA256 ...``) and query auth (presigned URLs,
``X-Amz-Signature``) are both handled. Errors use AWS's codes: ``InvalidAccessKeyId`` (S3) /
``UnrecognizedClientException`` (KMS) / ``InvalidClientTokenId`` (IAM, STS), ``SignatureDoesNotMatch``,
``ExpiredToken``, ``AccessDenied`` for an expired presigned URL.
"""
from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..engine.principal import ANONYMOUS, ASSUMED_ROLE, USER, Caller
from .errors import AwsError
from .moto_seam import Credential, MotoState

__all__ = ["Authenticated", "authenticate", "scope_of"]


@dataclass
class Authenticated:
    """The result of authentication: the caller, its credential (None when anonymous), the service
    and region from the credential scope, and how it signed (``header`` / ``query`` / ``none``)."""

    caller: Caller
    credential: Credential | None
    service: str
    region: str
    auth_type: str


def scope_of(headers: dict[str, str], query: dict[str, str]) -> tuple[str, str, str, str] | None:
    """(access key id, date, region, service) from the Authorization header or X-Amz-Credential."""
    auth = headers.get("authorization", "")
    cred = ""
    if auth.startswith("AWS4-HMAC-SHA256"):
        cred = auth.partition("Credential=")[2].partition(",")[0]
    elif "X-Amz-Credential" in query:
        cred = query["X-Amz-Credential"]
    parts = cred.split("/")
    if len(parts) != 5:
        return None
    return parts[0], parts[1], parts[2], parts[3]


def _error(service: str, code: str, message: str, status: int = 403) -> AwsError:
    if code == "InvalidAccessKeyId" and service == "kms":
        code, status = "UnrecognizedClientException", 400
    elif code == "InvalidAccessKeyId" and service in ("iam", "sts"):
        code = "InvalidClientTokenId"
    return AwsError(service, code, message, status)


def caller_for(cred: Credential) -> Caller:
    if cred.kind == "user":
        return Caller(USER, cred.arn, cred.account, name=cred.name, unique_id=cred.unique_id)
    # Session tags passed to AssumeRole become principal tags of the session (aws:PrincipalTag/...):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
    return Caller(ASSUMED_ROLE, cred.arn, cred.account, name=cred.name, role_arn=cred.role_arn,
                  session_name=cred.session_name, unique_id=cred.unique_id, mfa=False, tags=dict(cred.tags))


def authenticate(state: MotoState, method: str, raw_uri: str, headers: dict[str, str], body: bytes,
                 service_hint: str) -> Authenticated:
    """Verify the request's signature and return the caller.

    headers: lower-cased names. raw_uri: path and query exactly as sent. Unsigned requests are
    anonymous (only meaningful for S3). Raises :class:`AwsError` with AWS's code on failure.
    """
    path, _, qs = raw_uri.partition("?")
    query = dict(parse_qsl(qs, keep_blank_values=True))
    scope = scope_of(headers, query)
    if scope is None:
        if headers.get("authorization"):
            raise _error(service_hint, "InvalidArgument" if service_hint == "s3" else "IncompleteSignature",
                         "Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is supported by the lab", 400)
        if service_hint != "s3":
            # Only S3 serves anonymous requests; KMS, IAM and STS refuse unsigned ones outright.
            code = "MissingAuthenticationTokenException" if service_hint == "kms" else "MissingAuthenticationToken"
            raise AwsError(service_hint, code, "Request is missing Authentication Token", 403 if service_hint != "kms" else 400)
        return Authenticated(Caller(ANONYMOUS), None, service_hint, state.region, "none")
    akid, _date, region, service = scope
    cred = state.find_credential(akid)
    if cred is None:
        raise _error(service, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    presigned = "X-Amz-Signature" in query
    token = query.get("X-Amz-Security-Token") if presigned else headers.get("x-amz-security-token")
    if cred.kind == "session":
        if token != cred.session_token:
            raise _error(service, "InvalidToken" if service == "s3" else "UnrecognizedClientException",
                         "The provided token is malformed or otherwise invalid.", 400 if service == "s3" else 403)
        if cred.expires is not None and cred.expires < time.time():
            raise _error(service, "ExpiredToken", "The provided token has expired.", 400)
    creds = Credentials(cred.access_key_id, cred.secret, cred.session_token)
    if presigned:
        _check_presigned(service, method, path, qs, query, headers, creds, region)
    else:
        _check_header_signature(service, method, raw_uri, headers, body, creds, region)
    return Authenticated(caller_for(cred), cred, service, region, "query" if presigned else "header")


def _signed_headers(names: str, headers: dict[str, str]) -> dict[str, str]:
    wanted = set(names.split(";"))
    return {k: v for k, v in headers.items() if k in wanted}


def _check_header_signature(service: str, method: str, raw_uri: str, headers: dict[str, str], body: bytes,
                            creds: Credentials, region: str) -> None:
    auth = headers["authorization"]
    given = auth.partition("Signature=")[2].strip()
    signed = auth.partition("SignedHeaders=")[2].partition(",")[0]
    req = AWSRequest(method=method, url=f"http://{headers.get('host', 'localhost')}{raw_uri}",
                     data=body, headers=_signed_headers(signed, headers))
    req.context["timestamp"] = headers.get("x-amz-date", "")
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(creds, service, region)
    expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    if not hmac.compare_digest(expected, given):
        raise _error(service, "SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you provided. "
                     "Check your key and signing method.")


def _check_presigned(service: str, method: str, path: str, qs: str, query: dict[str, str], headers: dict[str, str],
                     creds: Credentials, region: str) -> None:
    given = query.get("X-Amz-Signature", "")
    amz_date = query.get("X-Amz-Date", "")
    expires = int(query.get("X-Amz-Expires", "0") or 0)
    try:
        issued = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        raise _error(service, "AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format", 400) from None
    if time.time() > issued + expires:
        raise AwsError(service, "AccessDenied", "Request has expired", 403)
    pairs = [(k, v) for k, v in parse_qsl(qs, keep_blank_values=True) if k != "X-Amz-Signature"]
    url = f"http://{headers.get('host', 'localhost')}{path}?{urlencode(pairs)}"
    signed = query.get("X-Amz-SignedHeaders", "host")
    req = AWSRequest(method=method, url=url, headers=_signed_headers(signed, headers))
    req.context["timestamp"] = amz_date
    signer = S3SigV4QueryAuth(creds, service, region, expires=expires)
    expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    if not hmac.compare_digest(expected, given):
        raise _error(service, "SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you provided. "
                     "Check your key and signing method.")
