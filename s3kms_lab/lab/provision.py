"""Provision a scenario into moto's state (in-process, through the moto seam).

Provisioning is the lab operator's setup, done before any learner request: it writes moto's state
directly (like an administrator's CloudFormation stack would), so it is not itself authorized.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..endpoint.moto_seam import MotoState
from ..engine import MalformedPolicyError, PolicyKind, parse_policy
from ..engine.explain import policy_name
from ..i18n import _
from .scenario import Scenario

__all__ = ["Provisioned", "provision"]


@dataclass
class Provisioned:
    """What was created: access keys per IAM user (name -> (account, access key id, secret))."""

    user_keys: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def provision(state: MotoState, sc: Scenario) -> Provisioned:
    """Create the scenario's keys, buckets, roles and users; return their credentials."""
    validate_scenario_policies(sc)
    out = Provisioned()
    accounts = {sc.account} | {e.get("account", sc.account) for kind in ("users", "roles", "keys", "buckets")
                               for e in sc.spec.get(kind, [])}
    for acct in sorted(accounts):
        # moto builds an account's backends on first touch; do it now, not on a learner's click.
        state.prepare_account(acct)
    for user in sc.spec.get("users", []):
        acct = user.get("account", sc.account)
        state.create_user(acct, user["name"], sc.region)
        for pname, ref in user.get("policies", {}).items():
            state.put_user_policy(acct, user["name"], pname, sc.policy_text(ref))
        akid, secret = state.create_access_key(acct, user["name"])
        out.user_keys[user["name"]] = (acct, akid, secret)
    for role in sc.spec.get("roles", []):
        acct = role.get("account", sc.account)
        state.create_role(acct, role["name"], sc.policy_text(role["trust_policy"]), role.get("description", ""))
        for pname, ref in role.get("policies", {}).items():
            state.put_role_policy(acct, role["name"], pname, sc.policy_text(ref))
    for k in sc.spec.get("keys", []):
        acct = k.get("account", sc.account)
        key = state.create_key_with_id(acct, k["id"], sc.policy_text(k["policy"]), k.get("description", ""))
        if k.get("alias"):
            state.create_alias(key, k["alias"])
        if k.get("rotation"):
            state.enable_key_rotation(key)
        for grant in k.get("grants", []):
            # A grant allows its grantee to use the key without the key policy naming it
            # (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html); imported scenarios carry them.
            state.create_grant(key, grant["grantee"], list(grant["operations"]), grant.get("name", ""),
                               grant.get("constraints") or {}, grant.get("retiring_principal", ""))
    for b in sc.spec.get("buckets", []):
        state.create_bucket(b.get("account", sc.account), b["name"], sc.region)
        if b.get("policy"):
            state.put_bucket_policy(b["name"], sc.policy_text(b["policy"]))
        if b.get("encryption"):
            state.set_bucket_encryption(b["name"], _encryption_rule(b["encryption"], sc))
    return out


def validate_scenario_policies(sc: Scenario) -> None:
    """Parse every policy of the scenario as the kind it is used as, before anything is created, so a bad
    scenario fails at start with the policy's name and AWS's error (not on a learner's first request).
    Raises MalformedPolicyError naming the scenario file."""
    checks: list[tuple[Any, PolicyKind, str]] = []
    for user in sc.spec.get("users", []):
        checks += [(ref, PolicyKind.IDENTITY, f"policy {n} of user {user['name']}") for n, ref in user.get("policies", {}).items()]
    for role in sc.spec.get("roles", []):
        checks.append((role["trust_policy"], PolicyKind.TRUST, f"trust policy of role {role['name']}"))
        checks += [(ref, PolicyKind.IDENTITY, f"policy {n} of role {role['name']}") for n, ref in role.get("policies", {}).items()]
    checks += [(k["policy"], PolicyKind.KEY, f"key policy of {k['id']}") for k in sc.spec.get("keys", [])]
    checks += [(b["policy"], PolicyKind.BUCKET, f"bucket policy of {b['name']}") for b in sc.spec.get("buckets", [])
               if b.get("policy")]
    for ref, kind, what in checks:
        try:
            parse_policy(sc.policy_text(ref), kind, what)
        except MalformedPolicyError as exc:
            where = ref if isinstance(ref, str) else "scenario.json"
            raise MalformedPolicyError(kind, _("scenario {scenario}, {policy} ({where}): {code}: {message}").format(
                scenario=repr(sc.name), policy=policy_name(what), where=where, code=exc.code, message=exc.message)) from None


def _encryption_rule(enc: dict[str, Any], sc: Scenario) -> dict[str, Any]:
    """scenario ``{"algorithm": "aws:kms", "key": "<id or ARN>", "bucket_key": false}`` -> moto's stored shape."""
    default: dict[str, Any] = {"SSEAlgorithm": enc.get("algorithm", "aws:kms")}
    if enc.get("key"):
        default["KMSMasterKeyID"] = enc["key"]
    return {"Rule": {"ApplyServerSideEncryptionByDefault": default,
                     "BucketKeyEnabled": json.dumps(bool(enc.get("bucket_key", False)))}}
