"""From the lab to a real account and back.

- :mod:`.importer`: ``s3kms-lab import`` reads a live bucket, key and role (read-only calls, :mod:`.calls`)
  and writes a scenario folder that ``check``, ``serve`` and the notebooks accept;
- :mod:`.export`: ``s3kms-lab export`` writes a scenario as a CloudFormation template or AWS CLI commands.
"""
from .importer import ImportIncomplete, ImportResult, import_account

__all__ = ["import_account", "ImportResult", "ImportIncomplete"]
