"""Policy documents: parse JSON into typed, validated objects.

Grammar and element rules: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
and the element pages (Principal, Action/NotAction, Resource/NotResource, Condition).
Error codes by policy type: IAM ``MalformedPolicyDocument``, S3
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
        return self is PolicyKind.BUCKET or self is PolicyKind.KEY or self is PolicyKind.TRUST

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
    spans: "_Spans | None" = field(default=None, repr=False, compare=False)
    # Filled by statements.py on first use: per request action, does Action cover it; compiled Resource globs.
    _action_hits: "dict[str, bool] | None" = field(default=None, repr=False, compare=False)
    _resource_matchers: Any = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        return self.sid if self.sid else f"#{self.index}"

    @property
    def start(self) -> tuple[int, int]:
        """(line, column) where the statement's ``{`` is in the policy text, both 1-based (computed on demand)."""
        return self.spans.span(self.index - 1)[0] if self.spans is not None else (1, 1)

    @property
    def end(self) -> tuple[int, int]:
        """(line, column) just after the statement's ``}`` in the policy text (computed on demand)."""
        return self.spans.span(self.index - 1)[1] if self.spans is not None else (1, 1)


@dataclass
class Policy:
    """A parsed policy document.

    kind: the :class:`PolicyKind`; name: where it came from (e.g. ``bucket policy of my-secure-bucket``);
    version: ``2012-10-17``, ``2008-10-17`` or None (variables only resolve under 2012-10-17);
    text: the JSON text (for a document given as a dict: ``json.dumps(indent=2)``, rendered on first use).
    """

    kind: PolicyKind
    name: str
    version: str | None
    statements: list[Statement]
    id: str | None = None
    spans: "_Spans | None" = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.spans.text if self.spans is not None else ""

    @property
    def variables_enabled(self) -> bool:
        return self.version == "2012-10-17"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _fail(kind: PolicyKind, msg: str) -> MalformedPolicyError:
    return MalformedPolicyError(kind, msg)


# arn:partition:service:region:account:resource, the service named without wildcards.
_ARN_SHAPE = re.compile(r"arn:[^:]*:[^:*?]+:[^:]*:[^:]*:")


def _validate_arn(kind: PolicyKind, value: str, element: str) -> None:
    if value == "*" or _ARN_SHAPE.match(value):
        return
    if kind is PolicyKind.BUCKET:
        raise _fail(kind, f"Policy has invalid resource: {element} value {value!r} is not an ARN")
    raise _fail(kind, f"{element} {value} must be in ARN format or \"*\".")


def _parse_principal(kind: PolicyKind, value: Any, element: str) -> tuple[PrincipalSpec, ...]:
    if value == "*":
        return _ANY_PRINCIPAL
    if not isinstance(value, dict) or not value:
        raise _fail(kind, f"Invalid principal in policy: {element} must be \"*\" or an object such as {{\"AWS\": ...}}")
    out = []
    for ptype, pvals in value.items():
        if ptype not in _PRINCIPAL_TYPES:
            raise _fail(kind, f"Invalid principal in policy: unknown principal type {ptype!r} in {element}")
        for pv in (pvals if isinstance(pvals, list) else (pvals,)):
            if not isinstance(pv, str) or not pv:
                raise _fail(kind, f"Invalid principal in policy: {element} {ptype} value must be a non-empty string")
            spec = _principal_spec(ptype, pv)
            if spec is None:
                raise _fail(kind, _principal_problem(pv))
            out.append(spec)
    return tuple(out)


_ANY_PRINCIPAL = (PrincipalSpec("AWS", "*"),)


def _principal_problem(pv: str) -> str:
    """Why an ``AWS`` principal value is refused."""
    if not (_ACCOUNT_RE.match(pv) or pv.startswith("arn:") or UNIQUE_ID_RE.match(pv)):
        return f"Invalid principal in policy: {pv!r} is neither an account id nor an ARN"
    if "*" in pv or "?" in pv:
        # Partial wildcards are never allowed in a principal ARN (PRIN).
        return f"Invalid principal in policy: wildcard in principal ARN {pv!r}"
    return f"Invalid principal in policy: {pv!r} is not a valid ARN"


@lru_cache(maxsize=4096)
def _principal_spec(ptype: str, pv: str) -> PrincipalSpec | None:
    """The (immutable, shared) entry for a principal value, or None when AWS refuses the value."""
    if ptype == "AWS" and pv != "*":
        if not (_ACCOUNT_RE.match(pv) or pv.startswith("arn:") or UNIQUE_ID_RE.match(pv)):
            return None
        if pv.startswith("arn:") and ("*" in pv or "?" in pv or len(pv.split(":", 5)) != 6):
            return None
    return PrincipalSpec(ptype, pv)


@lru_cache(maxsize=4096)
def _valid_action(action: str) -> bool:
    return _ACTION_RE.match(action) is not None


class _Spans:
    """Line/column spans of the statements in a policy text, found only when first asked for.

    Deciding never needs them; the simulator's ``MatchedStatements`` and explanations do.
    """

    __slots__ = ("source", "count", "_text", "_spans")

    def __init__(self, source: str | dict[str, Any], count: int):
        self.source = source
        self.count = count
        self._text: str | None = source if isinstance(source, str) else None
        self._spans: list[tuple[tuple[int, int], tuple[int, int]]] | None = None

    @property
    def text(self) -> str:
        """The policy text; a document given as a dict is rendered with ``json.dumps(indent=2)`` on first use."""
        if self._text is None:
            self._text = json.dumps(self.source, indent=2)
        return self._text

    def span(self, i: int) -> tuple[tuple[int, int], tuple[int, int]]:
        if self._spans is None:
            self._spans = _positions(self.text, self.count)
        return self._spans[i]


# JSON strings (with escapes) and braces: the only tokens that matter for finding statement objects.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}]', re.DOTALL)


def _positions(text: str, count: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Best-effort line/column spans of each statement object in the source text (for MatchedStatements)."""
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    m = re.search(r'"Statement"\s*:\s*', text)
    if m:
        depth = 0
        start = 0
        for tok in _TOKENS.finditer(text, m.end()):
            ch = tok.group()
            if ch == "{":
                if depth == 0:
                    start = tok.start()
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    spans.append((_linecol(text, start), _linecol(text, tok.end())))
                    if len(spans) == count:
                        break
                elif depth < 0:
                    break
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
        try:
            doc = json.loads(document)
        except json.JSONDecodeError as exc:
            raise _fail(kind, f"Policy is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    else:
        doc = document
    if not isinstance(doc, dict):
        raise _fail(kind, "Policy document must be a JSON object")
    if not _TOP_KEYS.issuperset(doc):
        raise _fail(kind, f"Unknown field {sorted(set(doc) - _TOP_KEYS)[0]} at the top level of the policy")
    version = doc.get("Version")
    if version is not None and version not in ("2012-10-17", "2008-10-17"):
        raise _fail(kind, f"The policy Version {version!r} is not valid; use 2012-10-17")
    if "Statement" not in doc:
        raise _fail(kind, "Missing required field Statement")
    raw_statements = _as_list(doc["Statement"])
    if not raw_statements:
        raise _fail(kind, "Statement must contain at least one statement")
    spans = _Spans(document, len(raw_statements))
    statements = []
    sids: set[str] = set()
    for idx, raw in enumerate(raw_statements, start=1):
        st = _parse_statement(kind, raw, idx)
        if st.sid:
            if st.sid in sids and kind in (PolicyKind.BUCKET, PolicyKind.KEY):
                raise _fail(kind, f"Statement IDs (SID) in a single policy must be unique: {st.sid!r}")
            sids.add(st.sid)
        st.spans = spans
        statements.append(st)
    return Policy(kind, name or kind.value, version, statements, doc.get("Id"), spans)


_MISSING = object()


def _parse_statement(kind: PolicyKind, raw: Any, idx: int) -> Statement:
    if not isinstance(raw, dict):
        raise _fail(kind, f"Statement {idx} must be a JSON object")
    if not _STMT_KEYS.issuperset(raw):
        raise _fail(kind, f"Unknown field {sorted(set(raw) - _STMT_KEYS)[0]} in statement {idx}")
    get = raw.get
    sid = get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise _fail(kind, f"Sid in statement {idx} must be a string")
    effect = get("Effect")
    if effect != "Allow" and effect != "Deny":
        where = _where(idx, sid)
        if effect is None:
            raise _fail(kind, f"Missing required field Effect in {where}")
        raise _fail(kind, f"Invalid effect {effect!r} in {where}: must be Allow or Deny")

    # Principal: required in resource policies, forbidden in identity-type policies.
    p_value, np_value = get("Principal", _MISSING), get("NotPrincipal", _MISSING)
    has_p, has_np = p_value is not _MISSING, np_value is not _MISSING
    if has_p and has_np:
        raise _fail(kind, f"{_where(idx, sid)} has both Principal and NotPrincipal")
    principals = None
    if kind.is_resource_policy:
        if not (has_p or has_np):
            raise _fail(kind, f"Missing required field Principal in {_where(idx, sid)}")
        if has_np and effect == "Allow" and kind is not PolicyKind.BUCKET:
            raise _fail(kind, f"NotPrincipal with Allow is not supported in {_where(idx, sid)}")
        principals = _parse_principal(kind, p_value if has_p else np_value, "Principal" if has_p else "NotPrincipal")
    elif has_p or has_np:
        raise _fail(kind, f"Policy document should not specify a principal ({_where(idx, sid)} has "
                          f"{'Principal' if has_p else 'NotPrincipal'}); Principal belongs in resource-based policies")

    # Action / NotAction: exactly one, non-empty.
    a_value, na_value = get("Action", _MISSING), get("NotAction", _MISSING)
    has_a, has_na = a_value is not _MISSING, na_value is not _MISSING
    if has_a == has_na:
        raise _fail(kind, f"{_where(idx, sid)} must have exactly one of Action or NotAction")
    value = a_value if has_a else na_value
    actions = tuple(value) if isinstance(value, list) else (value,)
    if not actions:
        raise _fail(kind, f"{'Action' if has_a else 'NotAction'} in {_where(idx, sid)} must not be empty")
    for a in actions:
        if not isinstance(a, str) or not _valid_action(a):
            raise _fail(kind, f"Policy has invalid action: {a!r} in {_where(idx, sid)} "
                              f"(expected service:ActionName or \"*\")")

    # Resource / NotResource: required except in trust policies (and tolerated absent in KMS key policies,
    # where such a statement is simply ineffective: KPOV).
    r_value, nr_value = get("Resource", _MISSING), get("NotResource", _MISSING)
    has_r, has_nr = r_value is not _MISSING, nr_value is not _MISSING
    if has_r and has_nr:
        raise _fail(kind, f"{_where(idx, sid)} has both Resource and NotResource")
    resources = None
    if has_r or has_nr:
        value = r_value if has_r else nr_value
        resources = tuple(value) if isinstance(value, list) else (value,)
        if not resources:
            raise _fail(kind, f"{'Resource' if has_r else 'NotResource'} in {_where(idx, sid)} must not be empty")
        for r in resources:
            if not isinstance(r, str):
                raise _fail(kind, f"Resource values in {_where(idx, sid)} must be strings")
            _validate_arn(kind, r, "Resource" if has_r else "NotResource")
    elif kind is not PolicyKind.TRUST and kind is not PolicyKind.KEY:
        raise _fail(kind, f"Missing required field Resource in {_where(idx, sid)}")

    conditions: tuple[Condition, ...] = ()
    block = get("Condition", _MISSING)
    if block is not _MISSING:
        try:
            conditions = parse_condition_block(block)
        except ConditionSyntaxError as exc:
            raise _fail(kind, f"{exc} in {_where(idx, sid)}") from None
    if kind is PolicyKind.KEY:
        for c in conditions:
            # KMS refuses ForAllValues on the single-valued kms:EncryptionContext:<key>
            # (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context):
            # with a missing key it is true, so it would let everyone in.
            if c.qualifier == "ForAllValues" and c.key_lc.startswith("kms:encryptioncontext:"):
                raise _fail(kind, f"OverlyPermissiveCondition: {c.operator} is not allowed with the single-valued "
                                  f"condition key {c.key} in {_where(idx, sid)} (use the operator without ForAllValues)")

    return Statement(effect, sid, idx, principals, has_np, actions, has_na, resources, has_nr, conditions, raw)


def _where(idx: int, sid: str | None) -> str:
    """How error messages name a statement: by Sid when it has one, else by position."""
    return f"statement {sid!r}" if sid is not None else f"statement {idx}"
