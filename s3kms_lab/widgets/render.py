"""HTML for decision tables and explanations (no decisions are made here: it only draws Outcomes)."""
from __future__ import annotations

from html import escape
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..i18n import _, get_language
from .probe import Outcome, verdict_text

__all__ = ["table_html", "explanation_html", "frame_html", "CELL_STYLE", "RESULT_STYLE", "options", "css_font",
           "KOREAN_FONTS"]

CELL_STYLE = {"ALLOWED": "background:#e3f4e1;color:#1d5e20", "DENIED": "background:#fbe3e1;color:#8a1c12"}

#: Fonts with Hangul, tried after a widget's own font when the lab speaks Korean (the English output keeps
#: exactly its font list).
KOREAN_FONTS = ("Noto Sans CJK KR", "NanumGothic", "Malgun Gothic", "Apple SD Gothic Neo", "sans-serif")


def css_font(families: str) -> str:
    """A CSS ``font-family`` list: ``families`` as it is in English; in Korean followed by :data:`KOREAN_FONTS`
    (single-quoted where a name has a space, so the list fits a double-quoted HTML or SVG attribute)."""
    if get_language() == "en":
        return families
    named = [f"'{f}'" if " " in f else f for f in KOREAN_FONTS if f != "sans-serif"]
    base = [f.strip() for f in families.split(",") if f.strip() != "sans-serif"]
    return ", ".join(base + named + ["sans-serif"])


def options(values: Iterable[str], text: Callable[[str], str]) -> list[Any]:
    """Dropdown options for ``values`` shown as ``text(value)``: the plain values when every text is its
    value (English), else ``(text, value)`` pairs, so a widget's value stays the value code understands."""
    values = list(values)
    shown = [text(v) for v in values]
    return values if shown == values else list(zip(shown, values))


def table_html(cells: Mapping[tuple[str, str], Outcome], principals: Sequence[str], variants: Sequence[str],
               selected: tuple[str, str] | None = None, caption: str = "") -> str:
    """A <table> with one row per principal and one column per request variant.

    Every cell carries ``data-principal`` and ``data-variant`` and its text is exactly ALLOWED or DENIED;
    the selected cell is outlined.
    """
    out = ['<table class="s3kms-table" style="border-collapse:collapse;'
           f'font-family:{css_font("monospace")};font-size:12px">']
    if caption:
        out.append(f'<caption style="text-align:left;padding:2px 0 6px 0">{escape(caption)}</caption>')
    out.append("<thead><tr><th style=\"text-align:left;padding:3px 6px\">" + escape(_("principal")) + "</th>")
    for v in variants:
        out.append(f'<th style="padding:3px 6px" data-variant="{escape(v)}">{escape(v)}</th>')
    out.append("</tr></thead><tbody>")
    for p in principals:
        out.append(f'<tr data-principal="{escape(p)}"><th style="text-align:left;padding:3px 6px">{escape(p)}</th>')
        for v in variants:
            o = cells[(p, v)]
            style = CELL_STYLE[o.label] + ";padding:3px 6px;text-align:center;border:1px solid #ccc"
            sel = selected == (p, v)
            if sel:
                style += ";outline:3px solid #1f5fbf;outline-offset:-3px;font-weight:bold"
            title = escape(o.deciding_policy_type() + ": " + ", ".join(o.deciding_statements()), quote=True)
            flag = ' data-selected="true"' if sel else ""
            out.append(f'<td data-principal="{escape(p)}" data-variant="{escape(v)}"{flag}'
                       f' title="{title}" style="{style}">{o.verdict}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def explanation_html(outcome: Outcome, heading: str = "") -> str:
    """The selected cell: outcome, every step with its one-sentence reason, AWS's message, the full trace."""
    color = "#1d5e20" if outcome.allowed else "#8a1c12"
    parts = [f'<div style="font-size:13px"><b style="color:{color}">{outcome.verdict}</b> '
             f'<b>{escape(outcome.profile)}</b> · {escape(heading or outcome.request)}']
    parts.append("<ul style=\"margin:4px 0\">")
    for s in outcome.decided:
        assert s.decision is not None
        verdict = verdict_text("ALLOWED" if s.decision.allowed else "DENIED")
        parts.append(f"<li><b>{verdict}</b> <code>{escape(s.label)}</code><br>{escape(s.decision.summary())}</li>")
    parts.append("</ul>")
    for note in outcome.notes:
        parts.append(f"<div><i>{escape(note)}</i></div>")
    if not outcome.allowed:
        said = _("AWS says: {message}").format(message=f"<code>{escape(outcome.message())}</code>")
        parts.append(f"<div>{said}</div>")
    parts.append("<details><summary>" + _("every statement the lab looked at") + "</summary>"
                 f'<pre style="font-size:11px;white-space:pre-wrap">{escape(outcome.explanation())}</pre></details>')
    parts.append("</div>")
    return "".join(parts)


#: Cell colours of a result table, by the cell's text: a failed check (NO) stands out most.
RESULT_STYLE = {"NO": "background:#f4c7c3;color:#8a1c12;font-weight:bold", "DENIED": CELL_STYLE["DENIED"],
                "ALLOWED": CELL_STYLE["ALLOWED"]}


def _result_style(value: Any) -> str:
    text = str(value)
    if text in ("explicitDeny", "implicitDeny"):  # a trail record's decision
        return CELL_STYLE["DENIED"]
    for prefix, style in RESULT_STYLE.items():
        if text == prefix or (prefix != "NO" and text.startswith(prefix)):
            return style
    # The same words in the current language (a Korean result table reads 거부됨..., not DENIED...).
    for prefix, style in ((_("NO"), RESULT_STYLE["NO"]), (verdict_text("DENIED"), RESULT_STYLE["DENIED"]),
                          (verdict_text("ALLOWED"), RESULT_STYLE["ALLOWED"])):
        if text == prefix or (prefix != _("NO") and text.startswith(prefix)):
            return style
    return ""


def frame_html(frame: Any, css_class: str = "s3kms-frame", wrap: Sequence[str] = (),
               nowrap: Sequence[str] = ()) -> str:
    """A pandas DataFrame as a readable HTML table (pandas' Styler): no index column, every header and cell
    left-aligned on the same padding (headers sit over their columns), lines broken at spaces only, and cells
    reading ``NO``, ``DENIED...``, ``explicitDeny`` / ``implicitDeny`` or ``ALLOWED...`` coloured.
    Deterministic (a fixed table id), so a notebook's committed output compares equal under nbval.
    ``wrap``: columns whose long values (ARNs) may break across lines, so the table fits the notebook;
    ``nowrap``: columns kept on one line (a principal must not break at its hyphen)."""
    styler = (frame.style.hide(axis="index").set_uuid(css_class.replace("-", "_"))
              .map(_result_style)
              .set_table_attributes(f'class="{css_class}" style="border-collapse:collapse;font-size:12px"')
              .set_table_styles([{"selector": "th, td", "props": "text-align:left;padding:3px 8px;"
                                  "border-bottom:1px solid #ddd;vertical-align:top"},
                                 {"selector": "th", "props": "font-weight:bold;background:#f3f3f3"}]))
    columns = [c for c in wrap if c in frame.columns]
    if columns:
        styler = styler.set_properties(subset=columns, **{"overflow-wrap": "anywhere", "min-width": "160px"})
    keep = [c for c in nowrap if c in frame.columns]
    if keep:
        styler = styler.set_properties(subset=keep, **{"white-space": "nowrap"})
    return styler.to_html()
