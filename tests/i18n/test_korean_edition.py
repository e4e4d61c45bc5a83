"""The Korean edition (notebooks/ko, sources in notebooks_src/ko) is the English course in Korean.

Every English notebook has a Korean twin whose code cells are the English code cells, except at most the one
setup cell that chooses the language (``Lab(..., lang="ko")`` or ``set_language("ko")``); its prose is
Korean: at least half of each notebook's prose letters are Hangul (code spans, code blocks, URLs and HTML
aside), and no prose cell is English only. A notebook added to one edition without its twin fails here.
"""
from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest
from .hangul import HANGUL_LETTERS as HANGUL

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "notebooks_src"
ENGLISH = sorted(p.stem for p in SOURCES.glob("*.py"))
KOREAN = sorted(p.stem for p in (SOURCES / "ko").glob("*.py"))
SETS_KOREAN = re.compile(r"""lang\s*=\s*["']ko["']|set_language\(\s*["']ko["']\s*\)""")
_NOT_PROSE = [re.compile(p, re.S) for p in (r"```.*?```", r"`[^`]*`", r"\]\([^)]*\)", r"https?://\S+", r"<[^>]+>",
                                             r"\$\$.*?\$\$")]
LATIN = re.compile(r"[A-Za-z]")


def read(name: str, edition: str = ""):
    return jupytext.read(SOURCES / edition / f"{name}.py", fmt="py:percent")


def prose(text: str) -> str:
    """Markdown without what stays English on purpose: code, links' targets, URLs, HTML tags."""
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    return text


def code_cells(nb) -> list[str]:
    return [c.source.strip() for c in nb.cells if c.cell_type == "code"]


def test_every_notebook_has_its_korean_twin():
    assert ENGLISH, "no English sources found"
    assert sorted(set(ENGLISH) - set(KOREAN)) == [], "English notebooks without a Korean twin in notebooks_src/ko"
    assert sorted(set(KOREAN) - set(ENGLISH)) == [], "Korean notebooks without an English twin"


@pytest.mark.parametrize("name", KOREAN)
def test_code_cells_are_the_english_ones_but_the_language_setup(name):
    en, ko = code_cells(read(name)), code_cells(read(name, "ko"))
    assert len(en) == len(ko), f"{name}: {len(en)} English code cells, {len(ko)} Korean"
    differing = [i for i, (a, b) in enumerate(zip(en, ko)) if a != b]
    assert len(differing) <= 1, f"{name}: code cells {differing} differ from the English twin's"
    for i in differing:
        assert SETS_KOREAN.search(ko[i]) and SETS_KOREAN.sub("", ko[i]).replace(", )", ")") != ko[i], \
            f"{name}: code cell {i} differs but does not choose Korean"
    if en:
        assert any(SETS_KOREAN.search(cell) for cell in ko), \
            f"{name}: no code cell chooses Korean (Lab(..., lang=\"ko\") or set_language(\"ko\"))"


@pytest.mark.parametrize("name", KOREAN)
def test_prose_is_korean(name):
    cells = [prose(c.source) for c in read(name, "ko").cells if c.cell_type == "markdown"]
    hangul = sum(len(HANGUL.findall(c)) for c in cells)
    latin = sum(len(LATIN.findall(c)) for c in cells)
    assert hangul >= latin, f"{name}: {hangul} Hangul vs {latin} Latin prose letters (need at least half Hangul)"
    english_only = [c.strip()[:80] for c in cells if len(LATIN.findall(c)) >= 20 and not HANGUL.search(c)]
    assert not english_only, f"{name}: English-only prose cells: {english_only}"


@pytest.mark.parametrize("name", KOREAN)
def test_metadata_matches_the_english_twin(name):
    en, ko = read(name).metadata.get("s3kms", {}), read(name, "ko").metadata.get("s3kms", {})
    assert set(en) == set(ko), f"{name}: metadata.s3kms keys differ"
    assert {k: v for k, v in en.items() if k != "summary"} == {k: v for k, v in ko.items() if k != "summary"}
    if "summary" in ko:
        assert HANGUL.search(ko["summary"]), f"{name}: the Korean summary is not Korean"
