"""Tests and nbval speak the source language unless a test or a Korean notebook chooses Korean itself
(``Lab(..., lang="ko")``): a developer's ``LANG=ko_KR.UTF-8`` must not change the English notebooks' outputs.
The kernels nbval starts inherit this environment."""
import os

os.environ["S3KMS_LAB_LANG"] = "en"
