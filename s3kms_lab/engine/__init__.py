"""The authorization engine: pure functions over typed policies and a request context.

Layers (parse -> validate -> evaluate -> explain), no I/O and no moto (importing this package loads
neither moto nor boto3):
- :mod:`.policy` parses and validates policy documents (AWS error codes per policy type);
- :mod:`.conditions`, :mod:`.matching`, :mod:`.variables` implement the Condition operators,
  wildcard matching and policy variables;
- :mod:`.statements` says whether one statement applies to a request;
- :mod:`.evaluate` decides a request (:func:`authorize`);
- :mod:`.explain` explains a decision on demand (:func:`explain.explain`, :func:`explain.summarize`);
  the evaluator does not import it.
"""
from .evaluate import Decision, PolicySet, Request, authorize
from .outcomes import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY
from .policy import MalformedPolicyError, Policy, PolicyKind, Statement, parse_policy
from .principal import Caller, caller_from_arn

__all__ = ["ALLOWED", "EXPLICIT_DENY", "IMPLICIT_DENY", "Decision", "PolicySet", "Request", "authorize",
           "MalformedPolicyError", "Policy", "PolicyKind", "Statement", "parse_policy", "Caller", "caller_from_arn"]
