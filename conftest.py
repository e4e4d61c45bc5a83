"""Tests and nbval speak the source language unless a test or a Korean notebook chooses Korean itself
(``Lab(..., lang="ko")``): a developer's ``LANG=ko_KR.UTF-8`` must not change the English notebooks' outputs.
The kernels nbval starts inherit this environment. A test that starts ``Lab(lang="ko")`` leaves the process
speaking Korean (as a notebook wants), so every test module gives the process back its own choice afterwards."""
import os

import pytest

os.environ["S3KMS_LAB_LANG"] = "en"


@pytest.fixture(autouse=True, scope="module")
def _process_language_restored():
    from s3kms_lab import i18n

    before = i18n._process_language  # noqa: SLF001
    yield
    i18n._process_language = before  # noqa: SLF001
