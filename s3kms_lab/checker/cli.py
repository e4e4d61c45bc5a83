"""``s3kms-lab check [--scenario NAME|PATH] [--json]``: exit 0 when every requirement holds, 1 when any
is violated, 2 when the scenario or its requirements file cannot be used."""
from __future__ import annotations

import argparse
import json
import sys

from ..i18n import _

__all__ = ["run", "main"]


def run(scenario: str, as_json: bool, requirements: str | None = None, limit: int = 3) -> int:
    """Check ``scenario`` and print the report (text, or JSON with ``as_json``). Returns the exit code."""
    from .check import check
    from .requirements import RequirementsError
    try:
        report = check(scenario, requirements=requirements, limit=limit)
    except (FileNotFoundError, RequirementsError, ValueError) as exc:  # ValueError: malformed scenario files
        print(_("s3kms-lab check: {error}").format(error=exc), file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.text())
    return 0 if report.holds else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m s3kms_lab.checker",
                                     description=_("Prove or refute a scenario's requirements."))
    parser.add_argument("--scenario", default="seed")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--requirements", default=None, help=_("a requirements file (default: the scenario's)"))
    parser.add_argument("--limit", type=int, default=3, help=_("counterexamples per requirement"))
    args = parser.parse_args(argv)
    return run(args.scenario, args.json, args.requirements, args.limit)
