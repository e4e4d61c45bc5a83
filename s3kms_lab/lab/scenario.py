"""Scenarios: the resources, principals and policies a lab starts with, read from ``data/scenarios/NAME``.

A scenario folder holds ``scenario.json`` plus the policy files it names. Policies are kept verbatim
(the seed post's three policies are byte-for-byte the post's), except that the post's placeholder key
ARN (``key/abcd-efgh-ijkl``, not a valid key id) is replaced by the lab's key ARN when loaded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Scenario", "load_scenario", "scenario_dir", "DATA_DIR"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "scenarios"


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


def scenario_dir(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.is_dir():
        return p
    d = DATA_DIR / name_or_path
    if not d.is_dir():
        known = ", ".join(sorted(x.name for x in DATA_DIR.iterdir() if x.is_dir()))
        raise FileNotFoundError(f"No scenario {name_or_path!r} (known: {known}; or give a folder path)")
    return d


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
            raise ValueError(f"{f}: not valid JSON ({exc})") from None
        sc.policies[f.name] = text
    return sc
