"""`s3kms-lab export`: the CloudFormation template passes cfn-lint (pinned) with no error or warning, and every
resource and policy in it matches the scenario's once !Ref/!Sub/!GetAtt are replaced by the scenario's names and
ids; the AWS CLI script writes the same policies and creates the same resources."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint
from cfnlint.decode import decode_str

from s3kms_lab.account.export import cli, cloudformation, refs_for, resolve
from s3kms_lab.lab.scenario import DATA_DIR, load_scenario

SCENARIOS = ["seed", "hardened", "renamed"]


@pytest.fixture
def variant(tmp_path: Path) -> str:
    """hardened with what the two shipped scenarios do not exercise: SSE-S3 default encryption, versioning, a
    grant, Block Public Access partly off, ACLs enabled, no rotation, two inline policies, an IAM policy variable."""
    dst = tmp_path / "variant"
    shutil.copytree(DATA_DIR / "hardened", dst)
    spec = json.loads((dst / "scenario.json").read_text())
    spec["buckets"][0].update({"encryption": {"algorithm": "AES256"}, "versioning": "Enabled", "ownership": "ObjectWriter",
                               "public_access_block": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                       "BlockPublicPolicy": False, "RestrictPublicBuckets": True}})
    spec["keys"][0].update({"rotation": False, "grants": [{"grantee": "arn:aws:iam::123456789012:user/analyst",
                                                           "operations": ["Decrypt"], "name": "analyst-reads"}]})
    spec["roles"][0]["policies"]["OwnPrefix"] = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::my-secure-bucket",
         "Condition": {"StringLike": {"s3:prefix": "${aws:username}/*"}}}]}
    (dst / "scenario.json").write_text(json.dumps(spec))
    return str(dst)


def test_settings_an_import_only_assumed_are_not_exported(tmp_path):
    """An import that could not read Block Public Access or Object Ownership sets the least protective value
    (so the check never counts on it) and lists it under import.assumed; the export then writes AWS's secure
    defaults, not the guess."""
    dst = tmp_path / "imported"
    shutil.copytree(DATA_DIR / "hardened", dst)
    spec = json.loads((dst / "scenario.json").read_text())
    spec["buckets"][0].update({"ownership": "ObjectWriter", "public_access_block": dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), False)})
    spec["import"] = {"assumed": ["ownership", "public_access_block"]}
    (dst / "scenario.json").write_text(json.dumps(spec))
    bucket = _template(str(dst))["Resources"]["Bucket"]["Properties"]
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    spec["import"] = {"assumed": []}  # read, not assumed: exported as they are
    (dst / "scenario.json").write_text(json.dumps(spec))
    bucket = _template(str(dst))["Resources"]["Bucket"]["Properties"]
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {False}


def _template(name: str) -> dict:
    tpl, errors = decode_str(cloudformation(name))
    assert not errors
    return tpl


@pytest.mark.parametrize("name", SCENARIOS + ["variant"])
def test_cfn_lint_passes_with_no_error_or_warning(name, request):
    scenario = request.getfixturevalue("variant") if name == "variant" else name
    matches = lint(cloudformation(scenario), config=ManualArgs(regions=[load_scenario(scenario).region]))
    assert not matches, [(m.rule.id, m.message, m.linenumber) for m in matches]


@pytest.mark.parametrize("name", SCENARIOS + ["variant"])
def test_every_policy_in_the_template_is_the_scenarios(name, request):
    scenario = request.getfixturevalue("variant") if name == "variant" else name
    sc = load_scenario(scenario)
    res = resolve(_template(scenario)["Resources"], refs_for(sc))
    bucket, key, role = sc.spec["buckets"][0], sc.spec["keys"][0], sc.spec["roles"][0]
    assert res["BucketPolicy"]["Properties"]["PolicyDocument"] == json.loads(sc.policy_text(bucket["policy"]))
    assert res["Key"]["Properties"]["KeyPolicy"] == json.loads(sc.policy_text(key["policy"]))
    assert res["Role"]["Properties"]["AssumeRolePolicyDocument"] == json.loads(sc.policy_text(role["trust_policy"]))
    inline = {r["Properties"]["PolicyName"]: r["Properties"]["PolicyDocument"] for r in res.values()
              if r["Type"] == "AWS::IAM::RolePolicy"}
    assert inline == {n: json.loads(sc.policy_text(ref)) for n, ref in role["policies"].items()}
    assert all(r["Properties"]["RoleName"] == role["name"] for r in res.values() if r["Type"] == "AWS::IAM::RolePolicy")


@pytest.mark.parametrize("name", SCENARIOS + ["variant"])
def test_resources_match_the_scenario(name, request):
    scenario = request.getfixturevalue("variant") if name == "variant" else name
    sc = load_scenario(scenario)
    tpl = _template(scenario)
    refs = refs_for(sc)
    refs["BucketName"] = tpl["Parameters"]["BucketName"]["Default"]  # the parameter's default is the scenario's
    res = resolve(tpl["Resources"], refs)
    b, k, r = sc.spec["buckets"][0], sc.spec["keys"][0], sc.spec["roles"][0]
    assert {x["Type"] for x in res.values()} == {"AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::KMS::Key",
                                                 "AWS::KMS::Alias", "AWS::IAM::Role", "AWS::IAM::RolePolicy"}
    bucket = res["Bucket"]["Properties"]
    assert bucket["BucketName"] == b["name"] and res["BucketPolicy"]["Properties"]["Bucket"] == b["name"]
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    enc = b.get("encryption") or {"algorithm": "aws:kms", "key": sc.key_arn(k)}  # the export's documented default
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": enc["algorithm"]} | (
        {"KMSMasterKeyID": enc["key"]} if enc.get("key") else {})
    bpa = b.get("public_access_block") or dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    assert bucket["PublicAccessBlockConfiguration"] == bpa
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": b.get("ownership") or "BucketOwnerEnforced"}]}
    assert bucket.get("VersioningConfiguration") == ({"Status": "Enabled"} if b.get("versioning") == "Enabled" else None)
    assert res["Key"]["Properties"]["EnableKeyRotation"] is k.get("rotation", True)
    assert res["KeyAlias"]["Properties"] == {"AliasName": k["alias"], "TargetKeyId": k["id"]}
    assert res["Role"]["Properties"]["RoleName"] == r["name"]
    assert ("grant" in tpl["Description"]) == bool(k.get("grants"))


def _fake_aws(tmp_path: Path, sc) -> Path:
    """An `aws` command that logs its arguments and answers like AWS would for the calls whose output the
    script reads (account id, role ARN, key ARN)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    role = sc.spec["roles"][0]["name"]
    script = bin_dir / "aws"
    script.write_text(f"""#!/bin/sh
echo "$*" >> "{tmp_path}/aws.log"
case "$1 $2" in
  "sts get-caller-identity") echo {sc.account} ;;
  "iam create-role") echo arn:aws:iam::{sc.account}:role/{role} ;;
  "kms create-key") echo {sc.main_key_arn} ;;
esac
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


@pytest.mark.parametrize("name", SCENARIOS + ["variant"])
def test_cli_script_writes_the_scenarios_policies(name, request, tmp_path):
    scenario = request.getfixturevalue("variant") if name == "variant" else name
    sc = load_scenario(scenario)
    work = tmp_path / "work"
    work.mkdir()
    (work / "deploy.sh").write_text(cli(scenario))
    env = dict(os.environ, PATH=f"{_fake_aws(tmp_path, sc)}:{os.environ['PATH']}")
    proc = subprocess.run(["bash", "deploy.sh"], cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    b, k, r = sc.spec["buckets"][0], sc.spec["keys"][0], sc.spec["roles"][0]
    read = lambda f: json.loads((work / f).read_text())  # noqa: E731
    assert read("bucket-policy.json") == json.loads(sc.policy_text(b["policy"]))
    assert read("key-policy.json") == json.loads(sc.policy_text(k["policy"]))
    assert read("trust-policy.json") == json.loads(sc.policy_text(r["trust_policy"]))
    first = next(iter(r["policies"].values()))
    assert read("role-policy.json") == json.loads(sc.policy_text(first))
    log = (tmp_path / "aws.log").read_text().splitlines()
    order = [" ".join(line.split()[:2]) for line in log]
    assert order.index("iam create-role") < order.index("kms create-key") < order.index("s3api put-bucket-policy")
    assert order.count("iam put-role-policy") == len(r["policies"])
    assert ("kms enable-key-rotation" in order) is k.get("rotation", True)
    assert any(line.startswith(f"kms create-alias --alias-name {k['alias']}") for line in log)


def test_cli_export_command(tmp_path):
    out = tmp_path / "template.yaml"
    proc = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "export", "--scenario", "hardened",
                           "--format", "cloudformation", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == cloudformation("hardened")
    proc = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "export", "--scenario", "no-such",
                           "--format", "cli"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "No scenario 'no-such'" in proc.stderr
