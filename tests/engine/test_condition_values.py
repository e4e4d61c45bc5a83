"""Condition values as AWS reads them: every W3C date-time form and epoch seconds for Date operators,
several values of ``Null`` ORed.

Date operators take "one of the W3C implementations of the ISO 8601 date formats or epoch (UNIX) time":
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
(the forms: https://www.w3.org/TR/NOTE-datetime). Several values for one key are ORed, for every operator:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from s3kms_lab.engine import MalformedPolicyError, PolicyKind, parse_policy
from s3kms_lab.engine.conditions import evaluate_condition, parse_condition_block

UTC = timezone.utc


@pytest.mark.parametrize("value, instant", [
    ("2020", datetime(2020, 1, 1, tzinfo=UTC)),                                 # YYYY
    ("2020-05", datetime(2020, 5, 1, tzinfo=UTC)),                              # YYYY-MM
    ("2020-05-15", datetime(2020, 5, 15, tzinfo=UTC)),                          # YYYY-MM-DD
    ("2020-05-15T10:30Z", datetime(2020, 5, 15, 10, 30, tzinfo=UTC)),           # hh:mmTZD
    ("2020-05-15T10:30:15Z", datetime(2020, 5, 15, 10, 30, 15, tzinfo=UTC)),    # hh:mm:ssTZD
    ("2020-05-15T10:30:15.25Z", datetime(2020, 5, 15, 10, 30, 15, 250000, tzinfo=UTC)),  # fraction
    ("2020-05-15T12:30:15+02:00", datetime(2020, 5, 15, 10, 30, 15, tzinfo=UTC)),  # offset
    ("2020-05-15T05:30:15-05:00", datetime(2020, 5, 15, 10, 30, 15, tzinfo=UTC)),
    ("1589538615", datetime(2020, 5, 15, 10, 30, 15, tzinfo=UTC)),              # epoch seconds
])
@pytest.mark.parametrize("as_policy_value", [True, False])
def test_date_forms_name_the_same_instant(value, instant, as_policy_value):
    stamp = instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    policy_value, request_value = (value, stamp) if as_policy_value else (stamp, value)
    cond = parse_condition_block({"DateEquals": {"aws:CurrentTime": policy_value}})[0]
    assert evaluate_condition(cond, {"aws:currenttime": [request_value]})


@pytest.mark.parametrize("value", ["2020-13", "2020-05-32", "2020-5", "2020-0515", "2020-05-15T25:00Z",
                                   "2020-05-15T10:00:00+24:00", "2020-05-15 10:00:00", "yesterday", "nan", "inf",
                                   "1e9", ""])
def test_malformed_date_refused(value):
    with pytest.raises(MalformedPolicyError) as info:
        parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                      "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": value}}}]}, PolicyKind.IDENTITY)
    assert "DateLessThan" in info.value.message


@pytest.mark.parametrize("values, present, expected", [
    (["true"], False, True), (["true"], True, False),
    (["false"], False, False), (["false"], True, True),
    (["true", "false"], False, True), (["true", "false"], True, True),   # ORed: always matches
    (["false", "true"], False, True), (["false", "true"], True, True),
    (["TRUE"], False, True), (["false", "false"], False, False),
])
def test_null_values_are_ored(values, present, expected):
    cond = parse_condition_block({"Null": {"aws:username": values}})[0]
    ctx = {"aws:username": ["alice"]} if present else {}
    assert evaluate_condition(cond, ctx) is expected
    trace: list = []
    assert evaluate_condition(cond, ctx, trace=trace) is expected and trace[0]["matched"] is expected


@pytest.mark.parametrize("value, request_value, matches", [
    ("10", "10", True), ("10", "10.0", True), ("-3", "-3", True), ("10.5", "10.50", True), (".5", "0.5", True),
    (10, "10", True), (1e20, "100000000000000000000", True),   # JSON numbers in the policy
])
def test_numeric_values_integer_or_decimal(value, request_value, matches):
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric"""
    cond = parse_condition_block({"NumericEquals": {"s3:max-keys": value}})[0]
    assert evaluate_condition(cond, {"s3:max-keys": [request_value]}) is matches


@pytest.mark.parametrize("value", ["inf", "-Infinity", "nan", "1_000", "0x10", " 10", "ten", ""])
def test_numeric_values_that_are_not_numbers_refused(value):
    with pytest.raises(MalformedPolicyError) as info:
        parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                      "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": value}}}]}, PolicyKind.IDENTITY)
    assert "NumericLessThan" in info.value.message


@pytest.mark.parametrize("request_value", ["inf", "nan", "1_000", "ten"])
def test_numeric_request_value_that_is_not_a_number_matches_nothing(request_value):
    positive = parse_condition_block({"NumericLessThan": {"s3:max-keys": "5000"}})[0]
    negated = parse_condition_block({"NumericNotEquals": {"s3:max-keys": "5000"}})[0]
    assert evaluate_condition(positive, {"s3:max-keys": [request_value]}) is False
    assert evaluate_condition(negated, {"s3:max-keys": [request_value]}) is True
