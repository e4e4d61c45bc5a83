"""Read-only calls through a boto3 session, each one recorded with what came back.

Only calls listed in :mod:`.calls` can be made (``KeyError`` otherwise), so the import cannot drift into
writes or into reading secrets. A refusal is recorded with the IAM action the call needs, taken from that
table, not guessed from the error text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..i18n import N_, _
from .calls import REFUSED_CODES, UNSUPPORTED_CODES, ReadCall, call

__all__ = ["CallRecord", "Answer", "AccountReader"]

OK, ABSENT, REFUSED, UNSUPPORTED, FAILED = "ok", "absent", "refused", "not modelled", "failed"

# A call's target as the importer writes it (``key ID``, ``bucket NAME``, ``role/NAME policy P``...): data in
# CallRecord.target and scenario.json, shown to the learner in the lab's language by :func:`target_text`.
_TARGET_KINDS = {"key": N_("key {name}"), "bucket": N_("bucket {name}"), "account": N_("account {name}"),
                 "policy": N_("policy {name}")}
_KIND_TARGET = re.compile(r"^(key|bucket|account|policy) (.+)$", re.S)
_POLICY_OF = re.compile(r"^((?:role|user|group)/\S+) policy (.+)$", re.S)


def target_text(target: str) -> str:
    """``target`` (a :class:`CallRecord` target) in the lab's language; English gives it back unchanged."""
    if target == "caller":
        # TRANSLATORS: the target of sts:GetCallerIdentity (which account and identity the profile is)
        return _("caller")
    if m := _POLICY_OF.match(target):
        return _("{principal} policy {policy}").format(principal=m.group(1), policy=m.group(2))
    if m := _KIND_TARGET.match(target):
        return _(_TARGET_KINDS[m.group(1)]).format(name=m.group(2))
    return target


@dataclass(frozen=True)
class CallRecord:
    """One call made. target: what it read (e.g. ``role/DataUploaderRole``); outcome: ``ok``, ``absent``
    (nothing configured), ``refused`` (no permission), ``not modelled`` (the endpoint does not implement the
    call) or ``failed``; code/message: the error's, when there was one."""

    service: str
    api: str
    action: str
    target: str
    outcome: str
    required: bool
    code: str = ""
    message: str = ""

    @property
    def name(self) -> str:
        return f"{self.service}:{self.api}" if self.service != "s3control" else "s3control:GetPublicAccessBlock"

    def problem(self) -> str:
        """One line for a call that did not answer: the call, its target, the IAM action it needs and why."""
        need = _("needs {action}").format(action=self.action) if self.action else _("needs no permission")
        if self.outcome == REFUSED:
            why = _("the account refused it ({code}: {message})")
        elif self.outcome == UNSUPPORTED:
            why = _("the endpoint does not implement it ({code}: {message})")
        else:
            why = _("it failed ({code}: {message})")
        return _("{api} on {target} ({need}): {why}").format(
            api=self.api, target=target_text(self.target), need=need,
            why=why.format(code=self.code, message=self.message))

    def as_dict(self) -> dict[str, Any]:
        d = {"call": self.name, "action": self.action, "target": self.target, "outcome": self.outcome}
        if self.code:
            d["error"] = f"{self.code}: {self.message}"
        return d


@dataclass(frozen=True)
class Answer:
    """What a read returned: ``outcome`` as in :class:`CallRecord`; ``data`` the response (``ok`` only)."""

    outcome: str
    data: Any = None

    @property
    def ok(self) -> bool:
        return self.outcome == OK


class AccountReader:
    """Makes the import's read-only calls with one boto3 session (any profile: a real account or the lab).

    session: a ``boto3.Session``; region: the region for regional services (default: the profile's).
    Every call is appended to :attr:`records`.
    """

    def __init__(self, session: Any, region: str | None = None):
        self.session = session
        self.region = region or session.region_name
        self.records: list[CallRecord] = []
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            config = Config(retries={"max_attempts": 2, "mode": "standard"})
            client = self.session.client(service, region_name=self.region, config=config)
            if service == "s3control" and _loopback(client.meta.endpoint_url):  # the lab, not AWS
                from ..lab.lab import s3control_to_lab_host
                client.meta.events.register("before-sign.s3-control", s3control_to_lab_host)
            self._clients[service] = client
        return self._clients[service]

    def read(self, service: str, api: str, target: str, **params: Any) -> Answer:
        """Make one call of the table. Returns its :class:`Answer`; never raises for an AWS error."""
        spec = call(service, api)
        try:
            data = self._invoke(spec, params)
        except ClientError as err:
            return self._failed(spec, target, err.response.get("Error", {}).get("Code", "") or
                                str(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")),
                                err.response.get("Error", {}).get("Message", "") or str(err))
        except BotoCoreError as err:  # no route to the endpoint, bad profile...
            return self._failed(spec, target, type(err).__name__, str(err))
        self.records.append(CallRecord(service, api, spec.action, target, OK, spec.required))
        return Answer(OK, data)

    def _invoke(self, spec: ReadCall, params: dict[str, Any]) -> Any:
        from botocore import xform_name
        client = self.client(spec.service)
        method = xform_name(spec.api)
        if client.can_paginate(method):
            return client.get_paginator(method).paginate(**params).build_full_result()
        out = getattr(client, method)(**params)
        out.pop("ResponseMetadata", None)
        return out

    def _failed(self, spec: ReadCall, target: str, code: str, message: str) -> Answer:
        if code in spec.absent:
            outcome = ABSENT
        elif code in REFUSED_CODES or code == "403":
            outcome = REFUSED
        elif code in UNSUPPORTED_CODES or code == "501":
            outcome = UNSUPPORTED
        else:
            outcome = FAILED
        self.records.append(CallRecord(spec.service, spec.api, spec.action, target, outcome, spec.required,
                                       code, message.strip()))
        return Answer(outcome)

    def problems(self, required: bool | None = None) -> list[CallRecord]:
        """Calls that did not answer (refused, not modelled, failed); ``required`` filters on the table's flag."""
        return [r for r in self.records if r.outcome in (REFUSED, UNSUPPORTED, FAILED)
                and (required is None or r.required == required)]


def _loopback(url: str) -> bool:
    """The endpoint is on this machine (a lab started with ``s3kms-lab serve`` / ``Lab``), not AWS."""
    import ipaddress
    from urllib.parse import urlsplit
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
