"""Authentication: who signed this request, and is the SigV4 signature right.

Signature checking re-computes AWS Signature Version 4 with botocore's own signer (library, not
home-made crypto): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
Header auth (``Authorization: AWS4-HMAC-SHA256 ...``) and query auth (presigned URLs,
``X-Amz-Signature``) are both handled, as S3 describes them in
https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html

The lab fails closed like AWS. Besides the signature itself it checks:

- the payload: S3's ``x-amz-content-sha256`` must be a SHA-256 hex digest that matches the body
  (``XAmzContentSHA256Mismatch``) or one of the documented special values (``UNSIGNED-PAYLOAD``,
  ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]``, whose chunk
  signatures are verified), anything else is ``InvalidArgument``. Other services hash the body themselves;
- the clock: ``X-Amz-Date`` within 15 minutes of now (``RequestTimeTooSkewed`` for S3, "Signature expired"
  / "Signature not yet current" elsewhere); presigned URLs use ``X-Amz-Expires`` (at most 604800 s);
- the credential scope: its date is X-Amz-Date's day, its region is the lab's (IAM and STS also accept
  ``us-east-1``, where their global endpoint signs), its service is one the lab serves;
- the session token: a long-term key must not carry one, a session key must carry its own
  (``InvalidToken`` / ``UnrecognizedClientException`` / ``InvalidClientTokenId``), and it must not have
  expired (``ExpiredToken`` / ``ExpiredTokenException``);
- presigned URLs: one auth mechanism only, all six ``X-Amz-*`` parameters present and well formed
  (``AuthorizationQueryParametersError``).

Error codes and statuses per service follow https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
(S3), https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html (KMS) and the IAM/STS
common errors. Malformed input never raises anything but :class:`AwsError` out of :func:`authenticate`.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..engine.principal import ANONYMOUS, ASSUMED_ROLE, USER, Caller
from .errors import AwsError
from .moto_seam import Credential, MotoState

__all__ = ["Authenticated", "authenticate", "scope_of"]

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60          # AWS refuses requests stamped more than 15 minutes from its clock
MAX_PRESIGN_EXPIRES = 604800        # X-Amz-Expires: at most one week, in seconds
SERVICES = ("s3", "kms", "iam", "sts")
GLOBAL_REGION = "us-east-1"         # IAM and STS's global endpoint sign with us-east-1
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
PAYLOAD_SPECIAL = (UNSIGNED_PAYLOAD, STREAMING_UNSIGNED_TRAILER, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER)
QUERY_AUTH_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                     "X-Amz-SignedHeaders", "X-Amz-Expires")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
             "Check your key and signing method.")


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
    if auth.startswith(ALGORITHM):
        cred = auth.partition("Credential=")[2].partition(",")[0].strip()
    elif "X-Amz-Credential" in query:
        cred = query["X-Amz-Credential"]
    parts = cred.split("/")
    if len(parts) != 5:
        return None
    return parts[0], parts[1], parts[2], parts[3]


# ------------------------------------------------------------------ AWS's error codes, per service
_TOKEN_INVALID = "The security token included in the request is invalid."
_TOKEN_EXPIRED = "The security token included in the request is expired"
# Credential problems, as each protocol words them: kind -> service ("other" = IAM/STS) -> (code, message, status).
_CREDENTIAL_ERRORS: dict[str, dict[str, tuple[str, str, int]]] = {
    "unknown key": {  # an access key id AWS has no record of
        "s3": ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403),
        "kms": ("UnrecognizedClientException", _TOKEN_INVALID, 400),
        "other": ("InvalidClientTokenId", _TOKEN_INVALID, 403)},
    "bad token": {  # a session token that is not the credential's own (or any token on a long-term key)
        "s3": ("InvalidToken", "The provided token is malformed or otherwise invalid.", 400),
        "kms": ("UnrecognizedClientException", _TOKEN_INVALID, 400),
        "other": ("InvalidClientTokenId", _TOKEN_INVALID, 403)},
    "expired token": {
        "s3": ("ExpiredToken", "The provided token has expired.", 400),
        "kms": ("ExpiredTokenException", _TOKEN_EXPIRED, 400),
        "other": ("ExpiredToken", _TOKEN_EXPIRED, 403)},
    "wrong signature": {  # KMS (JSON protocol) says InvalidSignatureException (KMS CommonErrors page)
        "s3": ("SignatureDoesNotMatch", _MISMATCH, 403),
        "kms": ("InvalidSignatureException", _MISMATCH, 400),
        "other": ("SignatureDoesNotMatch", _MISMATCH, 403)},
}


def _credential_error(kind: str, service: str) -> AwsError:
    """The AWS error for a credential problem of ``kind`` on ``service`` (see ``_CREDENTIAL_ERRORS``)."""
    by_service = _CREDENTIAL_ERRORS[kind]
    code, message, status = by_service.get(service, by_service["other"])
    return AwsError(service, code, message, status)


def _signature_rejected(service: str, message: str) -> AwsError:
    """SigV4 checks outside S3's own vocabulary: KMS (JSON) says InvalidSignatureException, IAM/STS
    (query protocol) say SignatureDoesNotMatch (https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html)."""
    if service == "kms":
        return AwsError(service, "InvalidSignatureException", message, 400)
    return AwsError(service, "SignatureDoesNotMatch", message, 403)


def _incomplete(service: str, message: str, s3_code: str = "AuthorizationHeaderMalformed", s3_status: int = 400) -> AwsError:
    """A malformed signature: S3's code is given; KMS says IncompleteSignatureException, IAM/STS IncompleteSignature."""
    if service == "s3":
        return AwsError(service, s3_code, message, s3_status)
    return AwsError(service, "IncompleteSignatureException" if service == "kms" else "IncompleteSignature", message, 400)


def _query_param_error(service: str, message: str) -> AwsError:
    return _incomplete(service, message, "AuthorizationQueryParametersError")


def caller_for(cred: Credential) -> Caller:
    if cred.kind == "user":
        return Caller(USER, cred.arn, cred.account, name=cred.name, unique_id=cred.unique_id)
    # Session tags passed to AssumeRole become principal tags of the session (aws:PrincipalTag/...):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
    return Caller(ASSUMED_ROLE, cred.arn, cred.account, name=cred.name, role_arn=cred.role_arn,
                  session_name=cred.session_name, unique_id=cred.unique_id, mfa=False, tags=dict(cred.tags))


# ------------------------------------------------------------------ entry point
@dataclass
class _Signed:
    """What a request's SigV4 parameters say, from the Authorization header or the query string."""

    akid: str
    scope_date: str
    region: str
    service: str
    signed_headers: str
    signature: str
    amz_date: str
    presigned: bool
    expires: int = 0


def authenticate(state: MotoState, method: str, raw_uri: str, headers: dict[str, str], body: bytes,
                 service_hint: str, now: float | None = None) -> Authenticated:
    """Verify the request's signature and return the caller.

    headers: lower-cased names. raw_uri: path and query exactly as sent. body: the raw body as received.
    Unsigned requests are anonymous (only meaningful for S3). Raises :class:`AwsError` with AWS's code on
    failure, and nothing else: input the lab cannot parse is refused in the service's shape.
    now: the current time (seconds since the epoch), for tests; ``time.time()`` when omitted.
    """
    try:
        return _authenticate(state, method, raw_uri, headers, body, service_hint,
                             time.time() if now is None else now)
    except AwsError:
        raise
    except Exception as exc:  # fail closed, never a traceback
        raise _incomplete(service_hint if service_hint in SERVICES else "s3",
                          f"The lab could not read this request's authentication ({type(exc).__name__}); "
                          "it was refused.", "InvalidRequest") from None


def _authenticate(state: MotoState, method: str, raw_uri: str, headers: dict[str, str], body: bytes,
                  service_hint: str, now: float) -> Authenticated:
    path, _, qs = raw_uri.partition("?")
    query = dict(parse_qsl(qs, keep_blank_values=True))
    authorization = headers.get("authorization", "")
    query_auth = any(name in query for name in QUERY_AUTH_PARAMS) or "X-Amz-Security-Token" in query
    sigv2_query = "AWSAccessKeyId" in query or "Signature" in query
    if authorization and (query_auth or sigv2_query):
        if service_hint == "s3":
            raise AwsError("s3", "InvalidArgument",
                           "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
                           "string parameter or the Authorization header should be specified", 400)
        raise _incomplete(service_hint, "Only one auth mechanism allowed: the Authorization header or query parameters.")
    if sigv2_query:
        # Signature Version 2 query auth (AWSAccessKeyId / Signature / Expires): refused like a SigV2 header,
        # never mistaken for an anonymous request.
        raise _incomplete(service_hint, "Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is supported by the lab",
                          "InvalidArgument")
    if authorization:
        signed = _parse_header(service_hint, authorization, headers)
    elif query_auth:
        signed = _parse_query(service_hint, query)
    elif service_hint != "s3":
        # Only S3 serves anonymous requests; KMS, IAM and STS refuse unsigned ones outright.
        code = "MissingAuthenticationTokenException" if service_hint == "kms" else "MissingAuthenticationToken"
        raise AwsError(service_hint, code, "Request is missing Authentication Token", 403 if service_hint != "kms" else 400)
    else:
        return Authenticated(Caller(ANONYMOUS), None, service_hint, state.region, "none")

    service = signed.service
    _check_scope(state, signed, service_hint)
    _check_clock(signed, now)
    cred = state.find_credential(signed.akid)
    if cred is None:
        raise _credential_error("unknown key", service)
    token = (query.get("X-Amz-Security-Token") if signed.presigned else headers.get("x-amz-security-token"))
    if cred.kind == "session":
        if token is None or not hmac.compare_digest(token.encode(), (cred.session_token or "").encode()):
            raise _credential_error("bad token", service)
        if cred.expires is not None and cred.expires < now:
            raise _credential_error("expired token", service)
    elif token is not None:
        # A long-term access key has no session: any token with it is invalid.
        raise _credential_error("bad token", service)
    creds = Credentials(cred.access_key_id, cred.secret, cred.session_token)
    _check_signed_header_list(signed, headers)
    if signed.presigned:
        _check_presigned(signed, method, path, qs, headers, body, creds)
    else:
        _check_header_signature(signed, method, raw_uri, headers, body, creds)
    return Authenticated(caller_for(cred), cred, service, signed.region, "query" if signed.presigned else "header")


# ------------------------------------------------------------------ parsing
def _credential_parts(value: str) -> list[str] | None:
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts[:4]):
        return None
    return parts


def _parse_header(service_hint: str, authorization: str, headers: dict[str, str]) -> _Signed:
    """``AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex``."""
    if not authorization.startswith(ALGORITHM + " "):
        raise _incomplete(service_hint, "Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is supported by the lab",
                          "InvalidArgument")
    fields: dict[str, str] = {}
    for part in authorization[len(ALGORITHM):].split(","):
        name, eq, value = part.strip().partition("=")
        if eq:
            fields[name] = value.strip()
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
    if missing:
        raise _incomplete(service_hint, f"The authorization header is malformed; Authorization header requires "
                                        f"'{missing[0]}' parameter.")
    parts = _credential_parts(fields["Credential"])
    if parts is None:
        raise _incomplete(service_hint, "The authorization header is malformed; the Credential is mal-formed; "
                                        "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
    amz_date = headers.get("x-amz-date", "") or _from_http_date(headers.get("date", ""))
    if not _valid_amz_date(amz_date):
        raise _incomplete(service_hint if service_hint in SERVICES else "s3",
                          "AWS authentication requires a valid Date or x-amz-date header"
                          if not amz_date else "X-Amz-Date must be in the ISO8601 Long Format (yyyyMMdd'T'HHmmss'Z')",
                          "AccessDenied", 403)
    return _Signed(parts[0], parts[1], parts[2], parts[3], fields["SignedHeaders"], fields["Signature"],
                   amz_date, presigned=False)


def _valid_amz_date(value: str) -> bool:
    """ISO 8601 basic format, ``yyyyMMdd'T'HHmmss'Z'``, and a real date and time."""
    if not _AMZ_DATE.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return False
    return True


def _from_http_date(value: str) -> str:
    """SigV4 also accepts an HTTP ``Date`` header when there is no ``X-Amz-Date`` (botocore signs with it
    when the request already has one): its time in the ISO 8601 basic format, or "" when absent/invalid."""
    if not value:
        return ""
    try:
        return parsedate_to_datetime(value).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    except (TypeError, ValueError, IndexError, OverflowError):
        return "-"


def _parse_query(service_hint: str, query: dict[str, str]) -> _Signed:
    """Presigned URL parameters (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html)."""
    missing = [name for name in QUERY_AUTH_PARAMS if not query.get(name)]
    if missing:
        raise _query_param_error(service_hint,
                                 "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                                 "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters; "
                                 f"missing: {', '.join(missing)}.")
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise _query_param_error(service_hint, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
    parts = _credential_parts(query["X-Amz-Credential"])
    if parts is None:
        raise _query_param_error(service_hint, "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
                                               "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
    amz_date = query["X-Amz-Date"]
    if not _valid_amz_date(amz_date):
        raise _query_param_error(service_hint, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    raw_expires = query["X-Amz-Expires"]
    if not re.fullmatch(r"-?\d{1,12}", raw_expires):
        raise _query_param_error(service_hint, "X-Amz-Expires should be a number")
    expires = int(raw_expires)
    if expires < 0:
        raise _query_param_error(service_hint, "X-Amz-Expires must be non-negative")
    if expires > MAX_PRESIGN_EXPIRES:
        raise _query_param_error(service_hint, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
    return _Signed(parts[0], parts[1], parts[2], parts[3], query["X-Amz-SignedHeaders"], query["X-Amz-Signature"],
                   amz_date, presigned=True, expires=expires)


# ------------------------------------------------------------------ scope and clock
def _check_scope(state: MotoState, signed: _Signed, service_hint: str) -> None:
    """The credential scope names a service the lab serves, the lab's region, and X-Amz-Date's day."""
    service = signed.service
    where = "X-Amz-Credential parameter" if signed.presigned else "authorization header"
    if service not in SERVICES:
        # A service the lab does not model (dynamodb, sns, ec2...): say so, in a shape that SDK can read.
        json_shape = service_hint in ("kms", "json")
        raise AwsError("kms" if json_shape else ("iam" if service_hint in ("iam", "sts") else "s3"),
                       "UnsupportedOperation" if service_hint != "s3" else "NotImplemented",
                       f"The lab models S3, KMS, IAM and STS only, not {service!r}; the request was refused.",
                       400 if service_hint != "s3" else 501)  # shape only: "kms" renders JSON, "iam" query XML
    if (service == "kms") != (service_hint == "kms"):
        expected = service_hint if service_hint in SERVICES else "s3"
        if expected == "s3":
            raise _incomplete("s3", f"Error parsing the {where}; the service '{service}' is wrong; expecting 's3'"
                              if signed.presigned else
                              f"The authorization header is malformed; the service '{service}' is wrong; expecting 's3'",
                              "AuthorizationQueryParametersError" if signed.presigned else "AuthorizationHeaderMalformed")
        raise _signature_rejected(expected, f"Credential should be scoped to correct service: '{expected}'. ")
    allowed = {state.region} | ({GLOBAL_REGION} if service in ("iam", "sts") else set())
    if signed.region not in allowed:
        if service == "s3":
            if signed.presigned:
                raise AwsError("s3", "AuthorizationQueryParametersError",
                               f"Error parsing the X-Amz-Credential parameter; the region '{signed.region}' is wrong; "
                               f"expecting '{state.region}'", 400)
            raise AwsError("s3", "AuthorizationHeaderMalformed",
                           f"The authorization header is malformed; the region '{signed.region}' is wrong; "
                           f"expecting '{state.region}'", 400)
        raise _signature_rejected(service, f"Credential should be scoped to a valid region, not '{signed.region}'. ")
    if signed.scope_date != signed.amz_date[:8]:
        message = "Invalid credential date. Date is not the same as X-Amz-Date."
        if service == "s3":
            raise _incomplete("s3", (f"Error parsing the X-Amz-Credential parameter; {message}" if signed.presigned
                                     else f"The authorization header is malformed; {message}"),
                              "AuthorizationQueryParametersError" if signed.presigned else "AuthorizationHeaderMalformed")
        raise _signature_rejected(service, f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                                           f"date from HTTP: '{signed.scope_date}' != '{signed.amz_date[:8]}', from "
                                           f"'{signed.amz_date}'.")


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _check_clock(signed: _Signed, now: float) -> None:
    """Header auth: X-Amz-Date within 15 minutes of now. Query auth: not expired (X-Amz-Expires after
    X-Amz-Date), and X-Amz-Date not more than 15 minutes in the future."""
    service = signed.service
    try:
        issued = datetime.strptime(signed.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        raise (_query_param_error(service, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
               if signed.presigned else
               _incomplete(service, "X-Amz-Date must be in the ISO8601 Long Format (yyyyMMdd'T'HHmmss'Z')",
                           "AccessDenied", 403)) from None
    if signed.presigned:
        if issued - now > MAX_SKEW_SECONDS:
            if service == "s3":
                raise AwsError("s3", "AccessDenied", "Request is not valid yet", 403)
            raise _signature_rejected(service, f"Signature not yet current: {signed.amz_date} is still later than "
                                               f"{_stamp(now + MAX_SKEW_SECONDS)} ({_stamp(now)} + 15 min.)")
        if now > issued + signed.expires:
            if service == "s3":
                raise AwsError("s3", "AccessDenied", "Request has expired", 403)
            raise _signature_rejected(service, f"Signature expired: {signed.amz_date} is now earlier than "
                                               f"{_stamp(now - signed.expires)} ({_stamp(now)} - {signed.expires} sec.)")
        return
    if abs(issued - now) <= MAX_SKEW_SECONDS:
        return
    if service == "s3":
        raise AwsError("s3", "RequestTimeTooSkewed",
                       "The difference between the request time and the current time is too large.", 403)
    if issued < now:
        raise _signature_rejected(service, f"Signature expired: {signed.amz_date} is now earlier than "
                                           f"{_stamp(now - MAX_SKEW_SECONDS)} ({_stamp(now)} - 15 min.)")
    raise _signature_rejected(service, f"Signature not yet current: {signed.amz_date} is still later than "
                                       f"{_stamp(now + MAX_SKEW_SECONDS)} ({_stamp(now)} + 15 min.)")


# ------------------------------------------------------------------ signatures
_NOT_SIGNED = "There were headers present in the request which were not signed"


def _check_signed_header_list(signed: _Signed, headers: dict[str, str]) -> None:
    """The declared ``SignedHeaders`` is exactly what gets hashed, and covers what S3 requires signed.

    S3 (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-header-based-auth.html and
    https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html): the ``host`` header and
    every ``x-amz-*`` header present in the request must be signed, presigned URLs included (so a captured
    request cannot be replayed with an added ``x-amz-copy-source``, ``x-amz-acl``, ``x-amz-security-token``...);
    otherwise 403 ``AccessDenied`` "There were headers present in the request which were not signed", with
    ``HeadersNotSigned``. The lab applies the same rule to KMS, IAM and STS (botocore signs every such header),
    answering in their signature-error shape. The list itself must be the canonical one SigV4 hashes
    (lower-case names, sorted, no duplicates), each naming a header the request carries.
    """
    service = signed.service
    names = signed.signed_headers.split(";")
    if names != sorted(set(names)) or any(not n or n != n.lower() for n in names):
        raise _incomplete(service, "The authorization header is malformed; SignedHeaders must be lower-case header "
                                   "names, sorted and separated by ';'" if not signed.presigned else
                          "X-Amz-SignedHeaders must be lower-case header names, sorted and separated by ';'",
                          "AuthorizationQueryParametersError" if signed.presigned else "AuthorizationHeaderMalformed")
    absent = [n for n in names if n not in headers]
    if absent:
        raise _credential_error("wrong signature", service)  # a declared header that was not sent cannot match
    unsigned = sorted(({"host"} | {h for h in headers if h.startswith("x-amz-")}) - set(names))
    if unsigned:
        listed = ", ".join(unsigned)
        if service == "s3":
            raise AwsError("s3", "AccessDenied", _NOT_SIGNED, 403, extra={"HeadersNotSigned": listed})
        raise _signature_rejected(service, f"{_NOT_SIGNED}: {listed}")


def _signed_headers(names: str, headers: dict[str, str]) -> dict[str, str]:
    wanted = set(names.split(";"))
    return {k: v for k, v in headers.items() if k in wanted}


def _payload_line(service: str, headers: dict[str, str], body: bytes) -> str:
    """The canonical request's last line. S3 signs the ``x-amz-content-sha256`` value (required, and either a
    SHA-256 hex digest or one of the documented special values); other services hash the body themselves."""
    if service != "s3":
        return hashlib.sha256(body).hexdigest()
    value = headers.get("x-amz-content-sha256")
    if value is None:
        raise AwsError("s3", "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400)
    if not (_HEX64.fullmatch(value) or value in PAYLOAD_SPECIAL):
        raise AwsError("s3", "InvalidArgument",
                       "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid "
                       "sha256 value.", 400)
    return value


def _check_header_signature(signed: _Signed, method: str, raw_uri: str, headers: dict[str, str], body: bytes,
                            creds: Credentials) -> None:
    service = signed.service
    payload = _payload_line(service, headers, body)
    req = AWSRequest(method=method, url=f"http://{headers.get('host', 'localhost')}{raw_uri}",
                     data=body, headers=_signed_headers(signed.signed_headers, headers))
    req.context["timestamp"] = signed.amz_date
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(creds, service, signed.region)
    canonical = signer.canonical_request(req).rpartition("\n")[0] + "\n" + payload
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if not hmac.compare_digest(expected, signed.signature):
        raise _credential_error("wrong signature", service)
    if service != "s3":
        return
    if _HEX64.fullmatch(payload) and payload.lower() != hashlib.sha256(body).hexdigest():
        raise AwsError("s3", "XAmzContentSHA256Mismatch",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.", 400)
    if payload in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER):
        _check_chunks(signer, req, signed, body, headers, trailer=payload == STREAMING_SIGNED_TRAILER)


def _check_chunks(signer: SigV4Auth, req: AWSRequest, signed: _Signed, body: bytes, headers: dict[str, str],
                  trailer: bool) -> None:
    """aws-chunked body of a signed streaming upload: every chunk's signature chains from the seed (header)
    signature (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
    https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html)."""
    scope = signer.credential_scope(req)
    previous, pos, decoded = signed.signature, 0, 0

    def incomplete(why: str) -> AwsError:
        return AwsError("s3", "IncompleteBody", f"The request body is not a valid aws-chunked body: {why}.", 400)

    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            raise incomplete("a chunk header has no line end")
        size_hex, _, ext = body[pos:eol].decode("ascii").partition(";")
        name, _, given = ext.partition("=")
        if name.strip() != "chunk-signature" or not re.fullmatch(r"[0-9a-fA-F]{1,16}", size_hex.strip()):
            raise incomplete("a chunk header is not '<hex size>;chunk-signature=<signature>'")
        size = int(size_hex, 16)
        data = body[eol + 2:eol + 2 + size]
        if len(data) != size:
            raise incomplete("a chunk is shorter than its size")
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", signed.amz_date, scope, previous, EMPTY_SHA256,
                             hashlib.sha256(data).hexdigest()])
        if not hmac.compare_digest(signer.signature(to_sign, req), given.strip()):
            raise _credential_error("wrong signature", "s3")
        previous, decoded, pos = given.strip(), decoded + size, eol + 2 + size
        if size == 0:
            break
        if body[pos:pos + 2] != b"\r\n":
            raise incomplete("a chunk does not end with CRLF")
        pos += 2
    declared = headers.get("x-amz-decoded-content-length")
    if declared is None or not declared.isdigit() or int(declared) != decoded:
        raise incomplete("x-amz-decoded-content-length does not match the decoded body")
    if not trailer:
        return
    lines = body[pos:].split(b"\r\n")
    trailing = [line for line in lines if line and not line.lower().startswith(b"x-amz-trailer-signature:")]
    sig_lines = [line for line in lines if line.lower().startswith(b"x-amz-trailer-signature:")]
    if len(sig_lines) != 1:
        raise incomplete("the trailer has no x-amz-trailer-signature")
    canonical = "".join(line.decode("ascii").strip() + "\n" for line in trailing)
    to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", signed.amz_date, scope, previous,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    if not hmac.compare_digest(signer.signature(to_sign, req), sig_lines[0].partition(b":")[2].decode("ascii").strip()):
        raise _credential_error("wrong signature", "s3")


def _check_presigned(signed: _Signed, method: str, path: str, qs: str, headers: dict[str, str], body: bytes,
                     creds: Credentials) -> None:
    service = signed.service
    pairs = [(k, v) for k, v in parse_qsl(qs, keep_blank_values=True) if k != "X-Amz-Signature"]
    url = f"http://{headers.get('host', 'localhost')}{path}?{urlencode(pairs)}"
    req = AWSRequest(method=method, url=url, data=body if service != "s3" else None,
                     headers=_signed_headers(signed.signed_headers, headers))
    req.context["timestamp"] = signed.amz_date
    signer = (S3SigV4QueryAuth if service == "s3" else SigV4QueryAuth)(creds, service, signed.region,
                                                                       expires=signed.expires)
    expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    if not hmac.compare_digest(expected, signed.signature):
        raise _credential_error("wrong signature", service)
