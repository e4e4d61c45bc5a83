"""Build a notebook from a list of (kind, source) cells and execute it in place so outputs are committed.

    python tools/notebook_builder.py notebooks/src/05_uploading.py

A source file defines ``CELLS = [("md", "..."), ("code", "..."), ...]`` and ``NAME``. Executing uses the
``s3kms-lab`` kernel (nbclient), the same kernel nbval uses in ``make test``.
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNEL = {"display_name": "s3kms-lab (Python)", "language": "python", "name": "s3kms-lab"}


def build(src: Path, execute: bool = True) -> Path:
    ns = runpy.run_path(str(src))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    for kind, text in ns["CELLS"]:
        text = text.strip("\n")
        cell = nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text)
        if kind == "lax":
            cell = nbformat.v4.new_code_cell(text, metadata={"nbval-ignore-output": True})
        nb.cells.append(cell)
    out = src.resolve().parents[1] / f"{ns['NAME']}.ipynb"
    if execute:
        NotebookClient(nb, timeout=300, kernel_name=KERNEL["name"],
                       resources={"metadata": {"path": str(out.parent)}}).execute()
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        if cell.cell_type == "code":
            for o in cell.outputs:
                if "execution_count" in o:
                    o["execution_count"] = cell.execution_count
    nbformat.write(nb, out)
    return out


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(build(Path(arg)))
