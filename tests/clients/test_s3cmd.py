"""s3cmd as its users use it: a ``.s3cfg`` naming the endpoint, ``put`` with ``--server-side-encryption-kms-id``
(sends ``x-amz-server-side-encryption: aws:kms`` and the key id), a multipart ``put`` above
``--multipart-chunk-size-mb``, ``get`` and ``info`` (https://s3tools.org/usage).

s3cmd does not read the AWS CLI's role profiles (``role_arn``/``source_profile``); the uploader's temporary
credentials come from ``aws sts assume-role`` and reach s3cmd as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
AWS_SESSION_TOKEN, which s3cmd reads when its config holds no key (README "Other S3 tools")."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .clientlab import BUCKET, client_env, events, names, role_credentials, run, sha256, venv_tool

S3CMD = venv_tool("s3cmd")


@pytest.fixture
def s3cfg(lab, tmp_path):
    host = urlsplit(lab.endpoint_url).netloc
    path = tmp_path / "s3cfg"
    path.write_text(f"[default]\nhost_base = {host}\nhost_bucket = {host}\nuse_https = False\n"
                    f"bucket_location = {lab.region}\nsignature_v2 = False\n")
    return path


def s3cmd(lab, cfg, creds: dict[str, str], *args: str):
    p = run([S3CMD, "-c", str(cfg), *args], client_env(lab, **creds))
    return p


def user_keys(lab, user: str) -> dict[str, str]:
    _acct, akid, secret = lab.provisioned.user_keys[user]
    return {"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret}


def test_put_get_and_multipart_with_the_kms_key_as_the_uploader(lab, s3cfg, big, tmp_path):
    creds = role_credentials(lab, session="s3cmd")
    small = tmp_path / "small.txt"
    small.write_bytes(b"s3cmd says hello\n")
    since = len(lab.trail.records)
    p = s3cmd(lab, s3cfg, creds, "put", str(small), f"s3://{BUCKET}/s3cmd/small.txt",
              f"--server-side-encryption-kms-id={lab.key_arn}")
    assert p.returncode == 0, p.stderr.decode()
    assert names(lab, since, "DataUploaderRole/s3cmd") == ["PutObject", "GenerateDataKey"]

    since = len(lab.trail.records)
    p = s3cmd(lab, s3cfg, creds, "put", str(big), f"s3://{BUCKET}/s3cmd/big.bin",
              f"--server-side-encryption-kms-id={lab.key_arn}", "--multipart-chunk-size-mb=5")
    assert p.returncode == 0, p.stderr.decode()
    mine = names(lab, since, "DataUploaderRole/s3cmd")
    assert mine.count("UploadPart") == 3 and mine[0] == "CreateMultipartUpload" and mine[-1] == "CompleteMultipartUpload"
    assert not [e for e in events(lab, since) if e[1]]
    head = lab.client("s3", "admin").head_object(Bucket=BUCKET, Key="s3cmd/big.bin")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", lab.key_arn)

    since = len(lab.trail.records)
    for key, source in (("s3cmd/small.txt", small), ("s3cmd/big.bin", big)):
        out = tmp_path / f"back-{source.name}"
        p = s3cmd(lab, s3cfg, creds, "get", f"s3://{BUCKET}/{key}", str(out))
        assert p.returncode == 0, p.stderr.decode()
        assert sha256(out.read_bytes()) == sha256(source.read_bytes())
    assert names(lab, since, "DataUploaderRole/s3cmd").count("Decrypt") == 2
    assert not [e for e in events(lab, since) if e[1]]


def test_info_of_a_multipart_object(lab, s3cfg, big):
    """``s3cmd info`` reads the object's ACL: on an object made by a multipart upload this once failed with
    a 500 (moto kept no ACL), which s3cmd retried five times and exited 70."""
    analyst = user_keys(lab, "analyst")
    assert s3cmd(lab, s3cfg, analyst, "put", str(big), f"s3://{BUCKET}/s3cmd/info.bin",
                 f"--server-side-encryption-kms-id={lab.key_arn}", "--multipart-chunk-size-mb=5").returncode == 0
    since = len(lab.trail.records)
    p = s3cmd(lab, s3cfg, analyst, "info", f"s3://{BUCKET}/s3cmd/info.bin")
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    assert "File size: 12582912" in out and "SSE:       aws:kms" in out and "FULL_CONTROL" in out
    made = events(lab, since)
    assert ("GetObjectAcl", None, "user/analyst") in made and ("HeadObject", None, "user/analyst") in made
    assert not [e for e in made if e[1] == "InternalError"]
    # s3cmd also asks for the bucket's CORS configuration, an operation the lab does not model (refused 501
    # NotImplemented, which s3cmd reports as "CORS: none" and goes on)


def test_info_as_the_uploader_is_refused_where_aws_refuses_it(lab, s3cfg):
    """The uploader may read objects, not their ACL: s3cmd reports the AccessDenied (exit 77, EX_NOPERM)."""
    creds = role_credentials(lab, session="s3cmd")
    lab.client("s3", "admin").put_object(Bucket=BUCKET, Key="s3cmd/acl.txt", Body=b"x",
                                         ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    since = len(lab.trail.records)
    p = s3cmd(lab, s3cfg, creds, "info", f"s3://{BUCKET}/s3cmd/acl.txt")
    assert p.returncode == 77, (p.returncode, p.stderr.decode())
    assert "s3:GetObjectAcl" in p.stderr.decode()
    assert ("GetObjectAcl", "AccessDenied", "assumed-role/DataUploaderRole/s3cmd") in events(lab, since)
