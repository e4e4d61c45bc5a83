"""S3 request bodies the lab refuses before moto sees them, the way S3 refuses them.

An S3 operation whose input is an XML document (botocore's S3 model: the input shape's ``payload`` member
is a structure) gets 400 ``MalformedXML`` when that document is not well-formed, or is missing where S3
needs it (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList, MalformedXML:
"The XML you provided was not well-formed or did not validate against our published schema"). moto 5.2.5
fails on such bodies with a parser exception, which the lab would otherwise answer 500.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import lru_cache


from .errors import AwsError
from .service_models import service_model

__all__ = ["check_xml_body"]

# The model marks this document optional, but S3 needs the part list to complete an upload
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html, Request Body, Required: Yes).
_DOCUMENT_NEEDED = frozenset({"CompleteMultipartUpload"})


@lru_cache(maxsize=None)
def _xml_payload(operation: str) -> tuple[bool, bool]:
    """(the input is an XML document, the document is required) for an S3 operation."""
    try:
        shape = service_model("s3").operation_model(operation).input_shape
    except Exception:
        return False, False
    payload = shape.serialization.get("payload") if shape is not None else None
    if not payload or shape.members[payload].type_name != "structure":
        return False, False
    return True, payload in shape.required_members or operation in _DOCUMENT_NEEDED


def check_xml_body(operation: str, body: bytes) -> None:
    """Raise AwsError 400 MalformedXML when ``operation`` takes an XML document and ``body`` is not one."""
    takes_xml, needed = _xml_payload(operation)
    if not takes_xml or (not body.strip() and not needed):
        return
    try:
        ET.fromstring(body)
    except ET.ParseError:
        raise AwsError("s3", "MalformedXML", "The XML you provided was not well-formed or did not validate against "
                       "our published schema", 400) from None
