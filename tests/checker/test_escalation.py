"""Escalation is found where it is the only way: in copies of seed where ``analyst`` can only change state,
the checker reports the requirements it breaks through a multi-step path that starts with that call, each
step explained (who, which call, which statement allowed it). Paths are the shortest: iterative deepening.
AWS semantics of each call: the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html),
KMS grants (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html), role trust policies
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html)."""
from __future__ import annotations

import pytest

from s3kms_lab.checker import check

from .escalation_cases import CASES, make_case

_REPORTS: dict[str, object] = {}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("escalation")

    def get(name):
        if name not in _REPORTS:
            _REPORTS[name] = check(str(make_case(root, name)))
        return _REPORTS[name]
    return get


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_only_way_is_found_as_a_path_that_starts_with_the_state_change(reports, case):
    _st, _trust, expected, holds = CASES[case]
    report = reports(case)
    for rid, first_action in expected.items():
        r = report.requirement(rid)
        assert not r.holds, f"{case}: {rid} should be broken through {first_action}"
        c = r.counterexamples[0]
        assert c.path, f"{case}: {rid} is broken without a path: {c.description}"
        assert c.path[0]["action"] == first_action, (case, rid, c.path_words)
        assert c.steps >= 2
        if rid.startswith("R"):
            assert c.request["principal"] == "analyst"
        for step in c.path:
            assert step["allowed_by"], step  # which statement allowed each step
    for rid in holds:
        assert report.requirement(rid).holds, (case, rid, report.requirement(rid).counterexamples[:1])


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_step_is_explained_and_has_cli_and_boto3_commands(reports, case):
    _st, _trust, expected, _holds = CASES[case]
    report = reports(case)
    c = report.requirement(next(iter(expected))).counterexamples[0]
    assert len(c.path_words) == len(c.path)
    for words, step in zip(c.path_words, c.path):
        assert step["actor"] in words and step["action"] in words and "allowed:" in words
    rp = c.replay
    assert len(rp["steps"]) == len(c.path)
    for step, rstep in zip(c.path, rp["steps"]):
        service, operation = step["action"].split(":")
        assert any(cmd.find(operation[:3].lower()) >= 0 for cmd in rstep["cli"])
        assert rstep["boto3"]
    assert rp["cli"] and "with Lab(" in rp["boto3"]


def test_becoming_the_role_is_charged_to_who_became_it(reports):
    """'Only the role uploads' is broken when analyst assumes the role (the trust policy trusts the account
    root and analyst may call sts:AssumeRole) and uploads as the role."""
    c = reports("assume-a-role-that-trusts-the-account").requirement("R1").counterexamples[0]
    assert [s["action"] for s in c.path] == ["sts:AssumeRole"]
    assert c.path[0]["gains"] == "DataUploaderRole session"
    assert c.request["identity"] == "DataUploaderRole session" and c.request["principal"] == "analyst"
    assert "delegates to the account" in " ".join(c.path[0]["allowed_by"])  # the trust policy trusts the root


def test_rewriting_the_trust_policy_takes_two_state_changes(reports):
    c = reports("rewrite-the-trust-policy").requirement("R1").counterexamples[0]
    assert [s["action"] for s in c.path] == ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]
    assert c.steps == 3


def test_holding_requirements_list_what_was_tried(reports):
    r = reports("create-grant").requirement("R1")
    assert r.holds and r.tried
    analyst = r.tried["analyst"]
    assert analyst["kms:CreateGrant"]["allowed"] >= 1
    for action in ("s3:PutBucketPolicy", "iam:PutUserPolicy", "sts:AssumeRole", "kms:PutKeyPolicy"):
        assert analyst[action]["tried"] >= 1 and analyst[action]["allowed"] == 0, action


def test_the_escalation_figures_are_reported(reports):
    e = reports("put-user-policy-on-itself").escalation
    assert e["calls_tried"] > 0 and e["states"] > 0 and e["requests_decided"] > 0
    assert "admin" not in e["attackers"] and "analyst" in e["attackers"]
