"""A non-administrator that may give rights gives them to anyone, and the caller chooses its request values.

1. A principal allowed kms:CreateGrant or kms:PutKeyPolicy can name ANY principal as grantee / in the new
   key policy (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html,
   https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html), so DataUploaderRole with
   kms:CreateGrant breaks "only the role uses the key" (R3) by granting use to another principal, who then acts.
2. The encryption context of a direct KMS request is whatever the caller sends
   (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context):
   a kms:EncryptionContext:<key> condition does not stop a caller that sends the value it wants.
Scenarios: copies of hardened without its Deny-everyone-but-the-role statement (tests/checker/hardened_cases.py)."""
from __future__ import annotations

import pytest

from s3kms_lab import Lab
from s3kms_lab.checker import check
from s3kms_lab.checker.replay import ReplayContext, recipe, replay, replay_path

from .hardened_cases import make_case

_REPORTS: dict[str, object] = {}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("rights-for-others")

    def get(name):
        if name not in _REPORTS:
            folder = make_case(root, name)
            _REPORTS[name] = (folder, check(str(folder)))
        return _REPORTS[name]
    return get


def test_hardened_without_its_deny_still_holds(reports):
    """The baseline: the violations below come from the added statement, not from removing the Deny."""
    _folder, report = reports("without-the-deny")
    assert report.holds, [(r.id, [c.description for c in r.counterexamples]) for r in report.requirements]


@pytest.mark.parametrize("case, first_call", [("role-may-create-grants", "kms:CreateGrant"),
                                              ("role-may-put-the-key-policy", "kms:PutKeyPolicy")])
def test_the_role_gives_key_use_to_another_principal(reports, case, first_call):
    _folder, report = reports(case)
    r3 = report.requirement("R3")
    assert not r3.holds
    c = r3.counterexamples[0]
    assert [s["action"] for s in c.path] == [first_call]  # shortest: one call, then the grantee acts
    step = c.path[0]
    assert step["actor"] == "uploader"
    assert c.request["principal"] not in ("uploader", "admin")  # charged to the grantee, who is not trusted
    assert f"(for {c.request['principal']})" in step["target"]
    assert c.decision == "allowed"


def test_a_context_condition_does_not_stop_the_caller_that_sends_it(reports):
    _folder, report = reports("nobody-decrypts-with-a-context")
    r3 = report.requirement("R3")
    assert not r3.holds
    c = r3.counterexamples[0]
    assert c.request["principal"] == "nobody"
    assert c.request["operation"] in ("Decrypt", "ReEncrypt")
    assert c.request["encryption_context"] == {"purpose": "x"}
    assert not c.path  # one request, no state change
    assert "purpose" in c.description
    assert {"purpose": "x"} in report.universe["encryption_context"]


def test_the_counterexamples_replay_in_a_lab(reports):
    """Each step succeeds and the last request is allowed, through the endpoint (a fresh lab per scenario)."""
    cases = [reports(name) for name in ("role-may-create-grants", "role-may-put-the-key-policy")]
    direct = reports("nobody-decrypts-admin-encrypts")
    for folder, report in cases:
        c = report.requirement("R3").counterexamples[0]
        assert c.replay["replayable"], c.replay["note"]
        with Lab(str(folder)) as lab:
            got = replay_path(lab, c.replay)
        assert [s["ok"] for s in got["steps"]] == [True] * len(c.path), (got["steps"], c.path_words)
        assert got["final"]["decision"] == "allowed", (c.description, got["final"])
    folder, report = direct
    c = report.requirement("R3").counterexamples[0]
    assert c.request["principal"] == "nobody" and c.request["encryption_context"] == {"purpose": "x"}
    r = recipe(c.request, ReplayContext.from_dict(report.setup))
    assert r["replayable"], r["note"]
    with Lab(str(folder)) as lab:
        got = replay(lab, r)
    assert got["decision"] == "allowed", (c.description, got)


@pytest.mark.parametrize("conditions, contexts", [
    ([], []),
    ([{"StringEquals": {"kms:ViaService": "s3.ap-northeast-2.amazonaws.com"}}], []),
    ([{"StringEquals": {"kms:EncryptionContext:purpose": "x"}}], [(("purpose", "x"),)]),
    ([{"StringLike": {"kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}}],
     [(("aws:s3:arn", "arn:aws:s3:::b"),), (("aws:s3:arn", "arn:aws:s3:::b/*"),)]),
    ([{"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["team"]}},
      {"StringEquals": {"kms:EncryptionContext:purpose": "x"}}],
     [(("team", "checker"),), (("purpose", "x"),), (("purpose", "x"), ("team", "checker"))]),
])
def test_the_encryption_contexts_tried_come_from_the_policies(conditions, contexts):
    from s3kms_lab.checker.universe import encryption_contexts
    assert encryption_contexts(conditions) == contexts


def test_conditions_are_found_in_policies_held_as_json_text():
    import json

    from s3kms_lab.checker.universe import conditions_in
    doc = {"Statement": [{"Effect": "Allow", "Condition": {"StringEquals": {"kms:EncryptionContext:a": "1"}}}]}
    assert conditions_in({"key_policy": json.dumps(doc)}) == [doc["Statement"][0]["Condition"]]
