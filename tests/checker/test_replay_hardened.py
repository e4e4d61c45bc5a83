"""Against a running hardened lab: the seed's counterexamples are all refused (the checker predicted it:
every requirement holds), with the hardened policies' statements as the reason, and the uploader still works."""
from __future__ import annotations

import pytest

from s3kms_lab import Lab
from s3kms_lab.checker import replay
from s3kms_lab.checker.replay import ReplayContext, recipe


@pytest.fixture(scope="module")
def hardened_lab(seed_report, hardened_report):
    with Lab("hardened") as running:
        yield running


@pytest.mark.parametrize("rid", ["R1", "R2", "R3", "R4"])
def test_seed_counterexamples_are_refused_by_the_hardened_design(seed_report, hardened_report, hardened_lab, rid):
    assert hardened_report.requirement(rid).holds
    ctx = ReplayContext.from_dict(hardened_report.setup)
    replayed = 0
    for c in seed_report.requirement(rid).counterexamples:
        r = recipe(c.request, ctx)  # setup by the hardened scenario's own writers
        if not r["replayable"]:
            continue  # e.g. Decrypt: nobody may make a ciphertext directly under the hardened key
        replayed += 1
        got = replay(hardened_lab, r)
        assert got["decision"] == "denied", (c.description, got)
        assert got["code"] in ("AccessDenied", "AccessDeniedException")
    assert replayed


def test_uploader_writes_with_the_key_arn_and_reads_back(hardened_report, hardened_lab):
    ctx = ReplayContext.from_dict(hardened_report.setup)
    assert ctx.object_writer == "uploader"
    put = {"principal": "uploader", "kind": "put", "operation": "PutObject", "sse": "aws:kms", "kms_key_id": "key-arn",
           "default_encryption": "SSE-KMS+BucketKey", "secure_transport": False}
    assert replay(hardened_lab, recipe(put, ctx))["decision"] == "allowed"
    get = {"principal": "uploader", "kind": "get", "operation": "GetObject", "object": "sse-kms+bucket-key",
           "secure_transport": False}
    assert replay(hardened_lab, recipe(get, ctx))["decision"] == "allowed"


def test_the_deny_reason_names_the_hardened_statements(hardened_report, hardened_lab):
    ctx = ReplayContext.from_dict(hardened_report.setup)
    analyst_get = {"principal": "analyst", "kind": "get", "operation": "GetObject", "object": "sse-kms",
                   "secure_transport": False}
    got = replay(hardened_lab, recipe(analyst_get, ctx))
    assert got["decision"] == "denied" and "DenyObjectAccessToAnyoneButDataUploaderRole" in got["explanation"]
    other_key = {"principal": "uploader", "kind": "put", "operation": "PutObject", "sse": "aws:kms",
                 "kms_key_id": "other-key", "default_encryption": "off", "secure_transport": False}
    got = replay(hardened_lab, recipe(other_key, ctx))
    assert got["decision"] == "denied" and "DenyUploadsUnderAnyOtherKey" in got["explanation"]
    admin_kms = {"principal": "analyst", "kind": "kms", "operation": "Encrypt", "secure_transport": False}
    got = replay(hardened_lab, recipe(admin_kms, ctx))
    assert got["decision"] == "denied" and "DenyCryptographicUseByAnyoneButDataUploaderRole" in got["explanation"]


def test_uploader_multipart_upload_with_the_key_arn(hardened_report, hardened_lab):
    """UploadPart carries no SSE headers; the header-based Denies must not refuse it (lab rule SSE-9 of docs/aws-rules.md)."""
    ctx = ReplayContext.from_dict(hardened_report.setup)
    mp = {"principal": "uploader", "kind": "multipart", "operation": "MultipartUpload", "sse": "aws:kms",
          "kms_key_id": "key-arn", "default_encryption": "off", "secure_transport": False}
    assert replay(hardened_lab, recipe(mp, ctx))["decision"] == "allowed"


def test_key_policy_is_lockout_safe_and_admin_keeps_management(hardened_lab):
    """admin may still replace the key policy (KMS's lockout check passes) and manage the bucket; analyst,
    whose IAM policy says kms:*, may not rewrite the key policy to give itself the key."""
    from botocore.exceptions import ClientError

    policy = (hardened_lab.scenario.path / "key-policy.json").read_text()
    admin = hardened_lab.client("kms", "admin")
    admin.put_key_policy(KeyId=hardened_lab.key_arn, PolicyName="default", Policy=policy)
    with pytest.raises(ClientError) as exc:
        hardened_lab.client("kms", "analyst").put_key_policy(KeyId=hardened_lab.key_arn, PolicyName="default",
                                                             Policy=policy)
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    s3 = hardened_lab.client("s3", "admin")
    assert s3.get_bucket_policy(Bucket="my-secure-bucket")["Policy"]
