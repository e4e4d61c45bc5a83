"""How the lab chooses its language: explicit choice, then S3KMS_LAB_LANG, then the POSIX locale variables."""
from __future__ import annotations

import pytest

from s3kms_lab import i18n


@pytest.mark.parametrize("environ,expected", [
    ({}, "en"),
    ({"LANG": "ko_KR.UTF-8"}, "ko"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "ko_KR.UTF-8"}, "ko"),      # LC_ALL wins over LANG
    ({"LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),                                 # a locale the lab does not speak
    ({"S3KMS_LAB_LANG": "en", "LANG": "ko_KR.UTF-8"}, "en"),         # the lab's own variable wins
    ({"S3KMS_LAB_LANG": "ko"}, "ko"),
])
def test_environment_choice(environ, expected):
    assert i18n.language_from_environment(environ) == expected


def test_unknown_language_is_refused_by_name():
    with pytest.raises(i18n.UnknownLanguage, match="'fr'.*en, ko"):
        i18n.normalize_language("fr")
    with pytest.raises(i18n.UnknownLanguage):
        i18n.language_from_environment({"S3KMS_LAB_LANG": "klingon"})


def test_a_language_block_overrides_the_process_choice():
    before = i18n.set_language("en")
    try:
        with i18n.language("ko"):
            assert i18n.get_language() == "ko"
        assert i18n.get_language() == "en"
    finally:
        i18n.set_language(None)
    assert before == "en"


def test_english_is_the_message_itself():
    with i18n.language("en"):
        assert i18n._("no such message in any catalog") == "no such message in any catalog"
