"""The trail as a filterable table: every call the learner made, and the KMS calls S3 made for them.

:func:`filter_trail` is the logic (a plain function over ``lab.trail.dataframe()``, tested without a
browser); :func:`trail_table` wraps it in ipywidgets controls: principal, eventName, "denied only" and
"only calls S3 made on your behalf" (``invokedBy = s3.amazonaws.com``, CloudTrail's field for a service
calling on a principal's behalf: rule TRAIL-3 of ``docs/aws-rules.md``,
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
"""
from __future__ import annotations

from typing import Any

from ..i18n import N_, _, get_language, language
from .render import frame_html, options

__all__ = ["ALL", "COLUMNS", "short_principal", "filter_trail", "choices", "trail_table"]

#: Dropdown value meaning "no filter".
ALL = "(all)"
#: Columns the table shows, in order.
COLUMNS = ["principal", "eventName", "invokedBy", "resource", "decision", "errorCode"]
#: Headers of the lab's own columns as a learner reads them (CloudTrail's field names stay as they are).
_HEADERS = {"principal": N_("principal"), "resource": N_("resource"), "decision": N_("decision")}


def _header(column: str) -> str:
    return _(_HEADERS[column]) if column in _HEADERS else column


def _choice(value: str) -> str:
    return _("(all)") if value == ALL else value


def short_principal(arn: str) -> str:
    """``arn:aws:sts::123456789012:assumed-role/R/s`` -> ``assumed-role/R/s``; ``user/admin`` for users."""
    if not arn or arn == "anonymous":
        return "anonymous"
    return arn.split(":", 5)[-1] if arn.startswith("arn:") else arn


def filter_trail(frame: Any, principal: str | None = None, event_name: str | None = None,
                 denied_only: bool = False, via_s3_only: bool = False) -> Any:
    """Rows of a trail DataFrame (``lab.trail.dataframe()``) that match every filter given.

    principal: a substring of the principal ARN (``"uploader"``, ``"user/analyst"``, a full ARN) or
    None / :data:`ALL`; event_name: an exact eventName (``"Decrypt"``) or None / ALL; denied_only: only
    rows whose decision is not ``allowed``; via_s3_only: only the KMS calls S3 made on the caller's
    behalf. Returns a new DataFrame with a fresh 0..n-1 index.
    """
    out = frame
    if principal and principal != ALL:
        out = out[out["principal"].astype(str).str.contains(principal, regex=False)]
    if event_name and event_name != ALL:
        out = out[out["eventName"] == event_name]
    if denied_only:
        out = out[out["decision"] != "allowed"]
    if via_s3_only:
        out = out[out["invokedBy"] == "s3.amazonaws.com"]
    return out.reset_index(drop=True)


def choices(frame: Any) -> dict[str, list[str]]:
    """Dropdown options: ``principals`` (short forms, first-seen order) and ``events`` (sorted), each
    starting with :data:`ALL`."""
    principals = [ALL] + list(dict.fromkeys(short_principal(p) for p in frame["principal"]))
    events = [ALL] + sorted(set(frame["eventName"]))
    return {"principals": principals, "events": events}


def trail_table(source: Any, columns: list[str] | None = None) -> Any:
    """An ipywidgets box: filters above a table of the trail. ``source`` is a Lab or a Trail; the table
    re-reads the trail whenever a control changes or "Refresh" is pressed."""
    import ipywidgets as w

    lang = get_language()  # the labels are read now; every redraw speaks the same language
    trail = getattr(source, "trail", source)
    cols = columns or COLUMNS

    def frame() -> Any:
        df = trail.dataframe()
        df["principal"] = df["principal"].map(short_principal)
        return df

    opts = choices(frame())
    who = w.Dropdown(options=options(opts["principals"], _choice), value=ALL, description=_("principal"))
    what = w.Dropdown(options=options(opts["events"], _choice), value=ALL, description="eventName")
    denied = w.Checkbox(value=False, description=_("denied only"), indent=False)
    via = w.Checkbox(value=False, description=_("S3 on your behalf"), indent=False)
    refresh = w.Button(description=_("Refresh"), icon="refresh")
    count = w.Label()
    table = w.HTML()
    table.add_class("s3kms-trail-table")

    def render(*_args: Any) -> None:
        with language(lang):
            df = frame()
            fresh = choices(df)
            for dd, key in ((who, "principals"), (what, "events")):
                shown = options(fresh[key], _choice)
                if list(dd.options) != shown:
                    current = dd.value
                    dd.options = shown
                    dd.value = current if current in fresh[key] else ALL
            rows = filter_trail(df, who.value, what.value, denied.value, via.value)
            count.value = _("{shown} of {total} records").format(shown=len(rows), total=len(df))
            table.value = frame_html(rows[cols].rename(columns=_header), "s3kms-trail", wrap=(_header("resource"),),
                                     nowrap=(_header("principal"), "eventName"))

    for control in (who, what, denied, via):
        control.observe(render, names="value")
    refresh.on_click(render)
    render()
    return w.VBox([w.HBox([who, what]), w.HBox([denied, via, refresh, count]), table])
