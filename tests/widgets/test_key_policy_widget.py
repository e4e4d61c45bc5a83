"""Notebook 03's widget without a browser: toggle statements and actions, read the table it shows."""
from __future__ import annotations

import re

import pytest
from widget_html import cell

from s3kms_lab.widgets.key_policy import KEY_VARIANTS, KeyPolicyExplorer, key_policy_widget


@pytest.fixture(scope="module")
def widget(lab):
    return key_policy_widget(lab)


def test_contract(widget):
    assert widget.root is not None and "s3kms-root-statement" in widget.root._dom_classes
    assert widget.root.value is True
    assert "s3kms-decision-table" in widget.table._dom_classes
    assert "s3kms-explanation" in widget.explanation._dom_classes
    assert len(re.findall(r"<td data-principal=", widget.table.value)) == 5 * len(KEY_VARIANTS) == 40


def test_flip_root_statement_turns_analyst_kms_use_to_denied(widget):
    kms_cells = [v for v in KEY_VARIANTS if v.startswith("kms:")]
    assert all(cell(widget.table.value, "analyst", v) == "ALLOWED" for v in kms_cells)
    assert "delegates to the account" in widget.explanation.value
    widget.root.value = False
    try:
        assert all(cell(widget.table.value, "analyst", v) == "DENIED" for v in kms_cells)
        assert cell(widget.table.value, "analyst", "kms:GenerateDataKey") == "DENIED"
        assert "IAM policies alone cannot open it" in widget.explanation.value
        assert "because no resource-based policy allows the kms:GenerateDataKey action" in widget.explanation.value
        # the uploader is named directly: unaffected; admin loses even kms:PutKeyPolicy (lockout)
        assert cell(widget.table.value, "uploader", "kms:GenerateDataKey") == "ALLOWED"
        assert cell(widget.table.value, "admin", "kms:PutKeyPolicy") == "DENIED"
        assert '"AllowKeyAdministration"' not in widget.policy_view.value
    finally:
        widget.root.value = True
    assert cell(widget.table.value, "analyst", "kms:GenerateDataKey") == "ALLOWED"


def test_action_toggle_on_the_uploader_statement(lab):
    ex = KeyPolicyExplorer(lab)
    # without the root statement, the uploader statement alone decides the role's key use
    view = ex.update({"AllowKeyAdministration": False}, {"AllowUseOfKeyForUploaderRole": ["kms:Decrypt"]},
                     principal="uploader", variant="PutObject (SSE-KMS)")
    assert view.cells[("uploader", "kms:Decrypt")].label == "ALLOWED"
    assert view.cells[("uploader", "kms:GenerateDataKey")].label == "DENIED"
    assert view.outcome.label == "DENIED"
    # with the root statement, the role's own IAM policy still opens GenerateDataKey (two doors)
    view = ex.update({}, {"AllowUseOfKeyForUploaderRole": ["kms:Decrypt"]})
    assert view.cells[("uploader", "kms:GenerateDataKey")].label == "ALLOWED"


def test_no_statement_left_is_refused_by_kms(lab):
    view = KeyPolicyExplorer(lab).update({"AllowKeyAdministration": False, "AllowUseOfKeyForUploaderRole": False})
    assert view.error.startswith("KMS would refuse this key policy")


def test_the_lab_key_policy_is_not_changed(lab, widget):
    widget.root.value = False
    widget.root.value = True
    stored = lab.client("kms", "admin").get_key_policy(KeyId=lab.key_arn, PolicyName="default")["Policy"]
    assert "AllowKeyAdministration" in stored
