"""Wildcard matching takes linear-ish time and means what the old regex translation meant.

Rules: ``*`` any run (crossing ``/`` and ``:``), ``?`` one character, Action case-insensitive, Resource
case-sensitive (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html); ``${*}``, ``${?}``,
``${$}`` are a literal ``*``, ``?``, ``$`` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
The old matcher compiled each glob to a backtracking regex: a bucket-policy Resource ``.../*/*/*/*.csv``
against a key of 1,000 ``/`` took 53.7 s. The bounds below are generous (seconds); the property is
"no blow-up", not a speed figure.
"""
from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings, strategies as st

from s3kms_lab.engine import Caller, PolicyKind, PolicySet, Request, authorize, parse_policy
from s3kms_lab.engine.matching import action_matches, arn_like, glob_match
from s3kms_lab.engine.variables import Unresolved, substitute

_S = settings(max_examples=400, deadline=None, database=None)


def old_glob_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """The previous implementation (regex translation), kept here as the reference semantics."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "\ue000":
            out.append(re.escape("*"))
        elif ch == "\ue001":
            out.append(re.escape("?"))
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out) + r"\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def old_glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    if "*" not in pattern and "?" not in pattern:
        pattern = pattern.replace("\ue000", "*").replace("\ue001", "?")
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return old_glob_regex(pattern, ignore_case).match(value) is not None


# --------------------------------------------------------------------------- no blow-up

PATHOLOGICAL = [
    # (pattern, value): each took seconds to minutes with the backtracking regex
    ("arn:aws:s3:::b/*/*/*/*.csv", "arn:aws:s3:::b/" + "/" * 1000),
    ("arn:aws:s3:::b/*/*/*/*.csv", "arn:aws:s3:::b/" + "a/" * 5000 + "x.csv"),
    ("a*a*a*a*a*a*a*a*a*a*b", "a" * 40),
    ("a*a*a*a*a*a*a*a*a*a*b", "a" * 100_000),
    ("*?*?*?*?*?*?*?*?*?*?*?*!", "?" * 20_000),
    ("*a?a*a?a*a?a*a?a*a?a*z", "a" * 20_000),
    ("s3:*" + "*?" * 50 + "x", "s3:" + "y" * 5000),
]


@pytest.mark.parametrize("pattern, value", PATHOLOGICAL, ids=[p[0][:30] for p in PATHOLOGICAL])
def test_pathological_glob_decides_quickly(pattern, value):
    t0 = time.perf_counter()
    got = glob_match(pattern, value)
    assert time.perf_counter() - t0 < 1.0
    assert got == fnmatch_reference(pattern, value)


def fnmatch_reference(pattern: str, value: str) -> bool:
    """Independent O(n*m) dynamic-programming glob match (no regex)."""
    n = len(value)
    row = [True] + [False] * n
    for ch in pattern:
        if ch == "*":
            seen = False
            new = []
            for ok in row:
                seen = seen or ok
                new.append(seen)
        else:
            new = [False] + [row[i] and (ch == "?" or ch == value[i]) for i in range(n)]
        row = new
    return row[n]


def test_pathological_bucket_policy_decision_is_quick():
    """The 53.7 s case end to end: an anonymous GET of a 1,000-'/' key against a public .csv policy."""
    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*/*/*/*.csv"}]},
        PolicyKind.BUCKET)
    for key in ("/" * 1000, "a/" * 1000 + "x", "x/y/z/w.csv"):
        t0 = time.perf_counter()
        d = authorize(Request(Caller("Anonymous"), "s3:GetObject", f"arn:aws:s3:::b/{key}", {}, "123456789012"),
                      PolicySet(resource=policy))
        assert time.perf_counter() - t0 < 1.0
        assert d.allowed == key.endswith(".csv")


def test_pathological_arn_like_and_string_like_are_quick():
    t0 = time.perf_counter()
    assert not arn_like("arn:aws:s3:::" + "*a" * 30 + "b", "arn:aws:s3:::" + "a" * 10_000)
    assert not glob_match("*a" * 30 + "b", "a" * 10_000)
    assert time.perf_counter() - t0 < 1.0


# --------------------------------------------------------------------------- same meaning as before

CHARS = list("abAB01/:-._*?$é") + ["\n", "İ"]
TOKENS = CHARS + ["${*}", "${?}", "${$}", "${aws:username}", "${aws:PrincipalTag/t, 'd*'}"]
PATTERN = st.lists(st.sampled_from(TOKENS), max_size=8).map("".join)
VALUE = st.text(alphabet=st.sampled_from(CHARS), max_size=14)
CONTEXTS = st.sampled_from([{}, {"aws:username": ["a*b"]}, {"aws:username": ["ab?"], "aws:principaltag/t": ["x"]},
                            {"aws:username": ["AB"]}])


@_S
@given(PATTERN, VALUE, st.booleans())
def test_same_answers_as_the_regex_translation(pattern, value, ignore_case):
    if ignore_case and not (pattern.isascii() and value.isascii()):
        return  # actions are ASCII (validated); Unicode case folding is regex-specific
    assert glob_match(pattern, value, ignore_case) == old_glob_match(pattern, value, ignore_case)


@_S
@given(PATTERN, VALUE, CONTEXTS)
def test_same_answers_after_policy_variables(pattern, value, ctx):
    """Patterns after ``${...}`` substitution (resolved text and ${*}/${?} stay literal)."""
    try:
        resolved = substitute(pattern, ctx, glob=True)
    except Unresolved:
        return
    assert glob_match(resolved, value) == old_glob_match(resolved, value)


@_S
@given(st.text(alphabet=st.sampled_from(list("abAB*?:")), max_size=8), st.text(alphabet=st.sampled_from(list("abAB:")), max_size=8))
def test_action_matching_same_as_before(pattern, action):
    assert action_matches(pattern, action) == old_glob_match(pattern, action, ignore_case=True)


@_S
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab/*?${}")), max_size=5), min_size=6, max_size=6),
       st.lists(st.text(alphabet=st.sampled_from(list("ab/*?$")), max_size=5), min_size=6, max_size=6))
def test_arn_like_same_as_before(pparts, vparts):
    pattern, value = ":".join(pparts), ":".join(vparts)
    old = all(old_glob_match(p, v) for p, v in zip(pattern.split(":", 5), value.split(":", 5)))
    assert arn_like(pattern, value) == old


@pytest.mark.parametrize("pattern, value, expected", [
    ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", True),          # ${*} is a literal star
    ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", False),
    ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/?", True),
    ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/x", False),
    ("arn:aws:s3:::b/${$}*", "arn:aws:s3:::b/$x", True),
    ("arn:aws:s3:::b/home/${aws:username}/*", "arn:aws:s3:::b/home/a*b/x", True),   # user name "a*b" is literal
    ("arn:aws:s3:::b/home/${aws:username}/*", "arn:aws:s3:::b/home/aXb/x", False),
])
def test_variables_in_resource_stay_literal(pattern, value, expected):
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html (special characters)."""
    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern}]}, PolicyKind.IDENTITY)
    caller = Caller("User", "arn:aws:iam::123456789012:user/a*b", "123456789012", name="a*b")
    d = authorize(Request(caller, "s3:GetObject", value, caller.global_context()), PolicySet(identity=[policy]))
    assert d.allowed is expected
