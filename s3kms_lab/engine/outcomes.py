"""The three answers a decision can give, with the IAM policy simulator's names for them.

``EvalDecision`` values: https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
Kept apart so that both the evaluator and the explainer use them without importing each other.
"""
from __future__ import annotations

__all__ = ["ALLOWED", "EXPLICIT_DENY", "IMPLICIT_DENY"]

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"
