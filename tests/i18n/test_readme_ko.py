"""README.ko.md is README.md for a Korean reader: the same commands, Korean prose, the same notebook map markers.

Commands are compared without their comments (a comment may be translated, a command never is): every command
line of README.md's shell blocks must appear in a shell block of README.ko.md, so a command added to or changed
in the English README without its Korean twin fails here. docs/glossary.md pairs each Korean term with the
English one and the AWS documentation page that defines it.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from .hangul import HANGUL_LETTERS as HANGUL

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
README_KO = (REPO / "README.ko.md").read_text(encoding="utf-8")
GLOSSARY = REPO / "docs" / "glossary.md"

_spec = importlib.util.spec_from_file_location("build_notebooks", REPO / "tools" / "build_notebooks.py")
build_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_notebooks)

SHELL_FENCE = re.compile(r"^```(?:bash|sh|shell|console)[ \t]*\n(.*?)^```", re.S | re.M)
ANY_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LATIN = re.compile(r"[A-Za-z]")
_NOT_PROSE = [re.compile(p, re.S) for p in (r"`[^`\n]*`", r"\]\([^)]*\)", r"https?://\S+", r"<[^>]+>")]


def command_part(line: str) -> str:
    """A shell line without its comment: ``#`` starts one at the line's start or after a blank, outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def commands(markdown: str) -> list[str]:
    """Every non-empty command line of the Markdown's shell blocks, in order."""
    return [cmd for block in SHELL_FENCE.findall(markdown) for cmd in map(command_part, block.splitlines()) if cmd]


def prose(markdown: str) -> str:
    """The Markdown without code blocks, code spans, link targets, URLs and HTML comments/tags."""
    text = ANY_FENCE.sub(" ", markdown)
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    return text


def test_the_comment_is_not_part_of_the_command():
    assert command_part('make lab    # creates .venv') == "make lab"
    assert command_part("host=${AWS_ENDPOINT_URL#http://}") == "host=${AWS_ENDPOINT_URL#http://}"
    assert command_part("echo 'a # b'  # c") == "echo 'a # b'"
    assert command_part("# 1. a whole-line comment") == ""


def test_every_english_command_is_in_the_korean_readme():
    english, korean = commands(README), set(commands(README_KO))
    assert english, "no shell blocks found in README.md"
    missing = [cmd for cmd in english if cmd not in korean]
    assert not missing, f"commands of README.md missing from README.ko.md (copy them unchanged): {missing}"


def test_the_korean_readme_is_mostly_hangul():
    text = prose(README_KO)
    hangul, latin = len(HANGUL.findall(text)), len(LATIN.findall(text))
    assert hangul >= 2 * latin, f"README.ko.md prose: {hangul} Hangul vs {latin} Latin letters"
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    english_only = [p[:80] for p in paragraphs if len(LATIN.findall(p)) >= 20 and not HANGUL.search(p)]
    assert not english_only, f"README.ko.md paragraphs without Korean: {english_only}"


def test_the_korean_readme_has_the_notebook_map_markers():
    for marker in (build_notebooks.README_BEGIN, build_notebooks.README_END):
        assert f"\n{marker}\n" in f"\n{README_KO}\n", f"README.ko.md lacks the line {marker!r}"
    assert build_notebooks.EDITIONS["ko"] == REPO / "README.ko.md"
    build_notebooks.readme_with_map(README_KO, "ko")  # raises ValueError when the markers are unusable


@pytest.mark.parametrize("target", ["README.ko.md", "docs/glossary.md"])
def test_the_readmes_point_to_each_other_and_to_the_glossary(target):
    assert f"]({target})" in README, f"README.md does not link {target}"
    if target != "README.ko.md":
        assert f"]({target})" in README_KO, f"README.ko.md does not link {target}"
    assert "](README.md)" in README_KO
    assert "make lab-ko" in README and "make lab-ko" in README_KO


def test_every_glossary_row_pairs_a_korean_and_an_english_term_with_its_source():
    rows = [line for line in GLOSSARY.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| :--") and not line.startswith("| 한국어 |")]
    assert len(rows) >= 60, f"only {len(rows)} glossary rows"
    for row in rows:
        korean, english, source = [cell.strip() for cell in row.strip("|").split("|")]
        assert HANGUL.search(korean), f"no Korean term in {row!r}"
        assert LATIN.search(english) and not HANGUL.search(english), f"no English term in {row!r}"
        assert source.startswith("https://docs.aws.amazon.com/") or source.startswith("—"), \
            f"the source of {korean} is neither an AWS documentation page nor marked as the lab's own term"
    terms = {row.split("|")[1].strip() for row in rows}
    for term in ("버킷 정책", "키 정책", "명시적 거부", "암호화 컨텍스트", "보안 주체", "추적(trail)", "권한 부여(grant)",
                 "요청 컨텍스트", "신뢰하는 관리자", "반례"):
        assert term in terms, f"the glossary lacks {term}"
