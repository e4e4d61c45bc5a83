"""SVG pictures for notebook 00: the endpoint's pipeline, and one real decision drawn from the lab.

:func:`decision_svg` draws an :class:`~s3kms_lab.widgets.probe.Outcome` (decided by the lab): the principal,
each authorization step with the policies the lab consulted (the deciding ones highlighted), and the
decision. No decision is made here.
"""
from __future__ import annotations

import re
import unicodedata
from html import escape

from ..engine.explain import applying_allows, counting_allows, policy_label
from ..i18n import N_, _
from .probe import Outcome, verdict_text
from .render import css_font

__all__ = ["pipeline_svg", "decision_svg"]

#: The pictures' font (English); :func:`_font` adds fonts with Hangul when the lab speaks Korean.
_FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
_GREEN, _RED, _GREY, _BLUE = "#2e7d32", "#c62828", "#90a4ae", "#1f5fbf"
#: AWS's names of the policy types (``Decision.policy_type``, as AWS's error messages say them), as a learner
#: reads them in the pictures.
_POLICY_TYPES = {"identity-based policy": N_("identity-based policy"),
                 "permissions boundary": N_("permissions boundary"),
                 "session policy": N_("session policy"),
                 "resource-based policy": N_("resource-based policy"),
                 "key policy": N_("key policy"),
                 "role trust policy": N_("role trust policy"),
                 "service control policy": N_("service control policy")}


def _font() -> str:
    """The ``font-family`` attribute of the pictures' text in the current language."""
    return f'font-family="{css_font("DejaVu Sans, Arial, sans-serif")}"'


def _policy_type(policy_type: str) -> str:
    return _(_POLICY_TYPES[policy_type]) if policy_type in _POLICY_TYPES else policy_type


def _box(x: float, y: float, w: float, h: float, lines: list[str], stroke: str = _GREY, fill: str = "#fff",
         bold_first: bool = True, size: int = 12, dash: bool = False) -> str:
    out = [f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.6"'
           + (' stroke-dasharray="5,3"' if dash else "") + "/>"]
    ty = y + 17
    for i, line in enumerate(lines):
        weight = ' font-weight="bold"' if (i == 0 and bold_first) else ""
        s = size if i == 0 else size - 1
        out.append(f'<text x="{x + 8}" y="{ty}" font-size="{s}" {_font()}{weight}>{escape(line)}</text>')
        ty += s + 4
    return "".join(out)


def _arrow(x1: float, y1: float, x2: float, y2: float, color: str = "#555") -> str:
    return (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" stroke-width="1.6" '
            f'marker-end="url(#arrow)"/>')


_DEFS = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
         'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>')


def pipeline_svg() -> str:
    """How the local endpoint handles every request (the same path for the CLI, boto3 and the notebooks)."""
    # Each stage is one message: its title, then the lines of its box (a translation chooses its line breaks).
    stages = [_("your client\naws CLI / boto3\nsigned with a profile"),
              _("1 authenticate\nSigV4 signature\n-> who is asking"),
              _("2 identify\noperation table\n-> action, resource"),
              _("3 gather policies\nidentity, boundary,\nbucket / key / trust"),
              _("4 decide\nAWS evaluation logic\n-> Allow / Deny + why"),
              _("5 moto\ndoes the work\n(only if allowed)"),
              _("6 trail\nCloudTrail-style\nrecord of the call")]
    w, h, gap, x0, y = 146, 62, 12, 10, 40  # 146 px: the longest line (21 characters at 10 px) plus padding
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" style="max-width:100%;height:auto" width="{x0 * 2 + len(stages) * (w + gap) - gap}" height="150" '
             f'viewBox="0 0 {x0 * 2 + len(stages) * (w + gap) - gap} 150">', _DEFS,
             f'<text x="{x0}" y="22" font-size="14" font-weight="bold" {_font()}>'
             + _("One request through the lab endpoint") + "</text>"]
    for i, stage in enumerate(stages):
        x = x0 + i * (w + gap)
        stroke = _BLUE if i in (3, 4) else _GREY  # gather policies, decide
        parts.append(_box(x, y, w, h, stage.split("\n"), stroke=stroke, size=11))
        if i:
            parts.append(_arrow(x - gap, y + h / 2, x - 1, y + h / 2))
    parts.append(f'<text x="{x0}" y="{y + h + 28}" font-size="11" {_font()}>'
                 + _("Denied at step 4: AWS's error (AccessDenied / AccessDeniedException, AWS's wording) comes back, "
                     "moto is never called, and the trail records the denial.") + "</text>")
    parts.append(f'<text x="{x0}" y="{y + h + 44}" font-size="11" {_font()}>'
                 + _("For an SSE-KMS upload or download, step 4 also decides the KMS call S3 makes as you "
                     "(kms:GenerateDataKey / kms:Decrypt).") + "</text>")
    parts.append("</svg>")
    return "".join(parts)


def decision_svg(outcome: Outcome, title: str = "") -> str:
    """principal -> (per step) policies consulted -> decision, for one outcome decided by the lab.

    A solid box is a policy whose statements count: for an allowed step every policy whose Allow counts
    (:func:`~s3kms_lab.engine.explain.counting_allows`: in one account an identity-based policy or a bucket
    policy each suffice, and both are drawn when both allow), for a denied step the policy whose Deny
    matched. Dashed boxes were consulted and did not count. Long names and ARNs wrap at ``/``, ``:`` or
    spaces, never inside a word, and every box is as tall as its text.
    """
    steps = outcome.decided
    col_p, w_p = 10, 236
    col_s, w_s = 270, 470
    col_d, w_d = 770, 190
    width = col_d + w_d + 10
    caller = steps[0].request.caller if steps else None
    arn = caller.arn if caller is not None else ""
    p_lines = [_("principal: {profile}").format(profile=outcome.profile)] + _wrap(arn, _chars(w_p, 11))
    p_h = _box_height(p_lines)
    rows = []
    for s in steps:
        label = _wrap(s.label, _chars(w_s + w_d, 12))
        boxes = [_policy_box(kind, pol, s) for kind, pol in _consulted(s)] or \
            [([_("no policy applies to this caller")], _GREY, True)]
        verdict = _verdict_lines(s)
        boxes_h = sum(_box_height(lines) + 6 for lines, _c, _d in boxes)
        body = max(boxes_h, _box_height(verdict) + 6)
        rows.append((s, label, boxes, verdict, 16 * len(label) + 6 + body))
    y0 = 44
    height = y0 + max(p_h, sum(r[4] + 16 for r in rows)) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" style="max-width:100%;height:auto" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             _DEFS]
    for i, line in enumerate(_wrap(title or outcome.request, _chars(width - 20, 14))[:2]):
        parts.append(f'<text x="10" y="{22 + 17 * i}" font-size="14" font-weight="bold" {_font()}>'
                     f'{escape(line)}</text>')
    if len(_wrap(title or outcome.request, _chars(width - 20, 14))) > 1:
        y0 += 17
        height += 17
        parts[0] = (f'<svg xmlns="http://www.w3.org/2000/svg" style="max-width:100%;height:auto" width="{width}" height="{height}" '
                    f'viewBox="0 0 {width} {height}">')
    parts.append(_box(col_p, y0, w_p, p_h, p_lines, stroke=_BLUE))
    y = y0
    for s, label, boxes, verdict, row_h in rows:
        assert s.decision is not None
        ok = s.decision.allowed
        for i, line in enumerate(label):
            parts.append(f'<text x="{col_s}" y="{y + 13 + 16 * i}" font-size="12" font-weight="bold" {_font()}>'
                         f'{escape(line)}</text>')
        by = y + 16 * len(label) + 6
        parts.append(_arrow(col_p + w_p, y0 + p_h / 2, col_s - 2, by + 12))
        mid = by + (row_h - 16 * len(label) - 6) / 2
        for lines, stroke, dash in boxes:
            h = _box_height(lines)
            parts.append(_box(col_s, by, w_s, h, lines, stroke=stroke, fill="#fafafa", size=11, dash=dash))
            by += h + 6
        color = _GREEN if ok else _RED
        vh = _box_height(verdict)
        parts.append(_arrow(col_s + w_s + 2, mid, col_d - 2, mid))
        parts.append(_box(col_d, mid - vh / 2, w_d, vh, verdict, stroke=color, fill="#e8f5e9" if ok else "#ffebee",
                          size=11))
        y += row_h + 16
    parts.append("</svg>")
    return "".join(parts)


def _verdict_lines(step) -> list[str]:
    d = step.decision
    if d.allowed:
        counting = counting_allows(d)
        lines = [verdict_text("ALLOWED")]
        if len(counting) > 1 and d.request.same_account and d.rule not in ("identity-allow-delegated",):
            lines += _wrap(_("{count} policies allow; any one is enough").format(count=len(counting)), _chars(190, 10))
        elif d.rule in ("cross-account-allow", "identity-allow-delegated"):
            lines += _wrap(_("both sides allow; both are needed"), _chars(190, 10))
        else:
            lines += _wrap(_("by the {policy_type}").format(policy_type=_policy_type(d.policy_type)), _chars(190, 10))
        return lines
    head = _("DENIED (explicit)") if d.effect == "explicitDeny" else _("DENIED (implicit)")
    why = _("by the {policy_type}") if d.effect == "explicitDeny" else _("no Allow in the {policy_type}")
    return [head] + _wrap(why.format(policy_type=_policy_type(d.policy_type)), _chars(190, 10))


def _policy_box(kind: str, pol, step) -> tuple[list[str], str, bool]:
    """Lines, stroke colour and dashed-ness of one consulted policy's box."""
    d = step.decision
    counting = {id(p): sts for p, sts in counting_allows(d)} if d.allowed else \
        {id(p): [st for pp, st in d.deciding if pp is p] for p, _st in d.deciding}
    width = _chars(470, 10)
    lines = [kind] + _wrap(policy_label(pol), width)
    if id(pol) in counting:
        labels = ", ".join(st.label for st in counting[id(pol)])
        found = _("allows: statement {statements}") if d.allowed else _("denies: statement {statements}")
        lines += _wrap(found.format(statements=labels), width)
        return lines, (_GREEN if d.allowed else _RED), False
    allows = [] if d.allowed else [st.label for st in pol.statements
                                    if st in applying_allows(pol, d)]
    if allows:  # it allows, yet the request is denied: say why that Allow did not carry it
        why = _("allows: statement {statements}, but the explicit Deny wins") if d.effect == "explicitDeny" else \
            _("allows: statement {statements}, but that is not enough here")
        return lines + _wrap(why.format(statements=", ".join(allows)), width), _GREY, True
    return lines + [_("consulted: none of its statements applies") if not applying_allows(pol, d) else
                    _("consulted: no statement of it counts")], _GREY, True


def _box_height(lines: list[str]) -> int:
    return 12 + 15 * len(lines)
def _consulted(step) -> list[tuple[str, object]]:
    p = step.policies
    out: list[tuple[str, object]] = []
    if p.resource is not None:
        out.append((_("resource-based"), p.resource))
    out += [(_("identity-based"), pol) for pol in p.identity]
    if p.boundary is not None:
        out.append((_("permissions boundary"), p.boundary))
    out += [(_("session policy"), pol) for pol in p.session]
    return out


def _chars(width_px: float, size: int) -> int:
    """How many characters of DejaVu Sans at ``size`` px fit in ``width_px`` minus the box padding
    (about 0.62 em per character, a safe figure for ARNs, which are mostly lower case and digits)."""
    return max(8, int((width_px - 18) / (0.62 * size)))


#: A Hangul (or other East Asian wide) character is about 1 em wide, where :func:`_chars` counts 0.62 em.
_WIDE = 1 / 0.62


def _width(text: str) -> float:
    """``text``'s width in :func:`_chars` characters: its length for Latin text, more for Hangul."""
    return sum(_WIDE if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(piece: str, n: int) -> int:
    """How many leading characters of ``piece`` fit in ``n`` (at least one)."""
    used = 0.0
    for i, c in enumerate(piece):
        used += _width(c)
        if used > n:
            return max(1, i)
    return len(piece)


def _wrap(text: str, n: int) -> list[str]:
    """Lines of at most ``n`` characters (a Hangul character counts as about 1.6, :func:`_width`), broken
    after a space, ``/``, ``:`` or ``,`` (an ARN splits at its separators, never inside a name); a single
    piece longer than ``n`` is cut as a last resort."""
    pieces = re.findall(r"[^ /:,]*[ /:,]|[^ /:,]+$", text)
    lines, cur = [], ""
    for piece in pieces:
        if cur and _width(cur) + _width(piece.rstrip()) > n:
            lines.append(cur.rstrip())
            cur = ""
        while _width(piece) > n:
            lines.append(piece[:_cut(piece, n)])
            piece = piece[_cut(piece, n):]
        cur += piece
    if cur.strip():
        lines.append(cur.rstrip())
    return lines or [""]
