"""The moto seam is pinned: if moto's version or its authorization hooks change, this fails."""
from __future__ import annotations

import moto
from moto.kms.responses import KmsResponse
from moto.s3.models import FakeBucket

from s3kms_lab.endpoint import moto_seam


def test_moto_version_is_the_pinned_one():
    assert moto.__version__ == moto_seam.MOTO_VERSION


def test_moto_hooks_exist_and_are_neutralised():
    moto_seam.neutralise_moto_authorization()
    assert FakeBucket.get_permission is moto_seam._lab_decided_bucket_permission
    assert KmsResponse._validate_key_policy is moto_seam._no_key_policy_check


def test_unpatched_moto_would_deny_the_posts_correct_upload():
    """Why the seam exists: moto's own check treats the post's conditional Allow as a Deny."""
    import importlib
    import json
    from pathlib import Path

    import moto.s3.models as s3models
    from moto.iam.access_control import IAMPolicy, PermissionResult

    importlib.reload  # keep linters quiet; we call moto's evaluator directly instead of reloading
    policy = (Path(__file__).resolve().parents[1] / "data/scenarios/seed/bucket-policy.json").read_text()
    verdict = IAMPolicy(policy).is_action_permitted("s3:PutObject", "arn:aws:s3:::my-secure-bucket/file.txt")
    assert verdict == PermissionResult.DENIED
    assert json.loads(policy)["Statement"][0]["Sid"] == "AllowPutObjectWithKMSEncryption"
    # The lab forwards only what it allowed: moto's check (and its ACL fallback for unsigned requests) never refuses.
    assert s3models.FakeBucket.get_permission(None, "s3:PutObject", "x") == PermissionResult.PERMITTED
