"""The checker's universe: every relevant request over a scenario, decided by the endpoint's own code.

Nothing here decides anything. Each request is turned into the same :class:`~s3kms_lab.endpoint.decide.Call`
objects the endpoint builds from HTTP, planned by the endpoint's planner (:func:`s3kms_lab.endpoint.planner.plan`)
and decided by the plan over an in-process moto state provisioned exactly as :class:`~s3kms_lab.Lab`
provisions it. The only things the checker adds to that state are what the universe needs and a lab
would create on demand: the role sessions, a second customer managed key ("another key"), the AWS
managed key ``aws/s3``, two existing objects, a ciphertext under the scenario key, and the multipart
uploads that UploadPart refers to. Default bucket encryption variants are set on moto's bucket and restored.

Dimensions (README of the checker: :mod:`s3kms_lab.checker`):
principals (every profile + anonymous [+ a synthetic other-account user if no profile is in another
account]) x requests (PutObject, multipart upload, GetObject, direct kms:Encrypt/Decrypt/ReEncrypt/
GenerateDataKey) x SSE header x key-id header x default bucket encryption x aws:SecureTransport.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..endpoint.auth import caller_for
from ..endpoint.errors import AwsError
from ..endpoint.decide import Authorizer, Call, Step
from ..endpoint.moto_seam import Credential, MotoState
from ..endpoint.sse import aws_managed_s3_key
from ..endpoint.operations import lookup
from ..endpoint.planner import Plan, plan
from ..engine import Caller
from ..engine.principal import ANONYMOUS
from ..lab.provision import _encryption_rule, provision
from ..lab.scenario import Scenario
from .requirements import PROPERTIES

__all__ = ["Principal", "RequestCase", "Verdict", "Universe", "reset_moto"]

OBJECT_PREFIX = "checker/"
PROBE_KEY = OBJECT_PREFIX + "probe.txt"
OBJECT_KEYS = {"sse-kms": OBJECT_PREFIX + "sse-kms-object.txt",
               "sse-kms+bucket-key": OBJECT_PREFIX + "sse-kms-bucket-key-object.txt",
               "sse-s3": OBJECT_PREFIX + "sse-s3-object.txt"}
DIRECT_KMS_OPERATIONS = ("Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey")
EXTERNAL_ACCOUNT = "210987654321"


def reset_moto() -> None:
    """Empty moto's process-wide state (what :meth:`Lab.start` does first)."""
    MotoState.reset()


@dataclass
class Principal:
    """A caller of the universe. profile: the lab profile that replays it (None: not replayable)."""

    name: str
    caller: Caller
    credential: Credential | None
    profile: str | None

    @property
    def arn(self) -> str:
        return self.caller.principal_arn if not self.caller.is_anonymous else ""

    @property
    def account(self) -> str:
        return self.caller.account


@dataclass(frozen=True)
class RequestCase:
    """One request of the universe (symbolic: replayable from these fields alone).

    kind: ``put`` (PutObject), ``multipart`` (CreateMultipartUpload -> UploadPart -> CompleteMultipartUpload),
    ``get`` (GetObject of an existing object), ``kms`` (a direct KMS call, ``operation``).
    sse / kms_key_id / default_encryption: for writes; object: for reads (how the object was encrypted).
    """

    principal: str
    kind: str
    operation: str
    sse: str | None = None
    kms_key_id: str | None = None
    default_encryption: str | None = None
    secure_transport: bool = False
    object: str | None = None

    def properties(self) -> dict[str, Any]:
        """The request properties a requirement's ``when`` can filter on (None: not applicable)."""
        return {"sse": self.sse, "kms_key_id": self.kms_key_id, "default_encryption": self.default_encryption,
                "secure_transport": self.secure_transport,
                "upload": {"put": "single", "multipart": "multipart"}.get(self.kind), "object": self.object}

    def as_dict(self) -> dict[str, Any]:
        d = {"principal": self.principal, "kind": self.kind, "operation": self.operation,
             "secure_transport": self.secure_transport}
        for k in ("sse", "kms_key_id", "default_encryption", "object"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RequestCase":
        return cls(**{k: d.get(k) for k in ("principal", "kind", "operation", "sse", "kms_key_id",
                                             "default_encryption", "object")},
                   secure_transport=bool(d.get("secure_transport", False)))


@dataclass
class Verdict:
    """What the endpoint's code decided for a probe.

    calls: (operation, steps) for each API call made, in order, up to the first refused one;
    denied: the first denied step (None when allowed); error: an error the endpoint raises before
    authorizing (e.g. ``KMS.NotFoundException`` for an unknown key id); encryption: (algorithm, key ARN)
    S3 would store a new object with.
    """

    probe: RequestCase
    calls: list[tuple[str, list[Step]]] = field(default_factory=list)
    denied: Step | None = None
    error: str = ""
    encryption: tuple[str, str] | None = None

    @property
    def allowed(self) -> bool:
        return self.denied is None and not self.error

    @property
    def decision(self) -> str:
        if self.error:
            return "error"
        if self.denied is not None and self.denied.decision is not None:
            return self.denied.decision.effect
        return "allowed"

    def steps(self) -> Iterator[Step]:
        for _op, steps in self.calls:
            yield from steps

    def explanation(self) -> list[str]:
        """Decision.summary() of every decided step (the endpoint's x-s3kms-lab-explanation)."""
        out = []
        for op, steps in self.calls:
            for s in steps:
                if s.decision is not None:
                    out.append(f"[{op}] {s.label}: {s.decision.summary()}")
        if self.error:
            out.append(f"the endpoint refuses the request before authorizing it: {self.error}")
        return out

    def message(self) -> str:
        """The AWS error sentence for a denied probe ('' when allowed)."""
        if self.error:
            return self.error
        if self.denied is not None and self.denied.decision is not None:
            return self.denied.decision.message()
        return ""


class Universe:
    """A scenario provisioned into moto in-process plus everything the universe's requests need.

    Build with :meth:`build`; it resets moto's process-wide state (so no :class:`Lab` may be running in
    this process). :meth:`close` resets it again.
    """

    def __init__(self, sc: Scenario):
        self.scenario = sc
        self.state: MotoState | None = None
        self.authorizer: Authorizer | None = None
        self.principals: list[Principal] = []
        self.bucket = sc.spec["buckets"][0]["name"] if sc.spec.get("buckets") else ""
        self.key_arn = sc.main_key_arn if sc.spec.get("keys") else ""
        self.key_id = sc.spec["keys"][0]["id"] if sc.spec.get("keys") else ""
        self.alias = sc.spec["keys"][0].get("alias", "") if sc.spec.get("keys") else ""
        self.other_key_arn = ""
        self.aws_s3_key_arn = ""
        self.ciphertext = ""
        self.baseline_encryption = "off"
        self._encryption_variants: dict[str, Any] = {}
        self._multiparts: dict[tuple[Any, ...], str] = {}
        self._policy_cache: dict[Any, Any] = {}
        self.notes: list[str] = []

    # ------------------------------------------------------------------ build
    def build(self) -> "Universe":
        sc = self.scenario
        reset_moto()
        self.state = state = MotoState(sc.region)
        provisioned = provision(state, sc)
        self.authorizer = Authorizer(state)
        self._memoize_caller_policies()
        acct = sc.account
        # principals: every profile, in the scenario's order
        for profile, spec in sc.spec.get("profiles", {}).items():
            if "user" in spec:
                _a, akid, _s = provisioned.user_keys[spec["user"]]
            else:
                role_acct = spec.get("account", acct)
                akid = state.assume_role(role_acct, f"arn:aws:iam::{role_acct}:role/{spec['role']}",
                                         spec.get("session_name", profile), sc.region)
            cred = state.find_credential(akid)
            assert cred is not None, f"profile {profile}: no credential"
            self.principals.append(Principal(profile, caller_for(cred), cred, profile))
        if not any(p.account and p.account != acct for p in self.principals):
            self.principals.append(self._external_principal())
        self.principals.append(Principal("anonymous", Caller(ANONYMOUS), None, "anonymous"))
        # resources a lab creates on demand
        if self.key_arn:
            other = state.create_key(acct, json.dumps(_ROOT_ONLY_POLICY(acct)),
                                     "another customer managed key (created by the requirement checker)")
            self.other_key_arn = other.arn
            self.aws_s3_key_arn = aws_managed_s3_key(state, acct).arn
            main_key = state.resolve_key(self.key_arn, acct)
            assert main_key is not None
            blob = state.encrypt(main_key, b"requirement checker", {})
            self.ciphertext = base64.b64encode(blob).decode()
        if self.bucket:
            current = state.bucket_encryption(self.bucket)
            self._encryption_variants = {
                "off": None,
                "SSE-S3": _encryption_rule({"algorithm": "AES256"}, sc),
                "SSE-KMS": _encryption_rule({"algorithm": "aws:kms", "key": self.key_arn}, sc),
                "SSE-KMS+BucketKey": _encryption_rule({"algorithm": "aws:kms", "key": self.key_arn,
                                                        "bucket_key": True}, sc),
            }
            self.baseline_encryption = next((k for k, v in self._encryption_variants.items() if v == current), "")
            if not self.baseline_encryption:
                self._encryption_variants["as provisioned"] = current
                self.baseline_encryption = "as provisioned"
            for variant, key in OBJECT_KEYS.items():
                self._put_existing_object(key, variant)
        return self

    def close(self) -> None:
        reset_moto()

    def __enter__(self) -> "Universe":
        return self.build()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _memoize_caller_policies(self) -> None:
        """Caller policies are read from moto once per credential (they do not change during a check)."""
        assert self.authorizer is not None
        original = self.authorizer.caller_policies
        cache = self._policy_cache

        def caller_policies(cred: Credential | None) -> Any:
            if cred not in cache:
                cache[cred] = original(cred)
            return cache[cred]

        self.authorizer.caller_policies = caller_policies  # type: ignore[method-assign]

    def _external_principal(self) -> Principal:
        """A user of another account with s3:* and kms:* (only when no profile is in another account)."""
        assert self.state is not None
        name = "checker-external"
        self.state.create_user(EXTERNAL_ACCOUNT, name, self.scenario.region)
        self.state.put_user_policy(EXTERNAL_ACCOUNT, name, "S3AndKmsFullAccess", json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "kms:*"], "Resource": "*"}]}))
        akid, _secret = self.state.create_access_key(EXTERNAL_ACCOUNT, name)
        cred = self.state.find_credential(akid)
        assert cred is not None
        self.notes.append(f"No profile is in another account; the checker added user {name} of account "
                          f"{EXTERNAL_ACCOUNT} (s3:*, kms:*), which has no lab profile to replay with.")
        return Principal(name, caller_for(cred), cred, None)

    def _put_existing_object(self, key: str, variant: str) -> None:
        """An existing object: SSE-KMS under the scenario key as an upload with the key ARN leaves it (with or
        without an S3 Bucket Key: moto's object plus the data-key record the endpoint's plan keeps), or SSE-S3
        as an object stored before the bucket policy was in place."""
        assert self.state is not None and self.authorizer is not None
        if variant == "sse-s3":
            self.state.put_object(self.bucket, key, b"object stored before the policy", encryption="AES256")
            return
        headers = {"x-amz-server-side-encryption": "aws:kms",
                   "x-amz-server-side-encryption-aws-kms-key-id": self.key_arn}
        if variant.endswith("bucket-key"):
            headers["x-amz-server-side-encryption-bucket-key-enabled"] = "true"
        writer = Principal("lab operator", Caller("Account", f"arn:aws:iam::{self.scenario.account}:root",
                                                   self.scenario.account), None, None)
        call = self._call(writer, "s3", "PutObject", RequestCase("lab operator", "put", "PutObject"),
                          bucket=self.bucket, key=key, headers=headers)
        planned = plan(call, self.authorizer)
        assert planned.sse is not None and planned.after is not None
        self.state.put_object(self.bucket, key, b"object written before the check", encryption=planned.sse.algorithm,
                              kms_key_id=planned.sse.key_arn, bucket_key=planned.sse.bucket_key)
        planned.after(b"")

    # ------------------------------------------------------------------ enumerate
    def principal(self, name: str) -> Principal:
        return next(p for p in self.principals if p.name == name)

    def key_id_header(self, variant: str) -> str | None:
        return {"absent": None, "key-id": self.key_id, "key-arn": self.key_arn, "alias": self.alias,
                "other-key": self.other_key_arn, "aws/s3": "alias/aws/s3"}[variant]

    def key_id_variants(self) -> list[str]:
        return [v for v in PROPERTIES["kms_key_id"] if v != "alias" or self.alias]

    def probes(self) -> list[RequestCase]:
        """Every request of the universe, writes grouped by default-encryption variant."""
        out: list[RequestCase] = []
        secure = list(PROPERTIES["secure_transport"])
        if self.bucket:
            for enc in self._encryption_variants:
                for p in self.principals:
                    for kind in ("put", "multipart"):
                        for sse in PROPERTIES["sse"]:
                            key_variants = self.key_id_variants() if sse.startswith("aws:kms") else ["absent"]
                            for kid in key_variants:
                                for st in secure:
                                    op = "PutObject" if kind == "put" else "MultipartUpload"
                                    out.append(RequestCase(p.name, kind, op, sse, kid, enc, st))
            for p in self.principals:
                for obj in PROPERTIES["object"]:
                    for st in secure:
                        out.append(RequestCase(p.name, "get", "GetObject", secure_transport=st, object=obj))
        if self.key_arn:
            for p in self.principals:
                if p.caller.is_anonymous:
                    continue  # KMS accepts signed requests only
                for op in DIRECT_KMS_OPERATIONS:
                    for st in secure:
                        out.append(RequestCase(p.name, "kms", op, secure_transport=st))
        return out

    def actions(self) -> list[str]:
        """IAM actions the universe's requests need (for validating requirement files)."""
        acts = ["s3:PutObject", "s3:GetObject", "kms:GenerateDataKey", "kms:Decrypt"]
        acts += [lookup("kms", op).action for op in DIRECT_KMS_OPERATIONS] + ["kms:ReEncryptTo"]  # type: ignore[union-attr]
        return sorted(set(acts))

    def principal_refs(self) -> dict[str, str]:
        """Every way a requirement may name a principal -> the principal's name."""
        refs: dict[str, str] = {}
        for p in self.principals:
            refs[p.name] = p.name
            if p.caller.arn:
                refs[p.caller.arn] = p.name
            if p.arn:
                refs.setdefault(p.arn, p.name)
        return refs

    def complexity(self, probe: RequestCase) -> int:
        """How many properties differ from the simplest request (the ranking of counterexamples)."""
        n = 0
        n += probe.kind == "multipart"
        n += probe.sse not in (None, "absent")
        n += probe.kms_key_id not in (None, "absent")
        n += probe.default_encryption is not None and probe.default_encryption != self.baseline_encryption
        n += probe.secure_transport
        n += probe.object not in (None, "sse-kms")
        return n

    # ------------------------------------------------------------------ decide
    def evaluate(self, probes: list[RequestCase]) -> list[Verdict]:
        """Decide every probe through the endpoint's code. Writes are grouped by default-encryption
        variant, which is set on moto's bucket for the group and restored afterwards."""
        assert self.state is not None
        original = self.state.bucket_encryption(self.bucket) if self.bucket else None
        outcomes: list[Verdict] = []
        current: Any = object()
        try:
            for probe in probes:
                if probe.default_encryption is not None and probe.default_encryption != current:
                    current = probe.default_encryption
                    self.state.set_bucket_encryption(self.bucket, self._encryption_variants[current])
                outcomes.append(self.decide(probe))
        finally:
            if self.bucket:
                self.state.set_bucket_encryption(self.bucket, original)
        return outcomes

    def decide(self, probe: RequestCase) -> Verdict:
        p = self.principal(probe.principal)
        if probe.kind == "put":
            return self._decide_put(p, probe)
        if probe.kind == "multipart":
            return self._decide_multipart(p, probe)
        if probe.kind == "get":
            return self._decide_s3(p, probe, "GetObject", OBJECT_KEYS[probe.object or "sse-kms"], {}, {})
        return self._decide_kms(p, probe)

    def _call(self, p: Principal, service: str, operation: str, probe: RequestCase, **kw: Any) -> Call:
        return Call(service, operation, caller=p.caller, credential=p.credential, secure=probe.secure_transport,
                    auth_type="none" if p.caller.is_anonymous else "header", region=self.scenario.region, **kw)

    def _headers(self, probe: RequestCase) -> dict[str, str]:
        h: dict[str, str] = {}
        if probe.sse not in (None, "absent"):
            h["x-amz-server-side-encryption"] = probe.sse  # type: ignore[assignment]
        kid = self.key_id_header(probe.kms_key_id or "absent")
        if kid:
            h["x-amz-server-side-encryption-aws-kms-key-id"] = kid
        return h

    def _s3_call_steps(self, p: Principal, probe: RequestCase, operation: str, key: str, headers: dict[str, str],
                       query: dict[str, str], out: Verdict) -> tuple[bool, Plan]:
        """Plan and decide one S3 call of the probe, as the endpoint does; (allowed, the plan)."""
        assert self.authorizer is not None
        call = self._call(p, "s3", operation, probe, bucket=self.bucket, key=key, headers=headers, query=query)
        planned = plan(call, self.authorizer)
        out.calls.append((operation, planned.steps))
        if planned.refusal is not None:  # the endpoint refuses this before authorizing
            out.error = f"{planned.refusal.code}: {planned.refusal.message}"
            return False, planned
        denied = planned.decide() or planned.check()
        if denied is not None:
            out.denied = denied
            return False, planned
        return True, planned

    def _decide_s3(self, p: Principal, probe: RequestCase, operation: str, key: str, headers: dict[str, str],
                   query: dict[str, str]) -> Verdict:
        out = Verdict(probe)
        self._s3_call_steps(p, probe, operation, key, headers, query, out)
        return out

    def _decide_put(self, p: Principal, probe: RequestCase) -> Verdict:
        out = Verdict(probe)
        _ok, planned = self._s3_call_steps(p, probe, "PutObject", PROBE_KEY, self._headers(probe), {}, out)
        if planned.sse is not None:
            out.encryption = (planned.sse.algorithm, planned.sse.key_arn)
        return out

    def _decide_multipart(self, p: Principal, probe: RequestCase) -> Verdict:
        out = Verdict(probe)
        headers = self._headers(probe)
        ok, create = self._s3_call_steps(p, probe, "CreateMultipartUpload", PROBE_KEY, headers, {}, out)
        if create.sse is not None:
            out.encryption = (create.sse.algorithm, create.sse.key_arn)
        if not ok or create.sse is None:
            return out
        upload_id = self._multipart_for(create)
        ok, _ = self._s3_call_steps(p, probe, "UploadPart", PROBE_KEY, {}, {"uploadId": upload_id, "partNumber": "1"}, out)
        if not ok:
            return out
        self._s3_call_steps(p, probe, "CompleteMultipartUpload", PROBE_KEY, {}, {"uploadId": upload_id}, out)
        return out

    def _multipart_for(self, create: Plan) -> str:
        """The multipart upload UploadPart refers to, left in moto as the endpoint leaves it after an allowed
        CreateMultipartUpload: moto's upload with the encryption the endpoint forwards, then the plan's own
        effects (the SSE headers and the data-key record)."""
        sse_plan = create.sse
        assert sse_plan is not None and self.state is not None and create.after is not None
        headers = {k: v for k, v in create.call.headers.items() if k.startswith("x-amz-server-side-encryption")}
        sig = (sse_plan.algorithm, sse_plan.key_arn, tuple(sorted(sse_plan.context.items())), sse_plan.bucket_key,
               tuple(sorted(headers.items())))
        if sig not in self._multiparts:
            upload_id = self.state.create_multipart_upload(self.bucket, PROBE_KEY, sse_plan.algorithm, sse_plan.key_arn)
            create.after(f"<UploadId>{upload_id}</UploadId>".encode())
            self._multiparts[sig] = upload_id
        return self._multiparts[sig]

    def _decide_kms(self, p: Principal, probe: RequestCase) -> Verdict:
        assert self.authorizer is not None
        out = Verdict(probe)
        params: dict[str, Any] = {
            "Encrypt": {"KeyId": self.key_arn, "Plaintext": base64.b64encode(b"hello").decode()},
            "GenerateDataKey": {"KeyId": self.key_arn, "KeySpec": "AES_256"},
            "Decrypt": {"CiphertextBlob": self.ciphertext, "KeyId": self.key_arn},
            "ReEncrypt": {"CiphertextBlob": self.ciphertext, "DestinationKeyId": self.key_arn},
        }[probe.operation]
        call = self._call(p, "kms", probe.operation, probe, params=params)
        try:
            planned = plan(call, self.authorizer)
        except AwsError as err:  # refused before authorizing (e.g. the key cannot be found)
            out.error = f"{err.code}: {err.message}"
            return out
        out.calls.append((probe.operation, planned.steps))
        out.denied = planned.decide() or planned.check()
        return out


def _ROOT_ONLY_POLICY(account: str) -> dict[str, Any]:
    """The default key policy (what ``aws kms create-key`` without --policy gives, KMS-1)."""
    return {"Version": "2012-10-17", "Id": "key-default-1",
            "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                           "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]}
