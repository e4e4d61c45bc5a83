"""`s3kms-lab import` / `export` in Korean: an import of the seed lab made inside ``language("ko")`` says its notes,
summary, errors and README.md in Korean and writes the Korean twins of every requirement text (so the imported
account checks in Korean), while what machines read stays as it is: ARNs, IAM actions, AWS error codes,
scenario.json (its record of the import stays English) and the English requirement texts. The same import in
English is unchanged (tests/account pins its texts).

One lab for the module (the seed scenario stands in for an account, as in tests/account)."""
from __future__ import annotations

import json
import re

import pytest

from s3kms_lab import Lab
from s3kms_lab.account import ImportIncomplete, import_account
from s3kms_lab.account.export import export
from s3kms_lab.checker.requirements import KOREAN_FIELDS, parse_requirements
from s3kms_lab.endpoint import operations
from s3kms_lab.i18n import language
from s3kms_lab.lab.scenario import load_scenario

from account.conftest import ADMIN, ACCOUNT, lab_profiles, session  # tests/account
from .hangul import hangul

ARGS = dict(bucket="my-secure-bucket", key="alias/my-secure-key", role="DataUploaderRole", admins=[ADMIN])
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole"
OTHER_NOTE_EN = ("User any-other-principal (not in your account) stands in for the users and roles no policy names: "
                 "allowed s3:* and kms:* by their own policies, no IAM. Import real ones with --principal ARN.")


@pytest.fixture(scope="module")
def lab():
    with Lab("seed") as running, lab_profiles(running):
        yield running


@pytest.fixture(scope="module")
def imports(lab, tmp_path_factory):
    """The seed imported twice into folders of the same name: in English, then in Korean."""
    base = tmp_path_factory.mktemp("imports")
    english = import_account(session("admin"), **ARGS, out=base / "en" / "mine")
    with language("ko"):
        korean = import_account(session("admin"), **ARGS, out=base / "ko" / "mine")
        summary = korean.summary()
    return english, korean, summary


def test_the_korean_summary_and_notes_keep_the_aws_names(imports):
    english, korean, summary = imports
    assert hangul(summary) and "계정 123456789012(ap-northeast-2)" in summary
    assert korean.notes and all(hangul(n) for n in korean.notes)
    other = next(n for n in korean.notes if "any-other-principal" in n)
    assert "사용자 any-other-principal" in other and "s3:*" in other and "kms:*" in other and "--principal ARN" in other
    assert any(f"계정 {ACCOUNT} 자체를" in n for n in korean.notes)
    assert "s3kms-lab check --scenario" in summary
    # the same notes, one for one, and English unchanged
    assert len(korean.notes) == len(english.notes) and OTHER_NOTE_EN in english.notes
    assert not any(hangul(n) for n in english.notes) and not hangul(english.summary())


def test_a_call_that_did_not_answer_is_named_in_korean_with_its_iam_action(imports):
    english, korean, _summary = imports
    assert len(korean.warnings) == len(english.warnings)
    for en, ko in zip(english.warnings, korean.warnings):
        api = en.split(" ")[0]
        action = re.search(r"\(needs (\S+)\)", en).group(1)
        assert hangul(ko) and api in ko and f"({action} 필요)" in ko


def test_the_korean_readme_keeps_arns_and_commands(imports):
    _english, korean, _summary = imports
    readme = (korean.out / "README.md").read_text()
    for heading in ("## 폴더 내용", "## 참고", "## 사용 방법", "## 요구 사항 편집"):
        assert heading in readme
    assert readme.startswith(f"# 계정 {ACCOUNT}에서 가져옴: 버킷 my-secure-bucket")
    assert f"- `DataUploaderRole`: {ROLE_ARN}" in readme
    assert f"s3kms-lab check --scenario {korean.out}" in readme
    assert '"${UPLOADER}"' in readme and f"arn:aws:iam::{ACCOUNT}:role/OtherRole" in readme
    assert "What is here" not in readme
    assert "## What is here" in (korean.out.parent.parent / "en" / "mine" / "README.md").read_text()


def test_requirements_carry_korean_twins_and_the_same_english(imports):
    english, korean, _summary = imports
    doc_en = json.loads((english.out / "requirements.json").read_text())
    doc_ko = json.loads((korean.out / "requirements.json").read_text())
    # written alike whatever the import's language: English texts, their Korean twins, actions, ARNs
    assert doc_ko == doc_en
    assert hangul(doc_ko["description_ko"]) and not hangul(doc_ko["description"])
    for r in doc_ko["requirements"]:
        for english_field, korean_field in KOREAN_FIELDS.items():
            if english_field in r:
                assert hangul(r[korean_field]), (r["id"], korean_field)
    r1 = doc_ko["requirements"][0]
    assert (r1["title"], r1["title_ko"]) == ("Only DataUploaderRole may write objects to my-secure-bucket",
                                             "DataUploaderRole만 my-secure-bucket에 객체를 쓸 수 있습니다")
    assert r1["actions"] == ["s3:PutObject"] and doc_ko["vars"]["UPLOADER"] == ROLE_ARN
    # the checker accepts the twins and shows them when the lab speaks Korean
    sc = load_scenario(str(korean.out))
    refs = {p: p for p in sc.spec["profiles"]} | {ROLE_ARN: "DataUploaderRole", ADMIN: "admin",
                                                  "anonymous": "anonymous"}
    actions = ["s3:PutObject", "s3:GetObject", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey",
               "kms:ReEncryptFrom", "kms:ReEncryptTo"]
    with language("ko"):
        reqs = parse_requirements(doc_ko, sc, refs, actions)
        assert [r.shown_title for r in reqs] == [r["title_ko"] for r in doc_ko["requirements"]]
        assert reqs.description == doc_ko["description_ko"]
    assert [r.shown_title for r in reqs] == [r["title"] for r in doc_ko["requirements"]]


def test_scenario_json_stays_english(imports):
    english, korean, _summary = imports
    en = json.loads((english.out / "scenario.json").read_text())
    ko = json.loads((korean.out / "scenario.json").read_text())
    for spec in (en, ko):
        spec.pop("source")  # says when
        for call in spec["import"]["calls"]:
            call.pop("error", None)  # AWS's words, e.g. the lab's port in a connection error
    for spec in (en, ko):
        spec["import"]["not_read"] = [re.sub(r"127\.0\.0\.1:\d+", "PORT", x) for x in spec["import"]["not_read"]]
    assert ko == en
    assert OTHER_NOTE_EN in ko["import"]["notes"]


def test_an_incomplete_import_says_why_in_korean_and_keeps_the_aws_error(lab, tmp_path, monkeypatch):
    monkeypatch.delitem(operations.KMS_OPERATIONS, "ListGrants")
    with language("ko"), pytest.raises(ImportIncomplete) as info:
        import_account(session("admin"), **ARGS, out=tmp_path / "mine")
    message = str(info.value)
    assert message.startswith("가져오기가 완료되지 않아 시나리오를 쓰지 않았습니다")
    [problem] = [p for p in info.value.problems if "ListGrants" in p]
    assert problem.startswith("키 ") and "의 ListGrants(kms:ListGrants 필요): 엔드포인트가 구현하지 않은 호출입니다(" in problem
    assert not (tmp_path / "mine").exists()


def test_argument_errors_in_korean(lab, tmp_path):
    with language("ko"):
        with pytest.raises(ValueError, match="--admin 'admin': 사용자 또는 역할 ARN"):
            import_account(session("admin"), **{**ARGS, "admins": ["admin"]}, out=tmp_path / "mine")
        with pytest.raises(ValueError, match="--format 'xml': cloudformation, cli 중 하나여야 합니다"):
            export("seed", "xml")
        # the exported template and script are the same in every language
        assert export("seed", "cloudformation") == _english_export("cloudformation")


def _english_export(fmt: str) -> str:
    with language("en"):
        return export("seed", fmt)
