"""The widgets on a second scenario whose every name differs from the seed's (data/scenarios/renamed):
bucket ``ledger-archive``, key ``alias/ledger-key``, role ``LedgerWriterRole``, profiles ops / writer /
auditor / guest / partner, other accounts and region. The widgets must take every name from the scenario:
the same decisions as on the seed (same policies, renamed), and not one seed name in anything they show.
"""
from __future__ import annotations

import re

import pytest
from widget_html import cell

from s3kms_lab import Lab
from s3kms_lab.lab.scenario import load_scenario
from s3kms_lab.widgets.cast import Cast
from s3kms_lab.widgets.decision_table import BUCKET_VARIANTS, bucket_policy_widget
from s3kms_lab.widgets.diagram import decision_svg
from s3kms_lab.widgets.key_policy import KEY_VARIANTS, key_policy_widget
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.trail_table import filter_trail, short_principal

SEED_NAMES = re.compile(r"my-secure|DataUploader|\buploader\b|\banalyst\b|\bnobody\b|\boutsider\b|\badmin\b"
                        r"|123456789012|210987654321|1234abcd|ap-northeast-2")
PROFILES = ("writer", "auditor", "guest", "partner", "ops")


def no_seed_name(text: str) -> str:
    found = SEED_NAMES.findall(text)
    assert not found, f"seed names {sorted(set(found))} shown on the renamed scenario"
    return text


@pytest.fixture(scope="module")
def lab():
    with Lab("renamed") as running:
        yield running


def test_cast_reads_every_name_from_the_scenario():
    cast = Cast.from_scenario(load_scenario("renamed"))
    assert (cast.bucket, cast.key_alias, cast.role, cast.role_policy) == \
        ("ledger-archive", "alias/ledger-key", "LedgerWriterRole", "LedgerWriterPolicy")
    assert cast.role_arn == "arn:aws:iam::111122223333:role/LedgerWriterRole"
    assert dict(cast.parts) == {"role_user": "writer", "insider": "auditor", "no_policy": "guest",
                                "outsider": "partner", "admin": "ops"}
    assert cast.principals == PROFILES


def test_a_scenario_may_name_the_parts_itself():
    sc = load_scenario("renamed")
    sc.spec = dict(sc.spec, cast={"insider": "guest", "no_policy": "auditor"})
    cast = Cast.from_scenario(sc)
    assert (cast.insider, cast.parts["no_policy"]) == ("guest", "auditor")
    sc.spec = dict(sc.spec, cast={"admin": "root"})
    with pytest.raises(ValueError, match="unknown profile 'root'"):
        Cast.from_scenario(sc)


def test_bucket_widget_rows_decisions_and_words_come_from_the_scenario(lab):
    widget = bucket_policy_widget(lab)
    html = widget.table.value
    rows = re.findall(r'<tr data-principal="([\w-]+)"', html)
    assert rows == list(PROFILES)
    assert widget.principal.value == "writer"
    assert cell(html, "writer", "PutObject") == "ALLOWED"
    assert cell(html, "guest", "PutObject") == "DENIED" and cell(html, "partner", "PutObject") == "DENIED"
    assert "bucket policy of ledger-archive" in widget.explanation.value
    assert "key policy of alias/ledger-key" in widget.explanation.value
    for view in widget.view.cells.values():  # every cell's reasons, not only the one on show
        no_seed_name(str(view) + view.explanation())
    no_seed_name(html + widget.explanation.value + widget.request.value)

    widget.sse.value = "none"
    assert cell(widget.table.value, "writer", "PutObject") == "DENIED"
    assert "DenyUnEncryptedUploads" in widget.explanation.value
    widget.default_encryption.value = "SSE-KMS (this key)"  # set by the scenario's admin, ops
    try:
        assert lab.client("s3", "ops").get_bucket_encryption(Bucket="ledger-archive")
    finally:
        widget.default_encryption.value = "off"
        widget.sse.value = "aws:kms"
    assert len(widget.view.cells) == len(PROFILES) * len(BUCKET_VARIANTS)


def test_key_widget_flips_the_insider_when_the_account_statement_goes(lab):
    widget = key_policy_widget(lab)
    assert widget.principal.value == "auditor" and widget.root is not None
    kms_cells = [v for v in KEY_VARIANTS if v.startswith("kms:")]
    assert all(cell(widget.table.value, "auditor", v) == "ALLOWED" for v in kms_cells)
    widget.root.value = False
    try:
        assert all(cell(widget.table.value, "auditor", v) == "DENIED" for v in kms_cells)
        assert cell(widget.table.value, "writer", "kms:GenerateDataKey") == "ALLOWED"
        no_seed_name(widget.table.value + widget.explanation.value + widget.policy_view.value)
    finally:
        widget.root.value = True


def test_probe_defaults_and_picture_use_the_scenario(lab):
    probe = Probe(lab)
    assume = probe.assume_role("ops")  # trust policy names the account; ops's identity policy allows it
    assert "role/LedgerWriterRole" in assume.request and assume.allowed
    assert not probe.assume_role("auditor").allowed  # s3:* and kms:* only: no identity policy allows sts
    assert probe.stored_role_policy()["Statement"][0]["Resource"] == "arn:aws:s3:::ledger-archive/*"
    assert probe.stored_bucket_policy()["Statement"]
    assert probe.other_key_arn().startswith("arn:aws:kms:eu-central-1:111122223333:key/")
    upload = probe.put("writer")
    svg = decision_svg(upload)
    assert "ledger-archive" in svg and "LedgerWriterRole" in svg
    no_seed_name(svg + str(upload) + str(probe.kms("auditor", "Decrypt", via_s3=True)))


def test_trail_filter_on_the_scenario_profiles(lab):
    s3 = lab.client("s3", "writer")
    s3.put_object(Bucket="ledger-archive", Key="t/a.txt", Body=b"a", ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=lab.key_arn)
    frame = lab.trail.dataframe()
    rows = filter_trail(frame, principal="writer", event_name="PutObject")
    assert len(rows) >= 1
    assert short_principal(rows["principal"][0]) == "assumed-role/LedgerWriterRole/writer"
