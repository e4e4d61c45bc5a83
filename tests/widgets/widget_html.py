"""Reading the decision-table HTML the widgets render (shared by the widget tests)."""
from __future__ import annotations

import re


def cell(html: str, principal: str, variant: str) -> str:
    """The ALLOWED/DENIED text of one table cell; fails the test when the cell is missing."""
    m = re.search(rf'<td data-principal="{principal}" data-variant="{re.escape(variant)}"[^>]*>(\w+)</td>', html)
    assert m, f"no cell {principal}/{variant}"
    return m.group(1)
