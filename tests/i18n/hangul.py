"""What the Korean-edition tests call Korean: Hangul syllables (U+AC00-U+D7A3); the notebook and README prose
checks also count conjoining and compatibility jamo as Hangul letters."""
from __future__ import annotations

import re

HANGUL = re.compile(r"[\uac00-\ud7a3]")
HANGUL_LETTERS = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


def hangul(text: str) -> bool:
    """Whether ``text`` holds at least one Hangul syllable."""
    return bool(HANGUL.search(text))
