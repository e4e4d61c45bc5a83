"""Notebook 00's pictures: drawn from real lab decisions, deterministic."""
from __future__ import annotations

from s3kms_lab.widgets.diagram import decision_svg, pipeline_svg
from s3kms_lab.widgets.probe import Probe


def test_pipeline_svg_is_static():
    assert pipeline_svg() == pipeline_svg() and pipeline_svg().startswith("<svg")


def test_decision_svg_allowed_upload_shows_both_steps(lab):
    svg = decision_svg(Probe(lab).put("uploader"))
    assert svg.count("ALLOWED") == 2
    assert "bucket policy of my-secure-bucket" in svg and "key policy of alias/my-secure-key" in svg
    assert "decides: AllowPutObjectWithKMSEncryption" in svg


def test_decision_svg_denied_upload_names_the_deny(lab):
    o = Probe(lab).put("uploader", "none", "none")
    svg = decision_svg(o)
    assert "DENIED (explicit)" in svg and "decides: DenyUnEncryptedUploads" in svg
    assert svg == decision_svg(o)
