"""Each teaching notebook and its jupytext source (notebooks_src/NAME.py) say the same thing.

The notebook (with outputs) is what learners run; the percent-format source is what authors edit and
review. ``make notebooks`` builds the first from the second (tools/build_notebooks.py); these tests fail
when one was changed without the other, when a notebook was committed without being executed, or when a
source no longer compiles. Found by listing the folders: a new notebook is covered without editing this file.
"""
from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("build_notebooks", REPO / "tools" / "build_notebooks.py")
build_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_notebooks)

NOTEBOOKS = sorted(str(p.relative_to(build_notebooks.NOTEBOOKS).with_suffix(""))
                   for ed in build_notebooks.EDITIONS for p in (build_notebooks.NOTEBOOKS / ed).glob("*.ipynb"))
SOURCES = build_notebooks.names()


def _read(name: str):
    return nbformat.read(build_notebooks.NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_every_notebook_has_a_source_and_every_source_a_notebook():
    assert NOTEBOOKS, "no notebooks found"
    assert set(NOTEBOOKS) - set(SOURCES) == set(), \
        "notebooks without a source: run `python tools/build_notebooks.py --sources NAME` to create it"
    assert set(SOURCES) - set(NOTEBOOKS) == set(), "sources without a notebook: run `make notebooks`"


@pytest.mark.parametrize("name", SOURCES)
def test_notebook_and_its_source_agree(name):
    expected = build_notebooks.source_text(_read(name))
    actual = (build_notebooks.SOURCES / f"{name}.py").read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True),
                                        f"notebooks_src/{name}.py", f"from notebooks/{name}.ipynb", n=1))
    assert actual == expected, (f"notebooks/{name}.ipynb and notebooks_src/{name}.py disagree: edited the "
                                f"source? `make notebooks NB={name}`; edited the notebook? "
                                f"`python tools/build_notebooks.py --sources {name}`\n{diff[:3000]}")


@pytest.mark.parametrize("name", SOURCES)
def test_source_compiles(name):
    path = build_notebooks.SOURCES / f"{name}.py"
    compile(path.read_text(encoding="utf-8"), str(path), "exec")  # raises SyntaxError naming the line


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_was_executed_top_to_bottom_with_unique_cell_ids(name):
    nb = _read(name)
    ids = [cell.get("id") for cell in nb.cells]
    assert None not in ids and len(set(ids)) == len(ids), f"{name}: missing or repeated cell ids {ids}"
    counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), \
        f"{name}: execution counts {counts}; run `make notebooks NB={name}` so outputs come from one run"
    errors = [f"cell {i}: {o.get('ename')}" for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for o in cell.outputs if o.get("output_type") == "error"]
    assert not errors, f"{name}: error outputs committed: {errors}"


@pytest.mark.parametrize("edition", list(build_notebooks.EDITIONS))
def test_readme_shows_the_map_of_the_notebooks_as_they_are(edition):
    path = build_notebooks.EDITIONS[edition]
    readme = path.read_text(encoding="utf-8")
    assert readme == build_notebooks.readme_with_map(readme, edition), \
        f"{path.name}'s notebook map is out of date: run `make notebooks` (it rewrites the map)"
