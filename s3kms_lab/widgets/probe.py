"""Ask the running lab how it would decide a request, without sending it.

A :class:`Probe` builds the same :class:`~s3kms_lab.endpoint.decide.Call` the endpoint builds for a real
request, plans it with the endpoint's own planner (:func:`s3kms_lab.endpoint.planner.plan`) and decides it
with the lab's :class:`~s3kms_lab.endpoint.decide.Authorizer`, over the policies stored in the lab. Nothing here
evaluates a policy itself: every ALLOWED / DENIED comes from :func:`s3kms_lab.engine.authorize`.

Every name (bucket, key, role, the profile that plays each part) comes from the lab's scenario through
:class:`~s3kms_lab.widgets.cast.Cast` (``probe.cast``), so the same questions work on any scenario.

"What if" questions pass a candidate policy (``bucket_policy=``, ``key_policy=``, ``identity=``,
``boundary=``, ``session=``, ``trust=``): it replaces the stored one in the steps that would read it, after being
parsed and validated exactly as the owning service validates it. The lab itself is not changed.

Widgets, exercise checks and notebooks use this module; its public names are stable.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..endpoint.auth import caller_for
from ..endpoint.decide import Call, Step
from ..endpoint.errors import AwsError
from ..endpoint.operations import Resource, lookup
from ..endpoint.planner import plan
from ..engine import PolicyKind, PolicySet, parse_policy
from ..engine.policy import Policy
from ..i18n import N_, _
from .cast import Cast

__all__ = ["SSE_HEADERS", "KEY_ID_FORMS", "NO_POLICY", "Outcome", "Probe", "as_policy_text",
           "default_key_policy", "verdict_text", "choice_text"]

#: Values of the ``x-amz-server-side-encryption`` header a learner can choose ("none" = header not sent).
SSE_HEADERS = ("none", "AES256", "aws:kms", "aws:kms:dsse")
#: Forms of the ``x-amz-server-side-encryption-aws-kms-key-id`` header ("none" = header not sent).
KEY_ID_FORMS = ("ARN", "key id", "alias", "none", "another key")

#: The alias of the second customer managed key the probe creates for "another key" questions.
OTHER_KEY_ALIAS = "alias/another-key"
#: Pass as ``bucket_policy=`` to ask "as if the bucket had no bucket policy".
NO_POLICY = "<no policy>"

#: What a learner reads for :attr:`Outcome.label` (the label itself stays ``ALLOWED`` / ``DENIED``: code
#: compares it and styles cells by it).
_VERDICTS = {"ALLOWED": N_("ALLOWED"), "DENIED": N_("DENIED")}
#: What a learner reads for the choices of :data:`SSE_HEADERS` / :data:`KEY_ID_FORMS` that are the lab's words
#: (``AES256``, ``aws:kms``, ``ARN`` are AWS's and stay as they are).
_CHOICES = {"none": N_("none"), "key id": N_("key id"), "alias": N_("alias"), "another key": N_("another key")}
#: Where S3 took the encryption of an upload from (appended to the note in parentheses).
_SSE_SOURCES = {"header": N_("from the request headers"), "default": N_("bucket default encryption"),
                "s3-default": N_("S3's own default, SSE-S3")}


def verdict_text(label: str) -> str:
    """``ALLOWED`` / ``DENIED`` in the current language (any other text as it is)."""
    return _(_VERDICTS[label]) if label in _VERDICTS else label


def choice_text(choice: str) -> str:
    """A choice of :data:`SSE_HEADERS` / :data:`KEY_ID_FORMS` as a learner reads it in the current language."""
    return _(_CHOICES[choice]) if choice in _CHOICES else choice


def default_key_policy(account: str) -> dict[str, Any]:
    """The key policy KMS gives a key created without one: the account statement only (KMS-1)."""
    return {"Version": "2012-10-17", "Id": "key-default-1",
            "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                           "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]}


def as_policy_text(policy: Any) -> str:
    """A policy given as dict, list-free JSON string or bytes, as JSON text."""
    if isinstance(policy, bytes):
        return policy.decode()
    if isinstance(policy, str):
        return policy
    return json.dumps(policy, indent=2)


@dataclass
class Outcome:
    """How the lab decides one request.

    profile: who asked; request: a short label of the request; steps: every authorization the request
    needs, in order (decided up to the first denial); denied: the first denied step or None.
    """

    profile: str
    request: str
    steps: list[Step]
    denied: Step | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.denied is None

    @property
    def label(self) -> str:
        """``ALLOWED`` or ``DENIED`` (what the tables show)."""
        return "ALLOWED" if self.allowed else "DENIED"

    @property
    def verdict(self) -> str:
        """:attr:`label` in the current language (what a learner reads: ``ALLOWED`` in English)."""
        return verdict_text(self.label)

    @property
    def decided(self) -> list[Step]:
        return [s for s in self.steps if s.decision is not None]

    @property
    def deciding(self) -> Step | None:
        """The step that decided the outcome: the denied one, else the last one decided."""
        if self.denied is not None:
            return self.denied
        decided = self.decided
        return decided[-1] if decided else None

    def message(self) -> str:
        """AWS's access-denied sentence for the denied step ("" when allowed); S3 quotes the resource ARN."""
        if self.denied is None or self.denied.decision is None:
            return ""
        s3_action = self.denied.request.action.startswith("s3:") and not self.denied.via_s3
        return self.denied.decision.message(quote_resource=s3_action)

    def summary(self) -> str:
        """One line per decided step: ``ALLOWED``/``DENIED``, the step, and the reason in one sentence."""
        lines = []
        for s in self.decided:
            assert s.decision is not None
            verdict = verdict_text("ALLOWED" if s.decision.allowed else "DENIED")
            lines.append(f"{verdict}  {s.label}\n"
                         f"         {s.decision.summary()}")
        return "\n".join(lines)

    def explanation(self) -> str:
        """The full statement-by-statement trace of the deciding step."""
        step = self.deciding
        if step is None or step.decision is None:
            return _("No authorization was needed.")
        return step.decision.explain().text()

    def deciding_statements(self) -> list[str]:
        """Labels (Sid or #n) of the statements that decided (empty for an implicit deny)."""
        step = self.deciding
        if step is None or step.decision is None:
            return []
        return [st.label for _pol, st in step.decision.deciding]

    def deciding_policy_type(self) -> str:
        step = self.deciding
        return step.decision.policy_type if step is not None and step.decision is not None else ""

    def __str__(self) -> str:
        head = f"{self.verdict}: {self.profile} {self.request}"
        text = head + "\n" + self.summary()
        if not self.allowed:
            text += "\n" + _("AWS says: {message}").format(message=self.message())
        return text


class Probe:
    """Decision questions for a running :class:`~s3kms_lab.lab.Lab`.

    Principals are the lab's profiles; their credentials are the ones the lab issued (the role profile
    really assumes its role through the endpoint once, as the AWS CLI would).
    """

    def __init__(self, lab: Any):
        if not getattr(lab, "running", False):
            raise RuntimeError(_("The lab is not running: call lab.start() first."))
        self.lab = lab
        self.cast = Cast.of(lab)
        self.app = lab.app
        self.state = lab.state
        self.authorizer = lab.app.authorizer
        self._creds: dict[str, Any] = {}
        self._other_key_arn: str | None = None

    # ------------------------------------------------------------------ principals
    def credential(self, profile: str) -> Any:
        """The lab credential behind a profile (cached; a role profile assumes its role once)."""
        cred = self._creds.get(profile)
        if cred is None:
            akid = self.lab.session(profile).get_credentials().access_key
            cred = self.state.find_credential(akid)
            if cred is None:
                raise RuntimeError(_("The lab does not know the credentials of profile {profile!r}")
                                   .format(profile=profile))
            self._creds[profile] = cred
        return cred

    def caller(self, profile: str) -> Any:
        return caller_for(self.credential(profile))

    def arn(self, profile: str) -> str:
        return self.credential(profile).arn

    # ------------------------------------------------------------------ keys
    @property
    def key_arn(self) -> str:
        return self.lab.key_arn

    @property
    def key_id(self) -> str:
        return self.lab.key_arn.split("/")[-1]

    def key_alias(self) -> str:
        key = self.state.resolve_key(self.key_arn, self.lab.account)
        aliases = sorted(key.aliases) if key is not None else []
        return aliases[0] if aliases else ""

    def other_key_arn(self) -> str:
        """A second customer managed key (``alias/another-key``, default key policy), created by the
        scenario's admin through the lab the first time it is needed."""
        if self._other_key_arn is None:
            key = self.state.resolve_key(OTHER_KEY_ALIAS, self.lab.account)
            if key is None:
                kms = self.lab.client("kms", self.cast.admin)
                meta = kms.create_key(Description="another customer managed key (not the scenario's)")["KeyMetadata"]
                kms.create_alias(AliasName=OTHER_KEY_ALIAS, TargetKeyId=meta["KeyId"])
                self._other_key_arn = meta["Arn"]
            else:
                self._other_key_arn = key.arn
        return self._other_key_arn

    def sse_headers(self, sse: str = "aws:kms", key_form: str = "ARN") -> dict[str, str]:
        """Request headers for a choice of ``x-amz-server-side-encryption`` and key-id form.

        The key id travels only with ``aws:kms`` / ``aws:kms:dsse`` (S3 refuses it otherwise).
        """
        if sse not in SSE_HEADERS:
            raise ValueError(f"sse must be one of {SSE_HEADERS}")
        if key_form not in KEY_ID_FORMS:
            raise ValueError(f"key_form must be one of {KEY_ID_FORMS}")
        headers: dict[str, str] = {}
        if sse != "none":
            headers["x-amz-server-side-encryption"] = sse
        if sse.startswith("aws:kms") and key_form != "none":
            headers["x-amz-server-side-encryption-aws-kms-key-id"] = {
                "ARN": lambda: self.key_arn, "key id": lambda: self.key_id, "alias": self.key_alias,
                "another key": self.other_key_arn}[key_form]()
        return headers

    # ------------------------------------------------------------------ overrides
    @staticmethod
    def _parse(policy: Any, kind: PolicyKind, name: str) -> Policy:
        """Parse + validate a candidate policy (raises MalformedPolicyError with AWS's error code)."""
        return parse_policy(as_policy_text(policy), kind, name)

    def _apply(self, steps: list[Step], *, bucket_policy: Any = None, key_policy: Any = None, key_arn: str | None = None,
               identity: Any = None, boundary: Any = None, session: Any = None, trust: Any = None) -> None:
        no_bucket_policy = isinstance(bucket_policy, str) and bucket_policy == NO_POLICY
        bucket = self.cast.bucket
        # The names a learner reads in explanations for their candidate policies.
        bpol = self._parse(bucket_policy, PolicyKind.BUCKET,
                           _("your bucket policy of {bucket}").format(bucket=bucket)) \
            if bucket_policy is not None and not no_bucket_policy else None
        kpol = self._parse(key_policy, PolicyKind.KEY, _("your key policy")) if key_policy is not None else None
        tpol = self._parse(trust, PolicyKind.TRUST, _("your trust policy")) if trust is not None else None
        ids = None
        if identity is not None:
            docs = identity if isinstance(identity, (list, tuple)) else [identity]
            ids = [self._parse(d, PolicyKind.IDENTITY, _("your identity policy #{number}").format(number=i + 1)
                               if len(docs) > 1 else _("your identity policy")) for i, d in enumerate(docs)]
        bnd = self._parse(boundary, PolicyKind.BOUNDARY, _("your permissions boundary")) \
            if boundary is not None else None
        ses = [self._parse(session, PolicyKind.SESSION, _("your session policy"))] if session is not None else None
        target_key = key_arn or self.key_arn
        for s in steps:
            p = s.policies
            resource = p.resource
            res = s.request.resource
            if (bpol is not None or no_bucket_policy) and (res == f"arn:aws:s3:::{bucket}"
                                                           or res.startswith(f"arn:aws:s3:::{bucket}/")):
                resource = bpol
            if kpol is not None and res == target_key:
                resource = kpol
            if tpol is not None and s.request.action == "sts:AssumeRole":
                resource = tpol
            s.policies = PolicySet(identity=ids if ids is not None else p.identity,
                                   boundary=bnd if boundary is not None else p.boundary,
                                   session=ses if ses is not None else p.session, resource=resource, scps=p.scps)

    def _decide(self, profile: str, label: str, steps: list[Step], overrides: Mapping[str, Any]) -> Outcome:
        self._apply(steps, **{k: v for k, v in overrides.items() if k in
                              ("bucket_policy", "key_policy", "key_arn", "identity", "boundary", "session", "trust")})
        with self.app.lock:
            denied = self.authorizer.decide(steps)
        return Outcome(profile, label, steps, denied)

    # ------------------------------------------------------------------ questions
    def s3(self, profile: str, operation: str, key: str = "file.txt", headers: Mapping[str, str] | None = None, *,
           bucket: str | None = None, copy_source: str | None = None, query: Mapping[str, str] | None = None,
           label: str | None = None, **overrides: Any) -> Outcome:
        """An S3 operation (``PutObject``, ``GetObject``, ``CopyObject``...) as ``profile``: the S3 action and
        the KMS calls S3 makes on the caller's behalf, decided by the lab's Authorizer. ``bucket`` defaults to
        the scenario's bucket."""
        bucket = bucket or self.cast.bucket
        op = lookup("s3", operation)
        if op is None:
            raise ValueError(_("The lab does not model {action}").format(action=f"s3:{operation}"))
        cred = self.credential(profile)
        hdrs = {k.lower(): v for k, v in (headers or {}).items()}
        if copy_source:
            hdrs["x-amz-copy-source"] = copy_source
        call = Call("s3", operation, caller_for(cred), cred, bucket=bucket, key=key if op.resource is Resource.OBJECT else "",
                    headers=hdrs, query=dict(query or {}), region=self.lab.region)
        with self.app.lock:
            planned = plan(call, self.authorizer)
        steps, sse_plan = planned.steps, planned.sse
        out = self._decide(profile, label or f"{operation} {bucket}/{key}" if op.resource is Resource.OBJECT
                           else label or f"{operation} {bucket}", steps, overrides)
        if sse_plan is not None:
            note = _("S3 would encrypt with {algorithm} under {key}") if sse_plan.key_arn else \
                _("S3 would encrypt with {algorithm}")
            note = note.format(algorithm=sse_plan.algorithm, key=sse_plan.key_arn)
            if sse_plan.source in _SSE_SOURCES:
                note += f" ({_(_SSE_SOURCES[sse_plan.source])})"
            out.notes.append(note)
        return out

    def put(self, profile: str, sse: str = "aws:kms", key_form: str = "ARN", key: str = "file.txt",
            **overrides: Any) -> Outcome:
        """PutObject with a choice of SSE header and key-id form (see :meth:`sse_headers`)."""
        return self.s3(profile, "PutObject", key, self.sse_headers(sse, key_form),
                       label=_("PutObject {bucket}/{key} (SSE {sse}, key id {key_form})").format(
                           bucket=self.cast.bucket, key=key, sse=choice_text(sse), key_form=choice_text(key_form)),
                       **overrides)

    def kms(self, profile: str, action: str, *, key: str | None = None, via_s3: bool = False,
            context: Mapping[str, str] | None = None, **overrides: Any) -> Outcome:
        """A KMS action (``kms:Decrypt``...) on a key (the scenario's key by default), called directly or by S3
        on the caller's behalf (``via_s3=True``)."""
        if not action.startswith("kms:"):
            action = "kms:" + action
        cred = self.credential(profile)
        ref = key or self.key_arn
        kobj = self.state.resolve_key(ref, cred.account)
        if kobj is None:
            raise ValueError(_("No KMS key {key!r} in the lab").format(key=ref))
        call = Call("kms", action.split(":", 1)[1], caller_for(cred), cred, params={"KeyId": ref},
                    region=self.lab.region)
        ctx = dict(context) if context is not None else (
            {"aws:s3:arn": f"arn:aws:s3:::{self.cast.bucket}/file.txt"} if via_s3 else {})
        with self.app.lock:
            step = self.authorizer.kms_step(call, action, kobj, ctx, self.authorizer.caller_policies(cred), via_s3)
        overrides.setdefault("key_arn", kobj.arn)
        label = (_("{action} on {resource} through S3") if via_s3 else _("{action} on {resource}"))
        label = label.format(action=action, resource=kobj.arn)
        return self._decide(profile, label, [step], overrides)

    def assume_role(self, profile: str, role_arn: str | None = None, **overrides: Any) -> Outcome:
        """``sts:AssumeRole`` as ``profile`` (the scenario's role by default): trust policy + identity policies."""
        role_arn = role_arn or self.cast.role_arn
        cred = self.credential(profile)
        call = Call("sts", "AssumeRole", caller_for(cred), cred,
                    params={"RoleArn": role_arn, "RoleSessionName": profile}, region=self.lab.region)
        with self.app.lock:
            steps = plan(call, self.authorizer).steps
        label = _("{action} on {resource}").format(action="sts:AssumeRole", resource=role_arn)
        return self._decide(profile, label, steps, overrides)

    def iam(self, profile: str, operation: str, params: Mapping[str, str] | None = None, **overrides: Any) -> Outcome:
        """An IAM operation (``PutRolePermissionsBoundary``...) as ``profile``."""
        op = lookup("iam", operation)
        if op is None:
            raise ValueError(_("The lab does not model {action}").format(action=f"iam:{operation}"))
        cred = self.credential(profile)
        call = Call("iam", operation, caller_for(cred), cred, params=dict(params or {}), region=self.lab.region)
        with self.app.lock:
            steps = plan(call, self.authorizer).steps
        return self._decide(profile, f"iam:{operation}", steps, overrides)

    def lockout_check(self, profile: str, new_key_policy: Any) -> str:
        """KMS's key-policy lockout safety check, as the endpoint runs it for PutKeyPolicy.

        Returns "" when the new policy would be accepted, else KMS's error message. Raises
        MalformedPolicyError when the document itself is invalid.
        """
        cred = self.credential(profile)
        self._parse(new_key_policy, PolicyKind.KEY, _("new key policy"))  # a malformed document raises here
        call = Call("kms", "PutKeyPolicy", caller_for(cred), cred,
                    params={"KeyId": self.key_arn, "Policy": as_policy_text(new_key_policy)}, region=self.lab.region)
        try:
            with self.app.lock:
                plan(call, self.authorizer).check()
        except AwsError as err:
            return f"{err.code}: {err.message}"
        return ""

    # ------------------------------------------------------------------ stored policies
    def stored_bucket_policy(self) -> dict[str, Any]:
        """The scenario bucket's policy stored in the lab (as a dict; {} when it has none)."""
        text = self.state.bucket_policy_text(self.cast.bucket)
        return json.loads(text) if text else {}

    def stored_key_policy(self, key: str | None = None) -> dict[str, Any]:
        kobj = self.state.resolve_key(key or self.key_arn, self.lab.account)
        return json.loads(kobj.policy)

    def stored_role_policy(self, role: str | None = None, name: str | None = None) -> dict[str, Any]:
        """An inline policy of a role as stored in the lab (default: the scenario role's first one)."""
        role, name = role or self.cast.role, name or self.cast.role_policy
        doc = self.state.role_inline_policy(self.lab.account, role, name)
        if doc is None:
            raise KeyError(_("role {role} has no inline policy {name}").format(role=role, name=name))
        return json.loads(doc)

    def ensure_object(self, key: str = "reports/sample.txt") -> str:
        """An SSE-KMS object under the scenario's key in its bucket (uploaded by the scenario's admin through
        the lab if missing)."""
        if not self.state.object_exists(self.cast.bucket, key):
            self.lab.client("s3", self.cast.admin).put_object(Bucket=self.cast.bucket, Key=key, Body=b"sample",
                                                      ServerSideEncryption="aws:kms", SSEKMSKeyId=self.key_arn)
        return key


def labels(outcomes: Iterable[Outcome]) -> list[str]:
    return [o.label for o in outcomes]
