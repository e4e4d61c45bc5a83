"""README.md of an imported scenario folder: where it came from, what is in it, how to edit its requirements."""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_readme"]

_EDITING = """\
## Editing the requirements

`requirements.json` is yours to change; `s3kms-lab check --scenario {out}` validates it and names any mistake.
Each requirement reads "<principals> <expect> <actions> on <resources> [when <request properties>]":

- `principals`: `"*"`, a list, or `{{"except": [...]}}`. An entry is a profile name of this folder
  ({profiles}), a principal ARN (a role ARN covers its sessions), or `anonymous`.
  To let a second role write as well: `"principals": {{"except": ["${{UPLOADER}}", "arn:aws:iam::{account}:role/OtherRole"]}}`
  (the role must be a principal of the scenario: import again with `--principal` ARN).
- `actions`: `s3:PutObject`, `s3:GetObject`, `kms:Encrypt`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKey*`.
- `resources`: ARN patterns; `${{BUCKET}}`, `${{KEY_ARN}}`, `${{KEY_ID}}`, `${{ACCOUNT}}`, `${{REGION}}` and the file's
  own `vars` (`UPLOADER`, `OBJECTS`) are substituted.
- `when`: only requests with these properties, e.g. `{{"sse": "aws:kms", "kms_key_id": "key-arn"}}`.
- `expect`: `"denied"`, `"allowed"` or `{{"encryption": {{"algorithm": "aws:kms", "key": "${{KEY_ARN}}"}}}}`.

To retarget every requirement at another role, change `vars.UPLOADER`. A requirement you do not want can be
deleted; ids must stay unique. A new import into this folder keeps your `requirements.json`.
"""


def write_readme(out: Path, spec: dict[str, Any]) -> None:
    """Write ``out/README.md`` for the imported ``spec`` (scenario.json's content)."""
    imp = spec.get("import", {})
    bucket, key = spec["buckets"][0], spec["keys"][0]
    lines = [f"# {spec['title']}", "", spec["source"], "",
             "Written by `s3kms-lab import` with read-only calls only; no access key, password or object data was "
             "read. Account ids, ARNs and policies are the account's own.", "",
             "## What is here", "",
             f"- `scenario.json`: bucket `{bucket['name']}`, key `{key['id']}`"
             + (f" (`{key['alias']}`)" if key.get("alias") else "") + ", the principals below and their lab profiles.",
             "- `key-policy.json`" + (", `bucket-policy.json`" if bucket.get("policy") else " (the bucket has no policy)")
             + ", and one file per trust policy and identity-based policy (inline, attached managed `managed-*`, "
             "and group policies `group-*`, which apply to each member).",
             "- `requirements.json`: the post's four requirements and the lab's two, for these names.", "",
             "Principals (lab profile: principal):", ""]
    for profile, p in spec["profiles"].items():
        kind = "user" if "user" in p else "role"
        acct = p.get("account", spec["account"])
        lines.append(f"- `{profile}`: arn:aws:iam::{acct}:{kind}/{p.get('user') or p.get('role')}")
    if spec.get("trusted_administrators"):
        lines += ["", "Trusted administrators: " + ", ".join(f"`{a}`" for a in spec["trusted_administrators"])]
    if imp.get("not_read"):
        lines += ["", "## Not read", ""] + [f"- {x}" for x in imp["not_read"]]
    if imp.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {x}" for x in imp["notes"]]
    lines += ["", "## Use it", "",
              f"    s3kms-lab check --scenario {out}",
              f"    s3kms-lab serve --scenario {out} --config-dir /tmp/my-lab",
              f"    s3kms-lab export --scenario {out} --format cloudformation --out template.yaml", "",
              _EDITING.format(out=out, account=spec["account"], profiles=", ".join(f"`{p}`" for p in spec["profiles"]))]
    (out / "README.md").write_text("\n".join(lines))
