"""Failure-case probes and exercise checks for notebook 08 (post §7: the corrected design).

- :data:`PROBES` / :func:`run_probes` — one probe per failure case of notebook 06: the request at the heart
  of the case, made the way the scenario's own design expects (no policy edits), with the case's
  circumstance applied (Bucket Keys on, a disabled key, default encryption...). Each runs as a real request
  against a lab of the chosen scenario, after :func:`~.failure_cases.reset_scenario`.
- :func:`check_key_id_statement` — exercise 1: put back what requirement 2 needs in the hardened bucket policy.
- :func:`check_trust_policy` — exercise 2: a trust policy for EC2 plus the lab's admin, nobody else.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from botocore.exceptions import ClientError

from ..i18n import N_, _
from .uploading import Check, _multipart
from .failure_cases import ALLOWED, client, is_allowed, outcome, reset_scenario, verdict
from .threats import broken, finish

__all__ = ["Probe", "PROBES", "run_probes", "check_key_id_statement", "check_trust_policy"]

B = "my-secure-bucket"


@dataclass(frozen=True)
class Probe:
    """case: notebook 06's case it stands for; request: what is tried; wanted: the outcome the post's
    requirements ask for (``ALLOWED`` / ``DENIED`` / ``either``) and why; run: lab -> outcome text."""

    case: str
    request: str
    wanted: str
    why: str
    run: Callable[[Any], str]


def _sse(lab: Any, key: str | None = "arn") -> dict[str, str]:
    if key is None:
        return {"ServerSideEncryption": "aws:kms"}
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": lab.key_arn if key == "arn" else key}


def _stored(lab: Any, key: str = "probe/object.txt") -> str:
    client(lab, "s3", "uploader").put_object(Bucket=B, Key=key, Body=b"probe", **_sse(lab))
    return key


def _p1(lab: Any) -> str:
    return outcome(client(lab, "s3", "analyst").get_object, Bucket=B, Key=_stored(lab))


def _p2(lab: Any) -> str:
    return outcome(_multipart, client(lab, "s3", "uploader"), B, "probe/large.bin", lab.key_arn)


def _default_encryption(lab: Any, bucket_key: bool) -> None:
    client(lab, "s3").put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": lab.key_arn},
         "BucketKeyEnabled": bucket_key}]})


def _p3(lab: Any) -> str:
    _default_encryption(lab, False)
    return outcome(client(lab, "s3", "uploader").put_object, Bucket=B, Key="probe/lock", Body=b"{}")


def _p4a(lab: Any) -> str:
    return outcome(client(lab, "s3", "uploader").put_object, Bucket=B, Key="probe/a", Body=b"a", **_sse(lab))


def _p4b(lab: Any) -> str:
    return outcome(client(lab, "s3", "uploader").put_object, Bucket=B, Key="probe/a", Body=b"a",
                   **_sse(lab, "alias/my-secure-key"))


def _p5(lab: Any) -> str:
    try:
        r = client(lab, "s3", "uploader").put_object(Bucket=B, Key="probe/n", Body=b"n", **_sse(lab, None))
    except ClientError as err:
        return outcome(lambda: (x for x in ()).throw(err))
    return _(ALLOWED) if r.get("SSEKMSKeyId") == lab.key_arn else _(_ALLOWED_UNDER_AWS_S3)


_ALLOWED_UNDER_AWS_S3 = N_("ALLOWED (stored under aws/s3)")


def _p6(lab: Any) -> str:
    return outcome(client(lab, "s3", "outsider").get_object, Bucket=B, Key=_stored(lab))


def _p7(lab: Any) -> str:
    return outcome(client(lab, "kms", "analyst").generate_data_key, KeyId=lab.key_arn, KeySpec="AES_256")


def _p8(lab: Any) -> str:
    return outcome(client(lab, "s3").get_object, Bucket=B, Key=_stored(lab))


def _p9(lab: Any) -> str:
    return outcome(client(lab, "s3", "uploader").put_object, Bucket=B, Key="probe/aes", Body=b"a",
                   ServerSideEncryption="AES256")


def _p10(lab: Any) -> str:
    _default_encryption(lab, True)
    s3 = client(lab, "s3", "uploader")

    def both() -> None:
        s3.put_object(Bucket=B, Key="probe/state.json", Body=b"{}", **_sse(lab))
        s3.get_object(Bucket=B, Key="probe/state.json")["Body"].read()
    return outcome(both)


def _p11(lab: Any) -> str:
    key = _stored(lab)
    kms = client(lab, "kms")
    key_id = lab.key_arn.split("/")[-1]
    kms.disable_key(KeyId=key_id)
    try:
        return outcome(client(lab, "s3", "uploader").get_object, Bucket=B, Key=key)
    finally:
        kms.enable_key(KeyId=key_id)


def _p12(lab: Any) -> str:
    key = _stored(lab)
    return outcome(client(lab, "s3", "uploader").copy_object, CopySource=f"{B}/{key}", Bucket=B,
                   Key="probe/copy.txt", **_sse(lab))


def _assume(lab: Any, profile: str) -> str:
    return outcome(client(lab, "sts", profile).assume_role,
                   RoleArn=f"arn:aws:iam::{lab.account}:role/DataUploaderRole", RoleSessionName="probe")


PROBES: list[Probe] = [
    Probe(N_("1 GetObject without kms:Decrypt"), N_("analyst GetObject"), "DENIED",
          N_("R4: nobody but the role reads"), _p1),
    Probe(N_("2 multipart without kms:Decrypt"), N_("uploader multipart upload, key ARN"), "ALLOWED",
          N_("U1: the role uploads"), _p2),
    Probe(N_("3 default encryption vs header Deny"),
          N_("uploader PutObject, no SSE headers, default encryption on"), "DENIED",
          N_("R2 is enforced on the request's headers"), _p3),
    Probe(N_("4 key id / alias vs ARN (lab rule)"), N_("uploader PutObject, key ARN"), "ALLOWED",
          "U1", _p4a),
    Probe(N_("4 key id / alias vs ARN (lab rule)"), N_("uploader PutObject, alias/my-secure-key"), N_("either"),
          N_("lands on the right key; refused under the lab's key-id rule"), _p4b),
    Probe(N_("5 aws:kms without key id -> aws/s3"), N_("uploader PutObject, aws:kms, no key id"), "DENIED",
          N_("R2: the object would go to aws/s3"), _p5),
    Probe(N_("6 aws/s3 key across accounts"), N_("outsider GetObject"), "DENIED",
          "R4", _p6),
    Probe(N_("7 root statement removed / cut down"), N_("analyst kms:GenerateDataKey (IAM kms:*)"), "DENIED",
          N_("R3: only the role uses the key"), _p7),
    Probe(N_("8 explicit Deny beats Allow *"), N_("admin (IAM *) GetObject"), "DENIED",
          N_("R4: not even admins read"), _p8),
    Probe(N_("9 misspelt condition key"), N_("uploader PutObject, AES256"), "DENIED",
          N_("R2: the Deny's condition keys are spelled right"), _p9),
    Probe(N_("10 Bucket Keys change the context"), N_("uploader put + get, Bucket Key on"), "ALLOWED",
          "U1, U2", _p10),
    Probe(N_("11 disabled key"), N_("uploader GetObject, key disabled"), "DENIED",
          N_("a key state, not a policy"), _p11),
    Probe(N_("12 copy between keys"), N_("uploader CopyObject inside the bucket, key ARN"), "ALLOWED",
          N_("re-encrypting is an upload plus a download"), _p12),
    Probe(N_("13 trust policy excludes the caller"), N_("admin AssumeRole (plays EC2)"), "ALLOWED",
          N_("the platform must become the role"), lambda lab: _assume(lab, "admin")),
    Probe(N_("13 trust policy excludes the caller"), N_("analyst AssumeRole"), "DENIED",
          N_("only the platform becomes the role"), lambda lab: _assume(lab, "analyst")),
]


def _matches(wanted: str, got: str) -> bool:
    """Whether a probe's outcome text (in the language in force) is what ``wanted`` (English word) asks for."""
    return wanted == "either" or got.split()[0] == _(wanted) and got != _(_ALLOWED_UNDER_AWS_S3)


def run_probes(lab_or_scenario: Any, probes: list[Probe] | None = None) -> list[dict[str, str]]:
    """Run every probe, each from a freshly reset scenario, on a running lab (or on a lab of the named
    scenario, started and stopped here). Returns one row per probe: case, request, outcome (short),
    wanted, ok. The lab is left reset."""
    if isinstance(lab_or_scenario, str):
        from ..lab import Lab
        with Lab(lab_or_scenario) as lab:
            return run_probes(lab, probes)
    lab = lab_or_scenario
    rows = []
    for p in probes or PROBES:
        reset_scenario(lab)
        got = p.run(lab)
        rows.append({"case": _(p.case), "request": _(p.request), "outcome": verdict(got), "wanted": _(p.wanted),
                     "ok": _("yes") if _matches(p.wanted, got) else _("NO")})
    reset_scenario(lab)
    return rows


# --------------------------------------------------------------------------- exercise 1

def check_key_id_statement(lab: Any, bucket_policy: dict[str, Any] | str) -> Check:
    """Install ``bucket_policy`` on my-secure-bucket (the learner's edit of the hardened one) and test the
    uploads requirement 2 is about, as the role: key ARN (must work), aws:kms with no key id, another key,
    AES256, no headers (must all be refused); and that nobody else can read."""
    doc = json.loads(bucket_policy) if isinstance(bucket_policy, str) else bucket_policy
    s3a = client(lab, "s3")
    saved = s3a.get_bucket_policy(Bucket=B)["Policy"]
    msgs: list[str] = []
    try:
        try:
            s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(doc))
        except ClientError as err:
            return Check(False, [_("S3 rejected the bucket policy ({code}): {message}").format(
                code=err.response["Error"]["Code"], message=err.response["Error"].get("Message"))])
        up = client(lab, "s3", "uploader")
        if outcome(up.put_object, Bucket=B, Key="ex/ok.txt", Body=b"x", **_sse(lab)) != _(ALLOWED):
            msgs.append(_("The role's correct upload (aws:kms with the key ARN) is refused now."))
        other = _another_key(lab)
        tries = {N_("aws:kms without a key id (S3 would use aws/s3)"): _sse(lab, None),
                 N_("aws:kms with another KMS key"): _sse(lab, other),
                 N_("AES256 (SSE-S3)"): {"ServerSideEncryption": "AES256"},
                 N_("no encryption headers at all"): {}}
        for label, extra in tries.items():
            if is_allowed(outcome(up.put_object, Bucket=B, Key="ex/bad.txt", Body=b"x", **extra)):
                msgs.append(_("An upload with {what} is accepted: requirement 2 is broken.").format(what=_(label)))
        if is_allowed(outcome(client(lab, "s3", "analyst").get_object, Bucket=B, Key="ex/ok.txt")):
            msgs.append(_("analyst can read objects again: keep the statements that enforced R4."))
    finally:
        s3a.put_bucket_policy(Bucket=B, Policy=saved)
    threats = [] if msgs else broken(lab, {"bucket_policy": doc}, ["R1", "R2", "R4"])
    ok, msgs = finish("8.1", msgs, threats, "bucket policy")
    return Check(ok, msgs if not ok else [_("Only SSE-KMS uploads under the key ARN get through, and only the "
                                            "role's; no non-administrator can change the bucket policy to undo "
                                            "that.")])


def _another_key(lab: Any) -> str:
    """A second customer managed key the role may use through S3 (so only the bucket policy can stop it)."""
    kms = client(lab, "kms")
    try:
        return kms.describe_key(KeyId="alias/another-key")["KeyMetadata"]["Arn"]
    except ClientError:
        pass
    pol = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{lab.account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{lab.account}:role/DataUploaderRole"},
         "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}]}
    arn = kms.create_key(Description="another key", Policy=json.dumps(pol))["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/another-key", TargetKeyId=arn.split("/")[-1])
    return arn


# --------------------------------------------------------------------------- exercise 2

def check_trust_policy(lab: Any, trust_policy: dict[str, Any] | str) -> Check:
    """Install ``trust_policy`` on DataUploaderRole and test who may assume it: ``admin`` (plays the
    platform in the lab) must, ``analyst`` and ``outsider`` must not (real requests), and EC2
    (``ec2.amazonaws.com``, decided by the engine: the lab cannot send a request as EC2) must."""
    from ..engine import Caller, PolicyKind, PolicySet, Request, authorize, parse_policy
    from ..engine.principal import SERVICE
    doc = json.loads(trust_policy) if isinstance(trust_policy, str) else trust_policy
    iam = client(lab, "iam")
    role = "DataUploaderRole"
    role_arn = f"arn:aws:iam::{lab.account}:role/{role}"
    saved = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    msgs: list[str] = []
    try:
        try:
            iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(doc))
        except ClientError as err:
            return Check(False, [_("IAM rejected the trust policy ({code}): {message}").format(
                code=err.response["Error"]["Code"], message=err.response["Error"].get("Message"))])
        for profile, want in (("admin", True), ("analyst", False), ("outsider", False)):
            got = is_allowed(_assume(lab, profile))
            if got != want:
                msgs.append((_("{principal} cannot assume the role: the lab's platform stand-in must.") if want
                             else _("{principal} can assume the role.")).format(principal=profile))
        ec2 = Caller(SERVICE, "ec2.amazonaws.com")
        req = Request(ec2, "sts:AssumeRole", role_arn, ec2.global_context(), lab.account)
        trust = parse_policy(doc, PolicyKind.TRUST, "your trust policy")
        if not authorize(req, PolicySet(resource=trust)).allowed:
            msgs.append(_("EC2 (ec2.amazonaws.com) could not assume the role: instances with this role would get no "
                          "credentials."))
    finally:
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=saved if isinstance(saved, str) else json.dumps(saved))
    threats = [] if msgs else broken(lab, {"trust_policies": {role: doc},
                                           "user_policies": {"analyst": _with_assume_role(lab, "analyst")}},
                                     ["R1", "R3", "R4"])
    ok, msgs = finish("8.2", msgs, threats, "trust policy")
    if threats and not ok:
        msgs = [m if not m.startswith("R") else
                _("Suppose analyst's IAM policy also allowed sts:AssumeRole on any role, as developer policies often "
                  "do (a trust policy that names the account hands the decision to such IAM policies): {hint}").format(
                    hint=m)
                for m in msgs]
    return Check(ok, msgs if not ok else [_("EC2 and the admin can become the role; nobody else can, whatever IAM "
                                            "policies the account's other users get.")])


def _with_assume_role(lab: Any, user: str) -> dict[str, Any]:
    """The user's inline policies from the scenario, plus a statement allowing sts:AssumeRole on any role."""
    spec = next(u for u in lab.scenario.spec["users"] if u["name"] == user)
    out = {name: json.loads(lab.scenario.policy_text(ref)) for name, ref in spec.get("policies", {}).items()}
    out["AssumeAnyRole"] = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
    return out
