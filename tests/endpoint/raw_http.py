"""Hand-signed, byte-exact requests for attack tests (imported by name: tests/endpoint is on sys.path).

Requests are signed with botocore's own SigV4 signers (as an SDK would), then sent with ``http.client`` exactly
as built, so a test can add headers after signing, repeat a header, or keep characters an SDK would encode.
"""
from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "ap-northeast-2"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def code(self) -> str:
        """The error code of an S3/IAM XML or KMS JSON error body ("" when none)."""
        text = self.body.decode("utf-8", "replace")
        if "<Code>" in text:
            return text.split("<Code>", 1)[1].split("</Code>", 1)[0]
        if '"__type"' in text:
            import json
            return json.loads(text).get("__type", "")
        return ""


def credentials(lab: Any, profile: str, with_token: bool = True) -> Credentials:
    frozen = lab.session(profile).get_credentials().get_frozen_credentials()
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token if with_token else None)


class _FixedPayloadS3Auth(S3SigV4Auth):
    """S3SigV4Auth signing a given ``x-amz-content-sha256`` value (e.g. STREAMING-UNSIGNED-PAYLOAD-TRAILER)."""

    fixed = ""

    def payload(self, request: AWSRequest) -> str:
        return self.fixed


def sign(lab: Any, profile: str, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes = b"", service: str = "s3", with_token: bool = True,
         payload_hash: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    """Sign a request as ``profile`` (header auth). Returns (path with query, header list) to send or tamper with.
    ``payload_hash``: the ``x-amz-content-sha256`` value to sign instead of the body's digest (S3 only)."""
    url = lab.endpoint_url + path
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(credentials(lab, profile, with_token), service, REGION)
    if payload_hash is not None:
        signer = _FixedPayloadS3Auth(credentials(lab, profile, with_token), service, REGION)
        signer.fixed = payload_hash
    signer.add_auth(req)
    prepared = req.prepare()
    split = urlsplit(prepared.url)
    target = split.path + (f"?{split.query}" if split.query else "")
    out = [(k, v) for k, v in prepared.headers.items()]
    if not any(k.lower() == "host" for k, _ in out):
        out.insert(0, ("Host", split.netloc))
    return target, out


def presign(lab: Any, profile: str, method: str, path: str, headers: dict[str, str] | None = None,
            expires: int = 300) -> tuple[str, list[tuple[str, str]]]:
    """A presigned URL (query auth) as ``profile``; ``headers`` are signed into it."""
    url = lab.endpoint_url + path
    req = AWSRequest(method=method, url=url, headers=dict(headers or {}))
    S3SigV4QueryAuth(credentials(lab, profile), "s3", REGION, expires=expires).add_auth(req)
    prepared = req.prepare()
    split = urlsplit(prepared.url)
    out = [(k, v) for k, v in prepared.headers.items()]
    if not any(k.lower() == "host" for k, _ in out):
        out.insert(0, ("Host", split.netloc))
    return split.path + "?" + split.query, out


def send(lab: Any, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"",
         timeout: float = 30.0) -> Answer:
    """Send exactly these headers (repeats kept, order kept) and body; return the answer."""
    split = urlsplit(lab.endpoint_url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def open_raw(lab: Any, data: bytes) -> socket.socket:
    """A raw TCP connection to the lab that has sent ``data`` (and is left open: a slow client)."""
    split = urlsplit(lab.endpoint_url)
    sock = socket.create_connection((split.hostname, split.port), timeout=30)
    sock.sendall(data)
    return sock


def replace_header(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k.lower() == name.lower() else v) for k, v in headers]
