"""``s3kms-lab import``: read a live bucket, key and role with read-only calls and write a scenario folder.

The folder has the format of ``data/scenarios/seed`` (see :mod:`s3kms_lab.lab.scenario`): ``scenario.json``,
the policy files it names and a ``requirements.json`` with the post's four requirements and the lab's own two
written for the imported names, so ``s3kms-lab check --scenario DIR``, ``s3kms-lab serve --scenario DIR`` and
``Lab(DIR)`` accept it. Principals imported: the role, the named administrators, any ``--principal``, and every
user and role that the policies read name (followed until no new one appears). Principals of another account
cannot be read from this one: they are imported with an assumed identity-based policy allowing everything,
because their own account decides what they may ask for (cross-account access needs both sides:
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html).

Secrets never leave the account: no access keys, passwords or object data are read (see :mod:`.calls` for the
only calls made). The lab gives imported users access keys of its own.

What cannot be represented in a scenario is said, not dropped silently: permissions boundaries (the check then
over-approximates the principal's permissions, so "must be denied" verdicts stay sound), identity-based
policies of principals not imported (the account root in a key policy delegates to all of them), SCPs and RCPs.

Language (:mod:`s3kms_lab.i18n`): the summary, notes, warnings, errors and README.md are in the lab's language;
scenario.json is data and records the import in English; requirements.json holds English texts with their
Korean twins (``title_ko``...), whatever the language of the import.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import N_, _, language
from .principals import NamedPrincipal, named_in, parse_principal_arn
from .reader import ABSENT, AccountReader, CallRecord
from .readme import write_readme
from .requirements_file import requirements_for

__all__ = ["ImportIncomplete", "ImportResult", "import_account", "MAX_PRINCIPALS"]

OTHER_PRINCIPAL = "any-other-principal"
ASSUMED_OTHER_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AssumedByTheImportS3AndKms", "Effect": "Allow", "Action": ["s3:*", "kms:*"], "Resource": "*"}]}
# scenario.json's title and source (in English: scenario.json is data); README.md shows them in the lab's language.
TITLE = N_("Imported from account {account}: bucket {bucket}, key {key}, role {role}")
SOURCE = N_("s3kms-lab import from account {account} as {caller} on {time}")
MAX_PRINCIPALS = 50  # a policy naming more principals than this is reported, not followed
ASSUMED_EXTERNAL_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AssumedByTheImportTheOtherAccountMayGrantAnything", "Effect": "Allow", "Action": "*", "Resource": "*"}]}


class ImportIncomplete(RuntimeError):
    """The import cannot produce a faithful scenario. ``problems``: one line per call that did not answer
    (call, target, IAM action needed, the error); ``records``: every call made."""

    def __init__(self, message: str, problems: list[str], records: list[CallRecord]):
        self.problems = problems
        self.records = records
        super().__init__(message + ("\n" + "\n".join(f"  - {p}" for p in problems) if problems else ""))


@dataclass
class ImportResult:
    """out: the scenario folder written; spec: its scenario.json; records: every call made; warnings: calls
    that did not answer but were not needed for a faithful check; notes: what the scenario cannot represent;
    elapsed_s: wall time of the reads and the write."""

    out: Path
    spec: dict[str, Any]
    records: list[CallRecord]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def summary(self) -> str:
        sc = self.spec
        key = sc["keys"][0]
        lines = [_("Imported account {account} ({region}) into {out} in {seconds} s with {calls} read-only calls:")
                 .format(account=sc["account"], region=sc["region"], out=self.out, seconds=f"{self.elapsed_s:.2f}",
                         calls=len(self.records)),
                 "  " + (_("bucket {bucket}, key {key} ({alias})") if key.get("alias") else _("bucket {bucket}, key {key}"))
                 .format(bucket=sc["buckets"][0]["name"], key=key["id"], alias=key.get("alias")),
                 "  " + _("principals: {principals}").format(principals=", ".join(
                     (_("{profile} (user {user})").format(profile=p, user=s["user"]) if "user" in s
                      else _("{profile} (role {role})").format(profile=p, role=s["role"]))
                     for p, s in sc["profiles"].items()))]
        if self.warnings:
            lines.append(_("Not read (the import went on; the check does not depend on these today):"))
            lines += [f"  - {w}" for w in self.warnings]
        if self.notes:
            lines.append(_("Notes:"))
            lines += [f"  - {n}" for n in self.notes]
        lines.append(_("Check it: s3kms-lab check --scenario {out}").format(out=self.out))
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class _Note:
    """A note on what the scenario cannot represent, kept as its message and values: scenario.json records it in
    English, the summary and README.md say it in the lab's language."""

    message: str  # a msgid (marked with N_)
    values: tuple[tuple[str, Any], ...] = ()

    def text(self) -> str:
        return _(self.message).format(**dict(self.values))


def _texts(notes: list[_Note]) -> list[str]:
    return [n.text() for n in notes]


@dataclass
class _Read:
    """What was read, before it is written as a scenario."""

    account: str = ""
    caller_arn: str = ""
    region: str = ""
    key: dict[str, Any] = field(default_factory=dict)
    key_policy: str = ""
    grants: list[dict[str, Any]] = field(default_factory=list)
    bucket: dict[str, Any] = field(default_factory=dict)
    bucket_policy: str | None = None
    users: dict[NamedPrincipal, dict[str, Any]] = field(default_factory=dict)
    roles: dict[NamedPrincipal, dict[str, Any]] = field(default_factory=dict)
    managed: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # ARN -> (name, document)
    notes: list[_Note] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)  # bucket settings not read, set to the least protective


BPA_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _bpa(config: dict[str, Any]) -> dict[str, bool]:
    """The four Block Public Access settings; one S3 leaves out is off."""
    return {n: bool(config.get(n, False)) for n in BPA_SETTINGS}


def _doc(value: Any) -> dict[str, Any]:
    """An IAM policy document as boto3 returns it (already decoded) or as a URL-encoded JSON string."""
    if isinstance(value, dict):
        return value
    from urllib.parse import unquote
    return json.loads(unquote(value))


class _Importer:
    def __init__(self, reader: AccountReader):
        self.r = reader
        self.read = _Read()

    def note(self, message: str, **values: Any) -> None:
        """Note ``message`` (marked with N_) with its ``{placeholders}``' values."""
        self.read.notes.append(_Note(message, tuple(values.items())))

    # -------------------------------------------------------------- key
    def key(self, key_ref: str) -> None:
        ans = self.r.read("kms", "DescribeKey", f"key {key_ref}", KeyId=key_ref)
        if not ans.ok:
            return
        meta = ans.data["KeyMetadata"]
        key_id, arn = meta["KeyId"], meta["Arn"]
        self.read.region = arn.split(":")[3]
        k: dict[str, Any] = {"id": key_id, "account": meta["AWSAccountId"], "policy": "key-policy.json",
                             "description": meta.get("Description", "")}
        if meta.get("KeyManager") == "AWS":
            self.note(N_("{arn} is an AWS managed key: its key policy cannot be changed, and "
                         "`s3kms-lab export` creates a customer managed key instead."), arn=arn)
        if meta.get("KeyState") not in (None, "Enabled"):
            self.note(N_("{arn} is in state {state}: KMS refuses every cryptographic call with it; the lab's key "
                         "is enabled."), arn=arn, state=meta["KeyState"])
        ans = self.r.read("kms", "GetKeyPolicy", f"key {key_id}", KeyId=key_id, PolicyName="default")
        if ans.ok:
            self.read.key_policy = ans.data["Policy"]
        ans = self.r.read("kms", "ListGrants", f"key {key_id}", KeyId=key_id)
        if ans.ok:
            for g in ans.data.get("Grants", []):
                grant = {"grantee": g["GranteePrincipal"], "operations": list(g.get("Operations", []))}
                for src, dst in (("Name", "name"), ("RetiringPrincipal", "retiring_principal"),
                                 ("Constraints", "constraints"), ("GrantId", "grant_id")):
                    if g.get(src):
                        grant[dst] = g[src]
                self.read.grants.append(grant)
        ans = self.r.read("kms", "ListAliases", f"key {key_id}", KeyId=key_id)
        if ans.ok:
            aliases = sorted(a["AliasName"] for a in ans.data.get("Aliases", [])
                             if a.get("TargetKeyId") in (None, key_id))
            if aliases:
                k["alias"] = aliases[0]
                if len(aliases) > 1:
                    self.note(N_("The key has {count} aliases ({aliases}); the scenario keeps {alias}."),
                              count=len(aliases), aliases=", ".join(aliases), alias=aliases[0])
        ans = self.r.read("kms", "GetKeyRotationStatus", f"key {key_id}", KeyId=key_id)
        if ans.ok:
            k["rotation"] = bool(ans.data.get("KeyRotationEnabled"))
        if self.read.grants:
            k["grants"] = self.read.grants
        self.read.key = k

    # -------------------------------------------------------------- bucket
    def bucket(self, name: str) -> None:
        b: dict[str, Any] = {"name": name, "account": self.read.account}
        target = f"bucket {name}"
        ans = self.r.read("s3", "GetBucketPolicy", target, Bucket=name)
        if ans.ok:
            self.read.bucket_policy = ans.data["Policy"]
            b["policy"] = "bucket-policy.json"
        ans = self.r.read("s3", "GetBucketEncryption", target, Bucket=name)
        if ans.ok:
            rules = ans.data.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
            if rules:
                default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
                enc: dict[str, Any] = {"algorithm": default.get("SSEAlgorithm", "AES256")}
                if default.get("KMSMasterKeyID"):
                    enc["key"] = default["KMSMasterKeyID"]
                enc["bucket_key"] = bool(rules[0].get("BucketKeyEnabled", False))
                b["encryption"] = enc
        # Block Public Access and Object Ownership: what was read; with no configuration, what S3 does then
        # (nothing blocked; ACLs enabled, ObjectWriter: https://docs.aws.amazon.com/AmazonS3/latest/userguide/
        # about-object-ownership.html); when not read, the least protective value, listed under
        # scenario.json's import.assumed (so a check never counts on a protection nobody saw, and the export
        # does not copy a guess).
        ans = self.r.read("s3", "GetPublicAccessBlock", target, Bucket=name)
        b["public_access_block"] = _bpa(ans.data.get("PublicAccessBlockConfiguration", {}) if ans.ok else {})
        if not ans.ok and ans.outcome != ABSENT:
            self.read.assumed.append("public_access_block")
        ans = self.r.read("s3control", "GetPublicAccessBlock", f"account {self.read.account}",
                          AccountId=self.read.account)
        b["account_public_access_block"] = _bpa(ans.data.get("PublicAccessBlockConfiguration", {}) if ans.ok else {})
        if not ans.ok and ans.outcome != ABSENT:
            self.read.assumed.append("account_public_access_block")
        ans = self.r.read("s3", "GetBucketOwnershipControls", target, Bucket=name)
        rules = ans.data.get("OwnershipControls", {}).get("Rules", []) if ans.ok else []
        b["ownership"] = rules[0].get("ObjectOwnership", "ObjectWriter") if rules else "ObjectWriter"
        if not ans.ok and ans.outcome != ABSENT:
            self.read.assumed.append("ownership")
        ans = self.r.read("s3", "GetBucketVersioning", target, Bucket=name)
        if ans.ok:
            b["versioning"] = ans.data.get("Status", "Off")
        self.read.bucket = b

    # -------------------------------------------------------------- principals
    def principals(self, first: list[NamedPrincipal]) -> None:
        """Read every principal of ``first`` and every one the policies read name, until none is new."""
        queue = list(dict.fromkeys(first))
        seen: set[NamedPrincipal] = set()
        skipped_accounts: set[str] = set()
        while queue:
            p = queue.pop(0)
            if p in seen:
                continue
            if len(seen) >= MAX_PRINCIPALS:
                self.note(N_("More than {max} principals are named; {arn} and the ones after it were not "
                             "imported."), max=MAX_PRINCIPALS, arn=p.arn)
                break
            seen.add(p)
            if p.kind == "account":
                if p.account != self.read.account:
                    skipped_accounts.add(p.account)
                continue
            if p.account != self.read.account:
                self._external(p)
                continue
            policies = self._role(p) if p.kind == "role" else self._user(p)
            for text in policies:
                queue += sorted(named_in(text) - seen)
        for acct in sorted(skipped_accounts):
            # The whole account is trusted by a policy: any of its principals its administrators allow.
            self._external(NamedPrincipal("user", acct, f"any-principal-of-{acct}"), whole_account=True)

    def _external(self, p: NamedPrincipal, whole_account: bool = False) -> None:
        entry = {"name": p.name, "account": p.account,
                 "policies": {"AssumedFullAccessInItsOwnAccount": dict(ASSUMED_EXTERNAL_POLICY)}}
        if p.kind == "role":
            entry["trust_policy"] = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{p.account}:root"}, "Action": "sts:AssumeRole"}]}
            self.read.roles[p] = entry
        else:
            self.read.users[p] = entry
        if whole_account:
            self.note(N_("account {other} (named as a whole) is in another account: its identity-based policies "
                         "cannot be read from {account}, so the scenario assumes they allow everything (its own "
                         "account decides that)."), other=p.account, account=self.read.account)
        else:
            self.note(N_("{arn} is in another account: its identity-based policies cannot be read from {account}, "
                         "so the scenario assumes they allow everything (its own account decides that)."),
                      arn=p.arn, account=self.read.account)

    def _identity_policies(self, kind: str, name: str, target: str) -> tuple[dict[str, Any], list[str]] | None:
        """Inline and attached policies of a user, role or group: (scenario policies, their texts); None
        when a required call did not answer."""
        cap = kind.capitalize()
        param = {f"{cap}Name": name}
        out: dict[str, Any] = {}
        texts: list[str] = []
        ans = self.r.read("iam", f"List{cap}Policies", target, **param)
        if not ans.ok:
            return None
        for pname in ans.data.get("PolicyNames", []):
            got = self.r.read("iam", f"Get{cap}Policy", f"{target} policy {pname}", PolicyName=pname, **param)
            if not got.ok:
                return None
            doc = _doc(got.data["PolicyDocument"])
            out[pname] = doc
            texts.append(json.dumps(doc))
        ans = self.r.read("iam", f"ListAttached{cap}Policies", target, **param)
        if not ans.ok:
            return None
        for att in ans.data.get("AttachedPolicies", []):
            managed = self._managed(att["PolicyArn"])
            if managed is None:
                return None
            mname, doc = managed
            out[f"managed-{mname}"] = doc
            texts.append(json.dumps(doc))
        return out, texts

    def _managed(self, arn: str) -> tuple[str, dict[str, Any]] | None:
        if arn not in self.read.managed:
            ans = self.r.read("iam", "GetPolicy", f"policy {arn}", PolicyArn=arn)
            if not ans.ok:
                return None
            pol = ans.data["Policy"]
            ver = self.r.read("iam", "GetPolicyVersion", f"policy {arn}", PolicyArn=arn,
                              VersionId=pol["DefaultVersionId"])
            if not ver.ok:
                return None
            self.read.managed[arn] = (pol["PolicyName"], _doc(ver.data["PolicyVersion"]["Document"]))
        return self.read.managed[arn]

    def _boundary(self, p: NamedPrincipal, data: dict[str, Any]) -> None:
        boundary = (data.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary:
            self.note(N_("{arn} has the permissions boundary {boundary}; scenarios cannot hold boundaries yet, so "
                         "the check over-approximates its permissions (sound for 'must be denied', not for 'must "
                         "be allowed')."), arn=p.arn, boundary=boundary)

    def _role(self, p: NamedPrincipal) -> list[str]:
        target = f"role/{p.name}"
        ans = self.r.read("iam", "GetRole", target, RoleName=p.name)
        if not ans.ok:
            return []
        role = ans.data["Role"]
        self._boundary(p, role)
        trust = _doc(role["AssumeRolePolicyDocument"])
        got = self._identity_policies("role", p.name, target)
        if got is None:
            return [json.dumps(trust)]
        policies, texts = got
        self.read.roles[p] = {"name": p.name, "account": p.account, "trust_policy": trust, "policies": policies,
                              "description": role.get("Description", "")}
        return [json.dumps(trust)] + texts

    def _user(self, p: NamedPrincipal) -> list[str]:
        target = f"user/{p.name}"
        ans = self.r.read("iam", "GetUser", target, UserName=p.name)
        if not ans.ok:
            return []
        self._boundary(p, ans.data["User"])
        got = self._identity_policies("user", p.name, target)
        if got is None:
            return []
        policies, texts = got
        ans = self.r.read("iam", "ListGroupsForUser", target, UserName=p.name)
        if not ans.ok:
            return []
        for g in ans.data.get("Groups", []):
            gname = g["GroupName"]
            got = self._identity_policies("group", gname, f"group/{gname}")
            if got is None:
                return []
            gpol, gtexts = got
            # A group's policies apply to each member as identity-based policies of the user
            # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html).
            policies.update({f"group-{gname}-{n}": doc for n, doc in gpol.items()})
            texts += gtexts
        self.read.users[p] = {"name": p.name, "account": p.account, "policies": policies}
        return texts


# ---------------------------------------------------------------------------------------------------- writing
_SAFE = re.compile(r"[^A-Za-z0-9_.+=@-]")


def _file_name(*parts: str) -> str:
    return "-".join(_SAFE.sub("_", p) for p in parts) + ".json"


def _write_policy(files: dict[str, str], name: str, policy: str | dict[str, Any]) -> str:
    text = policy if isinstance(policy, str) else json.dumps(policy, indent=2)
    files[name] = text if text.endswith("\n") else text + "\n"
    return name


def _profiles(read: _Read, role: NamedPrincipal, admins: list[NamedPrincipal]) -> dict[str, dict[str, Any]]:
    """One lab profile per imported principal. A role profile needs a source profile to assume it from:
    a user its trust policy names, else an administrator user, else any user."""
    profiles: dict[str, dict[str, Any]] = {}
    user_profile: dict[NamedPrincipal, str] = {}
    for p in sorted(read.users):
        name = p.name if p.account == read.account else f"{p.name}-{p.account}"
        profiles[name] = {"user": p.name} | ({"account": p.account} if p.account != read.account else {})
        user_profile[p] = name
    for p in sorted(read.roles, key=lambda x: (x != role, x)):
        name = p.name if p.name not in profiles else f"{p.name}-role"
        if p.account != read.account:
            name = f"{p.name}-{p.account}"
        trusted = named_in(read.roles[p]["trust_policy"])
        source = next((user_profile[u] for u in sorted(read.users) if u in trusted), None) or \
            next((user_profile[u] for u in admins if u in user_profile), None) or \
            next(iter(user_profile.values()), None)
        assert source is not None, f"import_account always adds user {OTHER_PRINCIPAL}"
        profiles[name] = {"role": p.name, "source_profile": source, "session_name": "imported"} | \
            ({"account": p.account} if p.account != read.account else {})
    return profiles


def _scenario(read: _Read, name: str, role: NamedPrincipal, admins: list[NamedPrincipal],
              source: str) -> tuple[dict[str, Any], dict[str, str]]:
    """scenario.json's content and the policy files (file name -> text) for what was read."""
    files: dict[str, str] = {}
    key = dict(read.key)
    _write_policy(files, "key-policy.json", read.key_policy)
    bucket = dict(read.bucket)
    if read.bucket_policy is not None:
        _write_policy(files, "bucket-policy.json", read.bucket_policy)
    roles, users = [], []
    for p in sorted(read.roles, key=lambda x: (x != role, x)):
        entry = dict(read.roles[p])
        entry["trust_policy"] = _write_policy(files, _file_name("role", p.name, "trust-policy"),
                                              entry["trust_policy"])
        entry["policies"] = {n: _write_policy(files, _file_name("role", p.name, n), doc)
                             for n, doc in entry["policies"].items()}
        roles.append(entry)
    for p in sorted(read.users):
        entry = dict(read.users[p])
        entry["policies"] = {n: _write_policy(files, _file_name("user", p.name, n), doc)
                             for n, doc in entry["policies"].items()}
        users.append(entry)
    spec: dict[str, Any] = {
        "name": name,
        "title": TITLE.format(account=read.account, bucket=bucket["name"], key=key["id"], role=role.name),
        "source": source,
        "account": read.account,
        "region": read.region,
        "keys": [key],
        "buckets": [bucket],
        "roles": roles,
        "users": users,
        "profiles": _profiles(read, role, admins),
        "trusted_administrators": [a.arn for a in admins],
    }
    return spec, files


def _prepare(out: Path) -> None:
    """Make ``out`` ready for the files: a new or empty folder, or an earlier import's (whose policy files are
    replaced; an edited requirements.json is kept). Raises ValueError for any other non-empty folder."""
    if out.exists() and any(out.iterdir()):
        previous = out / "scenario.json"
        try:
            imported = "import" in json.loads(previous.read_text())
        except (OSError, ValueError):
            imported = False
        if not imported:
            raise ValueError(_("--out {out}: the folder is not empty and holds no earlier import; give a new "
                               "folder").format(out=out))
        for stale in out.glob("*.json"):
            if stale.name != "requirements.json":
                stale.unlink()
    out.mkdir(parents=True, exist_ok=True)


def import_account(session: Any, bucket: str, key: str, role: str, admins: list[str], out: str | Path,
                   principals: list[str] = (), region: str | None = None, name: str | None = None,
                   source: str = "") -> ImportResult:
    """Read ``bucket``, ``key`` (key id, alias name, alias ARN or key ARN) and ``role`` (a role name of the
    caller's account) through ``session`` (a boto3 Session: any profile, a real account or the lab) and write a
    scenario folder at ``out``.

    admins: principal ARNs of the trusted administrators (users or roles); principals: more principal ARNs to
    import. Raises :class:`ImportIncomplete` (nothing written) when a call needed for a faithful scenario did not
    answer, naming each such call with its IAM action; ValueError for an ARN that names no user or role.
    """
    started = time.perf_counter()
    if region is None and key.startswith("arn:"):
        region = key.split(":")[3]  # a key or alias ARN says its region; the profile may not
    reader = AccountReader(session, region)
    imp = _Importer(reader)
    ans = reader.read("sts", "GetCallerIdentity", "caller")
    if not ans.ok:
        raise ImportIncomplete(_("Cannot tell which account the profile belongs to:"),
                           [r.problem() for r in reader.problems()], reader.records)
    imp.read.account, imp.read.caller_arn = ans.data["Account"], ans.data["Arn"]
    admin_ps = [_principal_arg(a, "--admin") for a in admins]
    extra_ps = [_principal_arg(a, "--principal") for a in principals]
    imp.key(key)
    if not imp.read.key:
        raise ImportIncomplete(_("Cannot read key {key}:").format(key=key), [r.problem() for r in reader.problems()], reader.records)
    reader.region = imp.read.region  # the bucket and the key are in one region for SSE-KMS
    imp.bucket(bucket)
    role_p = NamedPrincipal("role", imp.read.account, role)
    named: set[NamedPrincipal] = set()
    for text in [imp.read.key_policy, imp.read.bucket_policy or "{}"]:
        named |= named_in(text)
    for g in imp.read.grants:
        named |= {n for v in (g["grantee"], g.get("retiring_principal", "")) if (n := parse_principal_arn(v))}
    imp.principals([role_p] + admin_ps + extra_ps + sorted(named))
    missing = reader.problems(required=True)
    if missing or role_p not in imp.read.roles:
        problems = [r.problem() for r in missing] or [_("role {role} was not imported").format(role=role)]
        raise ImportIncomplete(_("The import is incomplete, so no scenario was written (a check of it could call an "
                                 "insecure design secure). Calls that did not answer:"), problems, reader.records)
    for a in admin_ps:
        if a.kind == "account":
            imp.note(N_("{arn} (the account root user) is an administrator; it has no IAM policies to import and "
                        "no lab profile."), arn=a.arn)
    if any(n.kind == "account" and n.account == imp.read.account for n in named):
        imp.note(N_("A resource policy names the account {account} itself: every IAM principal of the account "
                    "whose identity-based policies allow it is covered; only the imported ones are checked (add "
                    "others with --principal ARN)."), account=imp.read.account)
    names = [u.name for u in imp.read.users]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        imp.note(N_("Users named {name} were imported from more than one account; the lab keys user credentials "
                    "by name, so their profiles share one user's keys and the check covers only one of them (a "
                    "known limit of the lab's provisioning)."), name=dup)
    # Users and roles no policy names may still be allowed S3 and KMS by their own identity-based policies (in the
    # same account that suffices unless a resource policy denies: https://docs.aws.amazon.com/IAM/latest/UserGuide/
    # reference_policies_evaluation-logic.html). One user stands in for them, as the lab's analyst does: s3:* and
    # kms:*, no IAM (a principal that can change IAM is an administrator: --admin if trusted, else --principal).
    other = NamedPrincipal("user", imp.read.account, OTHER_PRINCIPAL)
    imp.read.users[other] = {"name": OTHER_PRINCIPAL, "account": imp.read.account,
                             "policies": {"AssumedByTheImportS3AndKms": dict(ASSUMED_OTHER_POLICY)}}
    imp.note(N_("User {user} (not in your account) stands in for the users and roles no policy names: allowed "
                "s3:* and kms:* by their own policies, no IAM. Import real ones with --principal ARN."),
             user=OTHER_PRINCIPAL)
    out = Path(out)
    origin = dict(account=imp.read.account, caller=imp.read.caller_arn,
                  time=time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()))
    spec, files = _scenario(imp.read, name or out.name, role_p, admin_ps, source or SOURCE.format(**origin))
    with language("en"):  # scenario.json is data: its record of the import is in English whatever the language
        spec["import"] = {"calls": [r.as_dict() for r in reader.records],
                          "not_read": [r.problem() for r in reader.problems(required=False)],
                          "assumed": imp.read.assumed, "notes": _texts(imp.read.notes)}
    not_read, notes = [r.problem() for r in reader.problems(required=False)], _texts(imp.read.notes)
    _prepare(out)
    for fname, text in files.items():
        (out / fname).write_text(text)
    (out / "scenario.json").write_text(json.dumps(spec, indent=2) + "\n")
    requirements = out / "requirements.json"
    if requirements.exists():
        notes.append(_("{file} was kept as it was (delete it and import again to regenerate it).")
                     .format(file=requirements))
    else:
        requirements.write_text(json.dumps(requirements_for(spec, role_p, admin_ps), indent=2,
                                           ensure_ascii=False) + "\n")
    write_readme(out, spec, title=_(TITLE).format(account=imp.read.account, bucket=bucket, key=spec["keys"][0]["id"],
                                                  role=role_p.name),
                 source=source or _(SOURCE).format(**origin), not_read=not_read, notes=notes)
    return ImportResult(out, spec, reader.records, not_read, notes, time.perf_counter() - started)


def _principal_arg(value: str, option: str) -> NamedPrincipal:
    p = parse_principal_arn(value)
    if p is None or (p.kind == "account" and not value.startswith("arn:")):
        raise ValueError(_("{option} {value}: expected a user or role ARN (arn:aws:iam::ACCOUNT:user/NAME or "
                           "role/NAME) or the account root ARN").format(option=option, value=repr(value)))
    return p
