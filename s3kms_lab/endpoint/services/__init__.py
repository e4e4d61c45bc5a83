"""Per-service behaviour, one module per service (the way moto keeps a folder per service).

Each module plans its service's calls (:func:`plan` turns a :class:`~s3kms_lab.endpoint.decide.Call` and
its operation-table row into a :class:`~s3kms_lab.endpoint.planner.Plan`) and describes its calls for the
trail (``request_parameters`` / ``response_elements``). :data:`SERVICES` maps a service name to its module.
"""
from __future__ import annotations

from types import ModuleType

from . import iam, kms, s3, sts

__all__ = ["SERVICES"]

SERVICES: dict[str, ModuleType] = {"s3": s3, "kms": kms, "iam": iam, "sts": sts}
