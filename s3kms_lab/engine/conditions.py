"""Condition operators and the ``Condition`` block.

Sources:
- operators, ``...IfExists``, ``Null``, missing-key rule:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- AND across operators and keys, OR across values (NOR for negated operators):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
- ``ForAllValues`` (true on a missing key or empty set) / ``ForAnyValue`` (false on them):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
"""
from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from ..i18n import N_
from .matching import arn_like, glob_match
from .variables import Unresolved, has_variables, substitute

__all__ = ["Condition", "ConditionSyntaxError", "parse_condition_block", "evaluate_condition",
           "OPERATORS", "Context"]

Context = Mapping[str, Sequence[str]]  # lower-cased key name -> values (strings)


class ConditionSyntaxError(ValueError):
    """A Condition block AWS would refuse (unknown operator, bad value...)."""


# Numeric operators compare "an integer or decimal value"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric);
# an exponent is allowed because a JSON number such as 1e20 is written that way. Python's float() also takes
# "inf", "nan", "1_000" and surrounding spaces: those are refused.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def _num(v: str) -> float:
    if not _NUMBER.match(v):
        raise ValueError(v)
    f = float(v)
    if math.isinf(f):
        raise ValueError(v)
    return f


# W3C date-time profile of ISO 8601 (https://www.w3.org/TR/NOTE-datetime), which the Date operators take
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date):
# YYYY | YYYY-MM | YYYY-MM-DD | YYYY-MM-DDThh:mmTZD | YYYY-MM-DDThh:mm:ssTZD | YYYY-MM-DDThh:mm:ss.sTZD,
# TZD = Z | +hh:mm | -hh:mm. A time without TZD is read as UTC (as before; AWS's examples always give Z).
_W3C_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
                       r"(Z|[+-]\d{2}:\d{2})?)?)?)?\Z")
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?\Z")


@lru_cache(maxsize=4096)
def _date(v: str) -> float:
    """A Date operator value as epoch seconds (float).

    Accepts epoch seconds (``1589536800``, decimals allowed) and every W3C date-time form; a date without
    a time is the start of that year / month / day in UTC. Exactly four digits read as a year (``2020``),
    not as 2,020 seconds after 1970. Raises ValueError for anything else.
    """
    v = v.strip()
    if _EPOCH.match(v) and not (len(v) == 4 and v.isdigit()):
        return float(v)
    m = _W3C_DATE.match(v)
    if m is None:
        raise ValueError(v)
    year, month, day, hour, minute, second, fraction, tzd = m.groups()
    dt = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0),
                  tzinfo=timezone.utc)
    offset = 0
    if tzd and tzd != "Z":
        hh, mm = int(tzd[1:3]), int(tzd[4:6])
        if hh > 23 or mm > 59:
            raise ValueError(v)
        offset = (hh * 3600 + mm * 60) * (1 if tzd[0] == "+" else -1)
    return dt.timestamp() - offset + (float("0." + fraction) if fraction else 0.0)


@lru_cache(maxsize=1024)
def _net(v: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(v.strip(), strict=False)


def _ip_in(pv: str, rv: str) -> bool:
    try:
        addr = ipaddress.ip_address(rv.strip())
        net = _net(pv)
    except ValueError:
        return False
    return addr.version == net.version and addr in net


def _safe(fn: Callable[[str, str], bool]) -> Callable[[str, str], bool]:
    def wrapped(pv: str, rv: str) -> bool:
        try:
            return fn(pv, rv)
        except (ValueError, TypeError):
            return False
    return wrapped


# Positive base operators: (policy value, request value) -> match.
_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda p, r: p == r,
    "StringEqualsIgnoreCase": lambda p, r: p.lower() == r.lower(),
    "StringLike": lambda p, r: glob_match(p, r),
    "NumericEquals": _safe(lambda p, r: _num(r) == _num(p)),
    "NumericLessThan": _safe(lambda p, r: _num(r) < _num(p)),
    "NumericLessThanEquals": _safe(lambda p, r: _num(r) <= _num(p)),
    "NumericGreaterThan": _safe(lambda p, r: _num(r) > _num(p)),
    "NumericGreaterThanEquals": _safe(lambda p, r: _num(r) >= _num(p)),
    "DateEquals": _safe(lambda p, r: _date(r) == _date(p)),
    "DateLessThan": _safe(lambda p, r: _date(r) < _date(p)),
    "DateLessThanEquals": _safe(lambda p, r: _date(r) <= _date(p)),
    "DateGreaterThan": _safe(lambda p, r: _date(r) > _date(p)),
    "DateGreaterThanEquals": _safe(lambda p, r: _date(r) >= _date(p)),
    "Bool": lambda p, r: p.lower() == r.lower(),
    "BinaryEquals": lambda p, r: p == r,
    "IpAddress": _ip_in,
    "ArnEquals": arn_like,
    "ArnLike": arn_like,
}
# Negated operators and the positive operator they negate.
_NEGATED: dict[str, str] = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
OPERATORS = frozenset(_POSITIVE) | frozenset(_NEGATED) | {"Null"}
_EXACT = frozenset({"StringEquals", "StringNotEquals"})  # operators with a set-membership fast path
_VARIABLE_FAMILIES = ("String", "Arn")  # policy variables work only with these (VARS)
_GLOB_OPS = {"StringLike", "ArnLike", "ArnEquals"}


@dataclass(frozen=True)
class Condition:
    """One (operator, condition key) pair of a Condition block.

    operator: the full operator as written (``ForAnyValue:StringLikeIfExists``); base: without
    qualifier and IfExists; qualifier: ``ForAllValues``/``ForAnyValue``/None; key: the key as
    written; key_lc: lower-cased (names are case-insensitive); values: policy values as strings.
    """

    operator: str
    base: str
    qualifier: str | None
    if_exists: bool
    key: str
    key_lc: str
    values: tuple[str, ...]

    @classmethod
    def _make(cls, operator: str, base: str, qualifier: str | None, if_exists: bool, key: str,
              values: tuple[str, ...]) -> "Condition":
        """Build a condition without the frozen dataclass's per-field ``object.__setattr__`` (parse hot path)."""
        self = object.__new__(cls)
        object.__setattr__(self, "__dict__", {"operator": operator, "base": base, "qualifier": qualifier,
                                              "if_exists": if_exists, "key": key, "key_lc": key.lower(),
                                              "values": values})
        return self

    @property
    def negated(self) -> bool:
        return self.base in _NEGATED

    @property
    def value_set(self) -> frozenset[str]:
        """The policy values as a set (computed once; used by the exact-match fast path)."""
        cached = self.__dict__.get("_value_set")
        if cached is None:
            cached = frozenset(self.values)
            object.__setattr__(self, "_value_set", cached)
        return cached

    @property
    def has_variables(self) -> bool:
        """Some policy value holds ``${...}`` (computed once per condition)."""
        cached = self.__dict__.get("_has_variables")
        if cached is None:
            cached = any(has_variables(v) for v in self.values)
            object.__setattr__(self, "_has_variables", cached)
        return cached


def _value_str(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return v
    raise ConditionSyntaxError(f"Condition values must be strings, numbers or booleans, not {type(v).__name__}")


def _split_operator(op: str) -> tuple[str | None, str, bool]:
    qualifier = None
    rest = op
    if ":" in op:
        qualifier, _, rest = op.partition(":")
        if qualifier not in ("ForAllValues", "ForAnyValue"):
            raise ConditionSyntaxError(f"Invalid Condition type : {op} (unknown set operator {qualifier!r})")
    if_exists = rest.endswith("IfExists")
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in OPERATORS:
        raise ConditionSyntaxError(f"Invalid Condition type : {op}")
    if base == "Null" and (if_exists or qualifier):
        raise ConditionSyntaxError(f"Invalid Condition type : {op} (Null takes no IfExists or set operator)")
    return qualifier, base, if_exists


def parse_condition_block(block: Any) -> tuple[Condition, ...]:
    """Parse ``{"Operator": {"key": value-or-list}}`` into :class:`Condition` objects.

    Raises :class:`ConditionSyntaxError` naming the operator, key or value at fault.
    """
    if not isinstance(block, dict):
        raise ConditionSyntaxError("Condition must be a JSON object")
    out = []
    for op, keys in block.items():
        qualifier, base, if_exists = _operator(op)
        if not isinstance(keys, dict) or not keys:
            raise ConditionSyntaxError(f"Condition operator {op} must map condition keys to values")
        checked = base in _CHECKED
        for key, vals in keys.items():
            if ":" not in key:
                raise ConditionSyntaxError(f"Condition key {key!r} under {op} must look like prefix:name")
            if isinstance(vals, str):
                values: tuple[str, ...] = (vals,)
            elif isinstance(vals, list):
                values = tuple(v if isinstance(v, str) else _value_str(v) for v in vals)
                if not values:
                    raise ConditionSyntaxError(f"Condition {op} on {key} has no values")
            else:
                values = (_value_str(vals),)
            if checked:
                _check_values(op, base, values)
            out.append(Condition._make(op, base, qualifier, if_exists, key, values))
    return tuple(out)


@lru_cache(maxsize=512)
def _operator(op: str) -> tuple[str | None, str, bool]:
    """``_split_operator`` remembered per operator name (a refused name raises every time)."""
    return _split_operator(op)


# Operators whose policy values must parse (numbers, dates, CIDRs, true/false) when the policy is saved.
_CHECKED = frozenset(b for b in OPERATORS if b.startswith(("Numeric", "Date")) or
                     b in ("IpAddress", "NotIpAddress", "Null", "Bool"))


def _check_values(op: str, base: str, values: tuple[str, ...]) -> None:
    family = base
    for v in values:
        try:
            if family.startswith("Numeric"):
                _num(v)
            elif family.startswith("Date"):
                _date(v)
            elif family in ("IpAddress", "NotIpAddress"):
                _net(v)
            elif family == "Null" or family == "Bool":
                if v.lower() not in ("true", "false") and not has_variables(v):
                    raise ValueError(v)
        except ValueError:
            raise ConditionSyntaxError(f"Invalid value {v!r} for condition operator {op}") from None


def _resolve(cond: Condition, ctx: Context, variables: bool) -> list[str | None]:
    """Policy values with variables substituted; None marks a value whose variable did not resolve."""
    if not variables or not cond.base.startswith(_VARIABLE_FAMILIES) or not cond.has_variables:
        return list(cond.values)
    glob = (_NEGATED.get(cond.base, cond.base)) in _GLOB_OPS
    out: list[str | None] = []
    for v in cond.values:
        if has_variables(v):
            try:
                out.append(substitute(v, ctx, glob=glob))
            except Unresolved:
                out.append(None)
        else:
            out.append(v)
    return out


def evaluate_condition(cond: Condition, ctx: Context, variables: bool = True,
                       trace: list[dict[str, Any]] | None = None) -> bool:
    """Evaluate one condition against the request context.

    ctx: lower-cased key -> list of string values (a key absent from ``ctx`` is absent from the request).
    variables: the policy has ``Version: 2012-10-17`` so ``${...}`` resolve.
    trace: when given, a dict describing the evaluation is appended (for explanations; its ``note`` is
    English, marked for the catalog and translated where it is shown).
    Returns True when the condition is satisfied.
    """
    req = ctx.get(cond.key_lc)
    if trace is None and cond.qualifier is None and cond.base in _EXACT and not (variables and cond.has_variables):
        # Fast path for the common StringEquals / StringNotEquals: same rules as below, fewer steps.
        if not req:
            return cond.if_exists or cond.negated
        hit = any(r in cond.value_set for r in req)
        return not hit if cond.negated else hit
    present = req is not None and len(req) > 0
    note = ""
    if cond.base == "Null":
        # Several values are ORed like for every operator: ["true", "false"] always matches.
        result = any((v.lower() == "true") == (not present) for v in cond.values)
        note = N_("key absent") if not present else N_("key present")
    elif not present:
        if cond.qualifier == "ForAllValues":
            result, note = True, N_("key absent: ForAllValues matches an empty set")
        elif cond.qualifier == "ForAnyValue":
            result, note = False, N_("key absent: ForAnyValue needs at least one value")
        elif cond.if_exists:
            result, note = True, N_("key absent: ...IfExists treats it as a match")
        elif cond.negated:
            result, note = True, N_("key absent from the request, so the negated operator matches")
        else:
            result, note = False, N_("key absent from the request, so the operator does not match")
    else:
        pvals = _resolve(cond, ctx, variables)
        positive = _POSITIVE[_NEGATED.get(cond.base, cond.base)]
        usable = [p for p in pvals if p is not None]
        if len(usable) < len(pvals):
            note = N_("a policy variable could not be resolved")

        def hit(rv: str) -> bool:
            return any(positive(p, rv) for p in usable)

        if cond.qualifier == "ForAllValues":
            result = all((not hit(r)) if cond.negated else hit(r) for r in req)
        elif cond.qualifier == "ForAnyValue":
            result = any((not hit(r)) if cond.negated else hit(r) for r in req)
        elif cond.negated:
            result = not any(hit(r) for r in req)
        else:
            result = any(hit(r) for r in req)
    if trace is not None:
        trace.append({
            "operator": cond.operator,
            "key": cond.key,
            "policy_values": list(cond.values),
            "request_values": list(req) if present else None,
            "matched": result,
            "note": note,
        })
    return result
