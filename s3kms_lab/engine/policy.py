"""Policy documents: parse JSON into typed, validated objects.

Grammar and element rules: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
and the element pages (Principal, Action/NotAction, Resource/NotResource, Condition).
Error codes by policy type (fact 128 in aws-facts): IAM ``MalformedPolicyDocument``, S3
``MalformedPolicy``, KMS ``MalformedPolicyDocumentException``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

from .conditions import Condition, parse_condition_block, ConditionSyntaxError

__all__ = ["PolicyKind", "Policy", "Statement", "PrincipalSpec", "MalformedPolicyError", "parse_policy"]


class PolicyKind(Enum):
    """Which kind of policy a document is; decides validation and the error code."""

    IDENTITY = "identity-based policy"
    BOUNDARY = "permissions boundary"
    SESSION = "session policy"
    BUCKET = "resource-based policy"  # S3 bucket policy
    KEY = "key policy"  # KMS key policy (a resource-based policy)
    TRUST = "role trust policy"
    SCP = "service control policy"

    @property
    def is_resource_policy(self) -> bool:
        return self in (PolicyKind.BUCKET, PolicyKind.KEY, PolicyKind.TRUST)

    @property
    def error_code(self) -> str:
        if self is PolicyKind.BUCKET:
            return "MalformedPolicy"
        if self is PolicyKind.KEY:
            return "MalformedPolicyDocumentException"
        return "MalformedPolicyDocument"


class MalformedPolicyError(ValueError):
    """A policy document AWS would refuse. ``code`` is the AWS error code for the policy kind."""

    def __init__(self, kind: PolicyKind, message: str):
        super().__init__(message)
        self.kind = kind
        self.code = kind.error_code
        self.message = message


_TOP_KEYS = {"Version", "Id", "Statement"}
_STMT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
              "Resource", "NotResource", "Condition"}
_ACTION_RE = re.compile(r"^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
# The unique id IAM shows in place of a deleted user's / role's ARN in a resource-based or trust policy
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html): it matches no
# caller, ever. Services refuse it when a policy is saved (the endpoint's check, rule PRIN-2).
UNIQUE_ID_RE = re.compile(r"^A(IDA|ROA)[A-Z0-9]{8,}$")
_PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}


@dataclass(frozen=True)
class PrincipalSpec:
    """One ``Principal``/``NotPrincipal`` entry: type (``AWS``, ``Service``, ...) and value."""

    type: str
    value: str

    @property
    def is_wildcard(self) -> bool:
        return self.value == "*"

    @property
    def account(self) -> str | None:
        """The account this entry names as a whole (account id or ``:root`` ARN), else None."""
        return _named_account(self.type, self.value)


@lru_cache(maxsize=4096)
def _named_account(ptype: str, value: str) -> str | None:
    if ptype != "AWS":
        return None
    if _ACCOUNT_RE.match(value):
        return value
    if value.startswith("arn:aws:iam::") and value.endswith(":root"):
        return value.split(":")[4]
    return None


@dataclass
class Statement:
    """A validated statement. ``index`` is 1-based inside its policy; ``source`` is filled by the caller."""

    effect: str
    sid: str | None
    index: int
    principals: tuple[PrincipalSpec, ...] | None = None
    not_principal: bool = False
    actions: tuple[str, ...] = ()
    not_action: bool = False
    resources: tuple[str, ...] | None = None
    not_resource: bool = False
    conditions: tuple[Condition, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    start: tuple[int, int] = (1, 1)
    end: tuple[int, int] = (1, 1)

    @property
    def label(self) -> str:
        return self.sid if self.sid else f"#{self.index}"


@dataclass
class Policy:
    """A parsed policy document.

    kind: the :class:`PolicyKind`; name: where it came from (e.g. ``bucket policy of my-secure-bucket``);
    version: ``2012-10-17``, ``2008-10-17`` or None (variables only resolve under 2012-10-17).
    """

    kind: PolicyKind
    name: str
    version: str | None
    statements: list[Statement]
    text: str = ""
    id: str | None = None

    @property
    def variables_enabled(self) -> bool:
        return self.version == "2012-10-17"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _fail(kind: PolicyKind, msg: str) -> MalformedPolicyError:
    return MalformedPolicyError(kind, msg)


def _validate_arn(kind: PolicyKind, value: str, element: str) -> None:
    if value == "*":
        return
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2] or "*" in parts[2] or "?" in parts[2]:
        if kind is PolicyKind.BUCKET:
            raise _fail(kind, f"Policy has invalid resource: {element} value {value!r} is not an ARN")
        raise _fail(kind, f"{element} {value} must be in ARN format or \"*\".")


def _parse_principal(kind: PolicyKind, value: Any, element: str) -> tuple[PrincipalSpec, ...]:
    if value == "*":
        return (PrincipalSpec("AWS", "*"),)
    if not isinstance(value, dict) or not value:
        raise _fail(kind, f"Invalid principal in policy: {element} must be \"*\" or an object such as {{\"AWS\": ...}}")
    out = []
    for ptype, pvals in value.items():
        if ptype not in _PRINCIPAL_TYPES:
            raise _fail(kind, f"Invalid principal in policy: unknown principal type {ptype!r} in {element}")
        for pv in _as_list(pvals):
            if not isinstance(pv, str) or not pv:
                raise _fail(kind, f"Invalid principal in policy: {element} {ptype} value must be a non-empty string")
            if ptype == "AWS" and pv != "*":
                if not (_ACCOUNT_RE.match(pv) or pv.startswith("arn:") or UNIQUE_ID_RE.match(pv)):
                    raise _fail(kind, f"Invalid principal in policy: {pv!r} is neither an account id nor an ARN")
                if pv.startswith("arn:") and ("*" in pv or "?" in pv):
                    # Partial wildcards are never allowed in a principal ARN (PRIN).
                    raise _fail(kind, f"Invalid principal in policy: wildcard in principal ARN {pv!r}")
                if pv.startswith("arn:") and len(pv.split(":", 5)) != 6:
                    raise _fail(kind, f"Invalid principal in policy: {pv!r} is not a valid ARN")
            out.append(PrincipalSpec(ptype, pv))
    return tuple(out)


def _positions(text: str, count: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Best-effort line/column spans of each statement object in the source text (for MatchedStatements)."""
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    m = re.search(r'"Statement"\s*:\s*', text)
    if not m:
        return [((1, 1), (1, 1))] * count
    i = m.end()
    depth = 0
    start = None
    in_str = False
    esc = False
    while i < len(text) and len(spans) < count:
        ch = text[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and start is not None:
                spans.append((_linecol(text, start), _linecol(text, i + 1)))
                start = None
        i += 1
    while len(spans) < count:
        spans.append(((1, 1), (1, 1)))
    return spans


def _linecol(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def parse_policy(document: str | dict[str, Any], kind: PolicyKind, name: str = "") -> Policy:
    """Parse and validate a policy document.

    document: JSON text or an already-decoded dict. kind: what the document is used as.
    Returns a :class:`Policy`. Raises :class:`MalformedPolicyError` (``.code`` is AWS's error
    code for that policy type) naming the element at fault.
    """
    if isinstance(document, str):
        text = document
        try:
            doc = json.loads(document)
        except json.JSONDecodeError as exc:
            raise _fail(kind, f"Policy is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    else:
        doc = document
        text = json.dumps(document, indent=2)
    if not isinstance(doc, dict):
        raise _fail(kind, "Policy document must be a JSON object")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise _fail(kind, f"Unknown field {sorted(unknown)[0]} at the top level of the policy")
    version = doc.get("Version")
    if version is not None and version not in ("2012-10-17", "2008-10-17"):
        raise _fail(kind, f"The policy Version {version!r} is not valid; use 2012-10-17")
    if "Statement" not in doc:
        raise _fail(kind, "Missing required field Statement")
    raw_statements = _as_list(doc["Statement"])
    if not raw_statements:
        raise _fail(kind, "Statement must contain at least one statement")
    spans = _positions(text, len(raw_statements))
    statements = []
    sids: set[str] = set()
    for idx, raw in enumerate(raw_statements, start=1):
        st = _parse_statement(kind, raw, idx)
        if st.sid:
            if st.sid in sids and kind in (PolicyKind.BUCKET, PolicyKind.KEY):
                raise _fail(kind, f"Statement IDs (SID) in a single policy must be unique: {st.sid!r}")
            sids.add(st.sid)
        st.start, st.end = spans[idx - 1]
        statements.append(st)
    return Policy(kind, name or kind.value, version, statements, text, doc.get("Id"))


def _parse_statement(kind: PolicyKind, raw: Any, idx: int) -> Statement:
    where = f"statement {idx}"
    if not isinstance(raw, dict):
        raise _fail(kind, f"Statement {idx} must be a JSON object")
    unknown = set(raw) - _STMT_KEYS
    if unknown:
        raise _fail(kind, f"Unknown field {sorted(unknown)[0]} in {where}")
    sid = raw.get("Sid")
    if sid is not None:
        if not isinstance(sid, str):
            raise _fail(kind, f"Sid in {where} must be a string")
        where = f"statement {sid!r}"
    effect = raw.get("Effect")
    if effect is None:
        raise _fail(kind, f"Missing required field Effect in {where}")
    if effect not in ("Allow", "Deny"):
        raise _fail(kind, f"Invalid effect {effect!r} in {where}: must be Allow or Deny")

    # Principal: required in resource policies, forbidden in identity-type policies.
    has_p, has_np = "Principal" in raw, "NotPrincipal" in raw
    if has_p and has_np:
        raise _fail(kind, f"{where} has both Principal and NotPrincipal")
    principals = None
    if kind.is_resource_policy:
        if not (has_p or has_np):
            raise _fail(kind, f"Missing required field Principal in {where}")
        if has_np and effect == "Allow" and kind is not PolicyKind.BUCKET:
            raise _fail(kind, f"NotPrincipal with Allow is not supported in {where}")
        principals = _parse_principal(kind, raw["Principal" if has_p else "NotPrincipal"],
                                      "Principal" if has_p else "NotPrincipal")
    elif has_p or has_np:
        raise _fail(kind, f"Policy document should not specify a principal ({where} has "
                          f"{'Principal' if has_p else 'NotPrincipal'}); Principal belongs in resource-based policies")

    # Action / NotAction: exactly one, non-empty.
    has_a, has_na = "Action" in raw, "NotAction" in raw
    if has_a == has_na:
        raise _fail(kind, f"{where} must have exactly one of Action or NotAction")
    actions = _as_list(raw["Action" if has_a else "NotAction"])
    if not actions:
        raise _fail(kind, f"{'Action' if has_a else 'NotAction'} in {where} must not be empty")
    for a in actions:
        if not isinstance(a, str) or not _ACTION_RE.match(a):
            raise _fail(kind, f"Policy has invalid action: {a!r} in {where} (expected service:ActionName or \"*\")")

    # Resource / NotResource: required except in trust policies (and tolerated absent in KMS key policies,
    # where such a statement is simply ineffective: KPOV).
    has_r, has_nr = "Resource" in raw, "NotResource" in raw
    if has_r and has_nr:
        raise _fail(kind, f"{where} has both Resource and NotResource")
    resources = None
    if has_r or has_nr:
        resources = tuple(_as_list(raw["Resource" if has_r else "NotResource"]))
        if not resources:
            raise _fail(kind, f"{'Resource' if has_r else 'NotResource'} in {where} must not be empty")
        for r in resources:
            if not isinstance(r, str):
                raise _fail(kind, f"Resource values in {where} must be strings")
            _validate_arn(kind, r, "Resource" if has_r else "NotResource")
    elif kind not in (PolicyKind.TRUST, PolicyKind.KEY):
        raise _fail(kind, f"Missing required field Resource in {where}")

    conditions: tuple[Condition, ...] = ()
    if "Condition" in raw:
        try:
            conditions = parse_condition_block(raw["Condition"])
        except ConditionSyntaxError as exc:
            raise _fail(kind, f"{exc} in {where}") from None
    if kind is PolicyKind.KEY:
        for c in conditions:
            # KMS refuses ForAllValues on the single-valued kms:EncryptionContext:<key> (KCOND, fact 57):
            # with a missing key it is true, so it would let everyone in.
            if c.qualifier == "ForAllValues" and c.key_lc.startswith("kms:encryptioncontext:"):
                raise _fail(kind, f"OverlyPermissiveCondition: {c.operator} is not allowed with the single-valued "
                                  f"condition key {c.key} in {where} (use the operator without ForAllValues)")

    return Statement(effect=effect, sid=sid, index=idx, principals=principals, not_principal=has_np,
                     actions=tuple(actions), not_action=has_na, resources=resources,
                     not_resource=has_nr, conditions=conditions, raw=raw)
