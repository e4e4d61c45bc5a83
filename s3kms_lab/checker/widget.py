"""The requirement checker in a notebook: a scenario dropdown, a Check button and an HTML table.

    from s3kms_lab.checker.widget import checker_widget
    checker_widget()          # pick a scenario, press "Check requirements"

The logic lives in plain functions (:func:`scenario_names`, :func:`report_html`, :func:`run_check_html`) that
return strings, so they are tested without a browser; :func:`checker_widget` only wires them to ipywidgets 8.
While a :class:`~s3kms_lab.Lab` runs in the kernel, :func:`~s3kms_lab.checker.check` runs in a child process.
"""
from __future__ import annotations

import html
from typing import Any, Callable

from ..i18n import _
from .report import Report, decision_words, status_words

__all__ = ["scenario_names", "report_html", "run_check_html", "checker_widget"]

_STYLE = ("<style>.s3kms-check td,.s3kms-check th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;"
          "text-align:left}.s3kms-check{border-collapse:collapse;font-size:90%}"
          ".s3kms-holds{color:#17692b;font-weight:bold}.s3kms-violated{color:#a31515;font-weight:bold}"
          ".s3kms-check code{white-space:pre-wrap}</style>")


def scenario_names() -> list[str]:
    """Scenarios under data/scenarios that have a requirements.json."""
    from ..lab.scenario import DATA_DIR
    return sorted(d.name for d in DATA_DIR.iterdir() if (d / "requirements.json").exists())


def _e(text: Any) -> str:
    return html.escape(str(text))


def report_html(report: Report, explanations: bool = True) -> str:
    """An HTML table: one row per requirement (status, what it means), then its counterexamples with the
    decision, the engine's explanation and the replay commands."""
    rows = []
    for r in report.requirements:
        cls = "s3kms-holds" if r.holds else "s3kms-violated"
        cx = []
        for c in r.counterexamples:
            path = (_("escalation path:") + "<ol>" + "".join(f"<li>{_e(w)}</li>" for w in c.path_words) +
                    "<li>" + _("then: {request}").format(request=_e(c.description)) + "</li></ol>") if c.path else ""
            decision = f"<b>{_e(decision_words(c.decision))}</b>"
            parts = ([path] if path else []) + [f"<b>{_e(c.description)}</b>",
                     (_("decision: {decision} - {message}").format(decision=decision, message=_e(c.message))
                      if c.message else _("decision: {decision}").format(decision=decision))]
            if c.encryption:
                name = c.encryption.get("key_name")
                fields = {"algorithm": _e(c.encryption.get("algorithm")), "key": _e(c.encryption.get("key") or "-")}
                parts.append(_("stored: {algorithm} under {key} ({key_name})").format(key_name=_e(name), **fields)
                             if name else _("stored: {algorithm} under {key}").format(**fields))
            if c.why:
                parts.append(f"<i>{_e(c.why)}</i>")
            if explanations and c.explanation:
                parts.append("<ul>" + "".join(f"<li>{_e(x)}</li>" for x in c.explanation) + "</ul>")
            if c.replay.get("cli"):
                note = "" if c.replay.get("replayable", True) else \
                    "<i>" + _("not replayable on the lab: {note}").format(note=_e(c.replay.get("note"))) + "</i><br>"
                parts.append(note + "<code>" + "<br>".join(_e("$ " + x) for x in c.replay["cli"]) + "</code>")
            cx.append("<li>" + "<br>".join(parts) + "</li>")
        scope = _("{in_scope} in scope, {violations} break it").format(in_scope=r.in_scope, violations=r.violations)
        rows.append(f"<tr><td>{_e(r.id)}</td><td class='{cls}'>{_e(status_words(r.holds))}</td><td>{_e(r.title)}"
                    f"<br><small>{_e(r.sentence)}</small></td>"
                    f"<td>{scope}</td>"
                    f"<td>{'<ol>' + ''.join(cx) + '</ol>' if cx else ''}</td></tr>")
    verdict = _("all requirements hold") if report.holds else _("some requirements are violated")
    head = ("<p>" + _("Scenario {scenario}: {requests} requests decided in {elapsed} ms").format(
                scenario=f"<b>{_e(report.scenario)}</b>", requests=report.requests_decided,
                elapsed=f"{report.elapsed_ms:.0f}")
            + f" - <span class='{'s3kms-holds' if report.holds else 's3kms-violated'}'>{verdict}</span></p>")
    columns = (_("id"), _("status"), _("requirement"), _("requests"), _("simplest counterexamples"))
    return (_STYLE + head + "<table class='s3kms-check'><tr>" + "".join(f"<th>{_e(h)}</th>" for h in columns)
            + "</tr>" + "".join(rows) + "</table>")


def run_check_html(scenario: str, check: Callable[..., Report] | None = None) -> str:
    """Run the check and return its HTML, or an HTML error message (never raises for a bad scenario/file)."""
    from .check import check as default_check
    from .requirements import RequirementsError
    try:
        report = (check or default_check)(scenario)
    except (FileNotFoundError, RequirementsError) as exc:
        return f"<pre style='color:#a31515'>{_e(exc)}</pre>"
    return report_html(report)


def checker_widget(scenario: str = "seed", check: Callable[..., Report] | None = None) -> Any:
    """A VBox with a scenario Dropdown, a 'Check requirements' Button and an HTML output."""
    import ipywidgets as w

    names = scenario_names()
    dropdown = w.Dropdown(options=names, value=scenario if scenario in names else (names[0] if names else None),
                          description=_("Scenario"))
    # width auto: the whole label shows (a Button's default width cuts it to "Check require...").
    button = w.Button(description=_("Check requirements"), button_style="primary", icon="check",
                      layout=w.Layout(width="auto", min_width="190px"))
    out = w.HTML(value="<i>" + _("Press the button to check every requirement over the whole request space.") + "</i>")

    def on_click(_b: Any = None) -> None:
        button.disabled = True
        out.value = "<i>" + _("Checking {scenario}...").format(scenario=html.escape(str(dropdown.value))) + "</i>"
        try:
            out.value = run_check_html(dropdown.value, check)
        finally:
            button.disabled = False

    button.on_click(on_click)
    box = w.VBox([w.HBox([dropdown, button]), out])
    box.run = on_click  # type: ignore[attr-defined]  # for tests and scripted use
    return box
