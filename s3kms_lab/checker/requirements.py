"""Requirements as data: the file format, loading and validation.

A scenario folder may hold ``requirements.json``::

    {
      "format": "s3kms-lab/requirements@2",
      "trusted_administrators": ["admin"],
      "vars": {"KEY_ARN": "arn:aws:kms:...:key/...", "UPLOADER": "arn:aws:iam::123456789012:role/DataUploaderRole"},
      "requirements": [
        {
          "id": "R1",
          "title": "Only DataUploaderRole may write objects to my-secure-bucket",
          "title_ko": "DataUploaderRole만 my-secure-bucket에 객체를 쓸 수 있습니다",
          "source": "post requirement 1",
          "principals": {"except": ["${UPLOADER}"]},
          "actions": ["s3:PutObject"],
          "resources": ["arn:aws:s3:::${BUCKET}/*"],
          "when": {"sse": ["aws:kms"]},
          "expect": "denied"
        }
      ]
    }

The threat model is data: ``trusted_administrators`` names the principals (profile names or principal
ARNs) whose power to change policies is accepted. Every other principal of the universe (inside or outside
the account, and anonymous callers) is checked, including what it can do by changing state first (see
:mod:`.escalation`). A file of format ``@1`` (no ``trusted_administrators``) still loads: its only trusted
administrator is the account's ``admin`` user when the scenario has one, and the report says so.

Each requirement reads "<principals> <expect> <actions> on <resources> [when <request properties>]":

- ``principals``: ``"*"`` (everyone in the checker's universe), a list, or ``{"except": [...]}``. An entry is
  a profile name (``analyst``), a principal ARN as ``aws:PrincipalArn`` carries it (a role ARN covers
  its sessions), or ``anonymous``.
- ``actions``: IAM actions, wildcards allowed (``kms:ReEncrypt*``). A request is in scope when any
  authorization it needs has such an action on such a resource: a PutObject with SSE-KMS under the key
  is therefore also a use of the key (S3 calls ``kms:GenerateDataKey`` as the caller).
- ``resources``: ARN patterns (``*`` and ``?`` wildcards).
- ``when`` (optional): only requests with these properties (see :data:`PROPERTIES`).
- ``expect``: ``"denied"`` (no such request may succeed), ``"allowed"`` (every such request must
  succeed) or ``{"encryption": {"algorithm": "aws:kms" | [...], "key": "<key ARN>"}}`` (every such
  request that succeeds must store the object encrypted that way).

``${NAME}`` is replaced from ``vars`` and the built-ins ``ACCOUNT``, ``REGION``, ``BUCKET`` (first bucket),
``KEY_ARN``, ``KEY_ID`` (first key). Validation collects every problem and names where it is.

Korean (optional, for the lab's Korean edition, :mod:`s3kms_lab.i18n`): a requirement may carry
``"title_ko"``, ``"source_ko"`` and ``"note_ko"``, the file ``"description_ko"``; when the lab speaks Korean
the report shows them instead of ``"title"``, ``"source"``, ``"note"`` and ``"description"``, and falls back
to the English field when the Korean one is absent (a learner's own file needs none). Every requirement of
the bundled scenarios has its ``title_ko`` (``tests/i18n/test_checker_ko.py`` checks it).
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import _, get_language
from ..lab.scenario import Scenario

__all__ = ["FORMAT", "OLD_FORMATS", "PROPERTIES", "Requirement", "Requirements", "RequirementsError", "load_requirements", "parse_requirements"]

FORMAT = "s3kms-lab/requirements@2"
OLD_FORMATS = ("s3kms-lab/requirements@1",)

# Request properties a ``when`` filter may name, with the values the universe enumerates.
PROPERTIES: dict[str, tuple[Any, ...]] = {
    "sse": ("absent", "AES256", "aws:kms", "aws:kms:dsse"),
    "kms_key_id": ("absent", "key-id", "key-arn", "alias", "other-key", "aws/s3"),
    "default_encryption": ("off", "SSE-S3", "SSE-KMS", "SSE-KMS+BucketKey"),
    "secure_transport": (False, True),
    "upload": ("single", "multipart"),
    "object": ("sse-kms", "sse-kms+bucket-key", "sse-s3"),
}
EXPECTS = ("denied", "allowed")
_REQ_KEYS = {"id", "title", "source", "principals", "actions", "resources", "when", "expect", "note",
             "title_ko", "source_ko", "note_ko"}
_TOP_KEYS = {"format", "scenario", "description", "vars", "requirements", "trusted_administrators",
             "description_ko"}
#: The optional Korean twin of each English text field (shown when the lab speaks Korean).
KOREAN_FIELDS = {"title": "title_ko", "source": "source_ko", "note": "note_ko", "description": "description_ko"}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ACTION = re.compile(r"^(s3|kms):[A-Za-z0-9*?]+$")


class RequirementsError(ValueError):
    """The requirements file is invalid; ``problems`` lists every problem found (one line each)."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(_("{source}: {count} problem(s) in the requirements:").format(
            source=source, count=len(problems)) + "\n" + "\n".join(f"  - {p}" for p in problems))


def localized(english: str, korean: str) -> str:
    """``korean`` when the lab speaks Korean and it is set, else ``english`` (requirement texts)."""
    return korean if korean and get_language() == "ko" else english


@dataclass(frozen=True)
class Requirement:
    """One validated requirement (variables substituted). principals: ``("*",)`` for everyone;
    except_principals: True when ``principals`` lists who is *excluded*; when: property -> allowed values;
    expect: ``denied`` / ``allowed`` / ``encryption``; algorithms/key: the encryption expected."""

    id: str
    title: str
    source: str
    principals: tuple[str, ...]
    except_principals: bool
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    when: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    expect: str = "denied"
    algorithms: tuple[str, ...] = ()
    key: str = ""
    note: str = ""
    spec: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    title_ko: str = ""
    source_ko: str = ""
    note_ko: str = ""

    @property
    def shown_title(self) -> str:
        """The title in the lab's language (``title_ko`` in Korean when the file has it)."""
        return localized(self.title, self.title_ko)

    @property
    def shown_source(self) -> str:
        return localized(self.source, self.source_ko)

    @property
    def shown_note(self) -> str:
        return localized(self.note, self.note_ko)

    def sentence(self) -> str:
        """The requirement in one line: who, expectation, what, on what, when."""
        if self.principals == ("*",):
            who = _("everyone") if not self.except_principals else _("nobody")
        elif self.except_principals:
            who = _("everyone except {principals}").format(principals=", ".join(self.principals))
        else:
            who = ", ".join(self.principals)
        what = _("{actions} on {resources}").format(actions=", ".join(self.actions),
                                                    resources=", ".join(self.resources))
        algorithms = "/".join(self.algorithms)
        if self.expect == "encryption":
            if self.key:
                text = _("{what}: for {who}, requests may only succeed with {algorithms} under {key}").format(
                    what=what, who=who, algorithms=algorithms, key=self.key)
            else:
                text = _("{what}: for {who}, requests may only succeed with {algorithms}").format(
                    what=what, who=who, algorithms=algorithms)
        elif self.expect == "denied":
            text = _("{who}: must be denied {what}").format(who=who, what=what)
        else:
            text = _("{who}: must be allowed {what}").format(who=who, what=what)
        if self.when:
            conditions = ", ".join(_("{property} in {values}").format(property=k, values=list(v))
                                   for k, v in self.when)
            text = _("{requirement} when {conditions}").format(requirement=text, conditions=conditions)
        return text


class Requirements(list):  # type: ignore[type-arg]
    """The validated requirements (a list of :class:`Requirement`) with the threat model:
    trusted: principal names of the trusted administrators; notes: what the reader should know about it."""

    def __init__(self, items: list[Requirement], trusted: tuple[str, ...], notes: list[str],
                 description: str = ""):
        super().__init__(items)
        self.trusted = trusted
        self.notes = notes
        self.description = description  # the file's description, in the lab's language


def _trusted(doc: dict[str, Any], fmt: str, principal_refs: dict[str, str], vars_: dict[str, str],
             problems: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """The trusted administrators (principal names) and notes about them."""
    if fmt in OLD_FORMATS:
        if "trusted_administrators" in doc:
            problems.append(_("trusted_administrators: needs format {expected} (the file says {found})").format(
                expected=repr(FORMAT), found=repr(fmt)))
        admin = principal_refs.get("admin")
        if admin:
            note = _("This requirements file has format {format} (no trusted_administrators): the checker trusts "
                     "the account's `admin` user only and checks every other principal, including what it can do "
                     "by changing policies first. Name the administrators in \"trusted_administrators\" (format "
                     "{new_format}).")
        else:
            note = _("This requirements file has format {format} (no trusted_administrators): the checker trusts "
                     "the account's `admin` user only (this scenario has none, so nobody) and checks every other "
                     "principal, including what it can do by changing policies first. Name the administrators in "
                     "\"trusted_administrators\" (format {new_format}).")
        note = note.format(format=fmt, new_format=FORMAT)
        return ((admin,) if admin else ()), [note]
    raw = doc.get("trusted_administrators")
    if raw is None:
        problems.append(_("trusted_administrators: missing; list the principals whose power to change policies "
                          "you accept (e.g. [\"admin\"]), or [] to trust nobody"))
        return (), []
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        problems.append(_("trusted_administrators: expected a list of profile names or principal ARNs, got {value}")
                        .format(value=json.dumps(raw)))
        return (), []
    names = []
    for ref in _subst(raw, vars_, "trusted_administrators", problems):
        if ref in principal_refs:
            names.append(principal_refs[ref])
        else:
            known = sorted(principal_refs)
            problems.append(_("trusted_administrators: {name} is not a principal of this scenario's universe "
                              "(known: {known})").format(name=repr(ref), known=", ".join(known)) + _suggest(ref, known))
    who = ", ".join(names) if names else _("nobody")
    return tuple(names), [_("Threat model: trusted administrators {names}; every other principal is checked, "
                            "including what it can reach by changing state first (escalation paths).").format(names=who)]


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return " " + _("(did you mean {option}?)").format(option=repr(close[0])) if close else ""


def builtin_vars(sc: Scenario) -> dict[str, str]:
    out = {"ACCOUNT": sc.account, "REGION": sc.region}
    if sc.spec.get("buckets"):
        out["BUCKET"] = sc.spec["buckets"][0]["name"]
    if sc.spec.get("keys"):
        out["KEY_ARN"] = sc.main_key_arn
        out["KEY_ID"] = sc.spec["keys"][0]["id"]
    return out


def _subst(value: Any, vars_: dict[str, str], where: str, problems: list[str]) -> Any:
    if isinstance(value, str):
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in vars_:
                problems.append(_("{where}: unknown variable {variable} (known: {known})").format(
                    where=where, variable="${" + name + "}", known=", ".join(sorted(vars_)))
                    + _suggest(name, list(vars_)))
                return m.group(0)
            return vars_[name]
        return _VAR.sub(repl, value)
    if isinstance(value, list):
        return [_subst(v, vars_, where, problems) for v in value]
    if isinstance(value, dict):
        return {k: _subst(v, vars_, where, problems) for k, v in value.items()}
    return value


def _str_list(value: Any, where: str, problems: list[str]) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        problems.append(_("{where}: expected a non-empty list of strings, got {value}").format(
            where=where, value=json.dumps(value)))
        return []
    return value


def parse_requirements(doc: Any, sc: Scenario, principal_refs: dict[str, str], actions: list[str],
                       source: str = "requirements") -> Requirements:
    """Validate a requirements document against a scenario.

    principal_refs: every name or ARN a requirement may use -> canonical principal name;
    actions: the IAM actions the universe's requests need (an action pattern matching none is an error).
    Raises :class:`RequirementsError` listing every problem.
    """
    from ..engine.matching import action_matches

    problems: list[str] = []
    if not isinstance(doc, dict):
        raise RequirementsError(source, [_("the file must hold a JSON object with a \"requirements\" list")])
    for k in doc:
        if k not in _TOP_KEYS:
            problems.append(_("unknown top-level field {field}").format(field=repr(k))
                            + _suggest(k, sorted(_TOP_KEYS)))
    _check_texts(doc, ("description_ko",), "", problems)
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT and fmt not in OLD_FORMATS:
        problems.append(_("format: expected {expected}, got {found}").format(expected=repr(FORMAT),
                                                                            found=repr(doc.get("format"))))
    vars_ = builtin_vars(sc)
    user_vars = doc.get("vars", {})
    if not isinstance(user_vars, dict) or not all(isinstance(v, str) for v in user_vars.values()):
        problems.append(_("vars: expected an object of NAME -> string"))
    else:
        vars_.update({k: _subst(v, vars_, f"vars.{k}", problems) for k, v in user_vars.items()})
    trusted, notes = _trusted(doc, fmt, principal_refs, vars_, problems)
    reqs_raw = doc.get("requirements")
    if not isinstance(reqs_raw, list) or not reqs_raw:
        problems.append(_("requirements: expected a non-empty list"))
        raise RequirementsError(source, problems)
    out: list[Requirement] = []
    seen: set[str] = set()
    for i, raw in enumerate(reqs_raw):
        rid = raw.get("id") if isinstance(raw, dict) else None
        where = f"requirements[{i}]" + (f" ({rid})" if rid else "")
        if not isinstance(raw, dict):
            problems.append(_("{where}: expected an object").format(where=where))
            continue
        n_before = len(problems)
        for k in raw:
            if k not in _REQ_KEYS:
                problems.append(_("{where}: unknown field {field}").format(where=where, field=repr(k))
                                + _suggest(k, sorted(_REQ_KEYS)))
        for k in ("id", "title", "principals", "actions", "resources"):
            if k not in raw:
                problems.append(_("{where}: missing field {field}").format(where=where, field=repr(k)))
        _check_texts(raw, ("title_ko", "source_ko", "note_ko"), where, problems)
        if not isinstance(rid, str) or not rid:
            problems.append(_("{where}.id: expected a non-empty string").format(where=where))
        elif rid in seen:
            problems.append(_("{where}.id: duplicate id {id}").format(where=where, id=repr(rid)))
        seen.add(rid if isinstance(rid, str) else "")
        r = _subst(raw, vars_, where, problems)
        # principals
        p = r.get("principals", "*")
        excluded = False
        if isinstance(p, dict):
            if set(p) != {"except"}:
                problems.append(_("{where}.principals: an object must be {{\"except\": [...]}}, got keys {keys}")
                                .format(where=where, keys=sorted(p)))
            p = p.get("except", [])
            excluded = True
        names: list[str] = []
        if p == "*" or p == ["*"]:
            names = ["*"]
        else:
            for ref in _str_list(p, f"{where}.principals", problems):
                if ref == "*":
                    names.append("*")
                elif ref in principal_refs:
                    names.append(principal_refs[ref])
                else:
                    known = sorted({k for k in principal_refs})
                    problems.append(_("{where}.principals: {name} is not a principal of this scenario's universe "
                                      "(use a profile name, a principal ARN or 'anonymous'; known: {known})").format(
                        where=where, name=repr(ref), known=", ".join(known)) + _suggest(ref, known))
        # actions
        acts = _str_list(r.get("actions"), f"{where}.actions", problems)
        for a in acts:
            if not _ACTION.match(a):
                problems.append(_("{where}.actions: {action} is not an s3:/kms: action (e.g. 's3:PutObject', "
                                  "'kms:Decrypt')").format(where=where, action=repr(a)))
            elif not any(action_matches(a, x) for x in actions):
                problems.append(_("{where}.actions: {action} matches no request the checker enumerates (actions it "
                                  "decides: {known})").format(where=where, action=repr(a),
                                                              known=", ".join(sorted(set(actions))))
                                + _suggest(a, sorted(set(actions))))
        # resources
        res = _str_list(r.get("resources"), f"{where}.resources", problems)
        for x in res:
            if not (x == "*" or x.startswith("arn:")):
                problems.append(_("{where}.resources: {resource} is not an ARN pattern (e.g. "
                                  "'arn:aws:s3:::my-bucket/*')").format(where=where, resource=repr(x)))
        # when
        when: list[tuple[str, tuple[Any, ...]]] = []
        w = r.get("when", {})
        if not isinstance(w, dict):
            problems.append(_("{where}.when: expected an object of property -> value or list of values")
                            .format(where=where))
            w = {}
        for prop, vals in w.items():
            if prop not in PROPERTIES:
                problems.append(_("{where}.when: unknown request property {property} (known: {known})").format(
                    where=where, property=repr(prop), known=", ".join(PROPERTIES)) + _suggest(prop, list(PROPERTIES)))
                continue
            vals = vals if isinstance(vals, list) else [vals]
            for v in vals:
                if v not in PROPERTIES[prop]:
                    problems.append(_("{where}.when.{property}: {value} is not one of {known}").format(
                        where=where, property=prop, value=json.dumps(v),
                        known=", ".join(json.dumps(x) for x in PROPERTIES[prop])))
            when.append((prop, tuple(vals)))
        # expect
        e = r.get("expect", "denied")
        expect, algorithms, key = "denied", (), ""
        if isinstance(e, str):
            if e not in EXPECTS:
                problems.append(_("{where}.expect: {value} is not one of \"denied\", \"allowed\" or "
                                  "{{\"encryption\": {{...}}}}").format(where=where, value=repr(e))
                                + _suggest(e, list(EXPECTS)))
            expect = e
        elif isinstance(e, dict) and set(e) == {"encryption"} and isinstance(e["encryption"], dict):
            enc = e["encryption"]
            expect = "encryption"
            bad = set(enc) - {"algorithm", "key"}
            if bad:
                problems.append(_("{where}.expect.encryption: unknown field(s) {fields} (use 'algorithm' and 'key')")
                                .format(where=where, fields=sorted(bad)))
            algs = enc.get("algorithm", ["aws:kms"])
            algorithms = tuple(algs if isinstance(algs, list) else [algs])
            for a in algorithms:
                if a not in ("AES256", "aws:kms", "aws:kms:dsse"):
                    problems.append(_("{where}.expect.encryption.algorithm: {algorithm} is not AES256, aws:kms or "
                                      "aws:kms:dsse").format(where=where, algorithm=repr(a)))
            key = enc.get("key", "")
            if key and not (isinstance(key, str) and key.startswith("arn:aws:kms:") and ":key/" in key):
                problems.append(_("{where}.expect.encryption.key: {key} must be a key ARN "
                                  "(arn:aws:kms:REGION:ACCOUNT:key/KEY-ID): S3 reports the key used as an ARN")
                                .format(where=where, key=repr(key)))
            if not all(x == "*" or x.startswith("arn:aws:s3:::") for x in res):
                problems.append(_("{where}.expect: an encryption expectation is about S3 objects; its resources must "
                                  "be S3 ARNs").format(where=where))
        else:
            problems.append(_("{where}.expect: expected \"denied\", \"allowed\" or {{\"encryption\": {{...}}}}, "
                              "got {value}").format(where=where, value=json.dumps(e)))
        if len(problems) > n_before:
            continue
        out.append(Requirement(id=rid, title=r.get("title", ""), source=r.get("source", ""), principals=tuple(names),
                               except_principals=excluded, actions=tuple(acts), resources=tuple(res),
                               when=tuple(when), expect=expect, algorithms=algorithms, key=key,
                               note=r.get("note", ""), spec=raw, title_ko=r.get("title_ko", ""),
                               source_ko=r.get("source_ko", ""), note_ko=r.get("note_ko", "")))
    if problems:
        raise RequirementsError(source, problems)
    description = doc.get("description", "")
    return Requirements(out, trusted, notes,
                        localized(description if isinstance(description, str) else "", doc.get("description_ko", "")))


def _check_texts(doc: dict[str, Any], names: tuple[str, ...], where: str, problems: list[str]) -> None:
    """The Korean twins of the text fields must be strings."""
    for name in names:
        if name in doc and not isinstance(doc[name], str):
            problems.append(_("{where}: expected a string, got {value}").format(
                where=f"{where}.{name}" if where else name, value=json.dumps(doc[name])))


def requirements_path(sc: Scenario) -> Path:
    return sc.path / "requirements.json"


def load_requirements(sc: Scenario, principal_refs: dict[str, str], actions: list[str],
                      path: str | Path | None = None) -> Requirements:
    """Read and validate ``requirements.json`` of the scenario (or ``path``)."""
    p = Path(path) if path else requirements_path(sc)
    if not p.exists():
        raise RequirementsError(str(p), [_("no requirements file; write one next to scenario.json (format {format})")
                                         .format(format=FORMAT)])
    try:
        doc = json.loads(p.read_text())
    except ValueError as exc:
        raise RequirementsError(str(p), [_("not valid JSON: {error}").format(error=exc)]) from None
    return parse_requirements(doc, sc, principal_refs, actions, str(p))
