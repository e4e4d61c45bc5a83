"""Pictures for the primer notebook: AWS's policy evaluation flow, where live decisions stopped in it, and
envelope encryption.

:func:`flow_table_html` places decisions the lab made (:class:`~s3kms_lab.widgets.probe.Outcome`) on the
steps of the evaluation flow of https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(explicit deny -> resource-based policies -> identity-based policies -> permissions boundary -> session
policy; in one account an identity-based OR a resource-based Allow is enough, across accounts both are
needed). Nothing is decided here: each cell reads the lab's Decision (its rule, the policies it consulted,
:func:`~s3kms_lab.engine.explain.counting_allows`).
"""
from __future__ import annotations

from html import escape
from typing import Sequence

from ..engine.evaluate import principal_grant
from ..engine.explain import applying_allows, counting_allows, policy_label, rule_sentence
from ..i18n import N_, _
from .diagram import _DEFS, _arrow, _box, _font
from .probe import Outcome
from .render import CELL_STYLE

__all__ = ["FLOW_STEPS", "evaluation_flow_svg", "flow_cells", "flow_table_html", "result_sentence", "envelope_svg"]

#: The steps of AWS's evaluation flow, as the table's columns (English; ``_(step)`` is what a table shows).
FLOW_STEPS = (N_("1 explicit Deny anywhere?"), N_("2 resource-based policy"), N_("3 identity-based policy"),
              N_("4 permissions boundary"), N_("5 session policy"))
_NOT_REACHED = "-"
#: How a flow cell is coloured: it denies, it allows, or neither (not reached, no such policy, no Deny).
_DENIES, _ALLOWS, _NEUTRAL = "deny", "allow", ""


def evaluation_flow_svg() -> str:
    """AWS's evaluation flow for one request, top to bottom (a static picture)."""
    steps = [(_("1 Is there an explicit Deny in any policy?"), _("yes -> DENIED (explicit deny wins)")),
             (_("2 Does a resource-based policy allow?"), _("bucket policy, key policy, trust policy")),
             (_("3 Does an identity-based policy allow?"), _("same account: 2 OR 3 is enough; cross-account: 2 AND 3")),
             (_("4 Does the permissions boundary allow? (if any)"), _("no -> DENIED (implicit)")),
             (_("5 Does the session policy allow? (if any)"), _("no -> DENIED (implicit)"))]
    w, h, gap, x, y0 = 520, 44, 18, 10, 40
    height = y0 + len(steps) * (h + gap) + 34
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" style="max-width:100%;height:auto" width="760" height="{height}" viewBox="0 0 760 {height}">',
             _DEFS, f'<text x="{x}" y="22" font-size="14" font-weight="bold" {_font()}>'
             + _("AWS's policy evaluation flow (one request)") + "</text>"]
    for i, (q, note) in enumerate(steps):
        y = y0 + i * (h + gap)
        parts.append(_box(x, y, w, h, [q, note], stroke="#1f5fbf", size=12))
        if i:
            parts.append(_arrow(x + 40, y - gap, x + 40, y - 1))
    end = y0 + len(steps) * (h + gap)
    parts.append(f'<text x="{x}" y="{end + 10}" font-size="12" {_font()}>'
                 + _("Nothing allows it -> DENIED (implicit deny, the default). Something allows it and nothing caps "
                     "it -> ALLOWED.") + "</text>")
    parts.append("</svg>")
    return "".join(parts)


def flow_cells(outcome: Outcome) -> list[str]:
    """What the deciding step's decision found at each of :data:`FLOW_STEPS`, read from the lab's Decision:
    ``Deny: <policy>``, ``Allow: <policy>``, ``no Allow``, ``allows``/``does not allow`` for caps, or ``-``
    (not reached, or no such policy)."""
    return [text for text, _kind in _flow(outcome)]


def _flow(outcome: Outcome) -> list[tuple[str, str]]:
    """:func:`flow_cells` with each cell's colour (:data:`_DENIES`, :data:`_ALLOWS` or :data:`_NEUTRAL`)."""
    step = _step(outcome)
    if step is None or step.decision is None:
        return [(_NOT_REACHED, _NEUTRAL)] * len(FLOW_STEPS)
    d, ps = step.decision, step.policies
    cells = [(_("no Deny"), _NEUTRAL)] + [(_NOT_REACHED, _NEUTRAL)] * (len(FLOW_STEPS) - 1)
    if d.effect == "explicitDeny":
        pol = d.deciding[0][0]
        cells[0] = (_("Deny: {policy}, statement {statement}").format(policy=policy_label(pol),
                                                                       statement=d.deciding[0][1].label), _DENIES)
        return cells
    counting = {id(p) for p, _sts in counting_allows(d)}
    if ps.resource is not None:
        label = policy_label(ps.resource)
        if id(ps.resource) in counting:
            cells[1] = (_("Allow: {policy}").format(policy=label), _ALLOWS)
        elif any(principal_grant(st, d.request.caller, ps.boundary is not None) == "account"
                 for st in applying_allows(ps.resource, d)):
            cells[1] = (_("delegates to the account: {policy}").format(policy=label), _ALLOWS)
        elif applying_allows(ps.resource, d):  # it allows the caller's role, and a cap below takes it away
            cells[1] = (_("Allow: {policy} (capped below)").format(policy=label), _ALLOWS)
        else:
            cells[1] = (_("no Allow for this caller in the {policy}").format(policy=label), _DENIES)
    else:
        cells[1] = (_("no resource-based policy"), _NEUTRAL)
    allowing = [p for p in ps.identity if applying_allows(p, d)]
    cells[2] = (_("Allow: {policy}").format(policy=policy_label(allowing[0])), _ALLOWS) if allowing \
        else (_("no Allow"), _DENIES)
    if ps.boundary is not None:
        cells[3] = (_("allows"), _ALLOWS) if applying_allows(ps.boundary, d) else \
            (_("does not allow: {policy}").format(policy=policy_label(ps.boundary)), _DENIES)
    if ps.session:
        cells[4] = (_("allows"), _ALLOWS) if all(applying_allows(p, d) for p in ps.session) else \
            (_("does not allow"), _DENIES)
    return cells


def _step(outcome: Outcome):
    """The step a learner asked about: the denied one, else the first (the S3 action, not the KMS call S3
    makes on the caller's behalf)."""
    return outcome.denied or (outcome.decided[0] if outcome.decided else None)


def result_sentence(outcome: Outcome) -> str:
    """The rule that decided that step, in words; when several policies allow in one account, it says any
    one of them is enough."""
    step = _step(outcome)
    if step is None or step.decision is None:
        return ""
    d = step.decision
    text = rule_sentence(d)
    if d.allowed and d.request.same_account and len(counting_allows(d)) > 1 and d.rule != "identity-allow-delegated":
        text = _("{rule}; in one account either Allow alone is enough").format(rule=text)
    return text


def _style(kind: str) -> str:
    return {_DENIES: CELL_STYLE["DENIED"], _ALLOWS: CELL_STYLE["ALLOWED"]}.get(kind, "color:#777")


def flow_table_html(rows: Sequence[tuple[str, Outcome]]) -> str:
    """A table: one row per (label, outcome decided by the lab), one column per step of the flow, and the
    result with the rule in words. Cells carry ``data-step``; the table has class ``s3kms-flow-table``."""
    th = "text-align:left;padding:3px 8px;border-bottom:1px solid #ccc;background:#f3f3f3"
    out = ['<table class="s3kms-flow-table" style="border-collapse:collapse;font-size:12px">',
           f'<thead><tr><th style="{th}">' + escape(_("request")) + "</th>"]
    out += [f'<th style="{th}">{escape(_(s))}</th>' for s in FLOW_STEPS]
    out.append(f'<th style="{th}">' + escape(_("result")) + "</th></tr></thead><tbody>")
    for label, outcome in rows:
        out.append(f'<tr><td style="padding:3px 8px;vertical-align:top;text-align:left"><b>{escape(label)}</b></td>')
        for i, (cell, kind) in enumerate(_flow(outcome)):
            out.append(f'<td data-step="{i + 1}" style="padding:3px 8px;vertical-align:top;text-align:left;'
                       f'{_style(kind)}">'
                       f"{escape(cell)}</td>")
        rule = result_sentence(outcome)
        out.append(f'<td style="padding:3px 8px;vertical-align:top;text-align:left;{CELL_STYLE[outcome.label]}">'
                   f"<b>{outcome.verdict}</b><br><span style='font-size:11px'>{escape(rule)}</span></td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def envelope_svg() -> str:
    """Envelope encryption with SSE-KMS, as S3 does it for an upload and a download (a static picture)."""
    # Each box is one message whose lines are the box's lines (a translation chooses its own line breaks).
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" style="max-width:100%;height:auto" width="900" height="250" viewBox="0 0 900 250">', _DEFS,
             f'<text x="10" y="22" font-size="14" font-weight="bold" {_font()}>' + _("Envelope encryption (SSE-KMS)")
             + "</text>"]
    parts.append(_box(10, 40, 235, 62, [_("KMS key (never leaves KMS)"), "alias/my-secure-key"], stroke="#1f5fbf"))
    parts.append(_box(300, 40, 270, 62, _("kms:GenerateDataKey (as you)\n-> plaintext data key (32 bytes)\n"
                                          "-> the same key, encrypted by the KMS key").split("\n"), stroke="#2e7d32"))
    parts.append(_box(650, 40, 240, 62, _("S3 encrypts your object\nwith the plaintext data key,\n"
                                          "then forgets that plaintext").split("\n")))
    parts.append(_box(650, 140, 240, 62, _("S3 stores: encrypted object\n+ the encrypted data key\n"
                                           "+ the key ARN (SSEKMSKeyId)").split("\n")))
    parts.append(_box(300, 140, 270, 62, _("download: kms:Decrypt (as you)\nencrypted data key -> plaintext\n"
                                           "S3 decrypts the object with it").split("\n"), stroke="#c62828"))
    parts.append(_arrow(245, 71, 298, 71))
    parts.append(_arrow(570, 71, 648, 71))
    parts.append(_arrow(770, 102, 770, 138))
    parts.append(_arrow(650, 171, 572, 171))
    parts.append(f'<text x="10" y="232" font-size="12" {_font()}>'
                 + _("Both KMS calls are made by S3 with the caller's permissions: an upload needs "
                     "kms:GenerateDataKey, a download kms:Decrypt, on the key.") + "</text>")
    parts.append("</svg>")
    return "".join(parts)
