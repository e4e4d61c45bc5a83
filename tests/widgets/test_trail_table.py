"""The trail table's filter logic, over a real trail, plus the widget's wiring (no browser)."""
from __future__ import annotations

import pandas as pd
import pytest

from s3kms_lab.widgets.trail_table import ALL, COLUMNS, choices, filter_trail, short_principal, trail_table


@pytest.fixture(scope="module")
def frame(lab):
    s3 = lab.client("s3", "uploader")
    s3.put_object(Bucket="my-secure-bucket", Key="t/a.txt", Body=b"a",
                  ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    s3.get_object(Bucket="my-secure-bucket", Key="t/a.txt")
    try:
        lab.client("s3", "nobody").get_object(Bucket="my-secure-bucket", Key="t/a.txt")
    except Exception:
        pass
    return lab.trail.dataframe()


def test_short_principal():
    assert short_principal("arn:aws:sts::123456789012:assumed-role/DataUploaderRole/uploader") == \
        "assumed-role/DataUploaderRole/uploader"
    assert short_principal("arn:aws:iam::123456789012:user/admin") == "user/admin"
    assert short_principal("") == "anonymous"


def test_no_filter_keeps_everything(frame):
    assert len(filter_trail(frame)) == len(frame)
    assert len(filter_trail(frame, ALL, ALL)) == len(frame)


def test_by_principal_and_event(frame):
    rows = filter_trail(frame, principal="uploader", event_name="PutObject")
    assert len(rows) >= 1 and set(rows["eventName"]) == {"PutObject"}
    assert all("uploader" in p for p in rows["principal"])
    assert list(rows.index) == list(range(len(rows)))


def test_denied_only(frame):
    rows = filter_trail(frame, denied_only=True)
    assert len(rows) >= 1 and "allowed" not in set(rows["decision"])
    assert any("nobody" in p for p in rows["principal"])


def test_via_s3_only_lists_kms_calls_made_for_the_caller(frame):
    rows = filter_trail(frame, principal="uploader", via_s3_only=True)
    assert {"GenerateDataKey", "Decrypt"} <= set(rows["eventName"])
    assert set(rows["eventSource"]) == {"kms.amazonaws.com"}


def test_empty_frame():
    empty = pd.DataFrame(columns=["principal", "eventName", "invokedBy", "decision"])
    assert filter_trail(empty, "x", "y", True, True).empty
    assert choices(empty) == {"principals": [ALL], "events": [ALL]}


def test_widget_filters_and_refreshes(lab, frame):
    box = trail_table(lab)
    (who, what), (denied, via, refresh, count) = box.children[0].children, box.children[1].children
    table = box.children[2]
    assert "user/nobody" in who.options and "Decrypt" in what.options
    denied.value = True
    assert "implicitDeny" in table.value and "records" in count.value
    denied.value = False
    who.value = "user/nobody"
    assert "nobody" in table.value and "uploader" not in table.value
    n = len(lab.trail.records)
    lab.client("s3", "admin").list_buckets()
    refresh.click()
    assert str(len(lab.trail.records)) in count.value and len(lab.trail.records) > n
    assert all(c in COLUMNS for c in ["principal", "eventName", "invokedBy"])
