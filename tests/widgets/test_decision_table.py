"""Notebook 02's widget without a browser: drive the controls, read the table and explanation it shows."""
from __future__ import annotations

import re

import pytest
from widget_html import cell

from s3kms_lab.widgets.decision_table import (BUCKET_VARIANTS, DEFAULT_ENCRYPTION, BucketPolicyExplorer,
                                              bucket_policy_widget)

#: The seed scenario's profiles, in the order the table lists them (the part each plays: widgets/cast.py).
SEED_PROFILES = ("uploader", "analyst", "nobody", "outsider", "admin")


@pytest.fixture(scope="module")
def widget(lab):
    return bucket_policy_widget(lab)


def test_contract_classes_and_initial_values(widget):
    assert "s3kms-sse-header" in widget.sse._dom_classes
    assert {"aws:kms", "none"} <= set(widget.sse.options) and widget.sse.value == "aws:kms"
    assert "s3kms-decision-table" in widget.table._dom_classes
    assert "s3kms-explanation" in widget.explanation._dom_classes
    cells = re.findall(r"<td data-principal=\"(\w+)\" data-variant=\"([\w ()-]+)\"[^>]*>(ALLOWED|DENIED)</td>",
                       widget.table.value)
    assert len(cells) == 5 * 8
    assert [c[0] for c in cells[::8]] == list(SEED_PROFILES) and {c[1] for c in cells} == set(BUCKET_VARIANTS)


def test_flip_sse_header_aws_kms_to_none(widget):
    widget.sse.value = "aws:kms"
    assert cell(widget.table.value, "uploader", "PutObject") == "ALLOWED"
    assert "ALLOWED" in widget.explanation.value and "AllowPutObjectWithKMSEncryption" in widget.explanation.value
    widget.sse.value = "none"
    assert cell(widget.table.value, "uploader", "PutObject") == "DENIED"
    assert "DenyUnEncryptedUploads" in widget.explanation.value
    assert "explicit deny in a resource-based policy" in widget.explanation.value
    widget.sse.value = "aws:kms"
    assert cell(widget.table.value, "uploader", "PutObject") == "ALLOWED"


def test_selecting_a_cell_explains_it_without_recomputing(widget):
    before = widget.view.cells
    widget.principal.value = "outsider"
    widget.variant.value = "GetObject"
    assert widget.view.cells is before
    assert 'data-principal="outsider" data-variant="GetObject" data-selected="true"' in widget.table.value
    assert "outsider" in widget.explanation.value and "DENIED" in widget.explanation.value
    widget.principal.value, widget.variant.value = "uploader", "PutObject"


@pytest.mark.parametrize("sse,key_form,expected", [
    ("aws:kms", "ARN", "ALLOWED"),
    ("aws:kms", "none", "ALLOWED"),         # aws/s3 is used: requirement 2 broken (SSE-7, EVAL-2)
    ("aws:kms", "alias", "ALLOWED"),         # identity policy allows s3:PutObject; key policy names the role
    ("aws:kms", "another key", "DENIED"),    # KMS: the role may not use the other key
    ("AES256", "none", "DENIED"),
    ("aws:kms:dsse", "ARN", "DENIED"),       # the Deny tests for exactly "aws:kms"
    ("none", "none", "DENIED"),
])
def test_uploader_put_per_header_choice(lab, sse, key_form, expected):
    view = BucketPolicyExplorer(lab).update(sse, key_form)
    assert view.cells[("uploader", "PutObject")].label == expected


def test_same_account_identity_policy_beats_the_bucket_policy_allows(lab):
    view = BucketPolicyExplorer(lab).update("aws:kms", "another key", principal="analyst")
    assert view.cells[("analyst", "PutObject")].label == "ALLOWED"   # EVAL-2
    assert view.cells[("nobody", "PutObject")].label == "DENIED"
    assert view.cells[("outsider", "PutObject")].label == "DENIED"
    assert view.cells[("analyst", "PutBucketPolicy")].label == "ALLOWED"


def test_default_encryption_does_not_satisfy_the_header_deny(lab, widget):
    widget.sse.value = "none"
    widget.default_encryption.value = DEFAULT_ENCRYPTION[2]
    try:
        assert cell(widget.table.value, "uploader", "PutObject") == "DENIED"
        assert "DenyUnEncryptedUploads" in widget.explanation.value
        assert "bucket default encryption: SSE-KMS" in widget.table.value
        enc = lab.client("s3", "admin").get_bucket_encryption(Bucket="my-secure-bucket")
        assert enc["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"][
            "SSEAlgorithm"] == "aws:kms"
    finally:
        widget.default_encryption.value = "off"
        widget.sse.value = "aws:kms"


def test_candidate_bucket_policy_is_evaluated_instead(lab):
    ex = BucketPolicyExplorer(lab, bucket_policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::my-secure-bucket/*"}]})
    view = ex.update("aws:kms", "ARN")
    assert view.cells[("admin", "GetObject")].label == "DENIED"
    assert view.cells[("admin", "ListObjectsV2")].label == "ALLOWED"


def test_malformed_candidate_policy_is_shown_not_raised(lab):
    view = BucketPolicyExplorer(lab, bucket_policy={"Statement": []}).update()
    assert view.error and "S3 would refuse this bucket policy" in view.table_html


def test_short_repr(widget):
    assert repr(widget).startswith("BucketPolicyWidget(sse=")
