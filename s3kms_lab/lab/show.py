"""Small, print-friendly views for notebooks: an AWS error with the lab's explanation, a call's outcome.

The AWS error code and message are printed exactly as AWS sends them; the labels around them and the lab's
explanation are in the learner's language (:mod:`s3kms_lab.i18n`)."""
from __future__ import annotations

from typing import Any, Callable

from botocore.exceptions import ClientError

from ..endpoint.errors import EXPLANATION_HEADER, decode_explanation_header
from ..i18n import _

__all__ = ["explain_error", "attempt", "explanation_of_response"]


def explanation_of_response(resp: dict[str, Any]) -> str:
    """The lab's explanation a boto3 response (or ``ClientError.response``) carries in its
    ``x-s3kms-lab-explanation`` header, decoded (RFC 8187 for non-ASCII text); '' when there is none."""
    value = resp.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(EXPLANATION_HEADER, "")
    return decode_explanation_header(value) if value else ""


def explain_error(err: ClientError) -> str:
    """The AWS error (code, HTTP status, message) followed by the lab's explanation of the decision."""
    resp = err.response
    status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode")
    lines = [_("AWS error : {code} (HTTP {status})").format(code=resp["Error"].get("Code"), status=status),
             _("Message   : {message}").format(message=resp["Error"].get("Message"))]
    explanation = explanation_of_response(resp)
    if explanation:
        lines.append(_("Why (lab) :"))
        lines += ["  " + part for part in explanation.split(" | ")]
    return "\n".join(lines)


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Call ``fn``; return ``ALLOWED`` or ``DENIED`` and the explained error (never raises ClientError); in
    Korean the verdict reads ``허용됨(ALLOWED)`` / ``거부됨(DENIED)``."""
    try:
        fn(*args, **kwargs)
        return _("ALLOWED")
    except ClientError as err:
        return _("DENIED") + "\n" + explain_error(err)
