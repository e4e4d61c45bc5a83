"""Build the teaching notebooks from their jupytext sources and execute them, so outputs are committed.

    python tools/build_notebooks.py                   # every notebooks_src/*.py -> notebooks/*.ipynb
    python tools/build_notebooks.py 03_key_policy     # one (a name, a source path or a notebook path)
    python tools/build_notebooks.py ko/03_key_policy  # its Korean twin (notebooks_src/ko -> notebooks/ko)
    python tools/build_notebooks.py --sources         # the other way: notebooks/*.ipynb -> notebooks_src/*.py

The pairing (``notebooks/NAME.ipynb`` <-> ``notebooks_src/NAME.py``, percent format) is jupytext's, read
from ``jupytext.toml`` (https://jupytext.readthedocs.io/en/latest/config.html). Building takes the cell text
and cell metadata (e.g. ``nbval-ignore-output``) from the source and keeps the id of every cell jupytext
matches to a cell of the committed notebook, so ids stay stable across rebuilds and edits; then nbclient runs
the notebook top to bottom with the ``s3kms-lab`` kernel (the kernel nbval uses in ``make test``) with
``notebooks/`` as the working directory, as a learner's Jupyter would. Last, the README's notebook map is
rewritten from the notebooks' ``metadata.s3kms`` (s3kms_lab/widgets/notebook_map.py). Raises nbclient's
``CellExecutionError`` (naming the cell) when a cell fails; nothing is written then.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml
from jupytext.combine import combine_inputs_with_outputs
from jupytext.config import load_jupytext_config
from nbclient import NotebookClient

from s3kms_lab.widgets.notebook_map import map_markdown

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SOURCES = REPO / "notebooks_src"
SOURCE_FORMAT = "py:percent"
README = REPO / "README.md"
#: Each edition: its notebook folder below notebooks/ ("" for English) and the README that maps it.
EDITIONS = {"": REPO / "README.md", "ko": REPO / "README.ko.md"}
README_BEGIN = "<!-- notebook map: written by `make notebooks` from each notebook's metadata.s3kms -->"
README_END = "<!-- end of notebook map -->"
KERNEL = "s3kms-lab"
CELL_TIMEOUT_S = 600


def config():
    """jupytext's configuration of this repository (the pairing and the header filter)."""
    return load_jupytext_config(str(REPO))


def names(edition: str | None = None) -> list[str]:
    """Every notebook that has a source, in order: ``NAME`` (English) and ``ko/NAME`` (Korean); only one
    edition's when ``edition`` is given ("" or "ko")."""
    chosen = EDITIONS if edition is None else [edition]
    return [f"{ed}/{p.stem}" if ed else p.stem for ed in chosen for p in sorted((SOURCES / ed).glob("*.py"))]


def source_text(nb) -> str:
    """The paired source text of a notebook: what jupytext writes for it under this repo's config, with the
    header's YAML in plain UTF-8: jupytext dumps it with PyYAML's default ``allow_unicode=False``, which
    turns the Korean edition's ``summary`` into ``\\uXXXX`` escapes no reviewer can read."""
    dump = yaml.safe_dump
    yaml.safe_dump = functools.partial(dump, allow_unicode=True)  # jupytext.header calls yaml.safe_dump
    try:
        return jupytext.writes(nb, fmt=SOURCE_FORMAT, config=config())
    finally:
        yaml.safe_dump = dump


def build(name: str, execute: bool = True) -> Path:
    """notebooks_src/NAME.py -> notebooks/NAME.ipynb, executed. Returns the notebook's path."""
    src, out = SOURCES / f"{name}.py", NOTEBOOKS / f"{name}.ipynb"
    nb = jupytext.read(src, fmt=SOURCE_FORMAT, config=config())
    if out.exists():  # keep the ids (and, until executed, the outputs) of the cells jupytext matches
        nb = combine_inputs_with_outputs(nb, nbformat.read(out, as_version=4), fmt=SOURCE_FORMAT)
    nb.metadata.pop("jupytext", None)  # the pairing lives in jupytext.toml, not in each notebook
    if execute:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                cell.metadata.pop("execution", None)
        NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name=KERNEL, record_timing=False,
                       resources={"metadata": {"path": str(out.parent)}}).execute()
    nbformat.validate(nb)
    nbformat.write(nb, out)
    # Rewrite the source in jupytext's own layout (e.g. how it wraps a long header line), so the pair agrees
    # exactly; the content is the source's.
    canonical = source_text(nb)
    if src.read_text(encoding="utf-8") != canonical:
        src.write_text(canonical, encoding="utf-8")
    return out


def write_source(name: str) -> Path:
    """notebooks/NAME.ipynb -> notebooks_src/NAME.py (after editing a notebook in Jupyter)."""
    out = SOURCES / f"{name}.py"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(source_text(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)), encoding="utf-8")
    return out


def readme_with_map(readme: str, edition: str = "") -> str:
    """README text with the notebook map (between README_BEGIN and README_END) rebuilt from the edition's
    notebooks (notebooks/ or notebooks/ko/). Raises ValueError when the markers are missing."""
    head, sep, rest = readme.partition(README_BEGIN)
    _, sep2, tail = rest.partition(README_END)
    if not (sep and sep2):
        raise ValueError(f"{EDITIONS[edition].name} lacks the lines {README_BEGIN!r} ... {README_END!r}")
    return f"{head}{README_BEGIN}\n{map_markdown(NOTEBOOKS / edition, lang=edition or 'en')}\n{README_END}{tail}"


def _name(arg: str) -> str:
    """``03_key_policy``, ``notebooks/ko/03_key_policy.ipynb``, ``notebooks_src/ko/03_key_policy.py`` ->
    ``03_key_policy`` / ``ko/03_key_policy``."""
    path = Path(arg)
    edition = next((ed for ed in EDITIONS if ed and ed in path.parent.parts), "")
    return f"{edition}/{path.stem}" if edition else path.stem


def main(argv: list[str] | None = None) -> int:
    # The kernels inherit this: English notebooks are built in English whatever the author's locale (a Korean
    # notebook chooses Korean itself, with Lab(..., lang="ko") or set_language("ko")).
    os.environ["S3KMS_LAB_LANG"] = "en"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="names (03_key_policy) or paths; default: all")
    parser.add_argument("--sources", action="store_true",
                        help="write notebooks_src/*.py from the notebooks instead of building the notebooks")
    args = parser.parse_args(argv)
    if args.sources:
        for name in map(_name, args.notebooks) if args.notebooks else [
                f"{ed}/{p.stem}" if ed else p.stem for ed in EDITIONS for p in sorted((NOTEBOOKS / ed).glob("*.ipynb"))]:
            print(write_source(name))
        return 0
    for name in map(_name, args.notebooks) if args.notebooks else names():
        if not (SOURCES / f"{name}.py").exists():
            parser.error(f"no source notebooks_src/{name}.py (known: {', '.join(names())})")
        print(build(name), flush=True)
    for edition, readme in EDITIONS.items():
        if readme.exists() and any((NOTEBOOKS / edition).glob("*.ipynb")):
            readme.write_text(readme_with_map(readme.read_text(encoding="utf-8"), edition), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
