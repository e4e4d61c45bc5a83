"""Explanations and messages for the seed post's policies (the scenario in tests/engine/cases/seed_scenario.json).

Message shape: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
"""
from __future__ import annotations

import pytest

from engine_cases import build, load_file
from s3kms_lab.engine.explain import explain, summarize

SEED = load_file("seed_scenario.json")
FRAG = SEED["fragments"]
CASES = {c["id"]: c for c in SEED["cases"]}


def decide(case_id: str, **over):
    case = dict(CASES[case_id], **over)
    from s3kms_lab.engine import authorize
    req, ps = build(case, FRAG)
    return authorize(req, ps)


def test_summary_names_deny_statement_and_absent_key():
    d = decide("seed-role-put-no-header-denied")
    s = summarize(d)
    assert d.effect == "explicitDeny"
    assert "DenyUnEncryptedUploads" in s
    assert "key absent from the request" in s
    assert "StringNotEquals" in s and "s3:x-amz-server-side-encryption" in s
    assert "Deny always beats" in s  # the rule


def test_explain_text_walks_every_statement():
    text = explain(decide("seed-role-put-no-header-denied")).text()
    assert text.startswith("Explicit deny by resource-based policy SEED-BUCKET, statement DenyUnEncryptedUploads")
    for sid in ("AllowPutObjectWithKMSEncryption", "AllowGetObject", "DenyUnEncryptedUploads"):
        assert sid in text
    assert "DenyUnEncryptedUploads: applies" in text
    assert "AllowGetObject: does not apply" in text and "Action does not cover s3:PutObject" in text
    assert "absent" in text and "negated operator matches" in text


def test_explain_as_dict_marks_deciding_statement():
    ex = explain(decide("seed-role-put-no-header-denied")).as_dict()
    bucket = next(p for p in ex["policies"] if p["kind"] == "resource-based policy")
    applied = [s["label"] for s in bucket["statements"] if s["applies"]]
    assert applied == ["DenyUnEncryptedUploads"]
    assert ex["rule"] == "explicit-deny"


def test_summary_for_allow_names_granting_statement():
    d = decide("seed-role-put-right-key-no-identity")
    s = summarize(d)
    assert d.allowed and "AllowPutObjectWithKMSEncryption" in s
    assert "role" in s  # the rule: the bucket policy allows the caller's role


def test_summary_for_other_key_gap_names_identity_rule():
    d = decide("seed-role-put-other-key-identity-allows")
    assert d.allowed and "identity-based policy allows" in summarize(d)


def test_summary_implicit_deny_names_rule():
    d = decide("seed-plain-user-cannot-read")
    assert d.effect == "implicitDeny"
    assert summarize(d).startswith("implicit deny: no identity-based policy allows it")


def test_message_explicit_deny_in_resource_policy():
    d = decide("seed-role-put-no-header-denied")
    assert d.message(quote_resource=True) == (
        "User: arn:aws:sts::123456789012:assumed-role/DataUploaderRole/i-0abc is not authorized to perform: "
        's3:PutObject on resource: "arn:aws:s3:::my-secure-bucket/file.txt" with an explicit deny in a resource-based policy')


def test_message_implicit_deny_identity():
    d = decide("seed-plain-user-cannot-read")
    assert d.message().endswith("because no identity-based policy allows the s3:GetObject action")


@pytest.mark.parametrize("case_file, case_id", [("scps.json", "scp-missing-allow-is-implicit-deny"),
                                                ("scps.json", "scp-deny-wins")])
def test_scp_message_always_says_explicit_deny(case_file, case_id):
    """TSAD: an SCP denial always reads 'explicit deny in a service control policy', even when implicit."""
    from s3kms_lab.engine import authorize
    data = load_file(case_file)
    case = next(c for c in data["cases"] if c["id"] == case_id)
    d = authorize(*build(case, data["fragments"]))
    assert d.message().endswith("with an explicit deny in a service control policy")


def test_boundary_cap_message():
    from s3kms_lab.engine import authorize
    data = load_file("boundaries_sessions.json")
    case = next(c for c in data["cases"] if c["id"] == "pb-role-arn-grant-capped")
    d = authorize(*build(case, data["fragments"]))
    assert d.message().endswith("because no permissions boundary allows the s3:PutObject action")
    assert "permissions boundary" in summarize(d)
