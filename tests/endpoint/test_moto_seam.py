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
    policy = (Path(__file__).resolve().parents[2] / "data/scenarios/seed/bucket-policy.json").read_text()
    verdict = IAMPolicy(policy).is_action_permitted("s3:PutObject", "arn:aws:s3:::my-secure-bucket/file.txt")
    assert verdict == PermissionResult.DENIED
    assert json.loads(policy)["Statement"][0]["Sid"] == "AllowPutObjectWithKMSEncryption"
    # The lab forwards only what it allowed: moto's check (and its ACL fallback for unsigned requests) never refuses.
    assert s3models.FakeBucket.get_permission(None, "s3:PutObject", "x") == PermissionResult.PERMITTED


def test_moto_gaps_are_filled_through_the_seam():
    """The state AWS always has and moto 5.2.5 lacks is filled by hooks on these moto functions; each filled
    gap is exercised end to end in tests/endpoint/test_s3_http.py and the no-5xx sweep."""
    from moto.kms import responses as kms_responses
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    moto_seam.fill_moto_gaps()
    assert S3Backend.get_object_acl is moto_seam._object_acl_or_default
    assert S3Backend.get_bucket_encryption is moto_seam._bucket_encryption_or_default
    assert S3Backend.put_object is moto_seam._put_object_keeping_versions
    assert S3Response.head_object is moto_seam._head_object_by_version
    assert kms_responses._assert_default_policy is moto_seam._policy_name_or_default
    from moto.s3.models import FakeKey
    assert FakeKey.etag.fget is moto_seam._etag_as_s3_reports_it


def test_kms_keys_make_their_private_key_only_when_read():
    """moto makes an RSA-2048 key for every KMS key; the seam defers it (symmetric keys never read it), and
    an asymmetric key still gets a real one the first time it is used. Copying a key's state makes none."""
    import copy

    from moto.kms import models as kms_models

    moto_seam.fill_moto_gaps()
    key = kms_models.Key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "", "123456789012", "us-east-1")
    assert isinstance(key.private_key, moto_seam._PrivateKeyOnFirstUse) and key.private_key._key is None
    copy.deepcopy(key)
    assert key.private_key._key is None
    signing = kms_models.Key(None, "SIGN_VERIFY", "RSA_2048", "", "123456789012", "us-east-1")
    assert len(signing.private_key.public_key()) > 200  # DER SubjectPublicKeyInfo of a real RSA-2048 key
