"""The notebook map is read from the notebooks in a folder: one row per notebook, in name order."""
from __future__ import annotations

import json

import pytest

from s3kms_lab.widgets.notebook_map import map_markdown, notebooks_in


def _write(folder, name, meta, title="# 01 · A title"):
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [title, "\n", "text"]}],
          "metadata": {"s3kms": meta} if meta is not None else {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / f"{name}.ipynb").write_text(json.dumps(nb))


def test_one_row_per_notebook_in_name_order_with_section_and_summary(tmp_path):
    _write(tmp_path, "01_b", {"post_section": "5-6", "summary": "second"}, "# 01 · B")
    _write(tmp_path, "00_a", {"summary": "first"}, "# 00 · A")
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", "02_hidden", {"summary": "not listed"})
    infos = notebooks_in(tmp_path)
    assert [(i.name, i.title, i.section_label) for i in infos] == [("00_a", "00 · A", "-"), ("01_b", "01 · B", "§5-§6")]
    assert map_markdown(tmp_path).splitlines()[2:] == ["| `00_a.ipynb` | - | first |",
                                                        "| `01_b.ipynb` | §5-§6 | second |"]


def test_a_notebook_without_a_summary_is_named(tmp_path):
    _write(tmp_path, "03_c", None)
    with pytest.raises(ValueError, match="03_c.ipynb: metadata.s3kms.summary"):
        notebooks_in(tmp_path)
