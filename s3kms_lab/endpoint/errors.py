"""AWS-shaped error responses, per protocol.

- S3 (REST-XML): ``<Error><Code/><Message/><RequestId/><HostId/></Error>``
  https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
- KMS (JSON 1.1): HTTP 400 ``{"__type": code, "message": ...}``
  https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html
- IAM / STS (query): ``<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>``
The lab's explanation travels in the ``x-s3kms-lab-explanation`` header, leaving AWS's shape untouched.
"""
from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from .s3_response import host_id

__all__ = ["AwsError", "EXPLANATION_HEADER", "explanation_header"]

EXPLANATION_HEADER = "x-s3kms-lab-explanation"
# HTTP clients refuse header lines over 64 KiB; the full explanation is always in the trail.
_HEADER_LIMIT = 8192


def explanation_header(text: str) -> str:
    """The explanation as one ASCII header line, cut to a size every HTTP client accepts."""
    flat = text.encode("ascii", "replace").decode().replace("\r", " ").replace("\n", " | ")
    if len(flat) > _HEADER_LIMIT:
        flat = flat[:_HEADER_LIMIT] + " ... (cut; the full explanation is in the trail)"
    return flat


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
