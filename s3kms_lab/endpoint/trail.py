"""A CloudTrail-style record of every call, allowed or denied.

Record fields follow https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
and userIdentity https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
(rules TRAIL-1 and TRAIL-2 of ``docs/aws-rules.md``): S3 object calls are data events (``managementEvent: false``, ``eventCategory: Data``);
KMS calls, including those S3 makes on the caller's behalf (``invokedBy: s3.amazonaws.com``,
``sourceIPAddress: s3.amazonaws.com``), are management events. The lab adds ``s3kmsLab`` with the
engine's decision (a machine-readable value) and explanation (in the learner's language, see
:mod:`s3kms_lab.i18n`); everything else keeps CloudTrail's shape. The trail is bounded (see
:class:`Trail`): unauthenticated clients can add records, never make it grow without limit.
"""
from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from ..engine import Caller
from ..engine.principal import ANONYMOUS, ASSUMED_ROLE, USER
from ..i18n import _

__all__ = ["Trail", "user_identity"]


def user_identity(caller: Caller, access_key: str = "", invoked_by: str | None = None,
                  session_created: float | None = None) -> dict[str, Any]:
    """CloudTrail ``userIdentity`` for a caller (TRAIL-3); ``session_created``: epoch seconds a role
    session was created (``sessionContext.attributes.creationDate``)."""
    if caller.kind == ANONYMOUS:
        ident: dict[str, Any] = {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
    elif caller.kind == ASSUMED_ROLE:
        ident = {"type": "AssumedRole", "principalId": caller.unique_id, "arn": caller.arn,
                 "accountId": caller.account, "accessKeyId": access_key,
                 "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": caller.unique_id.split(":")[0],
                                                      "arn": caller.role_arn, "accountId": caller.account,
                                                      "userName": caller.name},
                                    "attributes": {"mfaAuthenticated": "false"}}}
        if session_created is not None:
            ident["sessionContext"]["attributes"]["creationDate"] = _iso(session_created)
    elif caller.kind == USER:
        ident = {"type": "IAMUser", "principalId": caller.unique_id, "arn": caller.arn, "accountId": caller.account,
                 "accessKeyId": access_key, "userName": caller.name}
    else:
        ident = {"type": caller.kind, "arn": caller.arn, "accountId": caller.account}
    if invoked_by:
        ident["invokedBy"] = invoked_by
    return ident


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# Field bounds. CloudTrail omits a requestParameters / responseElements / additionalEventData value larger than
# 100 KB (record contents page above); the lab also cuts userAgent at 1 KB and its own explanation at 16 KB, so
# no client can make one record large (a record never holds a request body).
FIELD_LIMIT_BYTES = 100 * 1024
USER_AGENT_LIMIT = 1024
EXPLANATION_LIMIT = 16 * 1024
MAX_RECORDS = 20_000                 # records kept in memory; the oldest tenth goes when full
MAX_FILE_BYTES = 16 * 1024 * 1024    # trail.jsonl rotates to trail.jsonl.1 (one generation kept) past this size


def _cut(text: str, limit: int, lab_words: bool = False) -> str:
    """``text`` within ``limit`` characters, with a note saying so; ``lab_words``: the note is in the
    learner's language (the lab's explanation), not English (a CloudTrail field such as userAgent)."""
    if len(text) <= limit:
        return text
    note = _("(cut by the lab: {count} characters)") if lab_words else "(cut by the lab: {count} characters)"
    return text[:limit] + " ... " + note.format(count=len(text))


def _bounded(rec: dict[str, Any]) -> dict[str, Any]:
    """The record with every field within the bounds above; omitted fields are named in ``s3kmsLab.omitted``."""
    omitted = []
    for name in ("requestParameters", "responseElements", "additionalEventData"):
        value = rec.get(name)
        if value is not None and len(json.dumps(value)) > FIELD_LIMIT_BYTES:
            rec[name] = None
            omitted.append(name)
    if omitted:
        rec["s3kmsLab"]["omitted"] = omitted
    rec["userAgent"] = _cut(rec.get("userAgent") or "", USER_AGENT_LIMIT)
    rec["s3kmsLab"]["explanation"] = _cut(rec["s3kmsLab"].get("explanation") or "", EXPLANATION_LIMIT, lab_words=True)
    return rec


class Trail:
    """Collects records in memory and, when ``path`` is given, appends them as JSON lines.

    Bounded: at most ``max_records`` records in memory (the oldest tenth is dropped when full; ``dropped`` counts
    them) and ``trail.jsonl`` rotates to ``trail.jsonl.1`` past ``max_file_bytes`` (one generation kept;
    ``dropped_from_file`` counts the records a rotation deleted). :meth:`stats` reports both."""

    def __init__(self, path: str | Path | None = None, region: str = "ap-northeast-2", max_records: int = MAX_RECORDS,
                 max_file_bytes: int = MAX_FILE_BYTES):
        self.records: list[dict[str, Any]] = []
        self.path = Path(path) if path else None
        self.region = region
        self.max_records = max_records
        self.max_file_bytes = max_file_bytes
        self.dropped = 0
        self.dropped_from_file = 0
        self._file_bytes = 0
        self._file_records = 0
        self._rotated_records = 0
        self._lock = threading.Lock()
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text("")

    def stats(self) -> dict[str, int]:
        """``records`` held in memory, ``dropped`` from memory, ``dropped_from_file`` by rotation."""
        with self._lock:
            return {"records": len(self.records), "dropped": self.dropped, "dropped_from_file": self.dropped_from_file}

    def _keep(self, rec: dict[str, Any]) -> None:
        """Append ``rec`` in memory and on disk, within the bounds (caller holds the lock)."""
        self.records.append(rec)
        if len(self.records) > self.max_records:
            cut = max(1, self.max_records // 10)
            del self.records[:cut]
            self.dropped += cut
        if not self.path:
            return
        line = json.dumps(rec) + "\n"
        if self._file_bytes and self._file_bytes + len(line) > self.max_file_bytes:
            self.dropped_from_file += self._rotated_records
            self.path.replace(self.path.with_name(self.path.name + ".1"))
            self._rotated_records, self._file_records, self._file_bytes = self._file_records, 0, 0
        with self.path.open("a") as fh:
            fh.write(line)
        self._file_bytes += len(line.encode())
        self._file_records += 1

    def add(self, *, caller: Caller, access_key: str, source: str, name: str, request_id: str, source_ip: str,
            user_agent: str, request_parameters: dict[str, Any] | None, resources: list[dict[str, str]],
            read_only: bool, management: bool, error_code: str | None = None, error_message: str | None = None,
            invoked_by: str | None = None, decision: str = "allowed", explanation: str = "",
            recipient_account: str = "", response_elements: dict[str, Any] | None = None,
            additional_event_data: dict[str, Any] | None = None, shared_event_id: str | None = None,
            session_created: float | None = None) -> dict[str, Any]:
        """Append one record and return it."""
        rec: dict[str, Any] = {
            "eventVersion": "1.11",
            "userIdentity": user_identity(caller, access_key, invoked_by, session_created),
            "eventTime": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": source,
            "eventName": name,
            "awsRegion": self.region,
            "sourceIPAddress": invoked_by or source_ip,
            "userAgent": invoked_by or user_agent,
            "requestParameters": request_parameters,
            "responseElements": response_elements,
            "requestID": request_id,
            "eventID": str(uuid.uuid4()),
            "readOnly": read_only,
            "resources": resources,
            "eventType": "AwsApiCall",
            "managementEvent": management,
            "recipientAccountId": recipient_account or caller.account,
            "eventCategory": "Management" if management else "Data",
            "s3kmsLab": {"decision": decision, "explanation": explanation},
        }
        if additional_event_data:
            rec["additionalEventData"] = additional_event_data
        if shared_event_id:
            rec["sharedEventID"] = shared_event_id
        if error_code:
            rec["errorCode"] = error_code
            rec["errorMessage"] = error_message
        rec = _bounded(rec)
        with self._lock:
            self._keep(rec)
        return rec

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
            if self.path:
                self.path.write_text("")
                self._file_bytes = self._file_records = 0

    def filter(self, principal: str | None = None, event_name: str | None = None, error_code: str | None = None,
               denied: bool | None = None) -> list[dict[str, Any]]:
        """Records whose userIdentity ARN contains ``principal``, with that eventName / errorCode."""
        return list(_filter(self.records, principal, event_name, error_code, denied))

    def dataframe(self, **filters: Any) -> Any:
        """The records as a pandas DataFrame (flat columns), optionally filtered like :meth:`filter`."""
        import pandas as pd
        rows = [{"eventTime": r["eventTime"], "principal": r["userIdentity"].get("arn", "anonymous"),
                 "invokedBy": r["userIdentity"].get("invokedBy", ""), "eventSource": r["eventSource"],
                 "eventName": r["eventName"], "resource": (r["resources"][0]["ARN"] if r["resources"] else ""),
                 "errorCode": r.get("errorCode", ""), "decision": r["s3kmsLab"]["decision"],
                 "explanation": r["s3kmsLab"]["explanation"]} for r in self.filter(**filters)]
        return pd.DataFrame(rows, columns=["eventTime", "principal", "invokedBy", "eventSource", "eventName",
                                           "resource", "errorCode", "decision", "explanation"])


def _filter(records: Iterable[dict[str, Any]], principal: str | None, event_name: str | None,
            error_code: str | None, denied: bool | None) -> Iterable[dict[str, Any]]:
    for r in records:
        if principal and principal not in r["userIdentity"].get("arn", ""):
            continue
        if event_name and r["eventName"] != event_name:
            continue
        if error_code and r.get("errorCode") != error_code:
            continue
        if denied is not None and (r["s3kmsLab"]["decision"] != "allowed") != denied:
            continue
        yield r
