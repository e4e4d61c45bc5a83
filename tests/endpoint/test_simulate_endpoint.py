"""IAM SimulateCustomPolicy / SimulatePrincipalPolicy through the endpoint, via boto3 and the AWS CLI.

Every public case in tests/data/simulate_cases.json must get AWS's answer
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html).
"""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import REPO, run_aws

CASES_FILE = REPO / "tests" / "data" / "simulate_cases.json"
CASES = json.loads(CASES_FILE.read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_public_case_through_the_endpoint(lab, case):
    iam = lab.client("iam", "admin")
    results = iam.simulate_custom_policy(**case["request"])["EvaluationResults"]
    got = {(r["EvalActionName"], rr["EvalResourceName"]): rr["EvalResourceDecision"]
           for r in results for rr in r["ResourceSpecificResults"]}
    for e in case["expect"]:
        assert got.get((e["action"], e["resource"])) == e["decision"], f"{case['id']}: {case['about']} ({case['source']})"


def test_response_shape_matches_aws(lab):
    iam = lab.client("iam", "admin")
    res = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::my-secure-bucket/*"}]})],
        ActionNames=["s3:DeleteObject", "s3:GetObject"],
        ResourceArns=["arn:aws:s3:::my-secure-bucket/a.txt"],
        ContextEntries=[{"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"}],
    )["EvaluationResults"]
    delete, get = res
    assert delete["EvalDecision"] == "explicitDeny"
    assert delete["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    assert delete["ResourceSpecificResults"][0]["EvalResourceName"] == "arn:aws:s3:::my-secure-bucket/a.txt"
    assert get["EvalDecision"] == "allowed"


def test_wildcard_action_is_invalid_input(lab):
    iam = lab.client("iam", "admin")
    with pytest.raises(ClientError) as exc:
        iam.simulate_custom_policy(PolicyInputList=['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'],
                                   ActionNames=["s3:*"])
    assert exc.value.response["Error"]["Code"] == "InvalidInput"


def test_simulator_needs_the_iam_permission(lab):
    """The caller needs iam:SimulateCustomPolicy (nobody has no policies)."""
    iam = lab.client("iam", "nobody")
    with pytest.raises(ClientError) as exc:
        iam.simulate_custom_policy(PolicyInputList=['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'],
                                   ActionNames=["s3:GetObject"])
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    assert "iam:SimulateCustomPolicy" in exc.value.response["Error"]["Message"]


def test_simulate_principal_policy_uses_the_roles_policies(lab):
    iam = lab.client("iam", "admin")
    role = "arn:aws:iam::123456789012:role/DataUploaderRole"
    res = iam.simulate_principal_policy(PolicySourceArn=role, ActionNames=["s3:PutObject", "s3:DeleteObject"],
                                        ResourceArns=["arn:aws:s3:::my-secure-bucket/x"])["EvaluationResults"]
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in res}
    assert decisions == {"s3:PutObject": "allowed", "s3:DeleteObject": "implicitDeny"}


def test_simulate_custom_policy_from_the_cli(lab):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                  "Resource": "arn:aws:s3:::my-secure-bucket/*"}]})
    p = run_aws(lab, "admin", "iam", "simulate-custom-policy", "--policy-input-list", policy,
                "--action-names", "s3:GetObject", "s3:PutObject",
                "--resource-arns", "arn:aws:s3:::my-secure-bucket/report.csv")
    assert p.returncode == 0, p.stderr.decode()
    out = json.loads(p.stdout)
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "implicitDeny"]
