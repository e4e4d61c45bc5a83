"""Issue 10's parser-differential test: odd request encodings, sent byte-exact.

For every copy source in the corpus the lab either refuses the request, or the object moto copies is exactly
the one the lab parsed (and authorized): same bucket, key and version. The check does not trust the parser:
each source bucket holds objects under every key a lenient reader could pick (``a?x=1`` beside ``a``, a
``diff-src/a`` in the destination bucket for a ``//`` reading...), each with its own content, and the copied
bytes are compared with the object the lab's reading names. The same holds for repeated query parameters
and for a copy source on an operation that does not copy.
CopyObject: https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
"""
from __future__ import annotations

import itertools

import pytest
from endpoint_helpers import REGION
from raw_http import send, sign

from s3kms_lab import Lab
from s3kms_lab.endpoint.copy_source import parse_copy_source, moto_reading, canonical_header
from s3kms_lab.endpoint.errors import AwsError

SRC, DST, VER, OUT = "diff-src", "diff-dst", "diff-ver", "diff-out"
SRC_KEYS = ["a", "a?x=1", "a#frag", "a;p=1", "a b", "a+b", "é", "a,b", "/a", "a?versionId=1", "dir/a"]
_counter = itertools.count()


@pytest.fixture(scope="module")
def lab():
    with Lab("seed") as running:
        s3 = running.client("s3", "admin")
        for bucket in (SRC, DST, VER, OUT):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        for key in SRC_KEYS:
            s3.put_object(Bucket=SRC, Key=key, Body=f"{SRC}:{key}".encode())
        s3.put_object(Bucket=DST, Key=f"{SRC}/a", Body=f"{DST}:{SRC}/a".encode())
        s3.put_bucket_versioning(Bucket=VER, VersioningConfiguration={"Status": "Enabled"})
        running.versions = [s3.put_object(Bucket=VER, Key="v", Body=f"{VER}:v:{i}".encode())["VersionId"]
                            for i in range(2)]
        yield running


def _corpus(versions: list[str]) -> list[tuple[str, ...]]:
    old, new = versions
    single = [
        f"{SRC}/a", f"/{SRC}/a", f"//{DST}/{SRC}/a", f"///{SRC}/a", f"http://{DST}/{SRC}/a", f"s3://{SRC}/a",
        f"{SRC}/a?x=1", f"{SRC}/a#frag", f"{SRC}/a;p=1", f"{SRC}/a%3Fx%3D1", f"{SRC}/a%23frag", f"{SRC}/a%3Bp%3D1",
        f"{SRC}/a%20b", f"{SRC}/a+b", f"{SRC}/a%2Bb", f"{SRC}/%C3%A9", f"{SRC}/%FF", f"{SRC}/%6", f"{SRC}/%61",
        f"%64iff-src/a", f"{SRC}%2Fa", f"{SRC}//a", f"{SRC}/%2Fa", f"{SRC}/dir%2Fa", f"{SRC}/a%2Cb", f"{SRC}/a,b",
        f"{SRC}/ a", f"{SRC}/a?versionId=1", f"{SRC}/a%3FversionId=1", f"{SRC}", f"{SRC}/", f"/{SRC}", "",
        f"DIFF-SRC/a", f"{SRC}/A", f"arn:aws:s3:{REGION}:123456789012:accesspoint/ap/object/a", f"{SRC}\\a",
        f"{VER}/v?versionId={old}", f"{VER}/v?versionId={new}", f"{VER}/v", f"{VER}/v?VersionId={old}",
        f"{VER}/v?versionid={old}", f"{VER}/v?versionId={old}&versionId={new}", f"{VER}/v?versionId={old}#x",
        f"{VER}/v?versionId={old}&x=1", f"{VER}/v?versionId=", f"{VER}/v?versionId", f"{VER}/v??versionId={old}",
        f"{VER}/v%3FversionId%3D{old}", f"{VER}/v?versionId={old}?", f"{VER}/v?x=1&versionId={old}",
    ]
    doubled = [(f"{SRC}/a", f"{DST}/{SRC}/a"), (f"{SRC}/a", f"{SRC}/a")]
    return [(v,) for v in single] + doubled


def _object(lab, bucket: str, key: str, version: str | None) -> bytes | None:
    args = {"VersionId": version} if version else {}
    try:
        return lab.client("s3", "admin").get_object(Bucket=bucket, Key=key, **args)["Body"].read()
    except Exception:
        return None


def _lab_reading(values: tuple[str, ...]):
    """What the lab parses from the header as the server joins repeated headers (``a,b``), or None: refused."""
    try:
        return parse_copy_source(",".join(values))
    except AwsError:
        return None


def test_every_copy_source_is_refused_or_copies_exactly_what_was_parsed(lab):
    mismatches = []
    for values in _corpus(lab.versions):
        dest = f"out-{next(_counter)}"
        target, headers = sign(lab, "admin", "PUT", f"/{OUT}/{dest}", {"x-amz-copy-source": values[0]})
        headers += [("x-amz-copy-source", v) for v in values[1:]]  # repeated header, unsigned beyond the first
        answer = send(lab, "PUT", target, headers)
        parsed = _lab_reading(values)
        copied = _object(lab, OUT, dest, None)
        if answer.status == 200:
            expected = _object(lab, parsed.bucket, parsed.key, parsed.version_id) if parsed else None
            ok = parsed is not None and copied is not None and copied == expected
        else:
            # refused: nothing copied; and when the lab's reading was fine, the refusal says the object is missing
            ok = copied is None and answer.status in (400, 403, 404) and (
                parsed is None or _object(lab, parsed.bucket, parsed.key, parsed.version_id) is None
                or len(values) > 1)
        if not ok:
            mismatches.append((values, answer.status, answer.code, parsed, copied))
    assert not mismatches, mismatches


def test_corpus_exercises_both_outcomes(lab):
    """The differential test above is only meaningful if the corpus has accepted and refused sources."""
    readings = [_lab_reading(v) for v in _corpus(lab.versions)]
    assert sum(r is not None for r in readings) >= 10 and sum(r is None for r in readings) >= 20


@pytest.mark.parametrize("values", _corpus(["v1", "v2"]))
def test_lab_reading_agrees_with_moto_reading_of_what_is_forwarded(values):
    parsed = _lab_reading(values)
    if parsed is not None:
        assert moto_reading(canonical_header(parsed)) == parsed


@pytest.mark.parametrize("query", ["?tagging", "?acl", "?retention", "?legal-hold"])
def test_copy_source_on_an_operation_that_does_not_copy_is_refused(lab, query):
    target, headers = sign(lab, "admin", "PUT", f"/{OUT}/subresource{query}",
                           {"x-amz-copy-source": f"{SRC}/a"}, b"")
    answer = send(lab, "PUT", target, headers)
    assert answer.status in (400, 501), (answer.status, answer.body)
    assert _object(lab, OUT, "subresource", None) is None


def test_repeated_query_parameters_are_refused(lab):
    s3 = lab.client("s3", "admin")
    upload = s3.create_multipart_upload(Bucket=OUT, Key="mp")["UploadId"]
    other = s3.create_multipart_upload(Bucket=OUT, Key="mp")["UploadId"]
    for query in (f"?partNumber=1&uploadId={upload}&uploadId={other}", f"?partNumber=1&partNumber=2&uploadId={upload}"):
        target, headers = sign(lab, "admin", "PUT", f"/{OUT}/mp{query}", {"x-amz-copy-source": f"{SRC}/a"})
        answer = send(lab, "PUT", target, headers)
        assert (answer.status, answer.code) == (400, "InvalidArgument"), query
    for uid in (upload, other):
        assert s3.list_parts(Bucket=OUT, Key="mp", UploadId=uid).get("Parts", []) == []


@pytest.mark.parametrize("body,query", [
    (b"Action=ListUsers&Version=2010-05-08&Action=CreateUser&UserName=evil", ""),
    (b"Action=ListUsers&Version=2010-05-08", "?Action=CreateUser&UserName=evil&Version=2010-05-08"),
])
def test_iam_action_read_two_ways_is_refused(lab, body, query):
    target, headers = sign(lab, "nobody", "POST", f"/{query}",
                           {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body, service="iam")
    answer = send(lab, "POST", target, headers, body)
    assert answer.status == 400 and answer.code in ("MalformedQueryString", "InvalidParameterCombination")
    assert "evil" not in lab.state.iam("123456789012").users


@pytest.mark.parametrize("method,query", [("GET", "?acl&tagging"), ("GET", "?tagging&acl"), ("PUT", "?acl&tagging"),
                                          ("DELETE", "?tagging&uploadId=x")])
def test_two_subresources_in_one_request_are_refused(lab, method, query):
    """The lab's router and moto's dispatch test sub-resources in different orders: one per request."""
    target, headers = sign(lab, "admin", method, f"/{SRC}/a{query}")
    answer = send(lab, method, target, headers)
    assert (answer.status, answer.code) == (400, "InvalidArgument")


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "Application/X-WWW-Form-Urlencoded; charset=utf-8"])
def test_form_encoded_s3_bodies_are_refused(lab, content_type):
    """moto reads a form body as parameters (``uploadId=...``, ``key=...``): the lab refuses such S3 bodies."""
    s3 = lab.client("s3", "admin")
    upload = s3.create_multipart_upload(Bucket=OUT, Key="form-mp")["UploadId"]
    other = s3.create_multipart_upload(Bucket=OUT, Key="form-other")["UploadId"]
    body = f"uploadId={other}&partNumber=1&key=form-other".encode()
    target, headers = sign(lab, "admin", "PUT", f"/{OUT}/form-mp?partNumber=1&uploadId={upload}",
                           {"Content-Type": content_type}, body)
    answer = send(lab, "PUT", target, headers, body)
    assert (answer.status, answer.code) == (400, "InvalidArgument")
    for key, uid in (("form-mp", upload), ("form-other", other)):
        assert s3.list_parts(Bucket=OUT, Key=key, UploadId=uid).get("Parts", []) == []
    resp_put = send(lab, "PUT", *sign(lab, "admin", "PUT", f"/{OUT}/form-object", {"Content-Type": content_type},
                                      b"key=elsewhere&a=b"), b"key=elsewhere&a=b")
    assert resp_put.status == 400 and _object(lab, OUT, "form-object", None) is None


def test_form_encoded_kms_body_is_refused(lab):
    body = b'{"KeyId": "alias/my-secure-key", "Plaintext": "aGk="}'
    target, headers = sign(lab, "admin", "POST", "/", {"X-Amz-Target": "TrentService.Encrypt",
                                                       "Content-Type": "application/x-www-form-urlencoded"}, body,
                           service="kms")
    answer = send(lab, "POST", target, headers, body)
    assert (answer.status, answer.code) == (400, "SerializationException")


def test_moto_reading_is_still_motos_rule():
    """copy_source.moto_reading copies moto 5.2.5's rule; fail loudly if moto's code changes."""
    import inspect

    from moto.s3.responses import S3Response
    for method in (S3Response.copy_object, S3Response.upload_part_copy):
        src = inspect.getsource(method)
        assert 'unquote(copy_source_parsed.path).lstrip("/").split("/", 1)' in src
        assert 'parse_qs(copy_source_parsed.query).get("versionId", [None])[0]' in src
        assert "copy_source_parsed = urlparse(copy_source)" in src


def test_moto_object_put_dispatch_order_is_still_the_mirrored_one():
    """request_shape.moto_object_put_operation mirrors moto 5.2.5's ``_key_response_put`` order."""
    import inspect

    from moto.s3.responses import S3Response
    src = inspect.getsource(S3Response._key_response_put)
    marks = ['query.get("uploadId") and query.get("partNumber")', '"retention" in query', '"legal-hold" in query',
             '"acl" in query', '"tagging" in query', '"x-amz-copy-source" in self.headers']
    # moto tests x-amz-copy-source twice: inside the part branch, then last of all
    positions = [src.index(m) for m in marks[:-1]] + [src.rindex(marks[-1])]
    assert positions == sorted(positions)
