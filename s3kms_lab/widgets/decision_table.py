"""Notebook 02's explorer: who may do what to the scenario's bucket, for a choice of encryption headers.

Plain logic (:class:`BucketPolicyExplorer`, tested without a browser) plus the ipywidgets front end
(:func:`bucket_policy_widget`). Every cell is the lab's decision (:class:`~s3kms_lab.widgets.probe.Probe`);
nothing here reads a policy. Bucket, key and profiles are the lab's scenario's (``probe.cast``).

Browser-test contract (keep exactly): the SSE-header Dropdown has class ``s3kms-sse-header``, options
include ``aws:kms`` and ``none``, initial value ``aws:kms``; the table is an HTML widget with class
``s3kms-decision-table`` whose <td> cells carry ``data-principal`` / ``data-variant`` and the text
ALLOWED or DENIED; the selected cell's explanation is an HTML widget with class ``s3kms-explanation``.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from html import escape
from typing import Any

from ..engine import MalformedPolicyError
from ..i18n import N_, _, get_language, language
from .probe import KEY_ID_FORMS, SSE_HEADERS, Outcome, Probe, choice_text, verdict_text
from .render import explanation_html, options, table_html

__all__ = ["BUCKET_VARIANTS", "UPLOAD_VARIANTS", "DEFAULT_ENCRYPTION", "TableView", "BucketPolicyExplorer",
           "bucket_policy_widget", "BucketPolicyWidget", "default_encryption_text"]

#: The 8 request variants (table columns). The first three send the chosen encryption headers.
BUCKET_VARIANTS = ("PutObject", "CreateMultipartUpload", "CopyObject", "GetObject", "HeadObject",
                   "DeleteObject", "ListObjectsV2", "PutBucketPolicy")
UPLOAD_VARIANTS = ("PutObject", "CreateMultipartUpload", "CopyObject")
#: Bucket default encryption choices (set on the scenario's bucket by its admin through the S3 API).
DEFAULT_ENCRYPTION = ("off", "SSE-S3 (AES256)", "SSE-KMS (this key)")
#: What a learner reads for each of :data:`DEFAULT_ENCRYPTION` (the values stay as they are).
_DEFAULT_ENCRYPTION_TEXT = {"off": N_("off"), "SSE-KMS (this key)": N_("SSE-KMS (this key)")}


def default_encryption_text(option: str) -> str:
    """A choice of :data:`DEFAULT_ENCRYPTION` in the current language."""
    return _(_DEFAULT_ENCRYPTION_TEXT[option]) if option in _DEFAULT_ENCRYPTION_TEXT else option

SAMPLE_KEY = "reports/sample.txt"


def _ljust(text: str, width: int) -> str:
    """``text.ljust(width)`` by the columns a terminal gives it (a Hangul character takes two)."""
    return text + " " * (width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text))


@dataclass
class TableView:
    """What the widget shows after one update."""

    cells: dict[tuple[str, str], Outcome]
    selected: tuple[str, str]
    table_html: str
    explanation_html: str
    request_html: str = ""
    error: str = ""
    principals: tuple[str, ...] = ()
    variants: tuple[str, ...] = BUCKET_VARIANTS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> Outcome:
        return self.cells[self.selected]

    def grid(self) -> list[list[str]]:
        """Rows of ALLOWED/DENIED, principals x variants."""
        return [[self.cells[(p, v)].label for v in self.variants] for p in self.principals]

    def text(self) -> str:
        """The table as plain text (for printing in a notebook or a test failure)."""
        w = max(len(v) for v in self.variants)
        lines = ["".ljust(10) + " ".join(v[:w].ljust(min(w, 13))[:13] for v in self.variants)]
        for p, row in zip(self.principals, self.grid()):
            lines.append(p.ljust(10) + " ".join(_ljust(verdict_text(c), 13) for c in row))
        return "\n".join(lines)


class BucketPolicyExplorer:
    """Decision table for the scenario's bucket: every profile x 8 request variants, for chosen encryption
    headers.

    lab: a running Lab; bucket_policy: optional candidate bucket policy (dict or JSON) evaluated instead of
    the stored one (the lab is not changed).
    """

    variants = BUCKET_VARIANTS
    primary = "PutObject"

    def __init__(self, lab: Any, bucket_policy: Any = None):
        self.probe = Probe(lab)
        self.lab = lab
        self.cast = self.probe.cast
        self.bucket = self.cast.bucket
        self.principals = self.cast.principals
        self.bucket_policy = bucket_policy
        self.sample = self.probe.ensure_object(SAMPLE_KEY)
        for pr in self.principals:  # resolve every principal's credentials now, not during the first update
            self.probe.credential(pr)
        self.probe.other_key_arn()  # the "another key" choice needs a second key in the lab
        # S3 creates the AWS managed key aws/s3 on the first SSE-KMS upload without a key id; deciding one now
        # keeps that one-time cost out of the learner's first click.
        self.probe.put(self.cast.role_user, "aws:kms", "none")
        self._admin_s3: Any = None
        self.default_encryption = self.current_default_encryption()

    # ------------------------------------------------------------------ lab state
    def current_default_encryption(self) -> str:
        rule = (self.lab.state.bucket_encryption(self.bucket) or {}).get("Rule") or {}
        algo = (rule.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
        return {"AES256": DEFAULT_ENCRYPTION[1], "aws:kms": DEFAULT_ENCRYPTION[2]}.get(algo or "", "off")

    def set_default_encryption(self, option: str) -> None:
        """Set the bucket's default encryption as the scenario's admin, through the lab's S3 API."""
        if option not in DEFAULT_ENCRYPTION:
            raise ValueError(f"default encryption must be one of {DEFAULT_ENCRYPTION}")
        if option == self.default_encryption:
            return
        if self._admin_s3 is None:
            self._admin_s3 = self.lab.client("s3", self.cast.admin)
        s3 = self._admin_s3
        if option == "off":
            s3.delete_bucket_encryption(Bucket=self.bucket)
        else:
            default = {"SSEAlgorithm": "AES256"} if option.startswith("SSE-S3") else \
                {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.lab.key_arn}
            s3.put_bucket_encryption(Bucket=self.bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": False}]})
        self.default_encryption = option

    # ------------------------------------------------------------------ decisions
    def outcome(self, principal: str, variant: str, headers: dict[str, str]) -> Outcome:
        """The lab's decision for one cell."""
        p = self.probe
        over = {"bucket_policy": self.bucket_policy} if self.bucket_policy is not None else {}
        if variant == "PutObject":
            return p.s3(principal, "PutObject", "file.txt", headers, **over)
        if variant == "CreateMultipartUpload":
            return p.s3(principal, "CreateMultipartUpload", "big.bin", headers, **over)
        if variant == "CopyObject":
            return p.s3(principal, "CopyObject", "copy.txt", headers, copy_source=f"{self.bucket}/{self.sample}", **over)
        if variant in ("GetObject", "HeadObject", "DeleteObject"):
            return p.s3(principal, variant, self.sample, **over)
        if variant in ("ListObjectsV2", "PutBucketPolicy"):
            return p.s3(principal, variant, **over)
        raise ValueError(f"unknown variant {variant!r}")

    def table(self, sse: str = "aws:kms", key_form: str = "ARN") -> dict[tuple[str, str], Outcome]:
        headers = self.probe.sse_headers(sse, key_form)
        return {(pr, v): self.outcome(pr, v, headers) for pr in self.principals for v in self.variants}

    def update(self, sse: str = "aws:kms", key_form: str = "ARN", principal: str | None = None,
               variant: str = "PutObject", default_encryption: str | None = None,
               cells: dict[tuple[str, str], Outcome] | None = None) -> TableView:
        """Decide the whole table for the chosen controls and render it (pass ``cells`` to only re-select).
        ``principal`` (the explained cell's row) defaults to the profile that uses the scenario's role."""
        principal = principal or self.cast.role_user
        if sse not in SSE_HEADERS or key_form not in KEY_ID_FORMS:
            raise ValueError("unknown SSE header or key-id form")
        if default_encryption is not None:
            self.set_default_encryption(default_encryption)
        headers = self.probe.sse_headers(sse, key_form)
        try:
            cells = cells if cells is not None else self.table(sse, key_form)
        except MalformedPolicyError as exc:
            msg = _("S3 would refuse this bucket policy: {code}: {message}").format(code=exc.code, message=exc.message)
            return TableView({}, (principal, variant), f"<b>{escape(msg)}</b>", f"<b>{escape(msg)}</b>", error=msg,
                             principals=self.principals)
        sel = (principal, variant)
        caption = _("Each cell: the lab's decision for that principal making that request. Uploads send: {headers}"
                    " · bucket default encryption: {default}").format(
            headers=", ".join(f"{k}: {v}" for k, v in headers.items()) or _("no encryption headers"),
            default=default_encryption_text(self.default_encryption))
        req = [f"<code>{escape(k)}: {escape(v)}</code>" for k, v in headers.items()] or \
            ["<i>" + _("no encryption headers") + "</i>"]
        if sse in ("none", "AES256") and key_form != "none":
            req.append("<i>" + _("(the key id travels only with aws:kms / aws:kms:dsse, so it is not sent)") + "</i>")
        return TableView(cells, sel, table_html(cells, self.principals, self.variants, sel, caption),
                         explanation_html(cells[sel]), _("Upload headers: {headers}").format(headers=" ".join(req)),
                         principals=self.principals)


# ---------------------------------------------------------------------- ipywidgets front end

def _widgets() -> Any:
    import ipywidgets
    return ipywidgets


class TableWidget:
    """What every decision-table widget shares: recompute on a control change, re-select a cell without
    re-deciding, and display as its ``ui`` with a readable ``text/plain`` (subclasses define ``refresh``)."""

    view: TableView | None = None
    ui: Any = None
    #: The language the widget was built in: its labels are read then, and every redraw speaks it too.
    lang: str = "en"

    def refresh(self, cells: dict[tuple[str, str], Outcome] | None = None) -> TableView:
        raise NotImplementedError

    def _recompute(self, _change: Any = None) -> None:
        with language(self.lang):
            self.refresh()

    def _reselect(self, _change: Any = None) -> None:
        with language(self.lang):
            self.refresh(cells=self.view.cells if self.view is not None and not self.view.error else None)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.ui._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = repr(self)
        return bundle


class BucketPolicyWidget(TableWidget):
    """The ipywidgets UI around a :class:`BucketPolicyExplorer` (``.ui`` is the VBox to display).

    Controls: ``sse`` (class s3kms-sse-header), ``key_form`` (s3kms-key-id-form), ``principal``
    (s3kms-principal), ``variant`` (s3kms-variant), ``default_encryption`` (s3kms-default-encryption);
    outputs: ``table`` (s3kms-decision-table), ``explanation`` (s3kms-explanation), ``request`` (s3kms-request).
    """

    def __init__(self, lab: Any, bucket_policy: Any = None):
        w = _widgets()
        self.lang = get_language()
        self.explorer = BucketPolicyExplorer(lab, bucket_policy)
        style = {"description_width": "150px"}
        lay = w.Layout(width="360px")
        self.sse = w.Dropdown(options=options(SSE_HEADERS, choice_text), value="aws:kms",
                              description=_("SSE header"), style=style, layout=lay)
        self.sse.add_class("s3kms-sse-header")
        self.key_form = w.Dropdown(options=options(KEY_ID_FORMS, choice_text), value="ARN",
                                   description=_("key id form"), style=style, layout=lay)
        self.key_form.add_class("s3kms-key-id-form")
        self.default_encryption = w.Dropdown(options=options(DEFAULT_ENCRYPTION, default_encryption_text),
                                             value=self.explorer.default_encryption,
                                             description=_("bucket default enc."), style=style, layout=lay)
        self.default_encryption.add_class("s3kms-default-encryption")
        self.principal = w.Dropdown(options=list(self.explorer.principals), value=self.explorer.cast.role_user,
                                    description=_("explain: principal"),
                                    style=style, layout=lay)
        self.principal.add_class("s3kms-principal")
        self.variant = w.Dropdown(options=list(BUCKET_VARIANTS), value="PutObject", description=_("explain: request"),
                                  style=style, layout=lay)
        self.variant.add_class("s3kms-variant")
        self.request = w.HTML()
        self.request.add_class("s3kms-request")
        self.table = w.HTML()
        self.table.add_class("s3kms-decision-table")
        self.explanation = w.HTML()
        self.explanation.add_class("s3kms-explanation")
        self.view: TableView | None = None
        for c in (self.sse, self.key_form, self.default_encryption):
            c.observe(self._recompute, names="value")
        for c in (self.principal, self.variant):
            c.observe(self._reselect, names="value")
        controls = w.HBox([w.VBox([self.sse, self.key_form, self.default_encryption]),
                           w.VBox([self.principal, self.variant])])
        self.ui = w.VBox([controls, self.request, self.table, self.explanation])
        self.ui.add_class("s3kms-bucket-policy-widget")
        self.refresh()

    def refresh(self, cells: dict[tuple[str, str], Outcome] | None = None) -> TableView:
        self.view = self.explorer.update(self.sse.value, self.key_form.value, self.principal.value, self.variant.value,
                                         self.default_encryption.value, cells=cells)
        self.request.value = self.view.request_html
        self.table.value = self.view.table_html
        self.explanation.value = self.view.explanation_html
        return self.view

    def __repr__(self) -> str:
        return (f"BucketPolicyWidget(sse={self.sse.value!r}, key_form={self.key_form.value!r}, "
                f"default_encryption={self.default_encryption.value!r}, selected={self.principal.value}/{self.variant.value})")


def bucket_policy_widget(lab: Any, bucket_policy: Any = None) -> BucketPolicyWidget:
    """Build notebook 02's widget over a running lab (display the returned object)."""
    return BucketPolicyWidget(lab, bucket_policy)
