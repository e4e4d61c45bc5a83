"""The widgets speak Korean when the lab does (``Lab(..., lang="ko")`` or a ``language("ko")`` block): a
widget reads its labels when it is built and keeps that language on every redraw. AWS's names (actions,
headers, error codes, policy Sids) stay English, the values code reads (``Outcome.label``, a Dropdown's
value) stay as they are, and the English widgets are unchanged."""
from __future__ import annotations

import re

import pytest

from s3kms_lab.i18n import language
from s3kms_lab.widgets.cast import Cast
from s3kms_lab.widgets.decision_table import bucket_policy_widget
from s3kms_lab.widgets.diagram import decision_svg, pipeline_svg
from s3kms_lab.widgets.key_policy import key_policy_widget
from s3kms_lab.widgets.notebook_map import map_markdown
from s3kms_lab.widgets.primer import envelope_svg, evaluation_flow_svg, flow_table_html
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.trail_table import trail_table
from .hangul import hangul

KOREAN_FONT = "'Noto Sans CJK KR', NanumGothic, 'Malgun Gothic', 'Apple SD Gothic Neo', sans-serif"


def cell(html: str, principal: str, variant: str) -> str:
    m = re.search(rf'<td data-principal="{principal}" data-variant="{re.escape(variant)}"[^>]*>([^<]+)</td>', html)
    assert m, f"no cell {principal}/{variant}"
    return m.group(1)


@pytest.fixture(scope="module")
def probe(lab):
    return Probe(lab)


def test_a_probe_result_reads_korean_and_keeps_aws_words(probe):
    with language("ko"):
        denied = probe.put("uploader", "none", "none")
        allowed = probe.put("uploader")
        text = str(denied)
    assert denied.label == "DENIED" and allowed.label == "ALLOWED"  # what code compares stays English
    assert text.startswith("거부됨: uploader PutObject my-secure-bucket/file.txt (SSE 없음, 키 ID 없음)")
    assert "AWS 응답: " in text and "is not authorized to perform: s3:PutObject" in text  # AWS's own message
    assert allowed.notes == ["S3는 aws:kms(으)로 암호화하게 됩니다(키: " + probe.key_arn + ") (요청 헤더에서 지정)"]
    english = str(probe.put("uploader", "none", "none"))
    assert english.startswith("DENIED: uploader PutObject my-secure-bucket/file.txt (SSE none, key id none)")
    assert "AWS says: " in english and not hangul(english)


def test_the_bucket_policy_table_is_korean_and_keeps_its_values(lab):
    with language("ko"):
        widget = bucket_policy_widget(lab)
    assert widget.sse.description == "SSE 헤더" and widget.key_form.description == "키 ID 형식"
    assert widget.sse.value == "aws:kms" and ("없음", "none") in widget.sse.options
    assert ("SSE-S3 (AES256)", "SSE-S3 (AES256)") in widget.default_encryption.options
    assert ("다른 키", "another key") in widget.key_form.options
    html = widget.table.value
    assert "<th" in html and ">보안 주체</th>" in html and 'data-variant="PutObject"' in html
    assert f"font-family:monospace, {KOREAN_FONT}" in html
    assert "업로드가 보내는 헤더: x-amz-server-side-encryption: aws:kms" in html
    assert cell(html, "uploader", "PutObject") == "허용됨"
    # A control changed later (outside the block) redraws in the language the widget was built in.
    widget.sse.value = "none"
    assert cell(widget.table.value, "uploader", "PutObject") == "거부됨"
    assert widget.view.grid()[0][0] == "DENIED"
    assert "DenyUnEncryptedUploads" in widget.explanation.value and "AWS 응답: " in widget.explanation.value
    assert "<i>암호화 헤더 없음</i>" in widget.request.value


def test_the_key_policy_widget_is_korean(lab):
    with language("ko"):
        widget = key_policy_widget(lab)
    assert hangul(widget.ui.children[0].value)
    assert widget.root.description.startswith("정책 문 ") and "(계정 루트: IAM 정책에 위임)" in widget.root.description
    assert widget.principal.description == "설명할 보안 주체"
    assert cell(widget.table.value, "analyst", "kms:GenerateDataKey") == "허용됨"
    widget.root.value = False
    assert cell(widget.table.value, "analyst", "kms:GenerateDataKey") == "거부됨"
    assert "작성한 키 정책" in widget.explanation.value  # the candidate policy's name, as the learner reads it
    assert widget.policy_view.value.startswith("<details><summary>평가 중인 키 정책</summary>")


def test_the_cast_explains_a_missing_part_in_korean(lab):
    cast = Cast.of(lab)
    with language("ko"), pytest.raises(LookupError, match="배역을 맡는 프로필이 없습니다") as err:
        Cast(**{**cast.__dict__, "parts": {}}).part("admin")
    assert '"cast": {"admin": "<profile>"}' in str(err.value)
    with pytest.raises(LookupError, match="no profile of this scenario plays the part 'admin'"):
        Cast(**{**cast.__dict__, "parts": {}}).part("admin")


def test_the_primer_pictures_are_korean(probe):
    with language("ko"):
        rows = [("uploader, SSE 헤더 없음", probe.put("uploader", "none", "none")),
                ("analyst, SSE-KMS", probe.s3("analyst", "PutObject", headers=probe.sse_headers()))]
        table = flow_table_html(rows)
        flow, envelope = evaluation_flow_svg(), envelope_svg()
    assert ">2 리소스 기반 정책</th>" in table and ">5 세션 정책</th>" in table
    assert "거부: my-secure-bucket의 버킷 정책, 정책 문 DenyUnEncryptedUploads" in table
    assert "<b>허용됨</b>" in table and "<b>거부됨</b>" in table
    assert "background:#fbe3e1" in table  # a denying cell is still coloured as one
    assert "명시적 거부" in flow and KOREAN_FONT in flow
    assert "봉투 암호화 (SSE-KMS)" in envelope and "kms:GenerateDataKey" in envelope and "SSEKMSKeyId" in envelope
    english = flow_table_html(rows)
    assert ">2 resource-based policy</th>" in english and not hangul(english.replace(rows[0][0], ""))
    assert 'font-family="DejaVu Sans, Arial, sans-serif"' in evaluation_flow_svg()


def test_the_diagrams_are_korean_and_fit_their_boxes(probe):
    with language("ko"):
        pipeline = pipeline_svg()
        decision = decision_svg(probe.put("uploader", "none", "none"))
    assert "1 인증" in pipeline and "SigV4" in pipeline and "AccessDenied / AccessDeniedException" in pipeline
    assert "보안 주체: uploader" in decision and "거부됨 (명시적 거부)" in decision
    # Hangul is about 1 em wide: a long Korean line is wrapped to fit the 190 px verdict box.
    verdict = re.findall(r'<text x="778"[^>]*>([^<]*)</text>', decision)
    assert verdict and all(len(line) <= 19 for line in verdict if hangul(line))


def test_the_trail_table_is_korean(lab):
    with language("ko"):
        box = trail_table(lab)
    who, what = box.children[0].children
    denied, via, refresh, count = box.children[1].children
    assert who.description == "보안 주체" and what.description == "eventName"  # CloudTrail's field stays
    assert ("(전체)", "(all)") in who.options and who.value == "(all)"
    assert (denied.description, refresh.description) == ("거부된 것만", "새로 고침")
    assert re.fullmatch(r"레코드 \d+개 중 \d+개", count.value)
    html = box.children[2].value
    assert ">보안 주체</th>" in html and ">eventName</th>" in html and ">결정</th>" in html


def test_the_notebook_map_headers_follow_the_language(tmp_path):
    import json
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 01 · 제목"]}],
          "metadata": {"s3kms": {"post_section": "2", "summary": "버킷 정책을 읽습니다"}}, "nbformat": 4,
          "nbformat_minor": 5}
    (tmp_path / "01_a.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    assert map_markdown(tmp_path, lang="ko").splitlines()[0] == "| 노트북 | 원문 | 하는 일 |"
    assert map_markdown(tmp_path).splitlines() == ["| notebook | post | what you do |", "| :-- | :-- | :-- |",
                                                   "| `01_a.ipynb` | §2 | 버킷 정책을 읽습니다 |"]
    with language("ko"):
        assert map_markdown(tmp_path, lang="en").splitlines()[0] == "| notebook | post | what you do |"
