"""The map of the teaching notebooks, read from the notebooks themselves.

Each notebook carries ``metadata.s3kms = {"post_section": "2", "summary": "..."}`` (written in the header of
its jupytext source) and starts with a ``# NN · Title`` heading. Notebook 00 and the README show the map
built here, so a new notebook appears in both by being there: no list to keep by hand. The Korean edition's
map (README.ko.md, notebooks/ko) is built by the same function from the Korean notebooks, with the table's
own words in Korean (``map_markdown(folder, lang="ko")``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..i18n import _, language

__all__ = ["NotebookInfo", "notebooks_in", "map_markdown"]


@dataclass(frozen=True)
class NotebookInfo:
    """One notebook: ``name`` is the file stem (``02_bucket_policy``); ``post_section`` e.g. ``"2"``,
    ``"5-6"`` or ``""`` (not tied to one section of the post); ``title`` is its first heading."""

    name: str
    title: str
    post_section: str
    summary: str

    @property
    def section_label(self) -> str:
        """``§2``, ``§5-§6``, or ``-``."""
        if not self.post_section:
            return "-"
        return "-".join(f"§{part}" for part in self.post_section.split("-"))


def _title(nb: dict) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", ""))
            for line in text.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def notebooks_in(folder: str | Path = ".") -> list[NotebookInfo]:
    """Every ``*.ipynb`` in ``folder`` (not its subfolders), by name. Raises ValueError naming a notebook
    that lacks ``metadata.s3kms.summary``."""
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        meta = nb.get("metadata", {}).get("s3kms", {})
        if not meta.get("summary"):
            raise ValueError(_("{notebook}: metadata.s3kms.summary is missing (set it in the source's header)")
                             .format(notebook=path.name))
        found.append(NotebookInfo(path.stem, _title(nb), str(meta.get("post_section", "")), meta["summary"]))
    return found


def map_markdown(folder: str | Path = ".", lang: str | None = None) -> str:
    """A Markdown table: notebook | post | what you do, one row per notebook in ``folder``. Its headers are in
    ``lang`` (default: the current language); the summaries are the notebooks' own."""
    if lang is not None:
        with language(lang):
            return map_markdown(folder)
    head = "| {notebook} | {post} | {summary} |".format(notebook=_("notebook"), post=_("post"),
                                                        summary=_("what you do"))
    rows = [head, "| :-- | :-- | :-- |"]  # left-aligned, headers too
    for info in notebooks_in(folder):
        rows.append(f"| `{info.name}.ipynb` | {info.section_label} | {info.summary} |")
    return "\n".join(rows)
