"""Notebook 00's pictures: drawn from real lab decisions, deterministic."""
from __future__ import annotations

import re

from s3kms_lab.widgets.diagram import decision_svg, pipeline_svg
from s3kms_lab.widgets.probe import Probe


def test_pipeline_svg_is_static():
    assert pipeline_svg() == pipeline_svg() and pipeline_svg().startswith("<svg")


def test_decision_svg_allowed_upload_shows_both_steps(lab):
    svg = decision_svg(Probe(lab).put("uploader"))
    assert svg.count("ALLOWED") == 2
    assert "bucket policy of my-secure-bucket" in svg and "key policy of alias/my-secure-key" in svg
    assert "allows: statement AllowPutObjectWithKMSEncryption" in svg
    # In one account the role's identity policy alone would do: the picture shows it allowing too (issue 17).
    assert "inline policy DataUploaderPolicy of role DataUploaderRole" in svg and "allows: statement #1" in svg
    assert svg.count("2 policies allow; any one") == 2 and "consulted" not in svg


def test_decision_svg_never_implies_the_bucket_policy_was_needed_for_the_analyst(lab):
    svg = decision_svg(Probe(lab).put("analyst"))
    bucket_box = svg[svg.index("bucket policy of my-secure-bucket"):][:300]
    assert "stroke-dasharray" in svg and "consulted: none of its statements applies" in bucket_box and "allows:" not in bucket_box
    assert "allows: statement #1" in svg


def test_decision_svg_wraps_arns_at_separators_and_keeps_names_whole(lab):
    svg = decision_svg(Probe(lab).put("uploader"))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert not any(t.endswith("…") for t in texts), "a label was cut"
    assert "DataUploaderRole" in "".join(texts) and "1234abcd-12ab-34cd-56ef-1234567890ab" in "".join(texts)
    for t in texts:  # a wrapped ARN line ends at a separator, never inside a word
        if t.startswith(("arn:", "assumed-role")) and not t.endswith(("/", ":")):
            assert t.endswith(("uploader", "file.txt")), t


def test_decision_svg_denied_upload_names_the_deny(lab):
    o = Probe(lab).put("uploader", "none", "none")
    svg = decision_svg(o)
    assert "DENIED (explicit)" in svg and "denies: statement DenyUnEncryptedUploads" in svg
    assert "but the explicit Deny wins" in svg  # the role's identity policy allows, and does not help
    assert svg == decision_svg(o)
