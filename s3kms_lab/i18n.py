"""The lab's language: English (the source language) or Korean, through gettext catalogs.

Every message the lab writes for a learner (decision explanations, exercise hints, checker reports, widget
labels, ``s3kms-lab`` output) is marked in the code with :func:`_` (or :func:`N_` where a table is built at
import time and translated where it is shown). The catalogs are standard gettext files, kept with Babel
(https://babel.pocoo.org/en/latest/messages.html): ``s3kms_lab/locale/s3kms_lab.pot`` is extracted from the
code (``make catalogs``), ``s3kms_lab/locale/ko/LC_MESSAGES/s3kms_lab.po`` holds the Korean translations and
the compiled ``.mo`` beside it is what the lab reads at run time (stdlib :mod:`gettext`, no Babel needed).
``tests/i18n`` fails when a message lacks its Korean translation, when a translation drops or adds a
``{placeholder}``, or when the ``.mo`` is older than the ``.po``.

AWS's own words are never translated: error codes and messages stay exactly as AWS sends them (learners
search for them), as do action names, condition keys, ARNs and policy JSON; only the lab's explanation around
them is. Korean terms follow AWS's Korean documentation (docs/glossary.md pairs each with the English term).

Choosing the language (first match wins): ``set_language()`` / ``Lab(..., lang="ko")``; the ``--lang``
option of ``s3kms-lab``; the variable ``S3KMS_LAB_LANG``; the locale variables ``LC_ALL``, ``LC_MESSAGES``,
``LANG`` (``ko_KR.UTF-8`` -> Korean); else English.

Placeholders are named and filled with ``str.format`` after translation, so a translation may reorder them::

    _("{resource} allows this principal directly").format(resource=label)
"""
from __future__ import annotations

import gettext as _gettext
import os
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Iterator

__all__ = ["LANGUAGES", "DOMAIN", "LOCALE_DIR", "_", "N_", "ngettext", "set_language", "get_language",
           "language", "normalize_language", "language_from_environment", "UnknownLanguage"]

#: The languages the lab speaks: English is the source language, Korean is translated.
LANGUAGES = ("en", "ko")
DOMAIN = "s3kms_lab"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENV_VAR = "S3KMS_LAB_LANG"


class UnknownLanguage(ValueError):
    """A language the lab has no catalog for (the message names the supported ones)."""


def normalize_language(lang: str) -> str:
    """``"ko"``, ``"ko_KR"``, ``"ko-KR.UTF-8"``, ``"Korean"`` -> ``"ko"``; ``"en_US"``, ``"C"``, ``"POSIX"``
    -> ``"en"``. Raises :class:`UnknownLanguage` for any other language."""
    text = (lang or "").strip()
    base = text.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    if base in ("ko", "kor", "korean", "한국어"):
        return "ko"
    if base in ("en", "eng", "english", "c", "posix"):
        return "en"
    raise UnknownLanguage(f"Unknown language {lang!r}: the lab speaks {', '.join(LANGUAGES)} "
                          f"(e.g. lang=\"ko\" or {ENV_VAR}=ko)")


def language_from_environment(environ: "os._Environ[str] | dict[str, str] | None" = None) -> str:
    """The language the environment asks for: ``S3KMS_LAB_LANG``, then the first set of ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG`` (POSIX order); English when none is set or the locale is not one the lab speaks
    (a ``fr_FR`` locale gives English, an unknown ``S3KMS_LAB_LANG`` raises :class:`UnknownLanguage`)."""
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_VAR, "").strip()
    if explicit:
        return normalize_language(explicit)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            try:
                return normalize_language(value)
            except UnknownLanguage:
                return "en"
    return "en"


_process_language: str | None = None  # set by set_language(); None: read the environment
_local_language: ContextVar[str | None] = ContextVar("s3kms_lab_language", default=None)


def set_language(lang: str | None) -> str:
    """Set the process's language (``None``: back to the environment's choice). Returns the language now in
    force. Raises :class:`UnknownLanguage`."""
    global _process_language
    _process_language = None if lang is None else normalize_language(lang)
    return get_language()


def get_language() -> str:
    """The language in force here: a :func:`language` block, else the process's, else the environment's."""
    return _local_language.get() or _process_language or language_from_environment()


@contextmanager
def language(lang: str) -> Iterator[str]:
    """Speak ``lang`` inside the block only (this thread / task), e.g. for one request or one test."""
    token = _local_language.set(normalize_language(lang))
    try:
        yield get_language()
    finally:
        _local_language.reset(token)


@lru_cache(maxsize=None)
def _catalog(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as fh:
        return _gettext.GNUTranslations(fh)


def _(message: str) -> str:
    """``message`` in the current language (the English text itself when no translation exists)."""
    return _catalog(get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the current language (Korean has one form)."""
    return _catalog(get_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (tables built at import time); translate
    it with :func:`_` where it is shown."""
    return message
