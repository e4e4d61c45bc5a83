"""The lab's core words in Korean: decision explanations (engine), the explanation header and trail
(endpoint), the notebook helpers and lab errors (lab), and the ``s3kms-lab`` command (``--lang``).

AWS's own words stay as AWS sends them: the error code and message, action names, condition keys, Sids.
The header carries Korean as an RFC 8187 ext-value (https://www.rfc-editor.org/rfc/rfc8187#section-3.2),
``UTF-8''<percent-encoded UTF-8>``, so it stays ASCII on the wire. English output is unchanged.
"""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

import pytest
from botocore.exceptions import ClientError

from s3kms_lab import Lab, i18n
from s3kms_lab.cli import main
from s3kms_lab.endpoint.errors import EXPLANATION_HEADER, decode_explanation_header, explanation_header
from s3kms_lab.engine import Caller, PolicyKind, PolicySet, Request, authorize, parse_policy
from s3kms_lab.engine.explain import _GRANT_WHY, explain, policy_label, summarize
from s3kms_lab.engine.statements import grant_kinds
from s3kms_lab.i18n import get_language, language, set_language
from s3kms_lab.lab import LabHostError
from s3kms_lab.lab.show import attempt, explain_error
from .hangul import hangul

BUCKET = "my-secure-bucket"
NOBODY = "arn:aws:iam::123456789012:user/nobody"
# The sentence the English edition's notebooks and tests show for this denial (unchanged by the Korean edition).
ENGLISH_DENIAL = ("Explicit deny by bucket policy of my-secure-bucket, statement DenyUnEncryptedUploads: "
                  "StringNotEquals on s3:x-amz-server-side-encryption, key absent from the request, so the "
                  "condition matches (an explicit Deny matched; a Deny always beats any Allow).")


def aws_message(key: str) -> str:
    return (f"User: {NOBODY} is not authorized to perform: s3:PutObject on resource: "
            f'"arn:aws:s3:::{BUCKET}/{key}" with an explicit deny in a resource-based policy')


@pytest.fixture(scope="module")
def lab_ko():
    with Lab("seed", lang="ko") as running:
        yield running
    # The process keeps speaking Korean after stop (a notebook that restarts its lab keeps its language);
    # the root conftest gives each test module back its own choice.
    assert get_language() == "ko"


def denied_upload(lab: Lab, key: str) -> ClientError:
    """``nobody`` uploads without SSE-KMS: the bucket policy's DenyUnEncryptedUploads refuses it."""
    with pytest.raises(ClientError) as exc:
        lab.client("s3", "nobody").put_object(Bucket=BUCKET, Key=key, Body=b"x")
    return exc.value


# ------------------------------------------------------------------ endpoint: header, trail, show
def test_denied_upload_keeps_aws_words_and_explains_in_korean(lab_ko):
    err = denied_upload(lab_ko, "ko/plain.txt")
    assert err.response["Error"] == {"Code": "AccessDenied", "Message": aws_message("ko/plain.txt")}
    raw = err.response["ResponseMetadata"]["HTTPHeaders"][EXPLANATION_HEADER]
    assert raw.isascii() and raw.startswith("UTF-8''"), raw[:80]
    text = decode_explanation_header(raw)
    assert hangul(text) and "명시적 거부" in text and "버킷 정책" in text
    for aws_name in ("DenyUnEncryptedUploads", "s3:PutObject", "s3:x-amz-server-side-encryption", "StringNotEquals"):
        assert aws_name in text


def test_the_trail_keeps_its_shape_and_explains_in_korean(lab_ko):
    denied_upload(lab_ko, "ko/trail.txt")
    rec = lab_ko.trail.filter(principal="user/nobody", event_name="PutObject", error_code="AccessDenied")[-1]
    assert rec["errorMessage"] == aws_message("ko/trail.txt")
    assert rec["eventSource"] == "s3.amazonaws.com" and rec["s3kmsLab"]["decision"] == "explicitDeny"
    assert hangul(rec["s3kmsLab"]["explanation"]) and "DenyUnEncryptedUploads" in rec["s3kmsLab"]["explanation"]


def test_show_prints_the_aws_error_as_sent_and_the_reason_in_korean(lab_ko):
    shown = explain_error(denied_upload(lab_ko, "ko/show.txt"))
    assert "AccessDenied (HTTP 403)" in shown and aws_message("ko/show.txt") in shown
    assert shown.splitlines()[2] == "이유(랩) :" and hangul(shown.splitlines()[3])
    s3 = lab_ko.client("s3", "nobody")
    assert attempt(s3.put_object, Bucket=BUCKET, Key="ko/x.txt", Body=b"x").startswith("거부됨\n")


def test_english_explanations_are_unchanged(lab_ko):
    set_language("en")  # the endpoint's threads speak the process's language
    try:
        err = denied_upload(lab_ko, "en/plain.txt")
    finally:
        set_language("ko")
    raw = err.response["ResponseMetadata"]["HTTPHeaders"][EXPLANATION_HEADER]
    assert raw.split(" | ")[0] == ENGLISH_DENIAL  # plain ASCII, no encoding
    assert decode_explanation_header(raw) == raw
    with language("en"):
        shown = explain_error(err)
    assert shown.splitlines()[:4] == [
        "AWS error : AccessDenied (HTTP 403)", "Message   : " + aws_message("en/plain.txt"), "Why (lab) :",
        "  " + ENGLISH_DENIAL]


# ------------------------------------------------------------------ the header encoding
def test_a_long_korean_explanation_is_cut_on_the_encoded_form_between_characters():
    text = "명시적 거부: 버킷 정책의 문(statement) DenyUnEncryptedUploads\n" * 400  # ~24 KB encoded
    with language("ko"):
        value = explanation_header(text)
    assert value.isascii() and value.startswith("UTF-8''") and len(value) <= 8192
    unquote_to_bytes(value[len("UTF-8''"):]).decode("utf-8")  # strict: no character split in the middle
    decoded = decode_explanation_header(value)
    kept, _, note = decoded.rpartition(" ... ")
    assert text.replace("\n", " | ").startswith(kept) and len(kept) > 1000
    assert hangul(note) and "trail" in note


def test_ascii_explanations_travel_as_before():
    short = "Allowed by bucket policy of b, statement S (rule).\n  detail"
    assert explanation_header(short) == "Allowed by bucket policy of b, statement S (rule). |   detail"
    with language("en"):
        assert explanation_header("x" * 9000) == "x" * 8192 + " ... (cut to fit an HTTP header; the trail records the decision's summary)"
    assert decode_explanation_header("50% of UTF-8 text") == "50% of UTF-8 text"


# ------------------------------------------------------------------ engine words
def _decision():
    pol = parse_policy({"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadOnly", "Effect": "Allow", "Principal": {"AWS": NOBODY}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}, PolicyKind.BUCKET, f"bucket policy of {BUCKET}")
    req = Request(Caller("User", NOBODY, "123456789012", "nobody"), "s3:PutObject", f"arn:aws:s3:::{BUCKET}/k")
    return pol, authorize(req, PolicySet(resource=pol))


def test_policy_names_and_kinds_are_translated_for_display_only():
    pol, d = _decision()
    with language("ko"):
        assert policy_label(pol) == "my-secure-bucket의 버킷 정책"
        text = explain(d).text()
        data = explain(d).as_dict()
    assert "my-secure-bucket의 버킷 정책 (리소스 기반 정책):" in text and "s3:PutObject" in text and hangul(summarize_ko(d))
    assert data["policies"][0]["name"] == "bucket policy of my-secure-bucket"  # the data stays English
    assert data["policies"][0]["kind"] == "resource-based policy" and data["decision"] == "implicitDeny"
    assert d.message().startswith(f"User: {NOBODY} is not authorized")  # AWS's sentence: never translated
    with language("en"):
        english = summarize(d)
    assert english == ("implicit deny: no identity-based policy allows it (caller user/nobody), and the bucket "
                            "policy of my-secure-bucket does not grant it.")


def summarize_ko(d) -> str:
    with language("ko"):
        return summarize(d)


def test_principal_phrases_match_the_engine_names():
    for kind, phrase in grant_kinds().items():
        assert _GRANT_WHY[kind] == "Principal " + phrase


# ------------------------------------------------------------------ lab errors
def test_lab_errors_speak_the_labs_language():
    with pytest.raises(LabHostError) as exc:
        Lab("seed", host="8.8.8.8", lang="ko")
    assert hangul(str(exc.value)) and "'8.8.8.8'" in str(exc.value)
    with language("en"), pytest.raises(LabHostError, match="loopback only; '8.8.8.8' is not a loopback address"):
        Lab("seed", host="8.8.8.8")


# ------------------------------------------------------------------ s3kms-lab --lang
@pytest.fixture
def cli_language():
    before = i18n._process_language  # noqa: SLF001
    yield
    set_language(before)  # main() sets the process's language; give the tests (and the Korean lab) theirs back


def test_cli_speaks_korean_with_lang_ko(tmp_path, capsys, cli_language):
    assert main(["--lang", "ko", "trail", "--config-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert hangul(err) and str(tmp_path / "trail.jsonl") in err


def test_cli_english_output_is_unchanged(tmp_path, capsys, cli_language):
    assert main(["--lang", "en", "trail", "--config-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"s3kms-lab: no trail at {tmp_path / 'trail.jsonl'}\n"


def test_cli_help_documents_lang_and_the_variable(capsys, cli_language):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "ko", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and "--lang {en,ko}" in out and "S3KMS_LAB_LANG" in out and hangul(out)


def test_cli_refuses_an_unknown_language_clearly(cli_language, tmp_path, capsys, monkeypatch):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "fr", "trail", "--config-dir", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --lang: Unknown language 'fr'" in err and "en, ko" in err
    monkeypatch.setenv("S3KMS_LAB_LANG", "fr")
    assert main(["trail", "--config-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Unknown language 'fr'" in err and "en, ko" in err and "S3KMS_LAB_LANG" in err
