"""Property-based tests (hypothesis) for wildcard matching, condition operators and evaluation invariants.

Sources: Resource/Action wildcards https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html; operators
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html; sets
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html;
evaluation https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fnmatch import fnmatchcase

from hypothesis import given, settings, strategies as st

from s3kms_lab.engine import Caller, PolicyKind, PolicySet, Request, authorize, parse_policy
from s3kms_lab.engine.conditions import Condition, evaluate_condition
from s3kms_lab.engine.matching import action_matches, arn_like, glob_match

# Per-test settings (no global profile, so other test modules keep their own hypothesis settings).
_S = settings(max_examples=200, deadline=None, database=None)

# Text without fnmatch's own metacharacters [ ] so fnmatchcase is a faithful reference for * and ?.
ALPHABET = st.sampled_from(list("abcAB01/:-._*?") + ["é", "\n"])
PLAIN = st.text(alphabet=st.sampled_from(list("abcAB01/:-._é\n")), max_size=12)
PATTERN = st.text(alphabet=ALPHABET, max_size=10)


def _escape_for_fnmatch(text: str) -> str:
    return text.replace("[", "[[]")


# --------------------------------------------------------------------------- wildcard matching

@_S
@given(PATTERN, PLAIN)
def test_glob_agrees_with_fnmatchcase(pattern, value):
    assert glob_match(pattern, value) == fnmatchcase(value, _escape_for_fnmatch(pattern))


@_S
@given(PLAIN, PLAIN)
def test_literal_matches_only_itself(a, b):
    assert glob_match(a, b) == (a == b)


@_S
@given(PLAIN)
def test_star_matches_everything(value):
    assert glob_match("*", value)
    assert action_matches("*", value)


@_S
@given(PLAIN)
def test_qmarks_match_exact_length(value):
    assert glob_match("?" * len(value), value)
    assert not glob_match("?" * (len(value) + 1), value)


@_S
@given(st.text(alphabet=st.sampled_from(list("abcdefgXYZ")), min_size=1, max_size=10),
       st.text(alphabet=st.sampled_from(list("abcdefgXYZ")), min_size=1, max_size=10))
def test_actions_case_insensitive_resources_case_sensitive(service, name):
    action = f"{service}:{name}"
    assert action_matches(action.upper(), action.lower())
    assert action_matches(f"{service.swapcase()}:{name[:1]}*", action)
    if action.upper() != action.lower():
        assert not glob_match(f"arn:aws:s3:::{action.upper()}", f"arn:aws:s3:::{action.lower()}")


SEG = st.text(alphabet=st.sampled_from(list("abc01-/*?")), max_size=6)


@_S
@given(st.lists(SEG, min_size=6, max_size=6), st.lists(st.text(alphabet=st.sampled_from(list("abc01-/")), max_size=6), min_size=6, max_size=6))
def test_arn_like_is_per_segment(pparts, vparts):
    pattern, value = ":".join(pparts), ":".join(vparts)
    expected = all(fnmatchcase(v, p) for p, v in zip(pparts[:5], vparts[:5])) and fnmatchcase(vparts[5], pparts[5])
    assert arn_like(pattern, value) == expected


# --------------------------------------------------------------------------- condition operators

def cond(op: str, key: str, values: list[str]) -> Condition:
    from s3kms_lab.engine.conditions import parse_condition_block
    return parse_condition_block({op: {key: values}})[0]


STRING_OPS = [("StringEquals", "StringNotEquals"), ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
              ("StringLike", "StringNotLike"), ("ArnEquals", "ArnNotEquals"), ("ArnLike", "ArnNotLike")]
WORD = st.text(alphabet=st.sampled_from(list("abAB:/*?1")), min_size=1, max_size=8)


@_S
@given(st.sampled_from(STRING_OPS), st.lists(WORD, min_size=1, max_size=3), st.lists(WORD, min_size=1, max_size=1))
def test_negated_is_not_positive_when_key_present(ops, pvals, rvals):
    pos, neg = ops
    ctx = {"k:key": rvals}
    assert evaluate_condition(cond(neg, "k:key", pvals), ctx) == (not evaluate_condition(cond(pos, "k:key", pvals), ctx))


NUM = st.integers(min_value=-1000, max_value=1000)


@_S
@given(NUM, NUM)
def test_numeric_negation_and_ordering(p, r):
    ctx = {"k:n": [str(r)]}
    ev = lambda op: evaluate_condition(cond(op, "k:n", [str(p)]), ctx)  # noqa: E731
    assert ev("NumericNotEquals") == (not ev("NumericEquals"))
    assert ev("NumericLessThan") == (r < p)
    assert ev("NumericLessThanEquals") == (r <= p)
    assert ev("NumericGreaterThan") == (r > p)
    assert ev("NumericGreaterThanEquals") == (r >= p)
    # exactly one of <, =, > holds
    assert [ev("NumericLessThan"), ev("NumericEquals"), ev("NumericGreaterThan")].count(True) == 1


BASE = datetime(2020, 1, 1, tzinfo=timezone.utc)


@_S
@given(st.integers(min_value=-10**6, max_value=10**6), st.integers(min_value=-10**6, max_value=10**6), st.booleans())
def test_date_ordering_consistent(p, r, epoch_policy):
    pdt, rdt = BASE + timedelta(seconds=p), BASE + timedelta(seconds=r)
    pval = str(int(pdt.timestamp())) if epoch_policy else pdt.strftime("%Y-%m-%dT%H:%M:%SZ")
    ctx = {"aws:currenttime": [rdt.strftime("%Y-%m-%dT%H:%M:%SZ")]}
    ev = lambda op: evaluate_condition(cond(op, "aws:CurrentTime", [pval]), ctx)  # noqa: E731
    assert ev("DateLessThan") == (rdt < pdt)
    assert ev("DateGreaterThanEquals") == (rdt >= pdt)
    assert ev("DateEquals") == (rdt == pdt)
    assert ev("DateNotEquals") == (rdt != pdt)


ALL_OPS = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
           "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "NumericEquals", "NumericNotEquals",
           "NumericLessThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan", "Bool",
           "BinaryEquals", "IpAddress", "NotIpAddress"]
NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
           "NumericNotEquals", "DateNotEquals", "NotIpAddress"}
VALUE_FOR = {"Numeric": "10", "Date": "2020-01-01T00:00:00Z", "Bool": "true", "IpAddress": "10.0.0.0/8",
             "NotIpAddress": "10.0.0.0/8"}


def _value(op: str) -> str:
    for prefix, v in VALUE_FOR.items():
        if op.startswith(prefix):
            return v
    return "x"


@_S
@given(st.sampled_from(ALL_OPS), st.booleans())
def test_missing_key_rule_and_ifexists(op, empty_list):
    ctx = {"k:other": ["1"]} if not empty_list else {"k:key": []}
    assert evaluate_condition(cond(op, "k:key", [_value(op)]), ctx) == (op in NEGATED)
    assert evaluate_condition(cond(op + "IfExists", "k:key", [_value(op)]), ctx) is True


@_S
@given(st.sampled_from(ALL_OPS))
def test_set_qualifiers_on_missing_key(op):
    assert evaluate_condition(cond("ForAllValues:" + op, "k:key", [_value(op)]), {}) is True
    assert evaluate_condition(cond("ForAnyValue:" + op, "k:key", [_value(op)]), {}) is False
    assert evaluate_condition(cond("ForAllValues:" + op, "k:key", [_value(op)]), {"k:key": []}) is True
    assert evaluate_condition(cond("ForAnyValue:" + op, "k:key", [_value(op)]), {"k:key": []}) is False


@_S
@given(st.lists(WORD, min_size=1, max_size=4), st.lists(WORD, min_size=1, max_size=4))
def test_set_qualifiers_against_sets(pvals, rvals):
    ctx = {"k:key": rvals}
    forall = evaluate_condition(cond("ForAllValues:StringEquals", "k:key", pvals), ctx)
    forany = evaluate_condition(cond("ForAnyValue:StringEquals", "k:key", pvals), ctx)
    assert forall == set(rvals).issubset(pvals)
    assert forany == bool(set(rvals) & set(pvals))


@_S
@given(WORD, WORD)
def test_string_equals_ignore_case_symmetric(a, b):
    one = evaluate_condition(cond("StringEqualsIgnoreCase", "k:key", [a]), {"k:key": [b]})
    two = evaluate_condition(cond("StringEqualsIgnoreCase", "k:key", [b]), {"k:key": [a]})
    assert one == two
    assert evaluate_condition(cond("StringEqualsIgnoreCase", "k:key", [a]), {"k:key": [a.swapcase()]}) == (a.lower() == a.swapcase().lower())


@_S
@given(st.booleans(), st.sampled_from(["true", "false"]))
def test_null_operator(present, want):
    ctx = {"k:key": ["v"]} if present else {}
    assert evaluate_condition(cond("Null", "k:key", [want]), ctx) == ((not present) == (want == "true"))


@_S
@given(st.text(alphabet=st.sampled_from(list("abcXYZ")), min_size=1, max_size=6), st.sampled_from(["lower", "upper", "swapcase"]))
def test_condition_key_names_case_insensitive(value, case_fn):
    key = getattr("aws:PrincipalTag/Team", case_fn)()
    assert evaluate_condition(cond("StringEquals", key, [value]), {"aws:principaltag/team": [value]})


# --------------------------------------------------------------------------- evaluation invariants

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "kms:Decrypt"]
RESOURCES = ["arn:aws:s3:::b/x", "arn:aws:s3:::b/y/z", "arn:aws:s3:::c/x", "*"]
ACTION_PATTERNS = ACTIONS + ["s3:*", "*", "s3:Get*", "kms:*"]
RESOURCE_PATTERNS = RESOURCES + ["arn:aws:s3:::b/*", "arn:aws:s3:::*"]
CONDITIONS = [None, {"Bool": {"aws:SecureTransport": "true"}}, {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
              {"StringEquals": {"aws:PrincipalTag/team": "red"}}]


@st.composite
def statements(draw, effect=None, principal=False):
    s = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
         ("NotAction" if draw(st.booleans()) and not principal else "Action"): draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2)),
         "Resource": draw(st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2))}
    c = draw(st.sampled_from(CONDITIONS))
    if c:
        s["Condition"] = c
    if principal:
        s["Principal"] = draw(st.sampled_from(["*", {"AWS": "arn:aws:iam::123456789012:role/R"},
                                               {"AWS": "123456789012"}, {"AWS": "arn:aws:iam::123456789012:user/u"}]))
    return s


def policy(stmts, kind):
    return parse_policy({"Version": "2012-10-17", "Statement": stmts}, kind)


CALLERS = [Caller("User", "arn:aws:iam::123456789012:user/u", "123456789012", name="u"),
           Caller("AssumedRole", "arn:aws:sts::123456789012:assumed-role/R/s", "123456789012", name="R",
                  role_arn="arn:aws:iam::123456789012:role/R", session_name="s"),
           Caller("AssumedRole", "arn:aws:sts::210987654321:assumed-role/P/s", "210987654321", name="P",
                  role_arn="arn:aws:iam::210987654321:role/P", session_name="s")]


@st.composite
def scenarios(draw):
    caller = draw(st.sampled_from(CALLERS))
    ctx = dict(caller.global_context())
    if draw(st.booleans()):
        ctx["aws:securetransport"] = ["true"]
    if draw(st.booleans()):
        ctx["s3:x-amz-server-side-encryption"] = [draw(st.sampled_from(["aws:kms", "AES256"]))]
    if draw(st.booleans()):
        ctx["aws:principaltag/team"] = ["red"]
    req = Request(caller, draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(RESOURCES)), ctx, "123456789012")
    identity = [policy(draw(st.lists(statements(), min_size=1, max_size=3)), PolicyKind.IDENTITY)]
    resource = policy(draw(st.lists(statements(principal=True), min_size=1, max_size=3)), PolicyKind.BUCKET) if draw(st.booleans()) else None
    boundary = policy(draw(st.lists(statements(), min_size=1, max_size=2)), PolicyKind.BOUNDARY) if draw(st.booleans()) else None
    return req, PolicySet(identity=identity, resource=resource, boundary=boundary)


def _with_identity_statement(ps: PolicySet, stmt: dict) -> PolicySet:
    extra = policy([stmt], PolicyKind.IDENTITY)
    return PolicySet(identity=list(ps.identity) + [extra], boundary=ps.boundary, session=ps.session,
                     resource=ps.resource, scps=ps.scps)


@_S
@given(scenarios(), st.sampled_from(["*", "s3:*"]))
def test_adding_matching_deny_never_allows(scn, action_pattern):
    req, ps = scn
    before = authorize(req, ps)
    deny = {"Effect": "Deny", "Action": req.action if action_pattern == "s3:*" else "*", "Resource": "*"}
    after = authorize(req, _with_identity_statement(ps, deny))
    assert after.effect == "explicitDeny"
    assert not (after.allowed and not before.allowed)


@_S
@given(scenarios(), statements(effect="Deny"))
def test_adding_any_deny_never_turns_denied_into_allowed(scn, stmt):
    req, ps = scn
    before = authorize(req, ps)
    after = authorize(req, _with_identity_statement(ps, stmt))
    if not before.allowed:
        assert not after.allowed
    if before.effect == "explicitDeny":
        assert after.effect == "explicitDeny"


@_S
@given(scenarios(), statements(effect="Allow"))
def test_adding_an_allow_never_turns_allowed_into_denied(scn, stmt):
    req, ps = scn
    before = authorize(req, ps)
    after = authorize(req, _with_identity_statement(ps, stmt))
    if before.allowed:
        assert after.allowed
    if before.effect == "explicitDeny":
        assert after.effect == "explicitDeny"


@_S
@given(scenarios())
def test_decision_is_deterministic_and_well_formed(scn):
    req, ps = scn
    a, b = authorize(req, ps), authorize(req, ps)
    assert (a.effect, a.rule, a.policy_type) == (b.effect, b.rule, b.policy_type)
    assert a.effect in ("allowed", "explicitDeny", "implicitDeny")
    if a.effect == "explicitDeny":
        assert a.deciding and all(s.effect == "Deny" for _, s in a.deciding)
    if a.effect == "implicitDeny":
        assert a.deciding == []
    assert a.summary()
