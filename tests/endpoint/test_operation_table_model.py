"""Every row of the operation table checked against botocore's service models (issue 11, kinds 1 and 8).

The operation must exist in the service's model, and every request parameter the row reads (for an action
derived from parameters, or for a condition key) must exist in that operation's input: an S3 header or query
parameter by its wire name (``locationName``), a KMS / IAM / STS parameter by its member name. A misspelt
name (``PolicyARN`` for IAM's ``PolicyArn``) then fails here rather than silently never matching a policy.
Sources: the botocore models (https://github.com/boto/botocore/tree/develop/botocore/data) and the service
authorization reference (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
"""
from __future__ import annotations

import botocore.session
import pytest

from s3kms_lab.endpoint.operations import (IAM_OPERATIONS, KMS_OPERATIONS, S3_OPERATIONS, STS_OPERATIONS, Op,
                                           Param, Source)

_SESSION = botocore.session.get_session()
_MODELS = {name: _SESSION.get_service_model(name) for name in ("s3", "kms", "iam", "sts")}
_TABLES = {"s3": S3_OPERATIONS, "kms": KMS_OPERATIONS, "iam": IAM_OPERATIONS, "sts": STS_OPERATIONS}
ROWS = [(service, name, op) for service, table in _TABLES.items() for name, op in table.items()]
_LOCATION = {Source.HEADER: "header", Source.QUERY: "querystring", Source.UPLOAD: "header"}
# Model names of operations the SDKs call by another name (moto's router and the wire use the first).
_MODEL_NAME = {("s3", "ListObjects"): "ListObjects", ("kms", "ReEncrypt"): "ReEncrypt"}


def _params(op: Op) -> list[Param]:
    return [row.param for row in op.actions] + [row.param for row in op.condition_keys] + [row.param for row in op.also]


def _has_param(operation_model, param: Param, source_model=None) -> bool:
    shape = operation_model.input_shape
    if param.model_path:
        for member in param.model_path:
            shape = shape.members.get(member) if shape is not None and hasattr(shape, "members") else None
            shape = getattr(shape, "member", shape) if shape is not None and shape.type_name == "list" else shape
        return shape is not None
    if param.source is Source.BODY:
        return param.name in shape.members
    return any(m.serialization.get("location") == _LOCATION[param.source] and
               m.serialization.get("name", "").lower() == param.name.lower() for m in shape.members.values())


@pytest.mark.parametrize("service,name,op", ROWS, ids=[f"{s}:{n}" for s, n, _ in ROWS])
def test_row_matches_the_service_model(service, name, op):
    model = _MODELS[service]
    assert name in model.operation_names, f"{service} has no operation {name}"
    operation = model.operation_model(name)
    for param in _params(op):
        if param.source is Source.OBJECT_TAGS:
            continue  # state: the stored object's tags, not a request parameter
        # a part call reads the SSE headers CreateMultipartUpload was sent with (lab rule SSE-9)
        where = model.operation_model("CreateMultipartUpload") if param.source is Source.UPLOAD else operation
        assert _has_param(where, param), f"{service}:{name} reads {param.source.value} {param.name!r}, " \
                                         f"which {where.name} does not have"
    assert op.action.split(":")[0] == service


def test_the_walk_can_fail():
    """The check itself: a misspelt IAM parameter is caught."""
    assert not _has_param(_MODELS["iam"].operation_model("AttachRolePolicy"), Param(Source.BODY, "PolicyARN"))
    assert _has_param(_MODELS["iam"].operation_model("AttachRolePolicy"), Param(Source.BODY, "PolicyArn"))
