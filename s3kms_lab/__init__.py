"""s3kms-lab: practise AWS S3 + KMS permissions offline, with AWS's Allow/Deny and the reason.

Layers: :mod:`s3kms_lab.engine` (pure policy evaluation) -> :mod:`s3kms_lab.endpoint` (a local AWS
endpoint: moto behind the engine) -> :mod:`s3kms_lab.lab` (start a scenario, profiles, sessions).
"""
from ._version import __version__
from .lab import Lab, load_scenario

__all__ = ["Lab", "load_scenario", "__version__"]
