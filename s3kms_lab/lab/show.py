"""Small, print-friendly views for notebooks: an AWS error with the lab's explanation, a call's outcome."""
from __future__ import annotations

from typing import Any, Callable

from botocore.exceptions import ClientError

from ..endpoint.errors import EXPLANATION_HEADER

__all__ = ["explain_error", "attempt"]


def explain_error(err: ClientError) -> str:
    """The AWS error (code, HTTP status, message) followed by the lab's explanation of the decision."""
    resp = err.response
    status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode")
    lines = [f"AWS error : {resp['Error'].get('Code')} (HTTP {status})",
             f"Message   : {resp['Error'].get('Message')}"]
    explanation = resp.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(EXPLANATION_HEADER, "")
    if explanation:
        lines.append("Why (lab) :")
        lines += ["  " + part for part in explanation.split(" | ")]
    return "\n".join(lines)


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Call ``fn``; return ``ALLOWED`` or the explained error (never raises ClientError)."""
    try:
        fn(*args, **kwargs)
        return "ALLOWED"
    except ClientError as err:
        return "DENIED\n" + explain_error(err)
