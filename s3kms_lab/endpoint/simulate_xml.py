"""IAM query-protocol plumbing for the Simulate* APIs: decode ``X.member.N`` parameters, encode the
XML response exactly as botocore's IAM model expects it
(https://github.com/boto/botocore/blob/develop/botocore/data/iam/2010-05-08/service-2.json).
"""
from __future__ import annotations


import uuid
from typing import Any, Mapping
from xml.sax.saxutils import escape

__all__ = ["decode_query_params", "simulate_response"]

_MAPS = {"EvalDecisionDetails"}  # map shapes: <entry><key/><value/></entry>


def decode_query_params(flat: Mapping[str, str]) -> dict[str, Any]:
    """``{"ActionNames.member.1": "s3:GetObject", ...}`` -> ``{"ActionNames": ["s3:GetObject"], ...}``."""
    root: dict[str, Any] = {}
    for name, value in flat.items():
        if name in ("Action", "Version"):
            continue
        parts = name.split(".")
        node: Any = root
        i = 0
        while i < len(parts):
            part = parts[i]
            last = i == len(parts) - 1
            if part == "member" and i + 1 < len(parts):
                idx = int(parts[i + 1]) - 1
                i += 2
                done = i >= len(parts)
                while len(node) <= idx:
                    node.append(None)
                if done:
                    node[idx] = value
                else:
                    if node[idx] is None:
                        node[idx] = [] if parts[i] == "member" else {}
                    node = node[idx]
                continue
            if last:
                node[part] = value
            else:
                if part not in node:
                    node[part] = [] if parts[i + 1] == "member" else {}
                node = node[part]
            i += 1
    return root


def _xml(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f"<{name}>{'true' if value else 'false'}</{name}>"
    if isinstance(value, dict):
        if name in _MAPS:
            inner = "".join(f"<entry><key>{escape(str(k))}</key><value>{escape(str(v))}</value></entry>" for k, v in value.items())
        else:
            inner = "".join(_xml(k, v) for k, v in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, list):
        return f"<{name}>" + "".join(_xml("member", v) for v in value) + f"</{name}>"
    return f"<{name}>{escape(str(value))}</{name}>"


def simulate_response(operation: str, result: dict[str, Any]) -> str:
    """The XML body for ``SimulateCustomPolicy`` / ``SimulatePrincipalPolicy``."""
    body = "".join(_xml(k, v) for k, v in result.items())
    rid = str(uuid.uuid4())
    return (f'<{operation}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            f"<{operation}Result>{body}</{operation}Result>"
            f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{operation}Response>")


