"""AWS-shaped error responses, per protocol.

- S3 (REST-XML): ``<Error><Code/><Message/><RequestId/><HostId/></Error>``
  https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
- KMS (JSON 1.1): HTTP 400 ``{"__type": code, "message": ...}``
  https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html
- IAM / STS (query): ``<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>``
The lab's explanation travels in the ``x-s3kms-lab-explanation`` header, leaving AWS's shape untouched. HTTP
header values are Latin-1 at best, so an explanation that is not ASCII (Korean, see :mod:`s3kms_lab.i18n`)
travels as an RFC 8187 ext-value, ``UTF-8''<percent-encoded UTF-8>``
(https://www.rfc-editor.org/rfc/rfc8187#section-3.2); :func:`decode_explanation_header` reads either form.
"""
from __future__ import annotations

import json
import uuid
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from ..i18n import _
from .s3_response import host_id

__all__ = ["AwsError", "EXPLANATION_HEADER", "explanation_header", "decode_explanation_header", "flat_explanation"]

EXPLANATION_HEADER = "x-s3kms-lab-explanation"
# HTTP clients refuse header lines over 64 KiB; the full explanation is always in the trail.
_HEADER_LIMIT = 8192
# RFC 8187 section 3.2: an ext-value is charset "'" [ language ] "'" value-chars, where value-chars are
# attr-char (ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~") or
# "%" HEXDIG HEXDIG (quote() keeps letters, digits and "_.-~" as they are).
_EXT_PREFIX = "UTF-8''"
_ATTR_CHAR_PUNCTUATION = "!#$&+^`|"


def flat_explanation(text: str) -> str:
    """The explanation on one line: line breaks become `` | `` (what the header and the trail carry)."""
    return text.replace("\r", " ").replace("\n", " | ")


def _ext_value(text: str) -> str:
    return quote(text, safe=_ATTR_CHAR_PUNCTUATION, encoding="utf-8")


def explanation_header(text: str) -> str:
    """The explanation as one header line (ASCII only), cut to a size every HTTP client accepts.

    ASCII text is sent as it is, cut after 8192 characters with a note. Other text (Korean) is sent as an
    RFC 8187 ext-value ``UTF-8''<percent-encoded UTF-8>``, cut so that the encoded value stays within 8192
    characters, between two characters (never inside one's UTF-8 bytes), with the same note.
    Read it back with :func:`decode_explanation_header`.
    """
    flat = flat_explanation(text)
    if flat.isascii() and len(flat) <= _HEADER_LIMIT:
        return flat
    note = " ... " + _("(cut to fit an HTTP header; the trail records the decision's summary)")
    if flat.isascii() and note.isascii():
        return flat[:_HEADER_LIMIT] + note
    encoded = _EXT_PREFIX + _ext_value(flat)
    if len(encoded) <= _HEADER_LIMIT:
        return encoded
    tail = _ext_value(note)
    room = _HEADER_LIMIT - len(_EXT_PREFIX) - len(tail)
    kept: list[str] = []
    for char in flat:
        piece = _ext_value(char)
        if len(piece) > room:
            break
        kept.append(piece)
        room -= len(piece)
    return _EXT_PREFIX + "".join(kept) + tail


def decode_explanation_header(value: str) -> str:
    """The explanation an ``x-s3kms-lab-explanation`` header carries: an RFC 8187 ``UTF-8''...`` ext-value
    decoded, any other value (ASCII text) as it is. Lines are still separated by `` | ``."""
    if value[:len(_EXT_PREFIX)].upper() == _EXT_PREFIX:
        return unquote(value[len(_EXT_PREFIX):], encoding="utf-8", errors="replace")
    return value


class AwsError(Exception):
    """An error to return to the client. service: ``s3``/``kms``/``iam``/``sts``; status: HTTP status."""

    def __init__(self, service: str, code: str, message: str, status: int = 400, explanation: str = "",
                 extra: dict[str, str] | None = None):
        super().__init__(message)
        self.extra = dict(extra or {})  # more S3 error elements, e.g. HeadersNotSigned
        self.service = service
        self.code = code
        self.message = message
        self.status = status
        self.explanation = explanation

    def render(self, request_id: str | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) in the service's wire protocol."""
        rid = request_id or uuid.uuid4().hex.upper()[:16]
        # S3 names its request id x-amz-request-id (with x-amz-id-2); the other services x-amzn-RequestId.
        headers = {"x-amz-request-id": rid, "x-amz-id-2": host_id(rid)} if self.service == "s3" else \
            {"x-amz-request-id": rid, "x-amzn-RequestId": rid}
        if self.explanation:
            headers[EXPLANATION_HEADER] = explanation_header(self.explanation)
        if self.service == "kms":
            headers["Content-Type"] = "application/x-amz-json-1.1"
            headers["x-amzn-ErrorType"] = self.code
            body = json.dumps({"__type": self.code, "message": self.message}).encode()
        elif self.service == "s3":
            headers["Content-Type"] = "application/xml"
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(self.code)}</Code>'
                    f"<Message>{escape(self.message)}</Message>"
                    + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in self.extra.items()) +
                    f"<RequestId>{rid}</RequestId>"
                    f"<HostId>s3kms-lab</HostId></Error>").encode()
        else:
            headers["Content-Type"] = "text/xml"
            kind = "Sender" if self.status < 500 else "Receiver"
            body = (f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(self.code)}</Code>"
                    f"<Message>{escape(self.message)}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>").encode()
        return self.status, headers, body
