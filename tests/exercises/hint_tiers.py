"""The text an exercise check gives at the 1st, 2nd and 3rd wrong try of the same answer (issue 12's tiered hints)."""
from __future__ import annotations

from s3kms_lab.exercises.threats import reset_attempts


def tiers(check, lab, doc, exercise):
    """Run ``check(lab, doc)`` three times from a fresh attempt count for ``exercise``; each must fail."""
    reset_attempts(exercise)
    out = []
    for _ in range(3):
        c = check(lab, doc)
        assert not c.ok
        out.append(str(c))
    reset_attempts(exercise)
    return out
