"""Issue 10, item 5: one slow or broken client never stops the lab.

Property, not speed: while one client holds a half-sent request, another client is answered (bounds in
seconds). The held client is then answered like S3 answers an idle connection (400 ``RequestTimeout``,
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html) or a short body (400 ``IncompleteBody``).
"""
from __future__ import annotations

import socket
import threading
import time

import pytest
from botocore.config import Config
from endpoint_helpers import BUCKET
from raw_http import open_raw

ANSWER_WITHIN = 5.0  # seconds another client may wait while the slow one is held (generous: the machine is shared)


@pytest.fixture
def quick_timeouts(lab):
    app = lab.app
    saved = app.body_idle_seconds, app.body_total_seconds
    app.body_idle_seconds, app.body_total_seconds = 1.5, 10.0
    try:
        yield app
    finally:
        app.body_idle_seconds, app.body_total_seconds = saved


def _host(lab) -> str:
    return lab.endpoint_url.split("//", 1)[1]


def _answered_while_held(lab) -> float:
    """Seconds a normal signed request (admin ListBuckets, on a fresh connection) takes."""
    s3 = lab.session("admin").client("s3", endpoint_url=lab.endpoint_url, region_name="ap-northeast-2",
                                     config=Config(connect_timeout=5, read_timeout=2 * ANSWER_WITHIN,
                                                   retries={"max_attempts": 1}))
    t = time.monotonic()
    s3.list_buckets()
    return time.monotonic() - t


def _read_answer(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    out = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            out += data
    except socket.timeout:
        pass
    return out


HALF_SENT = {
    "short body": lambda host: (f"PUT /{BUCKET}/slow.txt HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1000\r\n\r\nabc"),
    "chunked, stalled": lambda host: (f"PUT /{BUCKET}/slow.txt HTTP/1.1\r\nHost: {host}\r\n"
                                      "Transfer-Encoding: chunked\r\n\r\n5\r\nab"),
    "kms json, stalled": lambda host: (f"POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: TrentService.ListKeys\r\n"
                                       "Content-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{"),
    "headers never end": lambda host: f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ",
}


@pytest.mark.parametrize("kind", sorted(HALF_SENT))
def test_other_clients_are_answered_while_one_holds_a_half_sent_request(lab, quick_timeouts, kind):
    slow = open_raw(lab, HALF_SENT[kind](_host(lab)).encode())
    try:
        time.sleep(0.3)  # the lab has started on the slow request
        assert _answered_while_held(lab) < ANSWER_WITHIN
    finally:
        slow.close()


@pytest.mark.parametrize("kind,code", [("short body", b"RequestTimeout"), ("chunked, stalled", b"RequestTimeout"),
                                       ("kms json, stalled", b"RequestTimeoutException")])
def test_a_stalled_body_is_answered_with_request_timeout(lab, quick_timeouts, kind, code):
    slow = open_raw(lab, HALF_SENT[kind](_host(lab)).encode())
    try:
        answer = _read_answer(slow, 15)
    finally:
        slow.close()
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert code in answer


def test_a_body_cut_short_is_incomplete_body(lab, quick_timeouts):
    slow = open_raw(lab, HALF_SENT["short body"](_host(lab)).encode())
    slow.shutdown(socket.SHUT_WR)  # the client is done sending: 3 bytes of the 1000 announced
    try:
        answer = _read_answer(slow, 15)
    finally:
        slow.close()
    assert answer.startswith(b"HTTP/1.1 400") and b"IncompleteBody" in answer, answer[:300]


@pytest.mark.parametrize("request_text,code", [
    ("PUT /{bucket}/x HTTP/1.1\r\nHost: {host}\r\nContent-Length: abc\r\n\r\n", b"InvalidArgument"),
    ("PUT /{bucket}/x HTTP/1.1\r\nHost: {host}\r\nContent-Length: -5\r\n\r\n", b"InvalidArgument"),
    ("PUT /{bucket}/x HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
     b"IncompleteBody"),
    ("PUT /{bucket}/x HTTP/1.1\r\nHost: {host}\r\nContent-Length: 99999999999999999999\r\n\r\n", b"InvalidArgument"),
])
def test_malformed_framing_is_a_400_not_a_500(lab, request_text, code):
    sock = open_raw(lab, request_text.format(bucket=BUCKET, host=_host(lab)).encode())
    try:
        answer = _read_answer(sock, 15)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert code in answer


def test_many_slow_clients_do_not_stop_the_lab(lab, quick_timeouts):
    held = [open_raw(lab, HALF_SENT["short body"](_host(lab)).encode()) for _ in range(20)]
    try:
        time.sleep(0.3)
        assert _answered_while_held(lab) < ANSWER_WITHIN
    finally:
        for sock in held:
            sock.close()


def test_concurrent_clients_all_answered_while_a_slow_one_is_held(lab, quick_timeouts):
    slow = open_raw(lab, HALF_SENT["chunked, stalled"](_host(lab)).encode())
    times: list[float] = []
    errors: list[BaseException] = []

    def client() -> None:
        try:
            times.append(_answered_while_held(lab))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        slow.close()
    assert not errors and len(times) == 4 and max(times) < ANSWER_WITHIN * 2
