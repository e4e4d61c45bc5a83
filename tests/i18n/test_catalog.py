"""The Korean catalog is complete and faithful to the code: every message the code marks has a Korean
translation, each keeps the English message's ``{placeholders}``, and the compiled ``.mo`` the lab reads is
the ``.po`` of the repository (``make catalogs`` refreshes both). Babel reads the code exactly as
``pybabel extract`` does (https://babel.pocoo.org/en/latest/messages.html)."""
from __future__ import annotations

import gettext
import io
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import s3kms_lab
from s3kms_lab.i18n import DOMAIN, LOCALE_DIR

PACKAGE = Path(s3kms_lab.__file__).resolve().parent
PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def code_messages() -> dict[str, str]:
    """msgid -> first file marking it, as `make catalogs` extracts them (babel.cfg: every .py file)."""
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural is filed under its singular
        if msgid:
            found.setdefault(msgid, filename)
    return found


def korean() -> dict[str, object]:
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    return {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}


def fields(text: str) -> set[str]:
    """The ``{name}`` placeholders of a str.format template (empty for a text with no valid template)."""
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return set()


def test_the_code_marks_messages_for_the_catalog():
    assert len(code_messages()) > 0


def test_every_message_has_a_korean_translation():
    po = korean()
    missing = [f"{where}: {msgid!r}" for msgid, where in code_messages().items()
               if msgid not in po or not po[msgid].string or po[msgid].fuzzy
               or (isinstance(po[msgid].string, tuple) and not all(po[msgid].string))]
    assert not missing, f"{len(missing)} message(s) without a Korean translation (run `make catalogs`, " \
                        "then translate them in " + str(PO.relative_to(PACKAGE.parent)) + "):\n" + "\n".join(missing)


def test_the_catalog_holds_no_message_the_code_no_longer_uses():
    unused = sorted(set(korean()) - set(code_messages()))
    assert not unused, "run `make catalogs` to drop: " + "\n".join(map(repr, unused))


def test_translations_keep_every_placeholder():
    broken = []
    for msgid, msg in korean().items():
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strs = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        for text in strs:
            if text and fields(text) != fields(ids[0]) | (fields(ids[-1]) if len(ids) > 1 else set()):
                broken.append(f"{msgid!r}: {sorted(fields(ids[0]))} -> {sorted(fields(text))}")
    assert not broken, "translations that drop or add a placeholder:\n" + "\n".join(broken)


def test_translations_are_korean():
    """A translation that is still English is a missing translation (AWS names inside it stay English)."""
    english = [msgid for msgid, msg in korean().items()
               if isinstance(msg.string, str) and msg.string and any(c.isalpha() for c in msgid)
               and not any("\uac00" <= c <= "\ud7a3" for c in msg.string)
               and any(c.isalpha() for c in msg.string.translate(str.maketrans("", "", "{}")))
               and msg.string == msgid and len(msgid.split()) > 1]
    assert not english, "copied, not translated:\n" + "\n".join(map(repr, english))


def test_the_compiled_catalog_is_the_po():
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    fresh = gettext.GNUTranslations(buf)
    with MO.open("rb") as fh:
        shipped = gettext.GNUTranslations(fh)
    assert shipped._catalog == fresh._catalog, "the .mo is stale: run `make catalogs`"  # noqa: SLF001


@pytest.mark.parametrize("lang,expected", [("ko", "ko"), ("ko_KR.UTF-8", "ko"), ("ko-KR", "ko"),
                                           ("en_US.UTF-8", "en"), ("C", "en")])
def test_language_names_normalize(lang, expected):
    from s3kms_lab.i18n import normalize_language
    assert normalize_language(lang) == expected
