"""Round trip, offline: the lab stands in for an account. Serve a scenario, import it through a profile, and the
requirement checker gives the same verdict per requirement as on the scenario itself; for every principal the
import brings, every request of the checker's universe is decided the same way. The imported folder also
serves as a lab of its own."""
from __future__ import annotations

import json

from pathlib import Path

import pytest

from s3kms_lab import Lab
from s3kms_lab.account import import_account
from s3kms_lab.checker import check
from s3kms_lab.checker.universe import Universe
from s3kms_lab.lab.scenario import load_scenario

from .conftest import lab_profiles, session

SCENARIOS = ["seed", "hardened", "renamed"]


def names(scenario: str) -> dict[str, str]:
    """What to import, from the scenario itself: its bucket, key (by alias), role, and as administrator the user
    whose profile the role's profile assumes it from (whose profile the import reads with)."""
    spec = load_scenario(scenario).spec
    role = spec["roles"][0]["name"]
    source = next(p["source_profile"] for p in spec["profiles"].values() if p.get("role") == role)
    admin_user = spec["profiles"][source]["user"]
    return {"bucket": spec["buckets"][0]["name"], "key": spec["keys"][0].get("alias") or spec["keys"][0]["id"],
            "role": role, "profile": source, "admin": f"arn:aws:iam::{spec['account']}:user/{admin_user}",
            "role_arn": f"arn:aws:iam::{spec['account']}:role/{role}"}


def every_principal(scenario: str) -> list[str]:
    """The ARN of every user and role of the scenario (for ``--principal``)."""
    sc = load_scenario(scenario)
    return [f"arn:aws:iam::{e.get('account', sc.account)}:{kind}/{e['name']}"
            for kind, entries in (("user", sc.spec.get("users", [])), ("role", sc.spec.get("roles", [])))
            for e in entries]


def _import(name: str, out: Path, all_principals: bool = False) -> Path:
    n = names(name)
    with Lab(name) as lab, lab_profiles(lab):
        import_account(session(n["profile"]), n["bucket"], n["key"], n["role"], [n["admin"]], out,
                       principals=every_principal(name) if all_principals else [])
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, Path]:
    """Each scenario imported as the command does by default: the role, the administrator, whoever the
    policies name."""
    root = tmp_path_factory.mktemp("imported")
    return {name: _import(name, root / f"imported-{name}") for name in SCENARIOS}


@pytest.fixture(scope="module")
def imported_all(tmp_path_factory) -> dict[str, Path]:
    """Each scenario imported with every one of its users and roles named by --principal."""
    root = tmp_path_factory.mktemp("imported-all")
    return {name: _import(name, root / f"imported-{name}", all_principals=True) for name in SCENARIOS}


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_verdict_per_requirement(imported, name):
    original, mine = check(name), check(str(imported[name]))
    assert [(r.id, r.holds) for r in mine.requirements] == [(r.id, r.holds) for r in original.requirements]
    # counterexamples name principals the import brought (or the checker's own: anonymous, another account)
    profiles = set(load_scenario(str(imported[name])).spec["profiles"]) | {"anonymous", "checker-external"}
    for r in mine.requirements:
        assert {c.request["principal"] for c in r.counterexamples} <= profiles, r.id


def _decisions(scenario: str) -> dict[tuple, tuple]:
    """(principal ARN, request without the principal) -> (allowed, encryption) over the checker's universe.
    Keys the checker creates for itself (another key, aws/s3) get new ids each time: they are named by role."""
    with Universe(load_scenario(scenario)) as u:
        arn = {p.name: p.arn or p.name for p in u.principals}
        key_role = {u.key_arn: "the scenario key", u.other_key_arn: "another key", u.aws_s3_key_arn: "aws/s3"}
        out = {}
        for o in u.evaluate(u.probes()):
            d = o.probe.as_dict()
            who = arn[d.pop("principal")]
            enc = (o.encryption[0], key_role.get(o.encryption[1], o.encryption[1])) if o.allowed and o.encryption \
                else None
            request = tuple(sorted((k, json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v)
                                   for k, v in d.items()))  # the encryption context is a dict
            out[(who, request)] = (o.allowed, enc)
        return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_request_of_an_imported_principal_is_decided_alike(imported, name):
    original, mine = _decisions(name), _decisions(str(imported[name]))
    common = {k[0] for k in mine} & {k[0] for k in original}
    assert {names(name)["admin"], names(name)["role_arn"], "anonymous"} <= common
    compared = [k for k in mine if k[0] in common]
    assert len(compared) > 500
    differ = [k for k in compared if mine[k] != original.get(k)]
    assert not differ, differ[:3]


@pytest.mark.parametrize("name", SCENARIOS)
def test_with_every_principal_named_every_request_of_every_principal_is_decided_alike(imported_all, name):
    """--principal brings the users and roles no policy names (the lab's analyst, nobody, outsider...): then
    the import is the scenario, principal for principal (one in another account with its assumed policy)."""
    original, mine = _decisions(name), _decisions(str(imported_all[name]))
    # the import adds one principal of its own (any-other-principal, standing in for the unnamed ones)
    assert {k[0] for k in original} <= {k[0] for k in mine}
    assert {k: mine[k] for k in original} == original, [k for k in original if mine[k] != original[k]][:3]
    assert [(r.id, r.holds) for r in check(str(imported_all[name])).requirements] == \
        [(r.id, r.holds) for r in check(name).requirements]


def test_the_imported_folder_serves_as_a_lab(imported):
    """`serve` accepts it: the role profile uploads as the post does, an administrator is refused by hardened's
    bucket policy."""
    with Lab(str(imported["hardened"])) as lab:
        s3 = lab.client("s3", "DataUploaderRole")
        s3.put_object(Bucket="my-secure-bucket", Key="file.txt", Body=b"hi", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=lab.key_arn)
        assert s3.get_object(Bucket="my-secure-bucket", Key="file.txt")["Body"].read() == b"hi"
        from botocore.exceptions import ClientError
        with pytest.raises(ClientError) as info:
            lab.client("s3", "admin").get_object(Bucket="my-secure-bucket", Key="file.txt")
        assert info.value.response["Error"]["Code"] == "AccessDenied"


def test_a_key_policy_that_does_not_allow_the_importer_is_named(tmp_path):
    """hardened's key policy lets only the root user and admin read the key: an importer with exactly the shipped
    policy is refused by KMS, the import names the call and its action, and writes nothing."""
    from s3kms_lab.account import ImportIncomplete
    from .conftest import add_user_profile, readonly_policy
    with Lab("hardened") as lab, lab_profiles(lab):
        profile = add_user_profile(lab, "importer", readonly_policy())
        with pytest.raises(ImportIncomplete) as info:
            import_account(session(profile), "my-secure-bucket", "alias/my-secure-key", "DataUploaderRole",
                           ["arn:aws:iam::123456789012:user/admin"], tmp_path / "out")
    [problem] = info.value.problems
    assert problem.startswith("DescribeKey on key alias/my-secure-key (needs kms:DescribeKey): the account refused it "
                              "(AccessDeniedException: ")
    assert not (tmp_path / "out").exists()


def test_a_grant_is_imported_with_its_grantee_and_decides_like_in_the_account(tmp_path):
    """A KMS grant allows its grantee to use the key whatever the key policy says
    (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html). `nobody` has no IAM policy; a grant lets
    it encrypt. The import brings the grant and its grantee, and the checker's universe lets nobody encrypt."""
    nobody = "arn:aws:iam::123456789012:user/nobody"
    with Lab("seed") as lab, lab_profiles(lab):
        lab.client("kms", "admin").create_grant(KeyId=lab.key_arn, GranteePrincipal=nobody,
                                                Operations=["Encrypt"], Name="nobody-encrypts")
        assert lab.client("kms", "nobody").encrypt(KeyId=lab.key_arn, Plaintext=b"x")["KeyId"] == lab.key_arn
        import_account(session("admin"), "my-secure-bucket", "alias/my-secure-key", "DataUploaderRole",
                       ["arn:aws:iam::123456789012:user/admin"], tmp_path / "mine")
    sc = load_scenario(str(tmp_path / "mine"))
    [grant] = sc.spec["keys"][0]["grants"]
    assert (grant["grantee"], grant["operations"], grant["name"]) == (nobody, ["Encrypt"], "nobody-encrypts")
    assert sc.spec["profiles"]["nobody"] == {"user": "nobody"}
    with Universe(sc) as u:
        [outcome] = [o for o in u.evaluate(u.probes()) if o.probe.principal == "nobody" and o.probe.kind == "kms"
                     and o.probe.operation == "Encrypt" and not o.probe.secure_transport]
        assert outcome.allowed
