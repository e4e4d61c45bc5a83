"""The ``import`` and ``export`` subcommands of ``s3kms-lab`` (argument parsing and printing only).

Exit codes: 0 done; 1 the import is incomplete (a call needed for a faithful scenario did not answer; each is
named with the IAM action it needs) and nothing was written; 2 bad arguments, unknown scenario or profile.
"""
from __future__ import annotations

import argparse
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..i18n import _

__all__ = ["add_import_parser", "add_export_parser", "run_import", "run_export"]

# Package data (read with importlib.resources, so it is found in an installed wheel as in a clone).
POLICY_FILE = Path(str(files("s3kms_lab.account") / "import-readonly-policy.json"))


def add_import_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("import", help=_("read a live bucket, key and role (read-only) into a scenario folder"),
                       description=_("Read a bucket, a KMS key and an IAM role with read-only calls through an AWS "
                                     "profile and write a scenario folder that check, serve and the notebooks accept. "
                                     "The least-privilege policy the import needs: {file}").format(file=POLICY_FILE))
    p.add_argument("--profile", required=True, help=_("AWS profile to read with (any: a real account or the lab)"))
    p.add_argument("--bucket", required=True)
    p.add_argument("--key", required=True, help=_("key id, alias name (alias/NAME), alias ARN or key ARN"))
    p.add_argument("--role", required=True, help=_("name of the role that uploads (in the profile's account)"))
    p.add_argument("--admin", action="append", default=[], required=True, metavar="PRINCIPAL_ARN",
                   help=_("a trusted administrator (user or role ARN); repeat for more"))
    p.add_argument("--principal", action="append", default=[], metavar="PRINCIPAL_ARN",
                   help=_("another user or role to import and check; repeat for more"))
    p.add_argument("--out", required=True, help=_("the scenario folder to write (new, or an earlier import's)"))
    p.add_argument("--region", default=None, help=_("region of the key (default: the profile's)"))
    return p


def add_export_parser(sub: Any) -> argparse.ArgumentParser:
    from .export import FORMATS
    p = sub.add_parser("export", help=_("write a scenario as a CloudFormation template or AWS CLI commands"))
    p.add_argument("--scenario", required=True, help=_("a name under data/scenarios or a folder"))
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--out", default=None, help=_("file to write (default: standard output)"))
    return p


def run_import(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError
    from .importer import ImportIncomplete, import_account
    try:
        session = boto3.Session(profile_name=args.profile)
    except BotoCoreError as exc:  # unknown profile
        print(f"s3kms-lab import: {exc}", file=sys.stderr)
        return 2
    try:
        result = import_account(session, args.bucket, args.key, args.role, args.admin, args.out,
                                principals=args.principal, region=args.region)
    except ImportIncomplete as exc:
        print(f"s3kms-lab import: {exc}", file=sys.stderr)
        print(_("The least-privilege policy the import needs is {file}. A key policy must allow the KMS actions too "
                "(directly, or by delegating to the account's IAM policies).").format(file=POLICY_FILE), file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"s3kms-lab import: {exc}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0


def run_export(args: argparse.Namespace) -> int:
    from .export import export
    try:
        text = export(args.scenario, args.format)
    except (FileNotFoundError, ValueError) as exc:
        print(f"s3kms-lab export: {exc}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_text(text)
        print("# " + _("wrote {file}").format(file=args.out), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
