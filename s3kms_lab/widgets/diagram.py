"""SVG pictures for notebook 00: the endpoint's pipeline, and one real decision drawn from the lab.

:func:`decision_svg` draws an :class:`~s3kms_lab.widgets.probe.Outcome` (decided by the lab): the principal,
each authorization step with the policies the lab consulted (the deciding ones highlighted), and the
decision. No decision is made here.
"""
from __future__ import annotations

from html import escape

from .probe import Outcome

__all__ = ["pipeline_svg", "decision_svg"]

_FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
_GREEN, _RED, _GREY, _BLUE = "#2e7d32", "#c62828", "#90a4ae", "#1f5fbf"


def _box(x: float, y: float, w: float, h: float, lines: list[str], stroke: str = _GREY, fill: str = "#fff",
         bold_first: bool = True, size: int = 12, dash: bool = False) -> str:
    out = [f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.6"'
           + (' stroke-dasharray="5,3"' if dash else "") + "/>"]
    ty = y + 17
    for i, line in enumerate(lines):
        weight = ' font-weight="bold"' if (i == 0 and bold_first) else ""
        s = size if i == 0 else size - 1
        out.append(f'<text x="{x + 8}" y="{ty}" font-size="{s}" {_FONT}{weight}>{escape(line)}</text>')
        ty += s + 4
    return "".join(out)


def _arrow(x1: float, y1: float, x2: float, y2: float, color: str = "#555") -> str:
    return (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" stroke-width="1.6" '
            f'marker-end="url(#arrow)"/>')


_DEFS = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
         'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>')


def pipeline_svg() -> str:
    """How the local endpoint handles every request (the same path for the CLI, boto3 and the notebooks)."""
    stages = [("your client", ["aws CLI / boto3", "signed with a profile"]),
              ("1 authenticate", ["SigV4 signature", "-> who is asking"]),
              ("2 identify", ["operation table", "-> action, resource"]),
              ("3 gather policies", ["identity, boundary,", "bucket / key / trust"]),
              ("4 decide", ["AWS evaluation logic", "-> Allow / Deny + why"]),
              ("5 moto", ["does the work", "(only if allowed)"]),
              ("6 trail", ["CloudTrail-style", "record of the call"])]
    w, h, gap, x0, y = 118, 62, 16, 10, 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{x0 * 2 + len(stages) * (w + gap) - gap}" height="150" '
             f'viewBox="0 0 {x0 * 2 + len(stages) * (w + gap) - gap} 150">', _DEFS,
             f'<text x="{x0}" y="22" font-size="14" font-weight="bold" {_FONT}>One request through the lab endpoint</text>']
    for i, (title, lines) in enumerate(stages):
        x = x0 + i * (w + gap)
        stroke = _BLUE if title.startswith(("3", "4")) else _GREY
        parts.append(_box(x, y, w, h, [title] + lines, stroke=stroke, size=11))
        if i:
            parts.append(_arrow(x - gap, y + h / 2, x - 1, y + h / 2))
    parts.append(f'<text x="{x0}" y="{y + h + 28}" font-size="11" {_FONT}>Denied at step 4: AWS\'s error '
                 "(AccessDenied / AccessDeniedException, AWS's wording) comes back, moto is never called, and the trail "
                 "records the denial.</text>")
    parts.append(f'<text x="{x0}" y="{y + h + 44}" font-size="11" {_FONT}>For an SSE-KMS upload or download, step 4 '
                 "also decides the KMS call S3 makes as you (kms:GenerateDataKey / kms:Decrypt).</text>")
    parts.append("</svg>")
    return "".join(parts)


def decision_svg(outcome: Outcome, title: str = "") -> str:
    """principal -> (per step) policies consulted -> decision, for one outcome decided by the lab."""
    steps = outcome.decided
    col_p, col_s, col_d = 10, 250, 770
    row_h = []
    for s in steps:
        n = len(_consulted(s))
        row_h.append(max(70, 28 + 44 * n))
    height = 60 + sum(row_h) + 14 * len(steps) + 10
    width = 960
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             _DEFS, f'<text x="10" y="22" font-size="14" font-weight="bold" {_FONT}>{escape(title or outcome.request)}</text>']
    caller = steps[0].request.caller if steps else None
    py = 44
    arn = caller.arn if caller is not None else ""
    parts.append(_box(col_p, py, 210, 80, ["principal: " + outcome.profile] + _wrap(arn, 32), stroke=_BLUE))
    y = 44
    for s, rh in zip(steps, row_h):
        assert s.decision is not None
        ok = s.decision.allowed
        parts.append(_arrow(col_p + 210, py + 40, col_s - 2, y + 20))
        parts.append(f'<text x="{col_s}" y="{y + 14}" font-size="12" font-weight="bold" {_FONT}>'
                     f'{escape(_short(s.label, 78))}</text>')
        deciding = {id(p) for p, _st in s.decision.deciding}
        stmts = {id(p): [st.label for pp, st in s.decision.deciding if pp is p] for p, _st in s.decision.deciding}
        by = y + 22
        for kind, pol in _consulted(s):
            hit = id(pol) in deciding
            stroke = (_GREEN if ok else _RED) if hit else _GREY
            extra = ("decides: " + ", ".join(stmts[id(pol)])) if hit else "consulted"
            parts.append(_box(col_s, by, 480, 38, [f"{kind}: {_short(pol.name, 52)}", extra], stroke=stroke,
                              fill="#fafafa", size=11, dash=not hit))
            by += 44
        if not _consulted(s):
            parts.append(_box(col_s, by, 480, 38, ["no policy applies to this caller", ""], size=11, dash=True))
        color = _GREEN if ok else _RED
        verdict = "ALLOWED" if ok else ("DENIED (explicit)" if s.decision.effect == "explicitDeny" else "DENIED (implicit)")
        parts.append(_arrow(col_s + 482, y + rh / 2, col_d - 2, y + rh / 2))
        parts.append(_box(col_d, y + rh / 2 - 22, 180, 44, [verdict, _short(s.decision.policy_type, 30)], stroke=color,
                          fill="#e8f5e9" if ok else "#ffebee"))
        y += rh + 14
    parts.append("</svg>")
    return "".join(parts)


def _consulted(step) -> list[tuple[str, object]]:
    p = step.policies
    out: list[tuple[str, object]] = []
    if p.resource is not None:
        out.append(("resource-based", p.resource))
    out += [("identity-based", pol) for pol in p.identity]
    if p.boundary is not None:
        out.append(("permissions boundary", p.boundary))
    out += [("session policy", pol) for pol in p.session]
    return out


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _wrap(text: str, n: int) -> list[str]:
    return [text[i:i + n] for i in range(0, len(text), n)][:3]
