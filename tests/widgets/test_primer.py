"""The primer's evaluation-flow table places the lab's own decisions on AWS's flow
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)."""
from __future__ import annotations

import pytest

from s3kms_lab.widgets.primer import FLOW_STEPS, envelope_svg, evaluation_flow_svg, flow_cells, flow_table_html
from s3kms_lab.widgets.probe import Probe

ONLY_GET = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
BUCKET = "bucket policy of my-secure-bucket"
ROLE = "inline policy DataUploaderPolicy of role DataUploaderRole"

# (request, expected label, expected cells: explicit deny, resource-based, identity-based, boundary, session)
CASES = [
    ("uploader, no SSE header", "DENIED",
     [f"Deny: {BUCKET}, statement DenyUnEncryptedUploads", "-", "-", "-", "-"]),
    ("uploader, SSE-KMS", "ALLOWED", ["no Deny", f"Allow: {BUCKET}", f"Allow: {ROLE}", "-", "-"]),
    ("analyst, SSE-KMS", "ALLOWED",
     ["no Deny", f"no Allow for this caller in the {BUCKET}", "Allow: inline policy S3AndKmsFullAccess of user analyst",
      "-", "-"]),
    ("nobody, GetObject", "DENIED", ["no Deny", f"no Allow for this caller in the {BUCKET}", "no Allow", "-", "-"]),
    ("outsider, GetObject", "DENIED",
     ["no Deny", f"no Allow for this caller in the {BUCKET}",
      "Allow: inline policy S3AndKmsFullAccess of user outsider", "-", "-"]),
    ("uploader, boundary GetObject only", "DENIED",
     ["no Deny", f"Allow: {BUCKET} (capped below)", f"Allow: {ROLE}",
      "does not allow: your permissions boundary", "-"]),
    ("uploader, session policy GetObject only", "DENIED",
     ["no Deny", f"Allow: {BUCKET} (capped below)", f"Allow: {ROLE}", "-", "does not allow"]),
]


@pytest.fixture(scope="module")
def outcomes(lab):
    probe = Probe(lab)
    sample = probe.ensure_object()
    return {
        "uploader, no SSE header": probe.put("uploader", "none", "none"),
        "uploader, SSE-KMS": probe.put("uploader"),
        "analyst, SSE-KMS": probe.s3("analyst", "PutObject", headers=probe.sse_headers()),
        "nobody, GetObject": probe.s3("nobody", "GetObject", sample),
        "outsider, GetObject": probe.s3("outsider", "GetObject", sample),
        "uploader, boundary GetObject only": probe.put("uploader", boundary=ONLY_GET),
        "uploader, session policy GetObject only": probe.put("uploader", session=ONLY_GET),
    }


@pytest.mark.parametrize("name, label, cells", CASES, ids=[c[0] for c in CASES])
def test_each_decision_lands_on_its_step_of_the_flow(outcomes, name, label, cells):
    outcome = outcomes[name]
    assert outcome.label == label
    assert flow_cells(outcome) == cells


def test_table_has_a_column_per_step_and_says_either_allow_is_enough(outcomes):
    html = flow_table_html([(k, v) for k, v in outcomes.items()])
    assert html.count('data-step="') == len(FLOW_STEPS) * len(outcomes)
    assert "in one account either Allow alone is enough" in html
    assert "cross-account access needs the bucket policy of my-secure-bucket to allow the caller too" in html


def test_static_pictures():
    assert evaluation_flow_svg().startswith("<svg") and "explicit Deny" in evaluation_flow_svg()
    assert "kms:GenerateDataKey" in envelope_svg() and "kms:Decrypt" in envelope_svg()
