"""The post's own policies (seed): every one of its four requirements is violated, with the simplest
counterexamples, each explained by the engine (EVAL-2 and SSE-6 of docs/aws-rules.md)."""
from __future__ import annotations

import json

from s3kms_lab.checker import Report

KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_all_four_post_requirements_are_violated_but_the_uploader_still_works(seed_report):
    status = {r.id: r.status for r in seed_report.requirements}
    assert status == {"R1": "VIOLATED", "R2": "VIOLATED", "R3": "VIOLATED", "R4": "VIOLATED",
                      "U1": "VIOLATED", "U2": "VIOLATED"}
    assert not seed_report.holds
    assert seed_report.requests_decided > 1000
    for rid in ("R1", "R2", "R3", "R4"):  # the shortest counterexamples are one step: a principal simply acts
        assert all(not c.path for c in seed_report.requirement(rid).counterexamples), rid
    # The uploader works as provisioned (no direct request of U1/U2 is refused); it stops working only after
    # a non-administrator changes state: analyst's kms:* and the root statement let it disable the key.
    # (Changed by issue 12: U1/U2 used to be reported HOLDS because state changes were not considered.)
    for rid in ("U1", "U2"):
        c = seed_report.requirement(rid).counterexamples[0]
        assert c.path and c.path[0]["actor"] == "analyst"
        assert c.path[0]["action"] in ("kms:DisableKey", "kms:ScheduleKeyDeletion", "s3:PutBucketPolicy")
        assert c.request["principal"] == "uploader" and c.decision != "allowed"


def test_r1_another_same_account_identity_writes_with_sse_kms(seed_report):
    """Fact 92: the bucket policy's Allows do not restrict same-account identities with their own Allow."""
    r1 = seed_report.requirement("R1")
    first = r1.counterexamples[0]
    assert first.complexity == 1
    assert first.request["principal"] == "analyst" and first.request["kind"] == "put"  # admin is trusted
    assert first.request["sse"] == "aws:kms" and first.decision == "allowed"
    assert "identity-based policy allows it" in " ".join(first.explanation)
    assert any(c.request["principal"] == "analyst" for c in r1.counterexamples)


def test_r2_the_deny_checks_only_the_algorithm(seed_report):
    """Fact 93: aws:kms with another key, or with no key id (aws/s3), passes the algorithm-only Deny."""
    r2 = seed_report.requirement("R2")
    keys = {c.request.get("kms_key_id") for c in r2.counterexamples}
    assert "absent" in keys and keys & {"other-key", "aws/s3"}
    assert all(c.encryption and c.encryption["key"] != KEY for c in r2.counterexamples)
    assert any(c.request["principal"] == "uploader" for c in r2.counterexamples)
    assert r2.counterexamples[0].complexity == 1


def test_r3_the_root_statement_delegates_the_key_to_iam(seed_report):
    """Fact 95: analyst's kms:* identity policy can use the key because the key policy trusts the account."""
    r3 = seed_report.requirement("R3")
    # admin is a trusted administrator (requirements@2), so analyst's counterexamples come first; the direct
    # KMS call is among them (a GetObject of an SSE-KMS object, which needs kms:Decrypt, may come before it).
    analyst = [c for c in r3.counterexamples if c.request["principal"] == "analyst" and c.request["kind"] == "kms"]
    assert analyst and analyst[0].complexity == 0
    assert "the key policy of alias/my-secure-key delegates to the account" in " ".join(analyst[0].explanation)


def test_r4_others_read_the_objects(seed_report):
    r4 = seed_report.requirement("R4")
    first = r4.counterexamples[0]
    assert first.request["kind"] == "get" and first.request["principal"] in ("admin", "analyst")
    assert first.complexity == 0


def test_counterexamples_are_ordered_simplest_first_and_carry_replay_recipes(seed_report):
    for r in seed_report.requirements:
        cx = [c.complexity for c in r.counterexamples]
        assert cx == sorted(cx)
        for c in r.counterexamples:
            assert c.replay["cli"] and "lab.client(" in c.replay["boto3"]
            assert c.explanation


def test_report_round_trips_through_json(seed_report):
    d = json.loads(json.dumps(seed_report.as_dict()))
    again = Report.from_dict(d)
    assert again.as_dict()["requirements"] == d["requirements"]
    assert d["summary"]["R1"] == "VIOLATED" and d["holds"] is False


def test_text_report_names_every_requirement(seed_report):
    text = seed_report.text()
    for rid in ("R1", "R2", "R3", "R4"):
        assert f"{rid} VIOLATED" in text
    assert "aws --profile" in text and "RESULT: violated: R1, R2, R3, R4" in text


def test_counterexamples_name_the_key_an_object_would_be_stored_under(seed_report):
    """Issue 17: a key ARN alone does not tell a learner it is the AWS managed key aws/s3."""
    stored = [line for line in seed_report.text().splitlines() if line.strip().startswith("stored")]
    aws_s3 = [line for line in stored if "key/1234abcd" not in line and "another customer managed key" not in line]
    assert aws_s3 and all(line.endswith("(the AWS managed key alias/aws/s3)") for line in aws_s3), aws_s3
    assert any(line.endswith("(alias/my-secure-key)") for line in stored)
