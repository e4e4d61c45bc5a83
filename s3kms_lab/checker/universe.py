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
account]) x requests (PutObject, multipart upload, GetObject, DeleteObject, direct kms:Encrypt/Decrypt/
ReEncrypt/GenerateDataKey) x SSE header x key-id header x default bucket encryption x aws:SecureTransport;
direct KMS calls also x encryption context (none, and every ``kms:EncryptionContext:<key>`` value the
scenario's policies mention: the caller chooses the encryption context, so a condition on it restricts
nothing unless the caller cannot choose the value the condition wants;
https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..endpoint.auth import caller_for
from ..endpoint.decide import Authorizer, Call, Step
from ..endpoint.moto_seam import Credential, MotoState
from ..endpoint.sse import aws_managed_s3_key
from ..endpoint.operations import lookup
from ..endpoint.plan_types import Plan
from ..engine import Caller
from ..engine.principal import ANONYMOUS
from ..i18n import N_, _
from ..lab.provision import _encryption_rule, provision
from ..lab.scenario import Scenario
from .planning import Planner
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
    ``get`` (GetObject of an existing object), ``delete`` (DeleteObject of an existing object), ``kms`` (a
    direct KMS call, ``operation``). principal: whom the request is charged to (the requirement's subject);
    identity: the identity that signs it when that principal obtained another one first (escalation).
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
    identity: str | None = None
    encryption_context: tuple[tuple[str, str], ...] | None = None  # kms: the pairs the caller sends (sorted)

    @property
    def actor(self) -> str:
        """Who makes the request: ``identity`` (an identity the principal obtained on an escalation path,
        e.g. a role session it assumed) or the principal itself."""
        return self.identity or self.principal

    def properties(self) -> dict[str, Any]:
        """The request properties a requirement's ``when`` can filter on (None: not applicable)."""
        return {"sse": self.sse, "kms_key_id": self.kms_key_id, "default_encryption": self.default_encryption,
                "secure_transport": self.secure_transport,
                "upload": {"put": "single", "multipart": "multipart"}.get(self.kind), "object": self.object}

    def as_dict(self) -> dict[str, Any]:
        d = {"principal": self.principal, "kind": self.kind, "operation": self.operation,
             "secure_transport": self.secure_transport}
        for k in ("sse", "kms_key_id", "default_encryption", "object", "identity"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.encryption_context is not None:
            d["encryption_context"] = dict(self.encryption_context)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RequestCase":
        return cls(**{k: d.get(k) for k in ("principal", "kind", "operation", "sse", "kms_key_id",
                                             "default_encryption", "object", "identity")},
                   secure_transport=bool(d.get("secure_transport", False)),
                   encryption_context=tuple(sorted(d["encryption_context"].items()))
                   if d.get("encryption_context") is not None else None)


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
            out.append(_("the endpoint refuses the request before authorizing it: {error}").format(error=self.error))
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
        self.identities: dict[str, Principal] = {}  # every identity a request may act as (principals + obtained)
        self.planner: Planner | None = None
        self.bucket = sc.spec["buckets"][0]["name"] if sc.spec.get("buckets") else ""
        self.key_arn = sc.main_key_arn if sc.spec.get("keys") else ""
        self.key_id = sc.spec["keys"][0]["id"] if sc.spec.get("keys") else ""
        self.alias = sc.spec["keys"][0].get("alias", "") if sc.spec.get("keys") else ""
        self.other_key_arn = ""
        self.aws_s3_key_arn = ""
        self.ciphertext = ""
        self.contexts: list[tuple[tuple[str, str], ...]] = []  # encryption contexts the policies mention
        self._ciphertexts: dict[tuple[tuple[str, str], ...], str] = {}
        self.baseline_encryption = "off"
        self._encryption_variants: dict[str, Any] = {}
        self._multiparts: dict[tuple[Any, ...], str] = {}
        self._policy_cache: dict[Any, Any] = {}
        self._obtained: dict[tuple[str, ...], Credential] = {}
        self._notes: list[tuple[str, dict[str, Any]]] = []  # (message, its fields): shown in the language of the check

    # ------------------------------------------------------------------ build
    def build(self) -> "Universe":
        sc = self.scenario
        reset_moto()
        self.state = state = MotoState(sc.region)
        provisioned = provision(state, sc)
        self.authorizer = Authorizer(state)
        self._memoize_caller_policies()
        self.planner = Planner(state, self.authorizer)
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
        self.identities = {p.name: p for p in self.principals}
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
            self.use_contexts(encryption_contexts(policy_conditions(sc)))
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

    @property
    def notes(self) -> list[str]:
        """What the reader should know about the universe, in the lab's language at the time of asking."""
        return [_(message).format(**fields) for message, fields in self._notes]

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def current_encryption_variant(self) -> str:
        """The name of the bucket's default-encryption variant as moto holds it now (``as changed`` when it is
        none of the named variants)."""
        assert self.state is not None
        current = self.state.bucket_encryption(self.bucket) if self.bucket else None
        return next((k for k, v in self._encryption_variants.items() if v == current), "as changed")

    def obtained_credential(self, ref: tuple[str, ...]) -> Credential | None:
        """A credential an escalation step obtained before (a role session, a new access key), reused so
        that every path that obtains it acts as the same identity."""
        return self._obtained.get(ref)

    def remember_credential(self, ref: tuple[str, ...], cred: Credential | None) -> None:
        assert cred is not None, f"moto did not return a usable credential for {ref}"
        self._obtained[ref] = cred

    def policies_changed(self) -> None:
        """Forget memoized caller policies (an escalation step changed an identity policy or boundary)."""
        self._policy_cache.clear()
        assert self.state is not None
        self.state.forget_credentials()

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
        self._notes.append((N_("No profile is in another account; the checker added user {user} of account "
                               "{account} (s3:*, kms:*), which has no lab profile to replay with."),
                            {"user": name, "account": EXTERNAL_ACCOUNT}))
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
        planned = self.planner.plan(call)  # type: ignore[union-attr]
        assert planned.sse is not None and planned.after is not None
        self.state.put_object(self.bucket, key, b"object written before the check", encryption=planned.sse.algorithm,
                              kms_key_id=planned.sse.key_arn, bucket_key=planned.sse.bucket_key)
        planned.after(b"")

    # ------------------------------------------------------------------ enumerate
    def principal(self, name: str) -> Principal:
        return self.identities[name]

    def key_id_header(self, variant: str) -> str | None:
        return {"absent": None, "key-id": self.key_id, "key-arn": self.key_arn, "alias": self.alias,
                "other-key": self.other_key_arn, "aws/s3": "alias/aws/s3"}[variant]

    def key_id_variants(self) -> list[str]:
        return [v for v in PROPERTIES["kms_key_id"] if v != "alias" or self.alias]

    def probes(self, kinds: frozenset[str] | None = None) -> list[RequestCase]:
        """Every request of the universe, writes grouped by default-encryption variant; ``kinds``: only these
        kinds of request (see :class:`RequestCase`; None: all)."""
        return [p for p in self._all_probes() if kinds is None or p.kind in kinds]

    def _all_probes(self) -> list[RequestCase]:
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
                for st in secure:
                    out.append(RequestCase(p.name, "delete", "DeleteObject", secure_transport=st, object="sse-kms"))
        if self.key_arn:
            for p in self.principals:
                if p.caller.is_anonymous:
                    continue  # KMS accepts signed requests only
                for op in DIRECT_KMS_OPERATIONS:
                    for st in secure:
                        for ec in self.context_variants():
                            out.append(RequestCase(p.name, "kms", op, secure_transport=st, encryption_context=ec))
        return out

    def use_contexts(self, contexts: list[tuple[tuple[str, str], ...]]) -> None:
        """Try direct KMS requests with these encryption contexts (besides none); each gets a ciphertext made
        with it under the scenario key, what a Decrypt or ReEncrypt with that context is tried on."""
        assert self.state is not None
        self.contexts = list(contexts)
        key = self.state.resolve_key(self.key_arn, self.scenario.account)
        for ec in self.contexts:
            if ec not in self._ciphertexts and key is not None:
                blob = self.state.encrypt(key, b"requirement checker", dict(ec))
                self._ciphertexts[ec] = base64.b64encode(blob).decode()

    def context_variants(self) -> list[tuple[tuple[str, str], ...] | None]:
        """Encryption contexts a direct KMS request is tried with: none, then those the policies mention."""
        return [None, *self.contexts]

    @staticmethod
    def kinds_for(actions: list[str]) -> frozenset[str]:
        """The kinds of request that can need one of ``actions`` (a write or a read of an SSE-KMS object
        needs KMS actions too, so KMS actions bring every S3 kind)."""
        from ..engine.matching import action_matches
        needs = {"put": ["s3:PutObject", "kms:GenerateDataKey"],
                 "multipart": ["s3:PutObject", "kms:GenerateDataKey", "kms:Decrypt"],
                 "get": ["s3:GetObject", "kms:Decrypt"], "delete": ["s3:DeleteObject"],
                 "kms": [lookup("kms", op).action for op in DIRECT_KMS_OPERATIONS] + ["kms:ReEncryptTo"]}  # type: ignore[union-attr]
        return frozenset(k for k, acts in needs.items() if any(action_matches(a, x) for a in actions for x in acts))

    def actions(self) -> list[str]:
        """IAM actions the universe's requests need (for validating requirement files)."""
        acts = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "kms:GenerateDataKey", "kms:Decrypt"]
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
        n += probe.kind == "delete"
        n += probe.encryption_context is not None
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
        p = self.principal(probe.actor)
        if probe.kind == "delete":
            return self._decide_s3(p, probe, "DeleteObject", OBJECT_KEYS[probe.object or "sse-kms"], {}, {})
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
                       query: dict[str, str], out: Verdict) -> tuple[bool, Plan | None]:
        """Plan and decide one S3 call of the probe, as the endpoint does (:mod:`.planning`); (allowed, the plan)."""
        assert self.planner is not None
        call = self._call(p, "s3", operation, probe, bucket=self.bucket, key=key, headers=headers, query=query)
        planned = self.planner.decide(call)
        out.calls.append((operation, planned.steps))
        out.denied = planned.denied
        out.error = planned.error
        return planned.allowed, planned.plan

    def _decide_s3(self, p: Principal, probe: RequestCase, operation: str, key: str, headers: dict[str, str],
                   query: dict[str, str]) -> Verdict:
        out = Verdict(probe)
        self._s3_call_steps(p, probe, operation, key, headers, query, out)
        return out

    def _decide_put(self, p: Principal, probe: RequestCase) -> Verdict:
        out = Verdict(probe)
        _ok, planned = self._s3_call_steps(p, probe, "PutObject", PROBE_KEY, self._headers(probe), {}, out)
        if planned is not None and planned.sse is not None:
            out.encryption = (planned.sse.algorithm, planned.sse.key_arn)
        return out

    def _decide_multipart(self, p: Principal, probe: RequestCase) -> Verdict:
        out = Verdict(probe)
        headers = self._headers(probe)
        ok, create = self._s3_call_steps(p, probe, "CreateMultipartUpload", PROBE_KEY, headers, {}, out)
        if create is not None and create.sse is not None:
            out.encryption = (create.sse.algorithm, create.sse.key_arn)
        if not ok or create is None or create.sse is None:
            return out
        upload_id = self._multipart_for(create)
        ok, _part = self._s3_call_steps(p, probe, "UploadPart", PROBE_KEY, {}, {"uploadId": upload_id, "partNumber": "1"}, out)
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
        assert self.planner is not None
        out = Verdict(probe)
        ec = probe.encryption_context
        blob = self._ciphertexts[ec] if ec is not None else self.ciphertext
        params: dict[str, Any] = {
            "Encrypt": {"KeyId": self.key_arn, "Plaintext": base64.b64encode(b"hello").decode()},
            "GenerateDataKey": {"KeyId": self.key_arn, "KeySpec": "AES_256"},
            "Decrypt": {"CiphertextBlob": blob, "KeyId": self.key_arn},
            "ReEncrypt": {"CiphertextBlob": blob, "DestinationKeyId": self.key_arn},
        }[probe.operation]
        if ec is not None:  # the same context on both sides of a ReEncrypt
            names = ("SourceEncryptionContext", "DestinationEncryptionContext") if probe.operation == "ReEncrypt" \
                else ("EncryptionContext",)
            params.update({n: dict(ec) for n in names})
        planned = self.planner.decide(self._call(p, "kms", probe.operation, probe, params=params))
        if planned.steps:
            out.calls.append((probe.operation, planned.steps))
        out.denied = planned.denied
        out.error = planned.error
        return out


MAX_CONTEXTS = 16  # encryption-context variants kept (the universe grows by 8 requests per principal each)


def conditions_in(node: Any) -> list[dict[str, Any]]:
    """Every Condition block in a policy document or any structure of them (JSON text is parsed)."""
    if isinstance(node, str):
        try:
            node = json.loads(node)
        except ValueError:
            return []
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for k, v in cur.items():
                if k == "Condition" and isinstance(v, dict):
                    found.append(v)
                else:
                    stack.append(v)
        elif isinstance(cur, list):
            stack.extend(reversed(cur))
        elif isinstance(cur, str) and cur.lstrip().startswith("{"):
            found += conditions_in(cur)  # a policy held as JSON text (a candidate's change)
    return found


def policy_conditions(sc: Scenario, extra: Any = None) -> list[dict[str, Any]]:
    """Every Condition block of the scenario's policies (its JSON files and the inline policies of
    scenario.json), in file order, then those of ``extra`` (candidate policies, dicts or JSON text)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "Condition" and isinstance(v, dict):
                    found.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(sc.spec)
    for f in sorted(sc.path.glob("*.json")):
        try:
            walk(json.loads(f.read_text()))
        except (OSError, ValueError):
            continue  # not a policy the scenario loads (the scenario loader refuses bad files itself)
    return found + conditions_in(extra)


def encryption_contexts(conditions: list[dict[str, Any]]) -> list[tuple[tuple[str, str], ...]]:
    """The encryption contexts worth trying: one pair per (key, value) a ``kms:EncryptionContext:<key>``
    condition names, one context per value of ``kms:EncryptionContextKeys`` (that key, any value), and one
    context with every key at its first value (for statements that want several pairs at once). Capped at
    :data:`MAX_CONTEXTS`."""
    pairs: dict[str, list[str]] = {}
    for cond in conditions:
        for _op, body in cond.items():
            if not isinstance(body, dict):
                continue
            for ckey, values in body.items():
                vals = values if isinstance(values, list) else [values]
                low = ckey.lower()
                if low.startswith("kms:encryptioncontext:"):
                    name = ckey.split(":", 2)[2]
                    targets = [(name, str(v)) for v in vals]
                elif low == "kms:encryptioncontextkeys":
                    targets = [(str(v), "checker") for v in vals]
                else:
                    continue
                for name, value in targets:
                    if value not in pairs.setdefault(name, []):
                        pairs[name].append(value)
    out: list[tuple[tuple[str, str], ...]] = [((k, v),) for k, vs in pairs.items() for v in vs]
    if len(pairs) > 1:
        out.append(tuple(sorted((k, vs[0]) for k, vs in pairs.items())))
    return out[:MAX_CONTEXTS]


def _ROOT_ONLY_POLICY(account: str) -> dict[str, Any]:
    """The default key policy (what ``aws kms create-key`` without --policy gives, KMS-1)."""
    return {"Version": "2012-10-17", "Id": "key-default-1",
            "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                           "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]}
