"""README.md of an imported scenario folder: where it came from, what is in it, how to edit its requirements.

Written in the lab's language (:mod:`s3kms_lab.i18n`); names, ARNs, commands and JSON stay as they are."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..i18n import _

__all__ = ["write_readme"]


def _editing(out: Path, account: str, profiles: str) -> str:
    """The section "Editing the requirements" (one message per paragraph or list item)."""
    return "\n".join([
        "## " + _("Editing the requirements"),
        "",
        _("`requirements.json` is yours to change; `s3kms-lab check --scenario {out}` validates it and names any "
          "mistake.\nEach requirement reads \"<principals> <expect> <actions> on <resources> [when <request "
          "properties>]\":").format(out=out),
        "",
        "- " + _("`principals`: `\"*\"`, a list, or `{{\"except\": [...]}}`. An entry is a profile name of this folder\n"
                 "  ({profiles}), a principal ARN (a role ARN covers its sessions), or `anonymous`.\n"
                 "  To let a second role write as well: `\"principals\": {{\"except\": [\"${{UPLOADER}}\", "
                 "\"arn:aws:iam::{account}:role/OtherRole\"]}}`\n"
                 "  (the role must be a principal of the scenario: import again with `--principal` ARN).")
        .format(profiles=profiles, account=account),
        "- " + _("`actions`: `s3:PutObject`, `s3:GetObject`, `kms:Encrypt`, `kms:Decrypt`, `kms:ReEncrypt*`, "
                 "`kms:GenerateDataKey*`."),
        "- " + _("`resources`: ARN patterns; `${{BUCKET}}`, `${{KEY_ARN}}`, `${{KEY_ID}}`, `${{ACCOUNT}}`, "
                 "`${{REGION}}` and the file's\n  own `vars` (`UPLOADER`, `OBJECTS`) are substituted.").format(),
        "- " + _("`when`: only requests with these properties, e.g. `{{\"sse\": \"aws:kms\", \"kms_key_id\": "
                 "\"key-arn\"}}`.").format(),
        "- " + _("`expect`: `\"denied\"`, `\"allowed\"` or `{{\"encryption\": {{\"algorithm\": \"aws:kms\", \"key\": "
                 "\"${{KEY_ARN}}\"}}}}`.").format(),
        "",
        _("`trusted_administrators` lists the principals whose power to change policies you accept (the `--admin`\n"
          "principals of the import); the checker checks every other principal, including what it could do by "
          "changing a\npolicy, a grant or a trust policy first. Keep that list short: a principal in it is never a "
          "counterexample.\nTo retarget every requirement at another role, change `vars.UPLOADER`. A requirement "
          "you do not want can be\ndeleted; ids must stay unique. A new import into this folder keeps your "
          "`requirements.json`."),
        "",
    ])


def write_readme(out: Path, spec: dict[str, Any], title: str | None = None, source: str | None = None,
                 not_read: list[str] | None = None, notes: list[str] | None = None) -> None:
    """Write ``out/README.md`` for the imported ``spec`` (scenario.json's content). title, source, not_read,
    notes: those of the spec in the lab's language (default: the spec's own, as scenario.json has them)."""
    imp = spec.get("import", {})
    title = spec["title"] if title is None else title
    source = spec["source"] if source is None else source
    not_read = imp.get("not_read", []) if not_read is None else not_read
    notes = imp.get("notes", []) if notes is None else notes
    bucket, key = spec["buckets"][0], spec["keys"][0]
    if key.get("alias"):
        scenario_line = _("`scenario.json`: bucket `{bucket}`, key `{key}` (`{alias}`), the principals below and their "
                          "lab profiles.").format(bucket=bucket["name"], key=key["id"], alias=key["alias"])
    else:
        scenario_line = _("`scenario.json`: bucket `{bucket}`, key `{key}`, the principals below and their lab "
                          "profiles.").format(bucket=bucket["name"], key=key["id"])
    if bucket.get("policy"):
        policies_line = _("`key-policy.json`, `bucket-policy.json`, and one file per trust policy and identity-based "
                          "policy (inline, attached managed `managed-*`, and group policies `group-*`, which apply to "
                          "each member).")
    else:
        policies_line = _("`key-policy.json` (the bucket has no policy), and one file per trust policy and "
                          "identity-based policy (inline, attached managed `managed-*`, and group policies `group-*`, "
                          "which apply to each member).")
    lines = [f"# {title}", "", source, "",
             _("Written by `s3kms-lab import` with read-only calls only; no access key, password or object data was "
               "read. Account ids, ARNs and policies are the account's own."), "",
             "## " + _("What is here"), "",
             "- " + scenario_line,
             "- " + policies_line,
             "- " + _("`requirements.json`: the post's four requirements and the lab's two, for these names."), "",
             _("Principals (lab profile: principal):"), ""]
    for profile, p in spec["profiles"].items():
        kind = "user" if "user" in p else "role"
        acct = p.get("account", spec["account"])
        lines.append(f"- `{profile}`: arn:aws:iam::{acct}:{kind}/{p.get('user') or p.get('role')}")
    if spec.get("trusted_administrators"):
        lines += ["", _("Trusted administrators: {admins}").format(
            admins=", ".join(f"`{a}`" for a in spec["trusted_administrators"]))]
    if not_read:
        lines += ["", "## " + _("Not read"), ""] + [f"- {x}" for x in not_read]
    if notes:
        lines += ["", "## " + _("Notes"), ""] + [f"- {x}" for x in notes]
    lines += ["", "## " + _("Use it"), "",
              f"    s3kms-lab check --scenario {out}",
              f"    s3kms-lab serve --scenario {out} --config-dir /tmp/my-lab",
              f"    s3kms-lab export --scenario {out} --format cloudformation --out template.yaml", "",
              _editing(out, spec["account"], ", ".join(f"`{p}`" for p in spec["profiles"]))]
    (out / "README.md").write_text("\n".join(lines))
