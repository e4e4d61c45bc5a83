"""Notebook 03's explorer: switch key-policy statements and actions on and off, see who can use the key.

The candidate key policy is the lab's stored key policy with statements left out and actions removed
(document editing only); every cell is the lab's decision for that principal under the candidate policy
(:class:`~s3kms_lab.widgets.probe.Probe`, ``key_policy=`` what-if; the lab's key is not changed).

Browser-test contract (keep exactly): Checkbox with class ``s3kms-root-statement`` (checked = the root
statement is present); the table is an HTML widget with class ``s3kms-decision-table``; its row
``data-principal="analyst"`` (in the seed scenario; the scenario's same-account user with an identity policy,
``cast.insider``) has KMS cells (``data-variant="kms:GenerateDataKey"``...) that flip from
ALLOWED to DENIED when the checkbox is unchecked; explanation: HTML widget with class ``s3kms-explanation``.
"""
from __future__ import annotations

import copy
import json
from html import escape
from typing import Any, Mapping, Sequence

from ..engine import MalformedPolicyError
from ..i18n import _, get_language
from .decision_table import TableView, TableWidget
from .probe import Outcome, Probe
from .render import explanation_html, table_html

__all__ = ["KEY_VARIANTS", "KMS_DIRECT_ACTIONS", "KeyPolicyExplorer", "key_policy_widget", "KeyPolicyWidget",
           "statement_key"]

KMS_DIRECT_ACTIONS = ("kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom",
                      "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion")
UPLOAD_VARIANT = "PutObject (SSE-KMS)"
#: Table columns: seven KMS actions called directly on the key, and an SSE-KMS upload (S3 calls KMS for you).
KEY_VARIANTS = KMS_DIRECT_ACTIONS + (UPLOAD_VARIANT,)


def statement_key(st: Mapping[str, Any], index: int) -> str:
    """A statement's name: its Sid, or ``#n`` (1-based) when it has none."""
    return str(st.get("Sid") or f"#{index + 1}")


def _as_list(v: Any) -> list[str]:
    return [v] if isinstance(v, str) else list(v or [])


class KeyPolicyExplorer:
    """Decision table for the scenario's KMS key under an edited copy of its key policy: every profile x
    :data:`KEY_VARIANTS`.

    lab: a running Lab; base_policy: the policy to start from (default: the key policy stored in the lab).
    """

    variants = KEY_VARIANTS

    def __init__(self, lab: Any, base_policy: Any = None):
        self.probe = Probe(lab)
        self.lab = lab
        self.cast = self.probe.cast
        self.principals = self.cast.principals
        if base_policy is None:
            self.base = self.probe.stored_key_policy()
        else:
            self.base = json.loads(base_policy) if isinstance(base_policy, str) else copy.deepcopy(base_policy)
        self.statements = list(self.base.get("Statement", []))
        if isinstance(self.base.get("Statement"), dict):
            self.statements = [self.base["Statement"]]
        self.names = [statement_key(st, i) for i, st in enumerate(self.statements)]
        for p in self.principals:  # resolve every principal's credentials now, not during the first update
            self.probe.credential(p)

    @property
    def root_statement(self) -> str | None:
        """Name of the statement whose Principal is the account (``arn:aws:iam::ACCOUNT:root``), if any."""
        root = f"arn:aws:iam::{self.lab.account}:root"
        for name, st in zip(self.names, self.statements):
            aws = (st.get("Principal") or {}).get("AWS") if isinstance(st.get("Principal"), dict) else None
            if root in _as_list(aws) or self.lab.account in _as_list(aws):
                return name
        return None

    def actions_of(self, name: str) -> list[str]:
        return _as_list(self.statements[self.names.index(name)].get("Action"))

    def policy(self, include: Mapping[str, bool] | None = None,
               actions: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
        """The candidate key policy: the base policy with statements left out (``include[name] = False``) and
        a statement's Action list replaced (``actions[name] = [...]``)."""
        include = include or {}
        actions = actions or {}
        doc = {k: v for k, v in self.base.items() if k != "Statement"}
        sts = []
        for name, st in zip(self.names, self.statements):
            if not include.get(name, True):
                continue
            st = copy.deepcopy(st)
            if name in actions:
                st["Action"] = list(actions[name])
            sts.append(st)
        doc["Statement"] = sts
        return doc

    def outcome(self, principal: str, variant: str, policy: Mapping[str, Any]) -> Outcome:
        if variant == UPLOAD_VARIANT:
            return self.probe.s3(principal, "PutObject", "file.txt", self.probe.sse_headers("aws:kms", "ARN"),
                                 label=_("PutObject with SSE-KMS (S3 calls kms:GenerateDataKey as you)"),
                                 key_policy=policy)
        return self.probe.kms(principal, variant, key_policy=policy)

    def table(self, policy: Mapping[str, Any]) -> dict[tuple[str, str], Outcome]:
        return {(p, v): self.outcome(p, v, policy) for p in self.principals for v in self.variants}

    def update(self, include: Mapping[str, bool] | None = None, actions: Mapping[str, Sequence[str]] | None = None,
               principal: str | None = None, variant: str = "kms:GenerateDataKey",
               cells: dict[tuple[str, str], Outcome] | None = None) -> TableView:
        """Decide the table under the candidate policy; ``principal`` (the explained row) defaults to the
        scenario's same-account user with an identity policy (whose KMS access the account statement opens)."""
        principal = principal or self.cast.insider
        pol = self.policy(include, actions)
        sel = (principal, variant)
        try:
            cells = cells if cells is not None else self.table(pol)
        except MalformedPolicyError as exc:
            msg = _("KMS would refuse this key policy: {code}: {message}").format(code=exc.code, message=exc.message)
            return TableView({}, sel, f"<b>{escape(msg)}</b>", f"<b>{escape(msg)}</b>", error=msg,
                             principals=self.principals, variants=self.variants, extra={"policy": pol})
        caption = _("Each cell: the lab's decision for that principal calling that KMS action on the key "
                    "(last column: an SSE-KMS upload).")
        return TableView(cells, sel, table_html(cells, self.principals, self.variants, sel, caption),
                         explanation_html(cells[sel]), principals=self.principals, variants=self.variants,
                         extra={"policy": pol})


class KeyPolicyWidget(TableWidget):
    """ipywidgets UI around a :class:`KeyPolicyExplorer` (``.ui`` is the VBox to display).

    Controls: ``root`` (Checkbox, class s3kms-root-statement), one Checkbox per other statement
    (``statement_boxes[name]``, class s3kms-statement), one SelectMultiple of actions per statement with
    several actions (``action_boxes[name]``, class s3kms-statement-actions), ``principal`` / ``variant``
    (classes s3kms-principal / s3kms-variant); outputs ``policy_view`` (s3kms-key-policy), ``table``
    (s3kms-decision-table), ``explanation`` (s3kms-explanation).
    """

    def __init__(self, lab: Any, base_policy: Any = None):
        import ipywidgets as w
        self.lang = get_language()
        self.explorer = ex = KeyPolicyExplorer(lab, base_policy)
        self.statement_boxes: dict[str, Any] = {}
        self.action_boxes: dict[str, Any] = {}
        rows = []
        root = ex.root_statement
        for name in ex.names:
            label = (_("statement {name} (account root: delegates to IAM policies)") if name == root
                     else _("statement {name}")).format(name=name)
            box = w.Checkbox(value=True, description=label, indent=False, layout=w.Layout(width="auto"))
            box.add_class("s3kms-root-statement" if name == root else "s3kms-statement")
            box.observe(self._recompute, names="value")
            self.statement_boxes[name] = box
            row = [box]
            acts = ex.actions_of(name)
            if len(acts) > 1:
                sel = w.SelectMultiple(options=acts, value=tuple(acts), rows=len(acts),
                                       layout=w.Layout(width="220px"))
                sel.add_class("s3kms-statement-actions")
                sel.observe(self._recompute, names="value")
                self.action_boxes[name] = sel
                row.append(sel)
            rows.append(w.HBox(row))
        self.root = self.statement_boxes.get(root) if root else None
        style = {"description_width": "130px"}
        self.principal = w.Dropdown(options=list(ex.principals), value=ex.cast.insider,
                                    description=_("explain: principal"), style=style)
        self.principal.add_class("s3kms-principal")
        self.variant = w.Dropdown(options=list(KEY_VARIANTS), value="kms:GenerateDataKey",
                                  description=_("explain: request"), style=style)
        self.variant.add_class("s3kms-variant")
        for c in (self.principal, self.variant):
            c.observe(self._reselect, names="value")
        self.policy_view = w.HTML()
        self.policy_view.add_class("s3kms-key-policy")
        self.table = w.HTML()
        self.table.add_class("s3kms-decision-table")
        self.explanation = w.HTML()
        self.explanation.add_class("s3kms-explanation")
        self.view: TableView | None = None
        self.ui = w.VBox([w.HTML(_("<b>Key policy statements</b> (untick to remove; select the actions to keep)")),
                          *rows, w.HBox([self.principal, self.variant]), self.table, self.explanation,
                          self.policy_view])
        self.ui.add_class("s3kms-key-policy-widget")
        self.refresh()

    def include(self) -> dict[str, bool]:
        return {n: b.value for n, b in self.statement_boxes.items()}

    def actions(self) -> dict[str, list[str]]:
        return {n: list(s.value) for n, s in self.action_boxes.items()}

    def refresh(self, cells: dict[tuple[str, str], Outcome] | None = None) -> TableView:
        self.view = self.explorer.update(self.include(), self.actions(), self.principal.value, self.variant.value,
                                         cells=cells)
        self.table.value = self.view.table_html
        self.explanation.value = self.view.explanation_html
        self.policy_view.value = ("<details><summary>" + _("the key policy being evaluated") + "</summary>"
                                  '<pre style="font-size:11px">'
                                  + escape(json.dumps(self.view.extra["policy"], indent=2)) + "</pre></details>")
        return self.view

    def __repr__(self) -> str:
        off = [n for n, v in self.include().items() if not v]
        return f"KeyPolicyWidget(statements removed={off}, selected={self.principal.value}/{self.variant.value})"


def key_policy_widget(lab: Any, base_policy: Any = None) -> KeyPolicyWidget:
    """Build notebook 03's widget over a running lab (display the returned object)."""
    return KeyPolicyWidget(lab, base_policy)
