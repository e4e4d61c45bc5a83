"""Which users, roles and accounts a policy names (IAM identifiers:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns)."""
from __future__ import annotations

import pytest

from s3kms_lab.account.principals import NamedPrincipal, named_in, parse_principal_arn

A = "123456789012"


@pytest.mark.parametrize("value, expected", [
    (f"arn:aws:iam::{A}:user/admin", NamedPrincipal("user", A, "admin")),
    (f"arn:aws:iam::{A}:user/division/team/alice", NamedPrincipal("user", A, "alice")),  # path dropped
    (f"arn:aws:iam::{A}:role/DataUploaderRole", NamedPrincipal("role", A, "DataUploaderRole")),
    (f"arn:aws:sts::{A}:assumed-role/DataUploaderRole/uploader", NamedPrincipal("role", A, "DataUploaderRole")),
    (f"arn:aws:iam::{A}:root", NamedPrincipal("account", A)),
    (A, NamedPrincipal("account", A)),
    (f"arn:aws-cn:iam::{A}:role/R", NamedPrincipal("role", A, "R")),
    ("*", None),
    (f"arn:aws:iam::{A}:role/*", None),            # a pattern names no one in particular
    (f"arn:aws:iam::{A}:user/ad?in", None),
    ("s3.amazonaws.com", None),
    ("AROAEXAMPLEID:session", None),               # unique ids are not resolved
    (f"arn:aws:iam::{A}:policy/P", None),
    (f"arn:aws:s3:::my-bucket/*", None),
])
def test_parse_principal_arn(value, expected):
    assert parse_principal_arn(value) == expected


def test_named_in_reads_principal_not_principal_condition_and_resource():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{A}:role/R1", "210987654321"]}, "Action": "s3:*",
         "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{A}:user/u1"}, "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
         "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [f"arn:aws:iam::{A}:role/R2"]},
                       "StringEquals": {"aws:SourceAccount": "555555555555"}}},
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{A}:role/R3"},
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
    ]}
    assert named_in(policy) == {NamedPrincipal("role", A, "R1"), NamedPrincipal("account", "210987654321"),
                                NamedPrincipal("user", A, "u1"), NamedPrincipal("role", A, "R2"),
                                NamedPrincipal("role", A, "R3")}  # a bare account id in a Condition is not a principal


@pytest.mark.parametrize("text", ["not json", "[]", '{"Statement": "x"}', '{"Statement": {"Principal": "*"}}'])
def test_named_in_of_odd_documents_names_nothing(text):
    assert named_in(text) == set()
