"""Table-driven decision cases, one JSON file per topic in ``cases/`` (see ``engine_cases.py`` for the format).

Every case names the AWS documentation page that decides it (``source``).
"""
from __future__ import annotations

import pytest

from engine_cases import DOC_PREFIXES, all_case_files, load_file, params, run_case

TOPIC_FILES = all_case_files()


def _all_params():
    out = []
    for name in TOPIC_FILES:
        for p in params(name):
            case, fragments = p.values
            out.append(pytest.param(case, fragments, id=f"{name[:-5]}::{case['id']}"))
    return out


ALL = _all_params()


@pytest.mark.parametrize("case, fragments", ALL)
def test_case(case, fragments):
    run_case(case, fragments)


def test_corpus_size_and_sources():
    ids = [p.values[0]["id"] for p in ALL]
    assert len(ids) >= 170, f"only {len(ids)} cases"
    assert len(set(ids)) == len(ids), "case ids must be unique across files"
    for p in ALL:
        case = p.values[0]
        assert case.get("source", "").startswith(DOC_PREFIXES), f"{case['id']} needs an AWS documentation source"
        assert case.get("about"), f"{case['id']} needs an 'about' sentence"


@pytest.mark.parametrize("name", TOPIC_FILES)
def test_topic_files_are_well_formed(name):
    data = load_file(name)
    assert data["topic"] and data["cases"]
