"""Who and what a scenario's teaching code talks about: its bucket, key, role and the part each profile plays.

Widgets never name ``my-secure-bucket`` or ``uploader``: they ask :class:`Cast` for the scenario's bucket,
key alias, role and the profile that plays each part, so the same widgets teach any scenario folder.

The parts are read from ``scenario.json``:

- ``role_user``: the first profile that assumes a role (``"role": ...``) of the scenario's account;
- ``outsider``: the first user profile of another account;
- ``admin``: the first same-account user profile with an inline policy allowing ``*`` on ``*``;
- ``insider``: the first other same-account user profile with an inline policy;
- ``no_policy``: the first same-account user profile with no policy.

A scenario may name them itself with ``"cast": {"admin": "ops", "role_user": "writer", ...}`` (it wins).
This is bookkeeping of names, not a decision: who may do what is always the lab's evaluation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..i18n import _

__all__ = ["Cast", "PARTS"]

#: The parts, in the order decision tables list the profiles playing them.
PARTS = ("role_user", "insider", "no_policy", "outsider", "admin")


def _statements(doc: Any) -> list[Mapping[str, Any]]:
    sts = doc.get("Statement", []) if isinstance(doc, Mapping) else []
    return [sts] if isinstance(sts, Mapping) else list(sts)


def _allows_everything(policies: Mapping[str, Any]) -> bool:
    for doc in policies.values():
        for st in _statements(doc):
            actions = st.get("Action")
            actions = [actions] if isinstance(actions, str) else list(actions or [])
            if st.get("Effect") == "Allow" and "*" in actions and st.get("Resource") in ("*", ["*"]):
                return True
    return False


@dataclass(frozen=True)
class Cast:
    """The names a scenario's teaching code uses.

    bucket: the first bucket's name; key_alias / key_arn: the first key's alias (``alias/...``, "" if none)
    and ARN; role / role_arn / role_policy: the first role's name, ARN and first inline policy name ("" if
    none); parts: part -> profile name (see the module docstring); principals: every profile, the ones
    playing a part first in :data:`PARTS` order.
    """

    account: str
    bucket: str
    key_arn: str
    key_alias: str
    role: str
    role_arn: str
    role_policy: str
    parts: Mapping[str, str]
    principals: tuple[str, ...]

    @classmethod
    def from_scenario(cls, scenario: Any) -> "Cast":
        """From a loaded :class:`~s3kms_lab.lab.scenario.Scenario`. Raises ValueError naming what is missing
        (a scenario without a bucket or a key, or a ``cast`` naming an unknown profile)."""
        spec, account = scenario.spec, scenario.account
        if not spec.get("buckets") or not spec.get("keys"):
            raise ValueError(_("scenario {scenario!r} needs at least one bucket and one key for the widgets")
                             .format(scenario=scenario.name))
        key = spec["keys"][0]
        role = (spec.get("roles") or [{}])[0]
        role_account = role.get("account", account)
        users = {u["name"]: u for u in spec.get("users", [])}
        profiles: Mapping[str, Mapping[str, Any]] = spec.get("profiles", {})

        found: dict[str, str] = {}

        def claim(part: str, profile: str) -> None:
            if part not in found and profile not in found.values():
                found[part] = profile

        for name, prof in profiles.items():
            if "role" in prof:
                claim("role_user", name)
                continue
            user = users.get(prof.get("user", ""), {})
            policies = user.get("policies", {}) or {}
            if user.get("account", account) != account:
                claim("outsider", name)
            elif _allows_everything(policies):
                claim("admin", name)
        for name, prof in profiles.items():
            user = users.get(prof.get("user", ""), {})
            if "role" in prof or user.get("account", account) != account or name in found.values():
                continue
            claim("insider" if user.get("policies") else "no_policy", name)
        for part, name in (spec.get("cast") or {}).items():
            if part not in PARTS:
                raise ValueError(_("scenario {scenario!r}: cast names an unknown part {part!r} (parts: {parts})")
                                 .format(scenario=scenario.name, part=part, parts=PARTS))
            if name not in profiles:
                raise ValueError(_("scenario {scenario!r}: cast {part!r} names an unknown profile {profile!r}")
                                 .format(scenario=scenario.name, part=part, profile=name))
            found[part] = name
        ordered = [found[p] for p in PARTS if p in found]
        principals = tuple(dict.fromkeys(ordered + list(profiles)))
        return cls(account=account, bucket=spec["buckets"][0]["name"], key_arn=scenario.key_arn(key),
                   key_alias=key.get("alias", ""), role=role.get("name", ""),
                   role_arn=f"arn:aws:iam::{role_account}:role/{role['name']}" if role.get("name") else "",
                   role_policy=next(iter(role.get("policies") or {}), ""), parts=dict(found), principals=principals)

    @classmethod
    def of(cls, lab: Any) -> "Cast":
        """The cast of a :class:`~s3kms_lab.lab.Lab`'s scenario."""
        return cls.from_scenario(lab.scenario)

    def part(self, name: str) -> str:
        """The profile playing ``name`` (one of :data:`PARTS`). Raises LookupError when no profile does."""
        try:
            return self.parts[name]
        except KeyError:
            raise LookupError(_("no profile of this scenario plays the part {part!r}; "
                                "name it in scenario.json: \"cast\": {{\"{part}\": \"<profile>\"}}")
                              .format(part=name)) from None

    @property
    def admin(self) -> str:
        return self.part("admin")

    @property
    def role_user(self) -> str:
        return self.part("role_user")

    @property
    def insider(self) -> str:
        return self.part("insider")

    @property
    def objects_arn(self) -> str:
        """``arn:aws:s3:::BUCKET/*``."""
        return f"arn:aws:s3:::{self.bucket}/*"
