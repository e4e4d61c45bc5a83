"""Every modelled request's parameters checked against botocore's service model before it is planned.

botocore ships AWS's own API models (input shapes: member types, ``enum`` lists, ``min``/``max``), so a value
of the wrong type or outside its set is refused here, in each service's words, instead of reaching moto
(which answers 500 or, worse, accepts it):

- S3 (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList): a query parameter or
  header bound to an input member (``location``/``locationName``) that is not an integer/boolean, or not one of
  its enum values: 400 ``InvalidArgument`` with ``ArgumentName``/``ArgumentValue``; a value inside the
  operation's XML document (the input's ``payload`` structure) of the wrong type or outside its enum: 400
  ``MalformedXML`` ("did not validate against our published schema").
  S3's integer query parameters are never negative (``max-keys``, ``max-parts``, ``part-number-marker``...),
  and a part number is 1..10,000
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html, partNumber: "a positive integer
  between 1 and 10,000").
- KMS (https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html): a JSON member of the wrong JSON
  type: 400 ``SerializationException``; a value outside its enum or its min/max: 400 ``ValidationException``.
  A key policy (``Policy``) nested deeper than :data:`~.bad_input.MAX_JSON_DEPTH`: 400
  ``MalformedPolicyDocumentException`` (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html).
- IAM / STS (query protocol, https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html): a scalar
  parameter of the wrong type, outside its enum or its min/max: 400 ``ValidationError``.

Members the model does not name are left alone (clients send extra headers; AWS ignores unknown JSON members).
Timestamps and blobs are not checked (HTTP date headers that do not parse are ignored by S3, per RFC 9110).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from botocore.model import OperationNotFoundError, Shape
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .bad_input import MALFORMED_XML, MAX_JSON_DEPTH, json_too_deep
from .errors import AwsError
from .service_models import service_model

__all__ = ["check_s3_parameters", "check_kms_parameters", "check_query_parameters"]

_INTEGER = re.compile(r"-?[0-9]+")
# S3 query integers that are counts or markers (never negative); part numbers run 1..10,000.
_S3_QUERY_RANGES = {"partNumber": (1, 10000), "max-keys": (0, None), "max-parts": (0, None),
                    "max-uploads": (0, None), "part-number-marker": (0, None)}
_INT32 = (-2**31, 2**31 - 1)


@lru_cache(maxsize=None)
def _input_shape(service: str, operation: str) -> Shape | None:
    try:
        model = service_model(service)
        return model.operation_model(operation).input_shape
    except (OperationNotFoundError, ValueError, KeyError):
        return None


def _enum(shape: Shape) -> list[str]:
    return list(shape.metadata.get("enum") or [])


def _text_problem(shape: Shape, text: str) -> str | None:
    """Why ``text`` (a query/header/XML value) is not a valid ``shape`` value, or None."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        if not _INTEGER.fullmatch(text.strip()):
            return "not an integer"
        if kind == "integer" and not _INT32[0] <= int(text) <= _INT32[1]:
            return "not within integer range"
    elif kind == "boolean":
        if text.strip().lower() not in ("true", "false"):
            return "not a boolean (true or false)"
    elif kind == "string" and _enum(shape) and text not in _enum(shape):
        return "not one of " + ", ".join(_enum(shape))
    return None


# ---- S3 ---------------------------------------------------------------------------------------------------

def _invalid_argument(name: str, value: str, why: str) -> AwsError:
    return AwsError("s3", "InvalidArgument", f"Provided {name} {why}", 400,
                    extra={"ArgumentName": name, "ArgumentValue": value[:256]})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_name(name: str, shape: Shape) -> str:
    return shape.serialization.get("name", name)


def _check_xml_element(element: Any, shape: Shape) -> bool:
    """True when ``element`` conforms to ``shape`` (types and enums; unknown children ignored)."""
    kind = shape.type_name
    if kind == "structure":
        by_name: dict[str, Shape] = {_xml_name(n, m): m for n, m in shape.members.items()}
        return all(_check_xml_element(child, by_name[_local(child.tag)])
                   for child in element if _local(child.tag) in by_name)
    if kind == "list":
        if shape.serialization.get("flattened"):
            return _check_xml_element(element, shape.member)
        return all(_check_xml_element(child, shape.member) for child in element)
    if kind in ("map", "timestamp", "blob"):
        return True
    return _text_problem(shape, element.text or "") is None


def _check_s3_body(shape: Shape, body: bytes) -> None:
    payload = shape.serialization.get("payload")
    member = shape.members.get(payload) if payload else None
    if member is None or member.type_name != "structure" or not body.strip():
        return
    try:
        root = fromstring(body)
    except (ParseError, DefusedXmlException, ValueError, SyntaxError):
        return  # malformed documents are bad_input.py's / s3_request.py's to refuse
    if not _check_xml_element(root, member):
        raise AwsError("s3", "MalformedXML", MALFORMED_XML, 400)


def check_s3_parameters(operation: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> None:
    """Refuse an S3 ``operation`` whose query parameters (decoded), lower-cased ``headers`` or XML ``body``
    do not fit botocore's S3 input shape. Raises AwsError 400 ``InvalidArgument`` / ``MalformedXML``."""
    shape = _input_shape("s3", operation)
    if shape is None:
        return
    for member in shape.members.values():
        location = member.serialization.get("location")
        name = member.serialization.get("name", "")
        if location == "querystring":
            value = query.get(name)
        elif location == "header":
            value = headers.get(name.lower())
        else:
            continue
        if value is None:
            continue
        why = _text_problem(member, value)
        if why is None and location == "querystring" and name in _S3_QUERY_RANGES:
            low, high = _S3_QUERY_RANGES[name]
            if int(value) < low or (high is not None and int(value) > high):
                why = f"must be between {low} and {high}" if high is not None else "cannot be negative"
        if why is not None:
            raise _invalid_argument(name, value, why)
    _check_s3_body(shape, body)


# ---- KMS (JSON 1.1) ---------------------------------------------------------------------------------------

def _serialization(path: str, expected: str) -> AwsError:
    return AwsError("kms", "SerializationException", f"{path}: expected a JSON {expected}", 400)


def _validation(path: str, value: Any, constraint: str) -> AwsError:
    return AwsError("kms", "ValidationException", f"1 validation error detected: Value {str(value)[:128]!r} at "
                                                  f"'{path}' failed to satisfy constraint: {constraint}", 400)


def _check_range(shape: Shape, size: int, path: str, value: Any, what: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        raise _validation(path, value, f"Member must have {what} greater than or equal to {low}")
    if high is not None and size > high:
        raise _validation(path, value, f"Member must have {what} less than or equal to {high}")


def _check_json(value: Any, shape: Shape, path: str) -> None:
    kind = shape.type_name
    if value is None:
        return
    if kind == "structure":
        if not isinstance(value, dict):
            raise _serialization(path, "object")
        for name, member in shape.members.items():
            _check_json(value.get(name), member, f"{path}.{name}" if path else name)
    elif kind == "list":
        if not isinstance(value, list):
            raise _serialization(path, "array")
        _check_range(shape, len(value), path, value, "length")
        for index, item in enumerate(value):
            _check_json(item, shape.member, f"{path}.{index + 1}")
    elif kind == "map":
        if not isinstance(value, dict):
            raise _serialization(path, "object")
        for key, item in value.items():
            _check_json(item, shape.value, f"{path}.{key}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _serialization(path, "number (integer)")
        _check_range(shape, value, path, value, "value")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _serialization(path, "boolean")
    elif kind in ("string", "blob"):
        if not isinstance(value, str):
            raise _serialization(path, "string")
        if kind == "string":
            if _enum(shape) and value not in _enum(shape):
                raise _validation(path, value, "Member must satisfy enum value set: [" + ", ".join(_enum(shape)) + "]")
            _check_range(shape, len(value), path, value, "length")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _serialization(path, "timestamp")


def check_kms_parameters(operation: str, params: dict[str, Any]) -> None:
    """Refuse a KMS ``operation`` whose decoded JSON ``params`` do not fit botocore's KMS input shape, or whose
    ``Policy`` nests too deep. Raises AwsError 400 (see the module doc)."""
    policy = params.get("Policy")
    if isinstance(policy, str) and json_too_deep(policy):
        raise AwsError("kms", "MalformedPolicyDocumentException", f"The key policy nests JSON more than "
                                                                   f"{MAX_JSON_DEPTH} levels deep.", 400)
    shape = _input_shape("kms", operation)
    if shape is not None:
        _check_json(params, shape, "")


# ---- IAM / STS (query) ------------------------------------------------------------------------------------

def check_query_parameters(service: str, params: dict[str, str]) -> None:
    """Refuse an IAM/STS call whose top-level scalar parameters (``Action`` names the operation) do not fit
    botocore's input shape: 400 ``ValidationError``. Lists/maps (``Name.member.N``) are not checked here."""
    shape = _input_shape(service, params.get("Action", ""))
    if shape is None:
        return
    for name, member in shape.members.items():
        value = params.get(name)
        if value is None or member.type_name not in ("string", "integer", "long", "boolean"):
            continue
        why = _text_problem(member, value)
        size = len(value) if member.type_name == "string" else (int(value) if why is None else None)
        low, high = member.metadata.get("min"), member.metadata.get("max")
        if why is None and size is not None:
            if low is not None and size < low:
                why = f"Member must have {'length' if member.type_name == 'string' else 'value'} greater than " \
                      f"or equal to {low}"
            elif high is not None and size > high:
                why = f"Member must have {'length' if member.type_name == 'string' else 'value'} less than " \
                      f"or equal to {high}"
        if why is not None:
            raise AwsError(service, "ValidationError", f"1 validation error detected: Value {value[:128]!r} at "
                                                       f"'{name}' failed to satisfy constraint: {why}", 400)
