"""Issue 10, item 7: the trail is bounded, reports what it dropped, and never holds a request body.

Record fields: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
(requestParameters / responseElements over 100 KB are omitted).
"""
from __future__ import annotations

import json
import urllib.request

import pytest
from endpoint_helpers import BUCKET

from s3kms_lab.endpoint.trail import FIELD_LIMIT_BYTES, USER_AGENT_LIMIT, Trail
from s3kms_lab.engine.principal import ANONYMOUS, Caller

CLOUDTRAIL_FIELDS = {"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
                     "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "requestID", "eventID",
                     "readOnly", "resources", "eventType", "managementEvent", "recipientAccountId", "eventCategory"}


def _add(trail: Trail, i: int = 0, user_agent: str = "ua", params: dict | None = None, explanation: str = "why") -> dict:
    return trail.add(caller=Caller(ANONYMOUS), access_key="", source="s3.amazonaws.com", name=f"GetObject{i}",
                     request_id=f"R{i}", source_ip="127.0.0.1", user_agent=user_agent,
                     request_parameters=params if params is not None else {"bucketName": "b", "key": f"k{i}"},
                     resources=[], read_only=True, management=False, explanation=explanation)


def test_memory_is_capped_and_dropped_records_are_counted():
    trail = Trail(None, max_records=100)
    for i in range(250):
        _add(trail, i)
    stats = trail.stats()
    assert stats["records"] <= 100
    assert stats["records"] + stats["dropped"] == 250
    assert trail.records[-1]["eventName"] == "GetObject249"  # the newest are kept


def test_file_rotates_and_counts_what_rotation_deleted(tmp_path):
    path = tmp_path / "trail.jsonl"
    trail = Trail(path, max_file_bytes=20_000)
    total = 600
    for i in range(total):
        _add(trail, i)
    rotated = path.with_name("trail.jsonl.1")
    assert rotated.exists()
    assert path.stat().st_size <= 20_000 and rotated.stat().st_size <= 20_000
    on_disk = len(path.read_text().splitlines()) + len(rotated.read_text().splitlines())
    assert on_disk + trail.stats()["dropped_from_file"] == total
    assert json.loads(path.read_text().splitlines()[-1])["eventName"] == f"GetObject{total - 1}"


def test_a_record_is_bounded_whatever_the_client_sends():
    trail = Trail(None)
    rec = _add(trail, user_agent="A" * 100_000, params={"policy": "x" * (FIELD_LIMIT_BYTES + 10)},
               explanation="E" * 100_000)
    assert len(rec["userAgent"]) < USER_AGENT_LIMIT + 100
    assert rec["requestParameters"] is None and rec["s3kmsLab"]["omitted"] == ["requestParameters"]
    assert len(json.dumps(rec)) < 20_000
    assert CLOUDTRAIL_FIELDS <= set(rec) and rec["s3kmsLab"]["explanation"].startswith("EEE")


def test_unauthenticated_flood_keeps_the_trail_small(lab):
    before = lab.trail.stats()
    path = lab.config_dir / "trail.jsonl"
    size_before = path.stat().st_size
    for i in range(200):
        req = urllib.request.Request(f"{lab.endpoint_url}/{BUCKET}/{'k' * 900}{i}",
                                     headers={"User-Agent": "U" * 30_000})
        try:
            urllib.request.urlopen(req).read()
        except Exception:
            pass
    grown = path.stat().st_size - size_before
    assert grown < 200 * 6_000, grown  # every record stays small (the user agent is cut, no body is kept)
    assert lab.trail.stats()["records"] >= min(before["records"] + 200, lab.trail.max_records)


def test_no_request_body_in_the_trail(lab):
    marker = "BODY-MARKER-7f3a"
    lab.client("s3", "admin").put_object(Bucket=BUCKET, Key="body.txt", Body=f"{marker} data".encode(),
                                         ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    lab.client("kms", "admin").encrypt(KeyId=lab.key_arn, Plaintext=marker.encode())
    text = (lab.config_dir / "trail.jsonl").read_text()
    assert marker not in text
    for rec in lab.trail.records[-5:]:
        assert CLOUDTRAIL_FIELDS <= set(rec) and "explanation" in rec["s3kmsLab"]


@pytest.mark.parametrize("rotations", [1, 3])
def test_follow_reads_across_rotation(tmp_path, rotations):
    """`s3kms-lab trail --follow` keeps reading after trail.jsonl rotates (the reader reopens the new file)."""
    from s3kms_lab.cli import _rotated
    path = tmp_path / "trail.jsonl"
    trail = Trail(path, max_file_bytes=3_000)
    fh = path.open()
    seen = []
    for i in range(rotations * 12):
        _add(trail, i)
        while True:
            line = fh.readline()
            if line:
                seen.append(json.loads(line)["eventName"])
                continue
            if _rotated(path, fh):
                fh.close()
                fh = path.open()
                continue
            break
    fh.close()
    assert seen[-1] == f"GetObject{rotations * 12 - 1}"
