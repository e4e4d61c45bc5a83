"""Reading a request body: with a deadline, in the request's own thread, before any shared lock.

One client that announces ``Content-Length: 1000`` and sends 3 bytes must never stop another client. The
endpoint's server runs one thread per connection; the lab reads the whole body in that thread *before* it
takes the lock that serialises moto, with a socket timeout between reads (``idle_seconds``) and an overall
deadline (``total_seconds``). A client that goes quiet is answered like S3 answers it and disconnected.

AWS's answers (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html):
- idle too long: 400 ``RequestTimeout`` "Your socket connection to the server was not read from or written to
  within the timeout period. Idle connections will be closed.";
- fewer bytes than ``Content-Length`` (the client closed): 400 ``IncompleteBody`` "You did not provide the number
  of bytes specified by the Content-Length HTTP header";
- a ``Content-Length`` that is not a decimal number, or a malformed ``Transfer-Encoding: chunked`` body (bad chunk
  size line): 400 (S3 ``InvalidArgument`` / ``IncompleteBody``);
- a body over S3's single-request maximum (5 GiB): 400 ``EntityTooLarge``.
KMS (JSON) and IAM/STS (query) get the same conditions in their own shape and codes.
"""
from __future__ import annotations

import io
import re
import socket
import time
from typing import Any

from .errors import AwsError

__all__ = ["read_request_body", "wire_service", "IDLE_SECONDS", "TOTAL_SECONDS", "MAX_BODY_BYTES"]

IDLE_SECONDS = 20.0        # S3 closes a connection idle for about 20 s (RequestTimeout)
TOTAL_SECONDS = 600.0      # no body takes longer than this on loopback, however slowly it trickles
MAX_BODY_BYTES = 5 * 1024 ** 3  # S3: 5 GiB in one PUT (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html)
_CHUNK = 1 << 16
_KNOWN_CHUNK = 1 << 18  # a slow client is checked against the deadline every 256 KiB at least
_DECIMAL = re.compile(r"[0-9]{1,19}")

_CODES = {  # condition -> service -> code
    "timeout": {"s3": "RequestTimeout", "kms": "RequestTimeoutException", "other": "RequestTimeout"},
    "incomplete": {"s3": "IncompleteBody", "kms": "SerializationException", "other": "MalformedQueryString"},
    "length": {"s3": "InvalidArgument", "kms": "SerializationException", "other": "MalformedQueryString"},
    "too large": {"s3": "EntityTooLarge", "kms": "ValidationException", "other": "MalformedQueryString"},
}
_MESSAGES = {
    "timeout": "Your socket connection to the server was not read from or written to within the timeout period. "
               "Idle connections will be closed.",
    "incomplete": "You did not provide the number of bytes specified by the Content-Length HTTP header",
}


def wire_service(environ: dict[str, Any]) -> str:
    """The service whose error shape fits a request whose body is not read yet: KMS for a JSON target, IAM for
    a form-encoded query call (IAM and STS share the query shape), else S3."""
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("TrentService"):
        return "kms"
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return "iam"
    return "s3"


def _error(service: str, condition: str, message: str | None = None) -> AwsError:
    codes = _CODES[condition]
    service = service if service in ("s3", "kms", "iam", "sts") else "s3"
    err = AwsError(service, codes.get(service, codes["other"]), message or _MESSAGES[condition], 400)
    err.close_connection = True  # type: ignore[attr-defined]  (the rest of the body is unread)
    return err


def read_request_body(environ: dict[str, Any], service: str, idle_seconds: float = IDLE_SECONDS,
                      total_seconds: float = TOTAL_SECONDS, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """Read the whole body of the WSGI request ``environ`` and put it back as a ``BytesIO`` (``wsgi.input``),
    with ``CONTENT_LENGTH`` set to its length. ``service``: whose error shape to use (``s3``/``kms``/``iam``/
    ``sts``). Seconds are wall-clock seconds. Raises :class:`AwsError` (400) as the module doc lists; the error
    carries ``close_connection = True``."""
    raw_length = environ.get("CONTENT_LENGTH") or ""
    chunked = bool(environ.get("wsgi.input_terminated")) or \
        "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if raw_length and not _DECIMAL.fullmatch(raw_length.strip()):
        raise _error(service, "length", f"Content-Length must be a decimal number of bytes, not {raw_length[:40]!r}")
    length = int(raw_length) if raw_length and not chunked else None
    if length is not None and length > max_bytes:
        raise _error(service, "too large", "Your proposed upload exceeds the maximum allowed size")
    stream = environ["wsgi.input"]
    sock: socket.socket | None = environ.get("werkzeug.socket")
    previous = sock.gettimeout() if sock is not None else None
    deadline = time.monotonic() + total_seconds
    parts: list[bytes] = []
    received = 0
    try:
        if length is not None and not chunked and hasattr(stream, "readinto"):
            return _read_known_length(environ, stream, sock, length, service, idle_seconds, deadline)
        while length is None or received < length:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _error(service, "timeout")
            if sock is not None:
                sock.settimeout(min(idle_seconds, remaining))
            want = _CHUNK if length is None else min(_CHUNK, length - received)
            if length is None and not chunked:
                break  # no Content-Length and not chunked: no body
            reader = getattr(stream, "read1", None) if not chunked else None
            data = reader(want) if reader is not None else stream.read(want)
            if not data:
                if length is not None:
                    raise _error(service, "incomplete")
                break
            parts.append(data)
            received += len(data)
            if received > max_bytes:
                raise _error(service, "too large", "Your proposed upload exceeds the maximum allowed size")
    except (socket.timeout, TimeoutError):
        raise _error(service, "timeout") from None
    except OSError as exc:  # werkzeug's dechunker: "Invalid chunk header", "Negative chunk length not allowed"
        raise _error(service, "incomplete", f"The request body is not a valid chunked body ({exc}).") from None
    finally:
        if sock is not None:
            try:
                sock.settimeout(previous)
            except OSError:
                pass
    return _put_back(environ, b"".join(parts))


def _read_known_length(environ: dict[str, Any], stream: Any, sock: socket.socket | None, length: int, service: str,
                       idle_seconds: float, deadline: float) -> bytes:
    """``Content-Length`` bytes straight into one buffer, one socket read at a time (each bounded by the idle
    timeout, the whole by the deadline). Raises as :func:`read_request_body`; the caller restores the timeout."""
    buffer = bytearray(length)
    view = memoryview(buffer)
    received, current = 0, None
    while received < length:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _error(service, "timeout")
        timeout = idle_seconds if remaining > idle_seconds else remaining
        if sock is not None and timeout != current:  # settimeout costs system calls: only when it changes
            sock.settimeout(timeout)
            current = timeout
        count = stream.readinto(view[received:received + _KNOWN_CHUNK])
        if not count:
            raise _error(service, "incomplete")
        received += count
    view.release()
    return _put_back(environ, buffer)  # BytesIO copies it once; no bytes() copy before


def _put_back(environ: dict[str, Any], body: bytes | bytearray) -> bytes | bytearray:
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body
