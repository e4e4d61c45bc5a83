"""The probe asks the lab's own Authorizer: its answers match what the endpoint does to real requests."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from s3kms_lab.widgets.probe import Probe


@pytest.mark.parametrize("profile,sse", [("uploader", {"ServerSideEncryption": "aws:kms"}), ("uploader", {}),
                                         ("analyst", {"ServerSideEncryption": "aws:kms"}), ("nobody", {}),
                                         ("outsider", {"ServerSideEncryption": "aws:kms"})])
def test_probe_agrees_with_real_requests(lab, profile, sse):
    if sse:
        sse = dict(sse, SSEKMSKeyId=lab.key_arn)
    probe = Probe(lab)
    predicted = probe.put(profile, "aws:kms" if sse else "none", "ARN" if sse else "none", key="probe.txt")
    try:
        lab.client("s3", profile).put_object(Bucket="my-secure-bucket", Key="probe.txt", Body=b"x", **sse)
        real = "ALLOWED"
    except ClientError as err:
        real = "DENIED"
        assert err.response["Error"]["Message"] == predicted.message() or profile == "outsider"
    assert predicted.label == real


def test_what_if_does_not_change_the_lab(lab):
    probe = Probe(lab)
    before = probe.stored_bucket_policy()
    o = probe.put("uploader", bucket_policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]})
    assert o.label == "DENIED"
    assert probe.stored_bucket_policy() == before
    assert probe.put("uploader").label == "ALLOWED"


def test_lockout_check_matches_the_endpoint(lab):
    probe = Probe(lab)
    policy = probe.stored_key_policy()
    no_root = dict(policy, Statement=[s for s in policy["Statement"] if s["Sid"] != "AllowKeyAdministration"])
    assert probe.lockout_check("admin", policy) == ""
    msg = probe.lockout_check("admin", no_root)
    assert msg.startswith("MalformedPolicyDocumentException")
    import json
    with pytest.raises(ClientError) as exc:
        lab.client("kms", "admin").put_key_policy(KeyId=lab.key_arn, PolicyName="default", Policy=json.dumps(no_root))
    assert exc.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
    assert exc.value.response["Error"]["Message"] in msg
