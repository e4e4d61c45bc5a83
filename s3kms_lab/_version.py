"""The single source of the package version (pyproject.toml reads it; `s3kms-lab --version` prints it)."""
__version__ = "0.3.0"
