"""Wildcard matching for actions, resources and ARN condition values, in linear-ish time.

AWS rules followed:
- Actions: service prefix and action name are case-insensitive; ``*`` and ``?`` wildcards.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
- Resources: case-sensitive; ``*`` (any run, may cross ``/`` and ``:``) and ``?`` (one character).
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- ``StringLike``: the same ``*`` / ``?`` wildcards anywhere in the value.
- ``ArnLike``/``ArnEquals``: each of the six colon-separated parts is matched on its own,
  so a ``*`` cannot cross a colon.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html

Why not regular expressions: a glob such as ``arn:aws:s3:::b/*/*/*/*.csv`` compiled to ``.*`` groups
backtracks exponentially on a key of many ``/`` (one unauthenticated request could stall the lab for a
minute). A glob is a list of fixed-length pieces separated by ``*``; the leftmost place of each piece is
always a right choice, so one left-to-right scan decides: O(len(value) * len(pattern)) at worst, and
``str.find`` speed for pieces without ``?``.
"""
from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["Glob", "compile_glob", "glob_match", "action_matches", "arn_like"]

# Private-use characters stand for a literal * and ? (a resolved policy variable, ${*} or ${?}):
# see variables.substitute.
_LITERAL = {"\ue000": "*", "\ue001": "?"}


def _literal(text: str) -> str:
    """The text with the private-use stand-ins turned back into literal ``*`` / ``?``."""
    if "\ue000" in text or "\ue001" in text:
        return text.replace("\ue000", "*").replace("\ue001", "?")
    return text


def _fold(text: str) -> str:
    """Lower-case without changing the length (``?`` must still count one character)."""
    if text.isascii():
        return text.lower()
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class _Piece:
    """A fixed-length run of the pattern between two ``*``: literal text, or with ``?`` (any one character)."""

    __slots__ = ("text", "size", "regex")

    def __init__(self, raw: str):
        self.size = len(raw)
        if "?" in raw:
            self.text = None
            # Fixed length, no repetition: re cannot backtrack here beyond one try per position.
            self.regex = re.compile("".join("." if c == "?" else re.escape(_literal(c)) for c in raw), re.DOTALL)
        else:
            self.text = _literal(raw)
            self.regex = None

    def at(self, value: str, pos: int) -> bool:
        """The piece matches ``value`` starting exactly at ``pos``."""
        if self.text is not None:
            return value.startswith(self.text, pos)
        return self.regex.match(value, pos) is not None

    def find(self, value: str, start: int, end: int) -> int:
        """Leftmost position >= start where the piece fits inside value[start:end], or -1."""
        if self.text is not None:
            return value.find(self.text, start, end)
        m = self.regex.search(value, start, end)
        return -1 if m is None else m.start()


class Glob:
    """A compiled IAM glob: ``match(value)`` says whether the whole value matches.

    pattern: the glob as written (``*`` any run, ``?`` one character; ``\\ue000``/``\\ue001`` literal
    ``*``/``?``); ignore_case: compare case-insensitively (actions). Raises nothing.
    """

    __slots__ = ("pattern", "ignore_case", "match")

    def __init__(self, pattern: str, ignore_case: bool = False):
        self.pattern = pattern
        self.ignore_case = ignore_case
        pat = _fold(pattern) if ignore_case else pattern
        fold = _fold if ignore_case else None
        if pat == "*":
            self.match = _always
            return
        if "*" not in pat and "?" not in pat:  # exact
            exact = _literal(pat)
            self.match = (lambda v: _fold(v) == exact) if fold else exact.__eq__
            return
        parts = pat.split("*")
        if len(parts) == 2 and parts[1] == "" and "?" not in pat:  # prefix: "arn:aws:s3:::bucket/*"
            prefix = _literal(parts[0])
            self.match = (lambda v: _fold(v).startswith(prefix)) if fold else (lambda v: v.startswith(prefix))
            return
        self.match = _general(parts, fold)

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r}{', ignore_case=True' if self.ignore_case else ''})"


def _always(value: str) -> bool:
    return True


def _general(parts: list[str], fold):
    """The matcher for a glob split on ``*`` (parts[0] anchored at the start, parts[-1] at the end)."""
    if len(parts) == 1:  # no star, some "?": exact length
        only = _Piece(parts[0])

        def whole(value: str) -> bool:
            if fold is not None:
                value = fold(value)
            return len(value) == only.size and only.at(value, 0)
        return whole
    head, tail = _Piece(parts[0]), _Piece(parts[-1])
    middle = [_Piece(p) for p in parts[1:-1] if p]
    least = head.size + tail.size + sum(p.size for p in middle)

    def scan(value: str) -> bool:
        if fold is not None:
            value = fold(value)
        if len(value) < least or not head.at(value, 0):
            return False
        end = len(value) - tail.size
        if not tail.at(value, end):
            return False
        pos = head.size
        for piece in middle:  # leftmost fit of each piece leaves the most room for the rest
            found = piece.find(value, pos, end)
            if found < 0:
                return False
            pos = found + piece.size
        return True
    return scan


@lru_cache(maxsize=8192)
def compile_glob(pattern: str, ignore_case: bool = False) -> Glob:
    """The :class:`Glob` for ``pattern`` (cached by pattern text: learners reuse the same patterns)."""
    return Glob(pattern, ignore_case)


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """True when ``value`` matches the IAM glob ``pattern`` as a whole string."""
    if "*" not in pattern and "?" not in pattern:
        pattern = _literal(pattern)
        return _fold(pattern) == _fold(value) if ignore_case else pattern == value
    return compile_glob(pattern, ignore_case).match(value)


@lru_cache(maxsize=16384)
def action_matches(pattern: str, action: str) -> bool:
    """Match a policy ``Action`` entry against a request action (``s3:PutObject``), case-insensitively."""
    return glob_match(pattern, action, ignore_case=True)


def arn_like(pattern: str, value: str) -> bool:
    """``ArnLike`` semantics: six colon-separated parts, each matched case-sensitively with globs."""
    p_parts = pattern.split(":", 5)
    v_parts = value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        # A bare "*" is allowed as a policy value and matches any ARN-shaped value.
        return pattern == "*" and len(v_parts) == 6
    return all(glob_match(p, v) for p, v in zip(p_parts, v_parts))
