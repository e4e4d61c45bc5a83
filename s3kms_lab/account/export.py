"""``s3kms-lab export``: a scenario's bucket, key and role as a CloudFormation template or as AWS CLI commands.

What is exported: the scenario's first bucket (default encryption, Block Public Access, Object Ownership, bucket
policy, versioning when enabled), its first key (key policy, rotation, alias) and its first role (trust policy and
inline policies). Users and other principals are not: they already exist in the account the template goes to.

Names and ids become references, so the policies follow the stack: the key ARN is ``!GetAtt Key.Arn``, the role
ARN ``!GetAtt Role.Arn``, the bucket name the ``BucketName`` parameter (default: the scenario's), the account id
``${AWS::AccountId}``, the region ``${AWS::Region}``, ``arn:aws:`` ``arn:${AWS::Partition}:``
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
:func:`resolve` substitutes them back, which is how the tests compare every exported policy with the scenario's
files. To avoid a circular dependency (the key policy names the role, the role's policy may name the key, the
key policy may name the bucket whose encryption names the key) the role's inline policies are
``AWS::IAM::RolePolicy`` resources and the bucket is named through the parameter, not ``!Ref Bucket``.

Defaults where the scenario says nothing, each what AWS recommends: default encryption SSE-KMS under the
exported key (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html), all four Block
Public Access settings on and ``BucketOwnerEnforced`` (the S3 defaults for new buckets since April 2023,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-overview.html), automatic key rotation on
(https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html). KMS grants cannot be expressed in
CloudFormation; a scenario's grants are listed in the template's description instead.

The template and the script are the same in every language of the lab (they are deployed and shared); only the
errors a learner reads are translated (:mod:`s3kms_lab.i18n`).
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

import yaml

from ..i18n import _
from ..lab.scenario import Scenario, load_scenario

__all__ = ["cloudformation", "cli", "resolve", "refs_for", "export", "lint_template", "FORMATS"]

FORMATS = ("cloudformation", "cli")


@dataclass(frozen=True)
class Ref:
    """A name the exported stack decides: KeyArn, KeyId, RoleArn, BucketName, AccountId, Region, Partition."""

    name: str


# How each reference is written in CloudFormation (inside !Sub) and in a shell script.
_CFN_SUB = {"KeyArn": "${Key.Arn}", "KeyId": "${Key}", "RoleArn": "${Role.Arn}", "BucketName": "${BucketName}",
            "AccountId": "${AWS::AccountId}", "Region": "${AWS::Region}", "Partition": "${AWS::Partition}"}
_SHELL = {"KeyArn": "${KEY_ARN}", "KeyId": "${KEY_ID}", "RoleArn": "${ROLE_ARN}", "BucketName": "${BUCKET}",
          "AccountId": "${ACCOUNT_ID}", "Region": "${REGION}", "Partition": "aws"}


@dataclass
class _Design:
    """The exported part of a scenario, read once."""

    sc: Scenario
    bucket: dict[str, Any]
    key: dict[str, Any]
    role: dict[str, Any]

    @property
    def key_arn(self) -> str:
        return self.sc.key_arn(self.key)

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.role.get('account', self.sc.account)}:role/{self.role['name']}"

    def literals(self, self_key: bool) -> list[tuple[str, list[Any]]]:
        """(literal, replacement parts), longest first. ``self_key``: the policy is the key's own, which cannot
        name the key's ARN before the key exists (a key policy applies to its key only, so it keeps ``*``)."""
        acct, region, bucket = self.sc.account, self.sc.region, self.bucket["name"]
        table: list[tuple[str, list[Any]]] = []
        if not self_key:
            table += [(self.key_arn, [Ref("KeyArn")]), (self.key["id"], [Ref("KeyId")])]
        table += [(self.role_arn, [Ref("RoleArn")]),
                  (f"arn:aws:s3:::{bucket}", ["arn:", Ref("Partition"), ":s3:::", Ref("BucketName")]),
                  ("arn:aws:", ["arn:", Ref("Partition"), ":"]), (acct, [Ref("AccountId")]), (region, [Ref("Region")])]
        return table

    def encryption(self) -> dict[str, Any]:
        enc = self.bucket.get("encryption") or {"algorithm": "aws:kms", "key": self.key_arn, "bucket_key": False}
        return enc


def _design(sc: Scenario) -> _Design:
    missing = [k for k in ("buckets", "keys", "roles") if not sc.spec.get(k)]
    if missing:
        raise ValueError(_("scenario {name} has no {missing}: the export needs a bucket, a key and a role").format(
            name=repr(sc.name), missing=" / ".join(missing)))
    return _Design(sc, sc.spec["buckets"][0], sc.spec["keys"][0], sc.spec["roles"][0])


class _Parts(list):
    """One string of a document as its parts: literal strings and :class:`Ref` (never empty)."""


def _split(text: str, table: list[tuple[str, list[Any]]]) -> _Parts:
    """``text`` as literal strings and :class:`Ref` parts, replacing the table's literals in order."""
    parts: list[Any] = [text]
    for literal, replacement in table:
        out: list[Any] = []
        for part in parts:
            if isinstance(part, Ref) or literal not in part:
                out.append(part)
                continue
            pieces = part.split(literal)
            for i, piece in enumerate(pieces):
                if i:
                    out += replacement
                if piece:
                    out.append(piece)
        parts = out
    return _Parts(parts or [""])


def _symbolic(doc: Any, table: list[tuple[str, list[Any]]]) -> Any:
    """The policy document with every string as a list of parts (literal strings and :class:`Ref`)."""
    if isinstance(doc, str):
        return _split(doc, table)
    if isinstance(doc, list):
        return [_symbolic(v, table) for v in doc]
    if isinstance(doc, dict):
        return {k: _symbolic(v, table) for k, v in doc.items()}
    return doc


# ------------------------------------------------------------------------------------------- CloudFormation
class _Tag:
    """A CloudFormation short-form intrinsic function in YAML (``!Ref X``, ``!GetAtt X.Y``, ``!Sub '...'``)."""

    def __init__(self, tag: str, value: str):
        self.tag, self.value = tag, value


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Tag, lambda d, t: d.represent_scalar(t.tag, t.value))


def _cfn_value(parts: list[Any]) -> Any:
    if len(parts) == 1 and isinstance(parts[0], Ref):
        ref = _CFN_SUB[parts[0].name][2:-1]
        return _Tag("!GetAtt", ref) if "." in ref else _Tag("!Ref", ref)
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    # literal "${" must be written "${!" inside !Sub (policy variables such as ${aws:username})
    return _Tag("!Sub", "".join(_CFN_SUB[p.name] if isinstance(p, Ref) else p.replace("${", "${!") for p in parts))


def _cfn(doc: Any) -> Any:
    if isinstance(doc, _Parts):
        return _cfn_value(doc)
    if isinstance(doc, list):
        return [_cfn(v) for v in doc]
    if isinstance(doc, dict):
        return {k: _cfn(v) for k, v in doc.items()}
    return doc


def _policy(d: _Design, text: str, self_key: bool = False) -> Any:
    return _cfn(_symbolic(json.loads(text), d.literals(self_key)))


def _string(d: _Design, value: str) -> Any:
    return _cfn(_split(value, d.literals(False)))


def _read(sc: Scenario, bucket: dict[str, Any], setting: str) -> Any:
    """A bucket setting of the scenario, or None when the scenario does not say it or an import only assumed it
    (scenario.json ``import.assumed``: not read, set to the least protective value)."""
    if setting in sc.spec.get("import", {}).get("assumed", []):
        return None
    return bucket.get(setting)


def _bpa(sc: Scenario, bucket: dict[str, Any]) -> dict[str, bool]:
    names = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    given = _read(sc, bucket, "public_access_block") or {}
    return {n: bool(given[n]) for n in names} if all(n in given for n in names) else {n: True for n in names}


def _ownership(sc: Scenario, bucket: dict[str, Any]) -> str:
    return _read(sc, bucket, "ownership") or "BucketOwnerEnforced"


def cloudformation(scenario: str | Scenario) -> str:
    """The scenario's bucket, key and role as a CloudFormation template (YAML text). Raises ValueError when the
    scenario has no bucket, key or role."""
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    d = _design(sc)
    b, k, r = d.bucket, d.key, d.role
    enc = d.encryption()
    default: dict[str, Any] = {"SSEAlgorithm": enc.get("algorithm", "aws:kms")}
    if enc.get("key"):
        default["KMSMasterKeyID"] = _string(d, enc["key"])
    bucket_props: dict[str, Any] = {
        "BucketName": _Tag("!Ref", "BucketName"),
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": default, "BucketKeyEnabled": bool(enc.get("bucket_key", False))}]},
        "PublicAccessBlockConfiguration": _bpa(sc, b),
        "OwnershipControls": {"Rules": [{"ObjectOwnership": _ownership(sc, b)}]},
    }
    if b.get("versioning") == "Enabled":
        bucket_props["VersioningConfiguration"] = {"Status": "Enabled"}
    key_props: dict[str, Any] = {"Description": k.get("description") or f"Customer managed key of {sc.name}",
                                 "EnableKeyRotation": bool(k.get("rotation", True)),
                                 "KeyPolicy": _policy(d, sc.policy_text(k["policy"]), self_key=True)}
    resources: dict[str, Any] = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": r["name"],
            "AssumeRolePolicyDocument": _policy(d, sc.policy_text(r["trust_policy"]))}
            | ({"Description": r["description"]} if r.get("description") else {})},
        "Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                "Properties": key_props},
    }
    if k.get("alias"):
        resources["KeyAlias"] = {"Type": "AWS::KMS::Alias",
                                 "Properties": {"AliasName": k["alias"], "TargetKeyId": _Tag("!Ref", "Key")}}
    for i, (pname, ref) in enumerate(r.get("policies", {}).items()):
        resources[f"RolePolicy{i + 1}" if i else "RolePolicy"] = {"Type": "AWS::IAM::RolePolicy", "Properties": {
            "RoleName": _Tag("!Ref", "Role"), "PolicyName": pname,
            "PolicyDocument": _policy(d, sc.policy_text(ref))}}
    resources["Bucket"] = {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                           "Properties": bucket_props}
    if b.get("policy"):
        resources["BucketPolicy"] = {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": _Tag("!Ref", "Bucket"), "PolicyDocument": _policy(d, sc.policy_text(b["policy"]))}}
    description = (f"s3kms-lab export of scenario {sc.name}: bucket {b['name']}, key {k.get('alias') or k['id']}, "
                   f"role {r['name']}.")
    if k.get("grants"):
        description += (f" Not exported (CloudFormation has no resource for them): {len(k['grants'])} KMS grant(s) "
                        "of the key; create them with aws kms create-grant.")
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": {"BucketName": {"Type": "String", "Default": b["name"],
                                      "Description": "Name of the bucket (the policies follow it)"}},
        "Resources": resources,
        "Outputs": {"BucketName": {"Value": _Tag("!Ref", "Bucket")},
                    "KeyArn": {"Value": _Tag("!GetAtt", "Key.Arn")},
                    "RoleArn": {"Value": _Tag("!GetAtt", "Role.Arn")}},
    }
    return yaml.dump(template, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


# ------------------------------------------------------------------------------------------- resolving
def refs_for(scenario: str | Scenario) -> dict[str, str]:
    """What each reference of an exported template stands for in the scenario: logical ids (``Key``, ``Role``,
    ``Bucket``, ``BucketName``), ``X.Attr`` for ``!GetAtt`` and the pseudo parameters ``AWS::...``."""
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    d = _design(sc)
    return {"Key": d.key["id"], "Key.Arn": d.key_arn, "Role": d.role["name"], "Role.Arn": d.role_arn,
            "Bucket": d.bucket["name"], "BucketName": d.bucket["name"], "Bucket.Arn": f"arn:aws:s3:::{d.bucket['name']}",
            "AWS::AccountId": sc.account, "AWS::Region": sc.region, "AWS::Partition": "aws"}


_SUB_VAR = re.compile(r"\$\{(!?)([^}]*)\}")


def resolve(node: Any, refs: dict[str, str]) -> Any:
    """``node`` (a template as cfn-lint's decoder or ``json.load`` gives it) with ``Ref``, ``Fn::GetAtt`` and
    ``Fn::Sub`` replaced from ``refs`` (see :func:`refs_for`). Raises KeyError for a name ``refs`` lacks."""
    if isinstance(node, dict):
        if set(node) == {"Ref"}:
            return refs[node["Ref"]]
        if set(node) == {"Fn::GetAtt"}:
            target = node["Fn::GetAtt"]
            return refs[".".join(target) if isinstance(target, list) else target]
        if set(node) == {"Fn::Sub"}:
            text = node["Fn::Sub"]
            return _SUB_VAR.sub(lambda m: "${" + m.group(2) + "}" if m.group(1) else refs[m.group(2)], text)
        return {k: resolve(v, refs) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, refs) for v in node]
    return node


# ------------------------------------------------------------------------------------------- AWS CLI
def _shell_json(doc: Any) -> str:
    """A symbolic document as JSON for an unquoted heredoc: literal $, ` and \\ escaped, references expanded."""
    placeholder = "\ue000{}\ue001"  # private-use characters: json.dumps leaves them, policies do not hold them
    refs: list[str] = []

    def text(parts: list[Any]) -> str:
        out = []
        for p in parts:
            if isinstance(p, Ref):
                refs.append(_SHELL[p.name])
                out.append(placeholder.format(len(refs) - 1))
            else:
                out.append(p)
        return "".join(out)

    def walk(v: Any) -> Any:
        if isinstance(v, _Parts):
            return text(v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v

    rendered = json.dumps(walk(doc), indent=2, ensure_ascii=False)
    rendered = rendered.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`")
    return re.sub("\ue000(\\d+)\ue001", lambda m: refs[int(m.group(1))], rendered)


def _heredoc(path: str, d: _Design, text: str, self_key: bool = False) -> str:
    body = _shell_json(_symbolic(json.loads(text), d.literals(self_key)))
    return f"cat > {path} <<EOF\n{body}\nEOF"


def cli(scenario: str | Scenario) -> str:
    """The same resources as :func:`cloudformation`, as a bash script of AWS CLI commands in the post's style
    (policies as JSON files, one ``aws`` command per step, long options on continuation lines)."""
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    d = _design(sc)
    b, k, r = d.bucket, d.key, d.role
    q = shlex.quote
    enc = d.encryption()
    default: dict[str, Any] = {"SSEAlgorithm": enc.get("algorithm", "aws:kms")}
    if enc.get("key"):
        default["KMSMasterKeyID"] = _split(enc["key"], d.literals(False))
    sse_config = {"Rules": [{"ApplyServerSideEncryptionByDefault": default,
                             "BucketKeyEnabled": bool(enc.get("bucket_key", False))}]}
    bpa = ",".join(f"{n}={str(v).lower()}" for n, v in _bpa(sc, b).items())
    lines = [
        "#!/usr/bin/env bash",
        f"# s3kms-lab export of scenario {sc.name}: bucket {b['name']}, key {k.get('alias') or k['id']}, role {r['name']}.",
        "# Run with credentials of an administrator of the target account. Policy files are written next to it.",
        "set -euo pipefail",
        "ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)",
        f"REGION={q(sc.region)}",
        f"BUCKET={q(b['name'])}",
        "",
        f"# 1. IAM role {r['name']} and its trust policy (the key policy below names the role, so it comes first)",
        _heredoc("trust-policy.json", d, sc.policy_text(r["trust_policy"])),
        "ROLE_ARN=$(aws iam create-role \\",
        f"  --role-name {q(r['name'])} \\",
        "  --assume-role-policy-document file://trust-policy.json \\",
        "  --query Role.Arn --output text)",
        "",
        "# 2. KMS customer managed key with its key policy, rotation and alias",
        _heredoc("key-policy.json", d, sc.policy_text(k["policy"]), self_key=True),
        "KEY_ARN=$(aws kms create-key \\",
        f"  --description {q(k.get('description') or 'Customer managed key of ' + sc.name)} \\",
        "  --policy file://key-policy.json \\",
        "  --region \"$REGION\" \\",
        "  --query KeyMetadata.Arn --output text)",
        "KEY_ID=${KEY_ARN##*/}",
    ]
    if k.get("rotation", True):
        lines.append("aws kms enable-key-rotation --key-id \"$KEY_ID\" --region \"$REGION\"")
    if k.get("alias"):
        lines.append(f"aws kms create-alias --alias-name {q(k['alias'])} --target-key-id \"$KEY_ID\" --region \"$REGION\"")
    for grant in k.get("grants", []):
        lines.append(f"# not exported: grant {grant.get('name') or ''} to {grant['grantee']} for "
                     f"{', '.join(grant['operations'])} (aws kms create-grant)")
    lines += ["", f"# 3. The role's inline policies"]
    for i, (pname, ref) in enumerate(r.get("policies", {}).items()):
        fname = "role-policy.json" if i == 0 else f"role-policy-{i + 1}.json"
        lines += [_heredoc(fname, d, sc.policy_text(ref)),
                  "aws iam put-role-policy \\", f"  --role-name {q(r['name'])} \\",
                  f"  --policy-name {q(pname)} \\", f"  --policy-document file://{fname}"]
    create = ["aws s3api create-bucket \\", "  --bucket \"$BUCKET\" \\", "  --region \"$REGION\""]
    if sc.region != "us-east-1":  # us-east-1 refuses a LocationConstraint
        create[-1] += " \\"
        create.append("  --create-bucket-configuration LocationConstraint=\"$REGION\"")
    lines += ["", "# 4. The bucket: Block Public Access, Object Ownership, default encryption, bucket policy"] + create + [
        "aws s3api put-public-access-block \\", "  --bucket \"$BUCKET\" \\",
        f"  --public-access-block-configuration {bpa}",
        "aws s3api put-bucket-ownership-controls \\", "  --bucket \"$BUCKET\" \\",
        f"  --ownership-controls 'Rules=[{{ObjectOwnership={_ownership(sc, b)}}}]'",
        f"cat > bucket-encryption.json <<EOF\n{_shell_json(sse_config)}\nEOF",
        "aws s3api put-bucket-encryption \\", "  --bucket \"$BUCKET\" \\",
        "  --server-side-encryption-configuration file://bucket-encryption.json",
    ]
    if b.get("versioning") == "Enabled":
        lines += ["aws s3api put-bucket-versioning --bucket \"$BUCKET\" --versioning-configuration Status=Enabled"]
    if b.get("policy"):
        lines += [_heredoc("bucket-policy.json", d, sc.policy_text(b["policy"])),
                  "aws s3api put-bucket-policy \\", "  --bucket \"$BUCKET\" \\", "  --policy file://bucket-policy.json"]
    lines += ["", "# Upload as the role (the post's section 5):",
              "# aws s3 cp file.txt \"s3://$BUCKET/\" \\", "#   --sse aws:kms \\", "#   --sse-kms-key-id \"$KEY_ARN\""]
    return "\n".join(lines) + "\n"


def export(scenario: str, fmt: str) -> str:
    """The scenario in ``fmt`` (``cloudformation`` or ``cli``). Raises ValueError for another format."""
    if fmt == "cloudformation":
        return cloudformation(scenario)
    if fmt == "cli":
        return cli(scenario)
    raise ValueError(_("--format {format}: expected one of {formats}").format(format=repr(fmt),
                                                                                formats=", ".join(FORMATS)))


def lint_template(template: str, region: str) -> str:
    """One line: what cfn-lint, the CloudFormation linter (https://github.com/aws-cloudformation/cfn-lint),
    finds in ``template`` (YAML/JSON text) for ``region``: ``cfn-lint: no errors or warnings`` or the rule ids
    and messages. cfn-lint is a test tool (145 MB with its dependencies), not part of a learner's `make lab`
    environment: without it the line says the template was not linted and how to install it. Raises nothing
    for a missing cfn-lint; cfn-lint's own errors for unreadable templates propagate."""
    try:
        from cfnlint.api import ManualArgs, lint
    except ImportError:
        return _("cfn-lint: not installed, the template was not linted (pip install cfn-lint; `make test` installs it)")
    matches = lint(template, config=ManualArgs(regions=[region]))
    if not matches:
        return _("cfn-lint: no errors or warnings")
    return "cfn-lint: " + str([(m.rule.id, m.message) for m in matches])
