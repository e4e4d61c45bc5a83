"""s3kms-lab: practise AWS S3 + KMS permissions offline, with AWS's Allow/Deny and the reason.

Layers: :mod:`s3kms_lab.engine` (pure policy evaluation) -> :mod:`s3kms_lab.endpoint` (a local AWS
endpoint: moto behind the engine) -> :mod:`s3kms_lab.lab` (start a scenario, profiles, sessions).

``Lab`` and ``load_scenario`` are loaded on first use (module ``__getattr__``), so ``import s3kms_lab.engine``
costs the engine alone, without moto or boto3.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .lab import Lab, load_scenario

from ._version import __version__

__all__ = ["Lab", "load_scenario", "__version__"]

_LAZY = {"Lab": "lab", "load_scenario": "lab"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
