"""Wildcard matching for actions, resources and ARN condition values.

AWS rules followed:
- Actions: service prefix and action name are case-insensitive; ``*`` and ``?`` wildcards.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
- Resources: case-sensitive; ``*`` (any run, may cross ``/`` and ``:``) and ``?`` (one character).
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- ``ArnLike``/``ArnEquals``: each of the six colon-separated parts is matched on its own,
  so a ``*`` cannot cross a colon.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
"""
from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["glob_regex", "glob_match", "action_matches", "arn_like"]


@lru_cache(maxsize=4096)
def glob_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile an IAM glob (``*`` any run, ``?`` one character) into an anchored regex."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "\ue000":  # literal * from a resolved policy variable or ${*}
            out.append(re.escape("*"))
        elif ch == "\ue001":  # literal ?
            out.append(re.escape("?"))
        else:
            out.append(re.escape(ch))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(out) + r"\Z", flags)


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """True when ``value`` matches the IAM glob ``pattern`` as a whole string."""
    if "*" not in pattern and "?" not in pattern:
        pattern = pattern.replace("\ue000", "*").replace("\ue001", "?")
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return glob_regex(pattern, ignore_case).match(value) is not None


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
