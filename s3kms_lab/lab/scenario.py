"""Scenarios: the resources, principals and policies a lab starts with.

Named scenarios ship inside the package (``s3kms_lab/scenarios/NAME``; ``data/scenarios`` in a clone links
there) and are found with :mod:`importlib.resources`, so an installed wheel works from any directory; a
folder path works too.

A scenario folder holds ``scenario.json`` plus the policy files it names. Policies are kept verbatim
(the seed post's three policies are byte-for-byte the post's), except that the post's placeholder key
ARN (``key/abcd-efgh-ijkl``, not a valid key id) is replaced by the lab's key ARN when loaded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..i18n import _

__all__ = ["Scenario", "load_scenario", "scenario_dir", "scenario_names", "DATA_DIR"]

# The package's scenarios folder. Packages install as plain files (wheel, editable or conda), so the
# Traversable importlib.resources returns is a file-system path.
DATA_DIR = Path(str(resources.files("s3kms_lab") / "scenarios"))


@dataclass
class Scenario:
    """A loaded scenario. ``spec`` is scenario.json; ``policies`` maps file name -> policy text (placeholder
    substituted); ``key_arns`` maps key id -> ARN; ``substitutions`` lists (placeholder, replacement)."""

    name: str
    path: Path
    spec: dict[str, Any]
    policies: dict[str, str] = field(default_factory=dict)
    substitutions: list[tuple[str, str]] = field(default_factory=list)

    @property
    def account(self) -> str:
        return self.spec["account"]

    @property
    def region(self) -> str:
        return self.spec["region"]

    def key_arn(self, key: dict[str, Any]) -> str:
        return f"arn:aws:kms:{self.region}:{key.get('account', self.account)}:key/{key['id']}"

    @property
    def main_key_arn(self) -> str:
        return self.key_arn(self.spec["keys"][0])

    def policy_text(self, ref: str | dict[str, Any]) -> str:
        """Policy text for a file reference or an inline document."""
        if isinstance(ref, dict):
            return json.dumps(ref, indent=2)
        return self.policies[ref]


def scenario_names() -> list[str]:
    """Names of the scenarios shipped with the package, sorted."""
    return sorted(x.name for x in DATA_DIR.iterdir() if (x / "scenario.json").is_file())


def scenario_dir(name_or_path: str) -> Path:
    """The folder of a shipped scenario name, or ``name_or_path`` itself if it is a folder.

    Raises FileNotFoundError naming the known scenarios."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    if name_or_path in scenario_names():
        return DATA_DIR / name_or_path
    raise FileNotFoundError(_("No scenario {name} (known: {known}; or give a folder path)")
                            .format(name=repr(name_or_path), known=", ".join(scenario_names())))


def load_scenario(name_or_path: str = "seed") -> Scenario:
    """Read a scenario folder. Raises FileNotFoundError / ValueError naming the missing or bad file."""
    d = scenario_dir(name_or_path)
    spec = json.loads((d / "scenario.json").read_text())
    sc = Scenario(spec.get("name", d.name), d, spec)
    placeholder = spec.get("placeholder_key_arn")
    replacement = next((sc.key_arn(k) for k in spec.get("keys", []) if k.get("replaces_placeholder")), None)
    if placeholder and replacement:
        sc.substitutions.append((placeholder, replacement))
    for f in sorted(d.glob("*.json")):
        if f.name == "scenario.json":
            continue
        text = f.read_text()
        for old, new in sc.substitutions:
            text = text.replace(old, new)
        try:
            json.loads(text)
        except ValueError as exc:
            raise ValueError(_("{file}: not valid JSON ({error})").format(file=f, error=exc)) from None
        sc.policies[f.name] = text
    return sc
