"""Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``, ``${*}`` ...).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- names are case-insensitive; ``${*}``, ``${?}``, ``${$}`` are literal ``*``, ``?``, ``$``;
- a default may follow a comma in single quotes;
- only single-valued keys resolve; an unresolvable variable makes the value unusable
  (positive operators do not match, negated ones do; a Resource with it matches nothing).
"""
from __future__ import annotations

import re
from typing import Mapping, Sequence

__all__ = ["has_variables", "substitute", "Unresolved"]

_VAR_RE = re.compile(r"\$\{([^}]*)\}")
# Private-use characters stand for literal * and ? inside glob patterns (see matching.glob_regex).
LITERAL_STAR, LITERAL_QMARK = "\ue000", "\ue001"
_ESCAPES = {"*": LITERAL_STAR, "?": LITERAL_QMARK, "$": "$"}


class Unresolved(Exception):
    """A variable in a policy value had no value in the request context."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def has_variables(value: str) -> bool:
    return "${" in value


def substitute(value: str, context: Mapping[str, Sequence[str]], glob: bool) -> str:
    """Replace every ``${...}`` in ``value`` from ``context`` (lower-cased key names).

    glob: when the result is used as a wildcard pattern, resolved text is escaped so that a
    ``*`` inside a user name stays literal, and ``${*}``/``${?}`` become literal characters.
    Returns the substituted string; raises :class:`Unresolved` when a key is missing.
    """

    def repl(m: re.Match[str]) -> str:
        body = m.group(1).strip()
        if body in _ESCAPES:
            return _ESCAPES[body] if glob else body
        default = None
        if "," in body:
            name, _, dflt = body.partition(",")
            body = name.strip()
            dflt = dflt.strip()
            if len(dflt) >= 2 and dflt[0] == dflt[-1] == "'":
                default = dflt[1:-1]
        vals = context.get(body.lower())
        if vals is None or len(vals) != 1:
            if default is not None:
                return _escape(default) if glob else default
            raise Unresolved(body)
        return _escape(vals[0]) if glob else vals[0]

    return _VAR_RE.sub(repl, value)


def _escape(text: str) -> str:
    return text.replace("*", _ESCAPES["*"]).replace("?", _ESCAPES["?"])
