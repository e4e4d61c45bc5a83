"""The authorization engine: pure functions over typed policies and a request context.

Layers (parse -> validate -> evaluate -> explain), no I/O and no moto:
- :mod:`.policy` parses and validates policy documents (AWS error codes per policy type);
- :mod:`.conditions`, :mod:`.matching`, :mod:`.variables` implement the Condition operators,
  wildcard matching and policy variables;
- :mod:`.evaluate` decides a request (:func:`authorize`);
- :mod:`.explain` explains a decision on demand.
"""
from .evaluate import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Decision, PolicySet, Request, authorize
from .policy import MalformedPolicyError, Policy, PolicyKind, Statement, parse_policy
from .principal import Caller, caller_from_arn

__all__ = ["ALLOWED", "EXPLICIT_DENY", "IMPLICIT_DENY", "Decision", "PolicySet", "Request", "authorize",
           "MalformedPolicyError", "Policy", "PolicyKind", "Statement", "parse_policy", "Caller", "caller_from_arn"]
