"""Condition keys read from a request (and the state it acts on), as the operation table's rows say.

One function, :func:`condition_context`, turns a row's :class:`~.operations.ConditionKey` entries into request
context entries (lower-cased key names, lists of string values). Sources and forms are the table's
(:class:`~.operations.Source`, :class:`~.operations.Form`); this module only reads them:
- S3 tag sets travel URL-encoded in ``x-amz-tagging`` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html)
  or as ``<Tagging><TagSet>`` in PutObjectTagging's body (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html);
- IAM / STS lists travel as ``Name.member.N`` (``Tags.member.N.Key`` / ``.Value``) in the query form
  (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonParameters.html);
- KMS booleans and lists are JSON (``true`` becomes the string ``"true"``, as condition values are strings).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl

from .decide import Call
from .moto_seam import MotoState
from .operations import Form, Op, Param, Source

__all__ = ["condition_context"]


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _member_list(params: dict[str, Any], name: str) -> list[str] | None:
    """``Name.member.N`` query parameters (N = 1, 2, ...) as a list, or a JSON list; None when absent."""
    value = params.get(name)
    if isinstance(value, list):
        return [_text(v) for v in value]
    prefix = f"{name}.member."
    items = sorted((int(k[len(prefix):]), v) for k, v in params.items()
                   if k.startswith(prefix) and k[len(prefix):].isdigit())
    return [v for _n, v in items] if items else None


def _query_tags(params: dict[str, Any], name: str) -> dict[str, str] | None:
    """``Tags.member.N.Key`` / ``.Value`` query parameters as a dict (None when there are none)."""
    prefix = f"{name}.member."
    tags = {v: params.get(k[:-len(".Key")] + ".Value", "") for k, v in params.items()
            if k.startswith(prefix) and k.endswith(".Key")}
    return tags or None


def _tagging_body(body: str | None) -> dict[str, str] | None:
    """The TagSet of an S3 ``<Tagging>`` XML body (None when absent or not XML: S3 refuses it later)."""
    if not body:
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    return {t.findtext(f"{ns}Key") or "": t.findtext(f"{ns}Value") or "" for t in root.iter(f"{ns}Tag")}


def _tags(call: Call, param: Param, state: MotoState) -> dict[str, str] | None:
    if param.source is Source.HEADER:
        value = call.headers.get(param.name)
        return dict(parse_qsl(value, keep_blank_values=True)) if value is not None else None
    if param.source is Source.BODY:
        return _query_tags(call.params, param.name)
    if param.source is Source.TAGGING_BODY:
        return _tagging_body(call.params.get("_body"))
    if param.source is Source.OBJECT_TAGS:
        return state.object_tags(call.bucket, call.key, call.query.get("versionId"))
    return None


def _value(call: Call, param: Param, state: MotoState) -> str | None:
    if param.source is Source.UPLOAD:
        return state.upload_headers(call.bucket, call.query.get("uploadId", "")).get(param.name)
    where = {Source.HEADER: call.headers, Source.QUERY: call.query, Source.BODY: call.params}.get(param.source, {})
    value = where.get(param.name)
    if value is None or (param.source is Source.BODY and value in ("", [], {})):
        return None  # an empty form / JSON parameter is not a value
    return _text(value)


def condition_context(op: Op, call: Call, state: MotoState) -> dict[str, list[str]]:
    """The condition keys ``op``'s row reads from ``call`` (and the state it names), lower-cased."""
    ctx: dict[str, list[str]] = {}
    for row in op.condition_keys:
        key = row.key.lower()
        if row.form is Form.VALUE:
            value = _value(call, row.param, state)
            if value is not None:
                ctx[key] = [value]
        elif row.form is Form.LIST:
            values = _member_list(call.params, row.param.name)
            if values:
                ctx[key] = values
        else:
            tags = _tags(call, row.param, state)
            if not tags:
                continue
            if row.form is Form.TAGS:
                ctx.update({f"{key}/{k.lower()}": [v] for k, v in tags.items()})
            else:
                ctx[key] = list(tags)
    return ctx
