"""The requirement checker in Korean: the report, the counterexamples' prose, the widget, requirement-file
errors and ``s3kms-lab check`` speak Korean when asked, while what machines read (requirement ids, statuses,
AWS action names, ARNs, JSON fields) stays as it is, and English stays unchanged.

The seed is checked once in Korean here; the English report is the one tests/checker computes (shared).
"""
from __future__ import annotations

import copy
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from s3kms_lab.checker import RequirementsError, check
from s3kms_lab.checker.requirements import KOREAN_FIELDS, parse_requirements
from s3kms_lab.checker.widget import checker_widget, report_html
from s3kms_lab.i18n import ENV_VAR, language
from s3kms_lab.lab.scenario import DATA_DIR

from checker.conftest import report_of  # tests/checker: the English seed report, computed once per session
from checker.test_requirements_format import ACTIONS, REFS, SC, SEED_DOC
from .hangul import hangul

REPO = Path(__file__).resolve().parents[2]
KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def korean():
    """The seed checked in Korean: the report, its text and its HTML (rendered in Korean too)."""
    with language("ko"):
        report = check("seed")
        return report, report.text(), report_html(report)


@pytest.fixture(scope="module")
def english():
    report = report_of("seed")
    return report, report.text()


# ---------------------------------------------------------------------- the report
def test_the_korean_report_speaks_korean_and_keeps_ids_and_aws_names(korean):
    report, text, _html = korean
    assert text.startswith("시나리오 'seed'의 요구 사항 검사:")
    for rid in ("R1", "R2", "R3", "R4", "U1", "U2"):
        assert f"{rid} 위반: " in text                               # ids stay, the verdict is Korean
    assert "R1 위반: DataUploaderRole만 my-secure-bucket에 객체를 쓸 수 있습니다" in text  # title_ko
    assert "의미       : uploader 외 모든 보안 주체: arn:aws:s3:::my-secure-bucket/*에 대한 s3:PutObject " \
           "요청은 거부되어야 합니다" in text
    assert "결과: 위반된 요구 사항: R1, R2, R3, R4, U1, U2" in text
    # AWS's names and the commands to replay stay exactly as AWS and the CLI spell them
    for name in ("s3:PutObject", "kms:GenerateDataKey*", "x-amz-server-side-encryption: aws:kms", KEY,
                 "aws:SecureTransport false", "$ aws --profile analyst s3api put-object --bucket my-secure-bucket"):
        assert name in text, name
    assert "RESULT" not in text and "VIOLATED" not in text and "counterexample" not in text


def test_a_violated_requirements_counterexample_is_told_in_korean(korean):
    report, text, _html = korean
    r1 = report.requirement("R1")
    assert r1.status == "VIOLATED" and not r1.holds          # machine-readable status unchanged
    first = r1.counterexamples[0]
    assert first.request["principal"] == "analyst" and first.decision == "allowed"
    assert first.description.startswith("analyst: PutObject s3://my-secure-bucket/checker/probe.txt (")
    assert "키 ID 헤더 없음" in first.description and "버킷 기본 암호화 없음" in first.description
    assert first.why == "요구 사항은 이 요청이 거부되어야 한다고 하지만, 엔드포인트는 허용합니다"
    assert "반례 1(기본값이 아닌 속성 1개): analyst: PutObject" in text
    assert "결정     : 허용됨" in text
    # R2: what would be stored, with the key named in Korean
    r2 = report.requirement("R2")
    assert {c.encryption["key_name"] for c in r2.counterexamples} <= {"AWS 관리형 키 alias/aws/s3", "다른 고객 관리형 키"}
    assert all(c.why.startswith("객체는 aws:kms, 키 arn:aws:kms:") and KEY in c.why for c in r2.counterexamples)
    assert "(AWS 관리형 키 alias/aws/s3) 방식으로 저장되지만, 요구 사항은 aws:kms, 키 " + KEY in text


def test_escalation_path_steps_are_korean(korean):
    report, text, _html = korean
    c = report.requirement("U1").counterexamples[0]
    assert c.path and c.path[0]["action"] == "kms:DisableKey"   # the same path as in English
    (words,) = c.path_words
    assert words.startswith("analyst: ") and "kms:DisableKey 호출" in words and "허용 근거:" in words
    assert "반례 1(호출 2번, 권한 상승 경로):" in text and "1단계   : analyst: " in text
    assert "위반 이유: 요구 사항은 이 요청이 성공해야 한다고 하지만, 결과는 오류(error)입니다" in text


def test_the_language_changes_the_words_not_the_verdicts(korean, english):
    ko, en = korean[0], english[0]
    assert [(r.id, r.status, r.in_scope, r.violations) for r in ko.requirements] == \
           [(r.id, r.status, r.in_scope, r.violations) for r in en.requirements]
    for rk, re_ in zip(ko.requirements, en.requirements):
        assert [(c.request, c.decision, c.complexity) for c in rk.counterexamples] == \
               [(c.request, c.decision, c.complexity) for c in re_.counterexamples], rk.id
        # the same commands to replay them (a shell comment aside)
        assert [[x for x in c.replay["cli"] if not x.startswith("#")] for c in rk.counterexamples] == \
               [[x for x in c.replay["cli"] if not x.startswith("#")] for c in re_.counterexamples], rk.id
    # the JSON report keeps its fields and machine values
    kd, ed = ko.as_dict(), en.as_dict()
    assert kd.keys() == ed.keys() and kd["summary"] == ed["summary"]
    assert kd["requirements"][0].keys() == ed["requirements"][0].keys()


def test_english_is_unchanged(english):
    report, text = english
    assert text.startswith("Requirement check of scenario 'seed': ")
    assert "R1 VIOLATED: Only DataUploaderRole may write objects to my-secure-bucket\n" in text
    assert "    means      : everyone except uploader: must be denied s3:PutObject on " \
           "arn:aws:s3:::my-secure-bucket/*\n" in text
    assert "    counterexample 1 (1 non-default property): analyst: PutObject s3://my-secure-bucket/checker/probe.txt " \
           "with x-amz-server-side-encryption: aws:kms, no key-id header; bucket default encryption off; " \
           "aws:SecureTransport false\n      decision : allowed\n" in text
    assert "      why bad  : the requirement says this must be refused, but the endpoint allows it\n" in text
    assert text.endswith("RESULT: violated: R1, R2, R3, R4, U1, U2")
    # no Korean but the post's own words quoted in the requirement sources
    assert not [line for line in text.splitlines() if hangul(line) and not line.startswith("    source     : ")]


# ---------------------------------------------------------------------- widget
def test_the_widget_speaks_korean(korean):
    _report, _text, html = korean
    assert "<th>요구 사항</th>" in html and "<th>가장 단순한 반례</th>" in html
    assert "일부 요구 사항이 위반되었습니다" in html and "권한 상승 경로:" in html
    assert html.count(">위반<") == 6 and "VIOLATED" not in html
    with language("ko"):
        box = checker_widget("seed", check=lambda name: korean[0])
        button, out = box.children[0].children[1], box.children[1]
        assert button.description == "요구 사항 검사" and hangul(out.value)
        box.run()
        assert "결정: <b>허용됨</b>" in out.value


# ---------------------------------------------------------------------- requirements files
def test_every_bundled_requirement_has_its_korean_twin():
    """New requirements need their Korean title (and source, note, description where the English has one)."""
    files = sorted(DATA_DIR.glob("*/requirements.json"))
    assert {f.parent.name for f in files} >= {"seed", "hardened", "renamed"}
    missing = []
    for f in files:
        doc = json.loads(f.read_text())
        items = [("file", doc, ("description",))] + [(r.get("id"), r, ("title", "source", "note"))
                                                     for r in doc["requirements"]]
        for where, item, names in items:
            for name in names:
                if name in item and not hangul(item.get(KOREAN_FIELDS[name], "")):
                    missing.append(f"{f.parent.name}/{where}: {KOREAN_FIELDS[name]}")
        assert all("title_ko" in r for r in doc["requirements"]), f
    assert not missing, "requirements without their Korean text:\n" + "\n".join(missing)


def test_korean_texts_are_shown_in_korean_only():
    reqs = parse_requirements(SEED_DOC, SC, REFS, ACTIONS)
    r3 = reqs[2]
    assert r3.shown_title == r3.title and r3.shown_note == r3.note and not hangul(reqs.description)
    with language("ko"):
        assert r3.shown_title == r3.title_ko and hangul(r3.shown_title) and hangul(r3.shown_note)
        assert hangul(parse_requirements(SEED_DOC, SC, REFS, ACTIONS).description)
    # a learner's file without Korean falls back to English
    doc = copy.deepcopy(SEED_DOC)
    del doc["requirements"][0]["title_ko"]
    with language("ko"):
        assert parse_requirements(doc, SC, REFS, ACTIONS)[0].shown_title == doc["requirements"][0]["title"]


def test_a_bad_requirements_file_is_explained_in_korean():
    doc = copy.deepcopy(SEED_DOC)
    doc["requirements"][0]["principals"] = {"except": ["analist"]}
    doc["requirements"][1]["title_ko"] = 5
    with language("ko"), pytest.raises(RequirementsError) as exc:
        parse_requirements(doc, SC, REFS, ACTIONS, "test.json")
    message = str(exc.value)
    assert message.startswith("test.json: 요구 사항에 문제가 2개 있습니다:")
    assert "requirements[0] (R1).principals: 'analist'은(는) 이 시나리오의 검사 범위에 있는 보안 주체가 아닙니다" \
        in message and "(혹시 'analyst'입니까?)" in message
    assert "requirements[1] (R2).title_ko: 문자열이어야 합니다(실제 값: 5)" in message


# ---------------------------------------------------------------------- child processes and the CLI
def test_a_check_in_a_child_process_speaks_the_callers_language(monkeypatch, english):
    """While a Lab runs, check() runs in a child process: it gets the language of the block it was asked in."""
    check_module = importlib.import_module("s3kms_lab.checker.check")  # the module, not the function
    seen = {}

    def fake_run(cmd, **kw):
        seen.update(kw["env"])
        return subprocess.CompletedProcess(cmd, 1, json.dumps(english[0].as_dict()), "")
    monkeypatch.setattr(check_module, "lab_running", lambda: True)
    monkeypatch.setattr(check_module.subprocess, "run", fake_run)
    with language("ko"):
        check_module.check("seed")
    assert seen[ENV_VAR] == "ko"


def test_the_candidate_checkers_child_is_asked_in_the_callers_language(monkeypatch, english):
    from s3kms_lab.checker import candidate
    check_module = importlib.import_module("s3kms_lab.checker.check")
    asked = []
    monkeypatch.setattr(check_module, "lab_running", lambda: True)
    monkeypatch.setattr(candidate._CHILD, "ask", lambda request: asked.append(request) or english[0].as_dict())
    with language("ko"):
        candidate.check_candidate("seed", {}, ["R1"])
    assert asked[0]["lang"] == "ko"


def test_the_check_command_honours_S3KMS_LAB_LANG():
    env = {**os.environ, ENV_VAR: "ko"}
    p = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "check", "--scenario", "seed"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stderr
    assert "R1 위반: DataUploaderRole만 my-secure-bucket에 객체를 쓸 수 있습니다" in p.stdout
    assert "결과: 위반된 요구 사항: R1, R2, R3, R4, U1, U2" in p.stdout
    assert "$ aws --profile analyst s3api put-object" in p.stdout and "VIOLATED" not in p.stdout
