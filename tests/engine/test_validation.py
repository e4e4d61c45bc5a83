"""Malformed policy documents are refused with the policy kind's AWS error code and a message naming the element.

Codes: IAM ``MalformedPolicyDocument``, S3 bucket policy ``MalformedPolicy``, KMS key policy
``MalformedPolicyDocumentException`` (https://github.com/localstack/localstack/blob/main/tests/aws/services/s3/test_s3_api.snapshot.json,
https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html). Grammar:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
"""
from __future__ import annotations

import json

import pytest

from s3kms_lab.engine import MalformedPolicyError, PolicyKind, parse_policy
from s3kms_lab.engine.simulate import SimulationError, simulate_custom_policy

CODES = {PolicyKind.IDENTITY: "MalformedPolicyDocument", PolicyKind.BOUNDARY: "MalformedPolicyDocument",
         PolicyKind.SESSION: "MalformedPolicyDocument", PolicyKind.SCP: "MalformedPolicyDocument",
         PolicyKind.TRUST: "MalformedPolicyDocument", PolicyKind.BUCKET: "MalformedPolicy",
         PolicyKind.KEY: "MalformedPolicyDocumentException"}
RESOURCE_KINDS = (PolicyKind.BUCKET, PolicyKind.KEY)
IDENTITY_KINDS = (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP)
ALL_KINDS = IDENTITY_KINDS + RESOURCE_KINDS + (PolicyKind.TRUST,)

PRINCIPAL = {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"}


def stmt(kind: PolicyKind, **over) -> dict:
    """A valid statement for the kind, with fields overridden (None deletes)."""
    s = {"Sid": "S1", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-secure-bucket/*"}
    if kind.is_resource_policy:
        s["Principal"] = PRINCIPAL
    if kind is PolicyKind.TRUST:
        s["Action"] = "sts:AssumeRole"
        del s["Resource"]
    if kind is PolicyKind.KEY:
        s["Action"], s["Resource"] = "kms:Decrypt", "*"
    for k, v in over.items():
        if v is None:
            s.pop(k, None)
        else:
            s[k] = v
    return s


def doc(kind: PolicyKind, **over) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt(kind, **over)]})


def refused(text: str, kind: PolicyKind) -> MalformedPolicyError:
    with pytest.raises(MalformedPolicyError) as info:
        parse_policy(text, kind)
    err = info.value
    assert err.code == CODES[kind]
    assert err.kind is kind
    return err


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_valid_baseline_parses(kind):
    pol = parse_policy(doc(kind), kind)
    assert pol.statements[0].sid == "S1"


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_invalid_json(kind):
    err = refused('{"Version": "2012-10-17", "Statement": [', kind)
    assert "JSON" in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_unknown_statement_element(kind):
    err = refused(doc(kind, Effekt="Allow"), kind)
    assert "Effekt" in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_unknown_top_level_element(kind):
    text = json.dumps({"Version": "2012-10-17", "Statment": [], "Statement": [stmt(kind)]})
    assert "Statment" in refused(text, kind).message


@pytest.mark.parametrize("kind", IDENTITY_KINDS + RESOURCE_KINDS, ids=lambda k: k.name)
def test_bad_arn_in_resource(kind):
    err = refused(doc(kind, Resource="my-secure-bucket/*"), kind)
    assert "Resource" in err.message or "resource" in err.message
    assert "my-secure-bucket/*" in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_empty_action(kind):
    err = refused(doc(kind, Action=[]), kind)
    assert "Action" in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_invalid_action_string(kind):
    err = refused(doc(kind, Action="GetObject"), kind)
    assert "action" in err.message.lower() and "GetObject" in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_unknown_condition_operator(kind):
    err = refused(doc(kind, Condition={"StringEqualz": {"aws:SourceIp": "x"}}), kind)
    assert "StringEqualz" in err.message and "Condition" in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_unknown_set_qualifier(kind):
    err = refused(doc(kind, Condition={"ForSomeValues:StringEquals": {"aws:TagKeys": "x"}}), kind)
    assert "ForSomeValues" in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_null_with_ifexists_refused(kind):
    err = refused(doc(kind, Condition={"NullIfExists": {"aws:TokenIssueTime": "true"}}), kind)
    assert "NullIfExists" in err.message


@pytest.mark.parametrize("op, value", [("NumericLessThan", "ten"), ("DateGreaterThan", "yesterday"),
                                       ("IpAddress", "10.0.0.300/8"), ("Bool", "maybe")])
def test_bad_condition_value(op, value):
    err = refused(doc(PolicyKind.IDENTITY, Condition={op: {"aws:SomeKey": value}}), PolicyKind.IDENTITY)
    assert op in err.message and value in err.message


@pytest.mark.parametrize("kind", IDENTITY_KINDS, ids=lambda k: k.name)
@pytest.mark.parametrize("element", ["Principal", "NotPrincipal"])
def test_principal_in_identity_policy(kind, element):
    err = refused(doc(kind, **{element: PRINCIPAL}), kind)
    assert element in err.message or "principal" in err.message


@pytest.mark.parametrize("kind", RESOURCE_KINDS + (PolicyKind.TRUST,), ids=lambda k: k.name)
def test_missing_principal_in_resource_policy(kind):
    err = refused(doc(kind, Principal=None), kind)
    assert "Principal" in err.message


@pytest.mark.parametrize("kind", RESOURCE_KINDS + (PolicyKind.TRUST,), ids=lambda k: k.name)
@pytest.mark.parametrize("arn", ["arn:aws:iam::123456789012:role/Data*", "arn:aws:iam::123456789012:user/?lice",
                                 "arn:aws:sts::123456789012:assumed-role/DataUploaderRole/*"])
def test_partial_wildcard_in_principal(kind, arn):
    """Only a bare "*" may be a wildcard principal (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)."""
    err = refused(doc(kind, Principal={"AWS": arn}), kind)
    assert "principal" in err.message.lower() and arn in err.message


@pytest.mark.parametrize("kind", RESOURCE_KINDS + (PolicyKind.TRUST,), ids=lambda k: k.name)
def test_principal_string_other_than_star(kind):
    err = refused(doc(kind, Principal="arn:aws:iam::123456789012:root"), kind)
    assert "Principal" in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
@pytest.mark.parametrize("effect", ["allow", "Permit", ""])
def test_bad_effect(kind, effect):
    err = refused(doc(kind, Effect=effect), kind)
    assert "ffect" in err.message and repr(effect) in err.message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_missing_effect(kind):
    assert "Effect" in refused(doc(kind, Effect=None), kind).message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_action_and_notaction_together(kind):
    err = refused(doc(kind, NotAction="s3:PutObject"), kind)
    assert "Action" in err.message


@pytest.mark.parametrize("kind", IDENTITY_KINDS + (PolicyKind.BUCKET,), ids=lambda k: k.name)
def test_missing_resource(kind):
    assert "Resource" in refused(doc(kind, Resource=None), kind).message


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_bad_version(kind):
    text = json.dumps({"Version": "2012-10-18", "Statement": [stmt(kind)]})
    assert "Version" in refused(text, kind).message


@pytest.mark.parametrize("kind", RESOURCE_KINDS, ids=lambda k: k.name)
def test_duplicate_sids_in_resource_policy(kind):
    text = json.dumps({"Version": "2012-10-17", "Statement": [stmt(kind), stmt(kind)]})
    assert "S1" in refused(text, kind).message


def test_notprincipal_allow_refused_in_key_policy():
    """Most resource-policy types refuse NotPrincipal with Allow (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html)."""
    err = refused(doc(PolicyKind.KEY, Principal=None, NotPrincipal=PRINCIPAL), PolicyKind.KEY)
    assert "NotPrincipal" in err.message


def test_error_message_names_statement():
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        stmt(PolicyKind.BUCKET), stmt(PolicyKind.BUCKET, Sid="Broken", Effect="Maybe")]})
    assert "Broken" in refused(text, PolicyKind.BUCKET).message


def test_simulator_reports_malformed_policy_document():
    with pytest.raises(SimulationError) as info:
        simulate_custom_policy({"PolicyInputList": ['{"Statement": ['], "ActionNames": ["s3:GetObject"]})
    assert info.value.code == "MalformedPolicyDocument" and "PolicyInputList.1" in info.value.message


@pytest.mark.parametrize("params, needle", [
    ({"PolicyInputList": [], "ActionNames": ["s3:Get*"]}, "ActionNames"),
    ({"PolicyInputList": [], "ActionNames": ["s3:GetObject"], "ResourceArns": ["my-bucket"]}, "ResourceArns"),
    ({"PolicyInputList": [], "ActionNames": ["s3:GetObject"], "ResourcePolicy": "{}"}, "CallerArn"),
    ({"PolicyInputList": [], "ActionNames": ["s3:GetObject"], "CallerArn": "arn:aws:sts::123456789012:assumed-role/R/s",
      "ResourcePolicy": '{"Statement": []}'}, "CallerArn"),
])
def test_simulator_invalid_input(params, needle):
    """https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html"""
    with pytest.raises(SimulationError) as info:
        simulate_custom_policy(params)
    assert info.value.code == "InvalidInput" and needle in info.value.message
