"""The action depends on the request's parameters (issue 11, kind 1; rule S3-4 of docs/aws-rules.md).

A request that names an object version (``versionId``, ``null`` included) is authorized as the ``...Version``
action, as each S3 API page's Permissions section and the service authorization reference say
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html).
"""
from __future__ import annotations

import pytest

from endpoint_helpers import BUCKET, REGION, allow, code_status, deny, error_of, set_user_policy
from s3kms_lab.endpoint.auth import caller_for
from s3kms_lab.endpoint.decide import Call
from s3kms_lab.endpoint.planner import plan

VBUCKET = "lab-versioned-bucket"


@pytest.fixture(scope="module")
def versions(lab):
    """A versioned bucket with two versions of ``k`` and one of ``src`` (written by admin); returns their ids."""
    s3 = lab.client("s3", "admin")
    s3.create_bucket(Bucket=VBUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=VBUCKET, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=VBUCKET, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=VBUCKET, Key="k", Body=b"two")["VersionId"]
    src = s3.put_object(Bucket=VBUCKET, Key="src", Body=b"source")["VersionId"]
    return {"v1": v1, "v2": v2, "src": src}


def test_delete_of_a_version_is_refused_by_a_deny_on_delete_object_version(lab, versions):
    """The issue's example: s3:DeleteObject* allowed, s3:DeleteObjectVersion explicitly denied."""
    set_user_policy(lab, "analyst", allow(["s3:DeleteObject*", "s3:GetObject*", "s3:ListBucket*"]),
                    deny("s3:DeleteObjectVersion", f"arn:aws:s3:::{VBUCKET}/*"))
    s3 = lab.client("s3", "analyst")
    resp = error_of(s3.delete_object, Bucket=VBUCKET, Key="k", VersionId=versions["v1"])
    assert code_status(resp) == ("AccessDenied", 403)
    assert "s3:DeleteObjectVersion" in resp["Error"]["Message"] and "explicit deny" in resp["Error"]["Message"]
    admin = lab.client("s3", "admin")
    assert admin.get_object(Bucket=VBUCKET, Key="k", VersionId=versions["v1"])["Body"].read() == b"one"
    # without a version id the same caller may delete (a delete marker): s3:DeleteObject is allowed
    assert s3.delete_object(Bucket=VBUCKET, Key="k")["DeleteMarker"] is True
    admin.delete_object(Bucket=VBUCKET, Key="k", VersionId=s3.list_object_versions(Bucket=VBUCKET, Prefix="k")
                        ["DeleteMarkers"][0]["VersionId"])


def test_multi_object_delete_of_a_version_is_refused_per_key(lab, versions):
    set_user_policy(lab, "analyst", allow(["s3:DeleteObject*", "s3:GetObject*", "s3:ListBucket*"]),
                    deny("s3:DeleteObjectVersion", f"arn:aws:s3:::{VBUCKET}/*"))
    out = lab.client("s3", "analyst").delete_objects(
        Bucket=VBUCKET, Delete={"Objects": [{"Key": "k", "VersionId": versions["v1"]}]})
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [("k", "AccessDenied")]


def test_list_object_versions_needs_list_bucket_versions(lab, versions):
    set_user_policy(lab, "analyst", allow("s3:ListBucket", f"arn:aws:s3:::{VBUCKET}"))
    s3 = lab.client("s3", "analyst")
    resp = error_of(s3.list_object_versions, Bucket=VBUCKET)
    assert code_status(resp) == ("AccessDenied", 403)
    assert "s3:ListBucketVersions" in resp["Error"]["Message"]
    set_user_policy(lab, "analyst", allow("s3:ListBucketVersions", f"arn:aws:s3:::{VBUCKET}"))
    keys = {(v["Key"], v["VersionId"]) for v in s3.list_object_versions(Bucket=VBUCKET)["Versions"]}
    assert {("k", versions["v1"]), ("k", versions["v2"])} <= keys


def test_get_of_a_version_needs_get_object_version(lab, versions):
    set_user_policy(lab, "analyst", allow(["s3:GetObject", "s3:ListBucket"]))
    s3 = lab.client("s3", "analyst")
    assert s3.get_object(Bucket=VBUCKET, Key="k")["Body"].read() == b"two"
    resp = error_of(s3.get_object, Bucket=VBUCKET, Key="k", VersionId=versions["v1"])
    assert code_status(resp) == ("AccessDenied", 403) and "s3:GetObjectVersion" in resp["Error"]["Message"]
    set_user_policy(lab, "analyst", allow(["s3:GetObjectVersion", "s3:ListBucket"]))
    assert s3.get_object(Bucket=VBUCKET, Key="k", VersionId=versions["v1"])["Body"].read() == b"one"


def test_copy_of_a_source_version_reads_it_as_get_object_version(lab, versions):
    set_user_policy(lab, "analyst", allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"]))
    s3 = lab.client("s3", "analyst")
    resp = error_of(s3.copy_object, Bucket=VBUCKET, Key="copy",
                    CopySource={"Bucket": VBUCKET, "Key": "src", "VersionId": versions["src"]})
    assert code_status(resp) == ("AccessDenied", 403) and "s3:GetObjectVersion" in resp["Error"]["Message"]
    s3.copy_object(Bucket=VBUCKET, Key="copy", CopySource={"Bucket": VBUCKET, "Key": "src"})  # s3:GetObject


# (operation, query, action the plan checks) for the calls on an object that can name a version
VERSION_ROWS = [
    ("GetObject", {}, "s3:GetObject"),
    ("GetObject", {"versionId": "v"}, "s3:GetObjectVersion"),
    ("GetObject", {"versionId": "null"}, "s3:GetObjectVersion"),  # "null" names the null version
    ("HeadObject", {"versionId": "v"}, "s3:GetObjectVersion"),
    ("DeleteObject", {"versionId": "v"}, "s3:DeleteObjectVersion"),
    ("GetObjectTagging", {"versionId": "v"}, "s3:GetObjectVersionTagging"),
    ("PutObjectTagging", {"versionId": "v"}, "s3:PutObjectVersionTagging"),
    ("DeleteObjectTagging", {"versionId": "v"}, "s3:DeleteObjectVersionTagging"),
    ("DeleteObjectTagging", {}, "s3:DeleteObjectTagging"),
    ("GetObjectAcl", {"versionId": "v"}, "s3:GetObjectVersionAcl"),
]


@pytest.mark.parametrize("operation,query,action", VERSION_ROWS)
def test_the_table_derives_the_version_action(lab, operation, query, action):
    cred = lab.state.find_credential(lab.session("admin").get_credentials().access_key)
    call = Call("s3", operation, caller_for(cred), cred, bucket=BUCKET, key="any.txt", query=query, region=REGION)
    with lab.app.lock:
        assert plan(call, lab.app.authorizer).steps[0].request.action == action


# PutObject's Permissions section (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html):
# (headers, actions the plan checks, in order)
ALSO_ROWS = [
    ({}, ["s3:PutObject"]),
    ({"x-amz-tagging": "a=b"}, ["s3:PutObject", "s3:PutObjectTagging"]),
    ({"x-amz-acl": "private"}, ["s3:PutObject", "s3:PutObjectAcl"]),
    ({"x-amz-grant-read": "id=x", "x-amz-tagging": "a=b"}, ["s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectTagging"]),
]


@pytest.mark.parametrize("headers,actions", ALSO_ROWS)
def test_put_object_with_tags_or_acl_also_needs_their_actions(lab, headers, actions):
    cred = lab.state.find_credential(lab.session("admin").get_credentials().access_key)
    call = Call("s3", "PutObject", caller_for(cred), cred, bucket=VBUCKET, key="also.txt", headers=headers, region=REGION)
    with lab.app.lock:
        assert [s.request.action for s in plan(call, lab.app.authorizer).steps] == actions


def test_put_object_with_a_tag_set_is_refused_without_put_object_tagging(lab, versions):
    set_user_policy(lab, "analyst", allow("s3:PutObject", f"arn:aws:s3:::{VBUCKET}/*"))
    s3 = lab.client("s3", "analyst")
    s3.put_object(Bucket=VBUCKET, Key="untagged.txt", Body=b"x")
    resp = error_of(s3.put_object, Bucket=VBUCKET, Key="tagged.txt", Body=b"x", Tagging="a=b")
    assert code_status(resp) == ("AccessDenied", 403) and "s3:PutObjectTagging" in resp["Error"]["Message"]
