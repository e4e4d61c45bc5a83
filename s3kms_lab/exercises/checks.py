"""The verdict every exercise check returns (notebooks 02-08): ``ok`` and the sentences a learner reads,
printed as "Well done" or "Not yet" in the lab's language."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..i18n import _

__all__ = ["Check"]


@dataclass
class Check:
    """The verdict of an exercise check: ``ok`` and the sentences a learner reads."""

    ok: bool
    messages: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = _("Well done: every check passes.") if self.ok else _("Not yet:")
        return "\n".join([head] + [f"  - {m}" for m in self.messages])

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython display
        p.text(str(self))
