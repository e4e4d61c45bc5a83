"""The requirements file format: the shipped files validate; mistakes give clear, located errors."""
from __future__ import annotations

import copy
import json

import pytest

from s3kms_lab.checker import RequirementsError, check
from s3kms_lab.checker.requirements import parse_requirements
from s3kms_lab.lab.scenario import DATA_DIR, load_scenario

SC = load_scenario("seed")
REFS = {"admin": "admin", "uploader": "uploader", "analyst": "analyst", "nobody": "nobody", "outsider": "outsider",
        "anonymous": "anonymous", "arn:aws:iam::123456789012:role/DataUploaderRole": "uploader",
        "arn:aws:iam::123456789012:user/analyst": "analyst"}
ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey",
           "kms:ReEncryptFrom", "kms:ReEncryptTo"]
SEED_DOC = json.loads((DATA_DIR / "seed" / "requirements.json").read_text())


def problems_of(doc) -> list[str]:
    with pytest.raises(RequirementsError) as exc:
        parse_requirements(doc, SC, REFS, ACTIONS, "test.json")
    return exc.value.problems


def test_seed_file_validates_and_substitutes_variables():
    reqs = parse_requirements(SEED_DOC, SC, REFS, ACTIONS)
    assert [r.id for r in reqs] == ["R1", "R2", "R3", "R4", "U1", "U2"]
    r2 = reqs[1]
    assert r2.expect == "encryption" and r2.key == SC.main_key_arn and r2.algorithms == ("aws:kms",)
    assert reqs[0].principals == ("uploader",) and reqs[0].except_principals
    assert reqs[2].resources == (SC.main_key_arn,)
    assert "everyone except uploader" in reqs[0].sentence()


def test_hardened_file_validates():
    sc = load_scenario("hardened")
    doc = json.loads((DATA_DIR / "hardened" / "requirements.json").read_text())
    assert len(parse_requirements(doc, sc, REFS, ACTIONS)) == 6


def test_unknown_principal_is_named_with_a_suggestion():
    doc = copy.deepcopy(SEED_DOC)
    doc["requirements"][0]["principals"] = {"except": ["analist"]}
    (p,) = problems_of(doc)
    assert p.startswith("requirements[0] (R1).principals: 'analist' is not a principal")
    assert "did you mean 'analyst'" in p


def test_every_problem_is_reported_with_its_location():
    doc = copy.deepcopy(SEED_DOC)
    doc["requirements"][0]["expect"] = "forbidden"
    doc["requirements"][1]["acitons"] = ["s3:PutObject"]
    doc["requirements"][2]["actions"] = ["kms:Sign"]
    doc["requirements"][3]["when"] = {"sse": "aws:kms:dsse2", "tls": True}
    doc["requirements"][4]["resources"] = ["my-secure-bucket/*"]
    doc["requirements"][5]["id"] = "R1"
    problems = problems_of(doc)
    text = "\n".join(problems)
    assert "requirements[0] (R1).expect: 'forbidden' is not one of" in text
    assert "requirements[1] (R2): unknown field 'acitons' (did you mean 'actions'?)" in text
    assert "requirements[2] (R3).actions: 'kms:Sign' matches no request the checker enumerates" in text
    assert "requirements[3] (R4).when.sse: \"aws:kms:dsse2\" is not one of" in text
    assert "requirements[3] (R4).when: unknown request property 'tls'" in text
    assert "requirements[4] (U1).resources: 'my-secure-bucket/*' is not an ARN pattern" in text
    assert "duplicate id 'R1'" in text


def test_unknown_variable_and_bad_encryption_key():
    doc = copy.deepcopy(SEED_DOC)
    doc["requirements"][1]["expect"] = {"encryption": {"algorithm": "aws:kms", "key": "${KEY_ARM}"}}
    problems = problems_of(doc)
    assert any("unknown variable ${KEY_ARM}" in p and "did you mean 'KEY_ARN'" in p for p in problems)
    doc["requirements"][1]["expect"] = {"encryption": {"algorithm": "aws:kms", "key": "alias/my-secure-key"}}
    assert any("must be a key ARN" in p for p in problems_of(doc))


def test_missing_requirements_file_is_a_clear_error(tmp_path):
    import shutil
    d = tmp_path / "noreq"
    shutil.copytree(DATA_DIR / "seed", d)
    (d / "requirements.json").unlink()
    with pytest.raises(RequirementsError, match="no requirements file"):
        check(str(d))


def test_not_an_object():
    assert problems_of([]) == ['the file must hold a JSON object with a "requirements" list']


# ---------------------------------------------------------------- the threat model (format @2, issue 12)

def test_trusted_administrators_are_principal_names():
    reqs = parse_requirements(SEED_DOC, SC, REFS, ACTIONS)
    assert SEED_DOC["format"] == "s3kms-lab/requirements@2"
    assert reqs.trusted == ("admin",)
    assert any("trusted administrators admin" in n for n in reqs.notes)


def test_old_format_still_loads_and_trusts_only_the_admin_user():
    doc = copy.deepcopy(SEED_DOC)
    doc["format"] = "s3kms-lab/requirements@1"
    del doc["trusted_administrators"]
    reqs = parse_requirements(doc, SC, REFS, ACTIONS)
    assert reqs.trusted == ("admin",)
    assert any("requirements@1" in n and "`admin` user only" in n for n in reqs.notes)


def test_old_format_without_an_admin_user_trusts_nobody():
    doc = copy.deepcopy(SEED_DOC)
    doc["format"] = "s3kms-lab/requirements@1"
    del doc["trusted_administrators"]
    refs = {k: v for k, v in REFS.items() if v != "admin"}
    reqs = parse_requirements(doc, SC, refs, ACTIONS)
    assert reqs.trusted == () and any("nobody" in n for n in reqs.notes)


@pytest.mark.parametrize("value, expected", [
    (None, "trusted_administrators: missing"),
    (["admn"], "did you mean 'admin'?"),
    ("admin", "expected a list"),
])
def test_trusted_administrators_mistakes_are_named(value, expected):
    doc = copy.deepcopy(SEED_DOC)
    if value is None:
        del doc["trusted_administrators"]
    else:
        doc["trusted_administrators"] = value
    assert any(expected in p for p in problems_of(doc))


def test_trusted_administrators_is_empty_list_for_nobody():
    doc = copy.deepcopy(SEED_DOC)
    doc["trusted_administrators"] = []
    assert parse_requirements(doc, SC, REFS, ACTIONS).trusted == ()
