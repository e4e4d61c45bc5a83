"""Helpers and exercise checks for notebook 06 (a catalogue of real S3 + SSE-KMS failures).

- :func:`reset_scenario` puts the lab's scenario back (policies, default encryption, key state) with
  ordinary admin API calls, so every failure case starts from the same place.
- :func:`outcome` runs one call and returns a one-line verdict (``ALLOWED`` / ``DENIED <code> ...``).
- :func:`check_bucket_key_policy` and :func:`check_copy_policy` are the notebook's exercises: they install
  the learner's policy, send real requests, say what is still wrong, and restore the role's policy.

The scenario's names (bucket, role and its policy name, the admin and role profiles) come from
:class:`~s3kms_lab.widgets.cast.Cast`, so the checks run on any scenario folder; ``my-source-bucket`` and
``alias/my-source-key`` are resources these exercises create themselves.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError

from ..i18n import N_, _
from ..widgets.cast import Cast
from .uploading import Check

__all__ = ["reset_scenario", "outcome", "why", "verdict", "is_allowed", "client", "short_error",
           "check_bucket_key_policy", "check_copy_back_policy", "ensure_copy_source", "root_only_key_policy",
           "SOURCE_BUCKET", "ALLOWED", "DENIED"]

SOURCE_BUCKET = "my-source-bucket"

#: The verdict words of :func:`outcome` (translated where shown; :func:`is_allowed` reads them back).
ALLOWED, DENIED = N_("ALLOWED"), N_("DENIED")


_CLIENTS: dict[tuple[int, int, str, str], Any] = {}
_SESSIONS: dict[tuple[int, int, str], Any] = {}


def client(lab: Any, service: str, profile: str | None = None) -> Any:
    """``lab.client(service, profile)`` (default profile: the scenario's admin), cached per running lab: one
    boto3 session per profile and one client per (profile, service), since loading a service model costs
    ~0.1 s per session."""
    profile = profile or Cast.of(lab).admin
    k = (id(lab), lab.port, service, profile)
    if k not in _CLIENTS:
        sk = (id(lab), lab.port, profile)
        if sk not in _SESSIONS:
            _SESSIONS[sk] = lab.session(profile)
        _CLIENTS[k] = _SESSIONS[sk].client(service, endpoint_url=lab.endpoint_url, region_name=lab.region)
    return _CLIENTS[k]


def _doc(d: Any) -> str:
    return d if isinstance(d, str) else json.dumps(d)


def reset_scenario(lab: Any) -> None:
    """Restore the scenario's bucket policies, default encryption, key policies and state, role trust and
    inline policies, and users' inline policies, through the admin profile (extra inline policies are removed)."""
    sc = lab.scenario
    s3, kms, iam = client(lab, "s3"), client(lab, "kms"), client(lab, "iam")
    for b in sc.spec.get("buckets", []):
        if b.get("account", sc.account) != sc.account:
            continue
        if b.get("policy"):
            s3.put_bucket_policy(Bucket=b["name"], Policy=sc.policy_text(b["policy"]))
        else:
            _quiet(s3.delete_bucket_policy, Bucket=b["name"])
        enc = b.get("encryption")
        if enc:
            default = {"SSEAlgorithm": enc.get("algorithm", "aws:kms")}
            if enc.get("key"):
                default["KMSMasterKeyID"] = enc["key"]
            s3.put_bucket_encryption(Bucket=b["name"], ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bool(enc.get("bucket_key"))}]})
        else:
            _quiet(s3.delete_bucket_encryption, Bucket=b["name"])
    for k in sc.spec.get("keys", []):
        if k.get("account", sc.account) != sc.account:
            continue
        _quiet(kms.enable_key, KeyId=k["id"])
        kms.put_key_policy(KeyId=k["id"], PolicyName="default", Policy=sc.policy_text(k["policy"]),
                           BypassPolicyLockoutSafetyCheck=True)
    for r in sc.spec.get("roles", []):
        if r.get("account", sc.account) != sc.account:
            continue
        iam.update_assume_role_policy(RoleName=r["name"], PolicyDocument=sc.policy_text(r["trust_policy"]))
        wanted = r.get("policies", {})
        for name in iam.list_role_policies(RoleName=r["name"])["PolicyNames"]:
            if name not in wanted:
                iam.delete_role_policy(RoleName=r["name"], PolicyName=name)
        for name, ref in wanted.items():
            iam.put_role_policy(RoleName=r["name"], PolicyName=name, PolicyDocument=sc.policy_text(ref))
    for u in sc.spec.get("users", []):
        if u.get("account", sc.account) != sc.account:
            continue
        wanted = u.get("policies", {})
        for name in iam.list_user_policies(UserName=u["name"])["PolicyNames"]:
            if name not in wanted:
                iam.delete_user_policy(UserName=u["name"], PolicyName=name)
        for name, ref in wanted.items():
            iam.put_user_policy(UserName=u["name"], PolicyName=name, PolicyDocument=sc.policy_text(ref))


def _quiet(fn: Callable[..., Any], **kw: Any) -> None:
    try:
        fn(**kw)
    except ClientError:
        pass


def short_error(err: Exception) -> str:
    """``<code> (HTTP <status>): <message>`` for a ClientError (or the text of another error)."""
    if isinstance(err, ClientError):
        r = err.response
        return (f"{r.get('Error', {}).get('Code')} (HTTP {r.get('ResponseMetadata', {}).get('HTTPStatusCode')}): "
                f"{r.get('Error', {}).get('Message')}")
    return str(err)


def _denied(error: str) -> str:
    return _("DENIED {error}").format(error=error)


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Run one call: ``ALLOWED`` or ``DENIED <code> (HTTP <status>): <AWS message>`` (never raises for AWS errors).
    The verdict word is in the lab's language; AWS's code and message are as AWS sends them."""
    try:
        fn(*args, **kwargs)
        return _(ALLOWED)
    except ClientError as err:
        return _denied(short_error(err))
    except S3UploadFailedError as err:  # boto3's upload_file wraps the failing part's ClientError
        return _denied(str(err).split(": ", 1)[-1])


def is_allowed(text: str) -> bool:
    """Whether an :func:`outcome` / :func:`why` line (in the language in force) says the call was allowed."""
    return text.startswith(_(ALLOWED))


def why(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Like :func:`outcome`, plus the first line of the lab's explanation for a denial."""
    from ..endpoint.errors import EXPLANATION_HEADER, decode_explanation_header
    try:
        fn(*args, **kwargs)
        return _(ALLOWED)
    except ClientError as err:
        text = _denied(short_error(err))
        expl = decode_explanation_header(
            err.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(EXPLANATION_HEADER, ""))
        if expl:
            text += "\n" + _("Why (lab): {explanation}").format(explanation=expl.split(" | ")[0])
        return text


def verdict(text: str) -> str:
    """Shorten an :func:`outcome` / :func:`why` line for a table: ``ALLOWED`` or
    ``DENIED <code>: <action> (explicit|implicit)``."""
    denied = _(DENIED)
    if not text.startswith(denied + " "):
        return text.split("\n")[0]
    code = text[len(denied):].split()[0]
    m = re.search(r"perform: (\S+)", text)
    out = _("DENIED {code}").format(code=code) + (f": {m.group(1)}" if m else "")
    if "explicit deny" in text:  # AWS's message (always English)
        out += " " + _("explicit deny")
    elif "because no" in text:
        out += " " + _("implicit deny")
    return out


def _code(err: ClientError) -> str:
    return err.response.get("Error", {}).get("Code", "")


def _kms_statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    stmts = doc.get("Statement", [])
    stmts = stmts if isinstance(stmts, list) else [stmts]
    out = []
    for st in stmts:
        acts = st.get("Action", [])
        acts = acts if isinstance(acts, list) else [acts]
        if st.get("Effect") == "Allow" and any(str(a).lower().startswith("kms:") or a == "*" for a in acts):
            out.append(st)
    return out


def root_only_key_policy(account: str) -> dict[str, Any]:
    """KP-ROOT: the key policy statement that lets IAM policies of the account grant use of the key."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "kms:*", "Resource": "*"}]}


def ensure_copy_source(lab: Any) -> str:
    """Create (once) my-source-bucket, default-encrypted with its own key ``alias/my-source-key``, holding
    ``in/a.csv``. Returns the source key's ARN."""
    s3, kms = client(lab, "s3"), client(lab, "kms")
    try:
        return kms.describe_key(KeyId="alias/my-source-key")["KeyMetadata"]["Arn"]
    except ClientError:
        pass
    arn = kms.create_key(Description="source bucket key", Policy=json.dumps(root_only_key_policy(lab.account)))[
        "KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/my-source-key", TargetKeyId=arn.split("/")[-1])
    s3.create_bucket(Bucket=SOURCE_BUCKET, CreateBucketConfiguration={"LocationConstraint": lab.region})
    s3.put_bucket_encryption(Bucket=SOURCE_BUCKET, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": arn},
         "BucketKeyEnabled": False}]})
    s3.put_object(Bucket=SOURCE_BUCKET, Key="in/a.csv", Body=b"id,total\n1,42\n")
    return arn


def _with_role_policy(lab: Any, policy: dict[str, Any] | str, body: Callable[[], list[str]],
                      bucket_key: bool | None = None) -> Check:
    """Install ``policy`` as the role's only inline policy, with the main key's policy set to KP-ROOT (so
    IAM decides) and, when ``bucket_key`` is given, default encryption with the main key; run ``body``;
    restore all of it."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    cast = Cast.of(lab)
    role, role_policy, bucket = cast.role, cast.role_policy, cast.bucket
    s3, kms, iam = client(lab, "s3"), client(lab, "kms"), client(lab, "iam")
    key_id = lab.key_arn.split("/")[-1]
    saved = {n: iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
             for n in iam.list_role_policies(RoleName=role)["PolicyNames"]}
    saved_key_policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    try:
        saved_enc = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except ClientError:
        saved_enc = None
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(root_only_key_policy(lab.account)))
    if bucket_key is not None:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": lab.key_arn},
             "BucketKeyEnabled": bucket_key}]})
    try:
        for n in saved:
            iam.delete_role_policy(RoleName=role, PolicyName=n)
        try:
            iam.put_role_policy(RoleName=role, PolicyName=role_policy, PolicyDocument=_doc(doc))
        except ClientError as err:
            return Check(False, [_("IAM rejected the policy document ({code}): {message}").format(
                code=_code(err), message=err.response.get("Error", {}).get("Message"))])
        msgs = body()
    finally:
        for n in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role, PolicyName=n)
        for n, d in saved.items():
            iam.put_role_policy(RoleName=role, PolicyName=n, PolicyDocument=_doc(d))
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=saved_key_policy,
                           BypassPolicyLockoutSafetyCheck=True)
        if bucket_key is not None:
            if saved_enc:
                s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=saved_enc)
            else:
                s3.delete_bucket_encryption(Bucket=bucket)
    return Check(not msgs, msgs)


# --------------------------------------------------------------------------- exercise 1: Bucket Keys

def check_bucket_key_policy(lab: Any, policy: dict[str, Any] | str) -> Check:
    """The role's policy for the Bucket Keys case: the role must write and read ``state/`` objects of
    the scenario's bucket (default encryption with the CMK and an S3 Bucket Key, set up by the notebook), and
    its KMS permission must stay tied to this bucket through ``kms:EncryptionContext:aws:s3:arn``.

    The last point is decided by the engine: a KMS request made through S3 for another bucket must not
    be allowed by the learner's policy."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    cast = Cast.of(lab)
    bucket = cast.bucket

    def body() -> list[str]:
        msgs: list[str] = []
        s3 = client(lab, "s3", cast.role_user)
        try:
            s3.put_object(Bucket=bucket, Key="state/exercise.json", Body=b"{}",
                          ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
        except ClientError as err:
            msgs.append(_("Writing state/exercise.json fails: {why}").format(why=_step(err)))
        if not msgs:
            try:
                s3.get_object(Bucket=bucket, Key="state/exercise.json")["Body"].read()
            except ClientError as err:
                msgs.append(_("Reading state/exercise.json back fails: {why}").format(why=_step(err)))
        kms_st = _kms_statements(doc)
        if not kms_st:
            msgs.append(_("Your policy has no statement that allows KMS actions."))
        elif not all("kms:encryptioncontext:aws:s3:arn" in json.dumps(st.get("Condition", {})).lower()
                     for st in kms_st):
            msgs.append(_("A statement allows KMS use without a kms:EncryptionContext:aws:s3:arn condition: the "
                          "key would then serve any bucket. Keep the condition; change what it compares."))
        elif _allows_other_bucket(lab, doc):
            msgs.append(_("Your condition also matches another bucket's encryption context "
                          "(arn:aws:s3:::other-bucket): make it name this bucket only."))
        return msgs

    return _with_role_policy(lab, doc, body, bucket_key=True)


def _step(err: ClientError) -> str:
    text = err.response.get("Error", {}).get("Message", "")
    if "perform: kms:" in text:
        action = text.split("perform: ", 1)[1].split(" ", 1)[0]
        return _("S3's {action} call on your behalf is refused by your policy. Look at the encryption context S3 "
                 "sends when a Bucket Key is on (the trail records it).").format(action=action)
    if "perform: s3:" in text:
        return _("the S3 permission itself is missing.")
    return _code(err)


def _allows_other_bucket(lab: Any, doc: dict[str, Any]) -> bool:
    """Would the policy allow kms:GenerateDataKey through S3 for a Bucket-Key object of another bucket?"""
    from ..engine import Caller, PolicyKind, PolicySet, Request, authorize, parse_policy
    acct, cast = lab.account, Cast.of(lab)
    role, session = cast.role, cast.role_user
    caller = Caller("AssumedRole", f"arn:aws:sts::{acct}:assumed-role/{role}/{session}", acct, name=role,
                    role_arn=f"arn:aws:iam::{acct}:role/{role}", session_name=session)
    ctx = caller.global_context()
    ctx.update({"kms:viaservice": [f"s3.{lab.region}.amazonaws.com"], "kms:calleraccount": [acct],
                "kms:encryptioncontext:aws:s3:arn": ["arn:aws:s3:::other-bucket"],
                "kms:encryptioncontextkeys": ["aws:s3:arn"], "aws:calledvia": ["s3.amazonaws.com"]})
    req = Request(caller, "kms:GenerateDataKey", lab.key_arn, ctx, acct)
    key_policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "kms:*", "Resource": "*"}]},
        PolicyKind.KEY, "key policy (root statement only)")
    identity = [parse_policy(doc, PolicyKind.IDENTITY, "your policy")]
    return authorize(req, PolicySet(identity=identity, resource=key_policy)).allowed


# --------------------------------------------------------------------------- exercise 2: copy back

def check_copy_back_policy(lab: Any, policy: dict[str, Any] | str) -> Check:
    """The role's policy for the reverse copy: copy ``out/report.csv`` from the scenario's bucket (under its
    key) into my-source-bucket as ``archive/report.csv``, encrypted under the source bucket's own key
    (``alias/my-source-key``, see :func:`ensure_copy_source`), and nothing broader."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    source_key_arn = ensure_copy_source(lab)
    cast = Cast.of(lab)
    bucket = cast.bucket
    client(lab, "s3").put_object(Bucket=bucket, Key="out/report.csv", Body=b"id,total\n1,42\n",
                                 ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)

    def body() -> list[str]:
        msgs: list[str] = []
        s3 = client(lab, "s3", cast.role_user)
        try:
            r = s3.copy_object(CopySource=f"{bucket}/out/report.csv", Bucket=SOURCE_BUCKET, Key="archive/report.csv",
                               ServerSideEncryption="aws:kms", SSEKMSKeyId=source_key_arn)
            if r.get("SSEKMSKeyId") != source_key_arn:
                msgs.append(_("The copy worked but the new object is not under the source bucket's key."))
        except ClientError as err:
            text = err.response.get("Error", {}).get("Message", "")
            if "perform: kms:" in text and lab.key_arn in text:
                msgs.append(_("The copy is refused at a KMS call S3 makes for you, on the key of the object being "
                              "read."))
            elif "perform: kms:" in text:
                msgs.append(_("The copy is refused at a KMS call S3 makes for you, on the key of the new object."))
            elif "perform: s3:" in text and SOURCE_BUCKET in text:
                msgs.append(_("S3 refuses to write into my-source-bucket."))
            elif "perform: s3:" in text:
                msgs.append(_("S3 refuses to read the object you copy."))
            else:
                msgs.append(_("The copy fails with {code}.").format(code=_code(err)))
        stmts = doc.get("Statement", [])
        for st in stmts if isinstance(stmts, list) else [stmts]:
            acts = st.get("Action", [])
            acts = acts if isinstance(acts, list) else [acts]
            res = st.get("Resource", [])
            res = res if isinstance(res, list) else [res]
            if any(a == "*" or str(a).endswith(":*") for a in acts) or "*" in res:
                msgs.append(_("A statement uses a wildcard action or Resource '*': name the actions and resources."))
                break
        return msgs

    return _with_role_policy(lab, doc, body)
