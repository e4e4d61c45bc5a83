"""rclone (the Debian package) as operators use it, with the remote ``s3kms-lab env --format rclone`` prints:
``copyto`` of a small file (PutObject) and of a big one in parts (``--s3-upload-cutoff``/``--s3-chunk-size``),
a server-side copy in parts (``--s3-copy-cutoff``: UploadPartCopy), ``cat`` and ``lsf`` (https://rclone.org/s3/).

The uploader may not list the bucket, so rclone is run as its users run it against such a role: with
``--no-check-dest`` (no HEAD of the destination before writing, which S3 answers 403 for a key that does not
exist yet) and the remote's ``no_check_bucket``; ``lsf`` and ``cat`` list, so the uploader is refused them
exactly as AWS refuses them and the analyst (s3:*) is not."""
from __future__ import annotations

import os

import pytest

from s3kms_lab.client_config import rclone_config

from .clientlab import BUCKET, MiB, client_env, events, names, run, sha256, write
from .conftest import RCLONE_MISSING

pytestmark = pytest.mark.skipif(bool(RCLONE_MISSING), reason=RCLONE_MISSING or "")


@pytest.fixture
def rclone(lab, tmp_path):
    """Run rclone as a lab profile with the printed remote ``lab:``."""
    # what `s3kms-lab env --format rclone` prints for this lab (test_client_config checks the command itself)
    conf = write(tmp_path / "rclone.conf", rclone_config(lab.env()).encode())
    sse = ["--s3-server-side-encryption", "aws:kms", "--s3-sse-kms-key-id", lab.key_arn]

    def call(profile: str, *args: str, encrypt: bool = False):
        env = client_env(lab, AWS_PROFILE=profile)
        return run(["rclone", "--config", str(conf), *args, *(sse if encrypt else [])], env)
    return call


def test_the_uploader_is_refused_for_rclones_acl_header(lab, rclone, tmp_path):
    """rclone 1.60 sends `x-amz-acl: private` with every upload; an ACL header needs s3:PutObjectAcl
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html, and rclone's own minimal policy lists
    PutObjectACL: https://rclone.org/s3/#s3-permissions), which the post's role does not have: refused as on AWS."""
    small = write(tmp_path / "small.txt", b"rclone says hello\n")
    p = rclone("uploader", "copyto", str(small), f"lab:{BUCKET}/rclone/small.txt", "--no-check-dest",
               "--retries", "1", "--low-level-retries", "1", encrypt=True)
    assert p.returncode != 0 and "s3:PutObjectAcl" in p.stderr.decode()


def test_copy_multipart_copy_and_read_back(lab, rclone, big, tmp_path):
    """As a principal allowed s3:PutObjectAcl too (analyst: s3:* and kms:*), with the one ACL S3 accepts while the
    bucket has ACLs disabled (bucket-owner-full-control; BPA-5 in docs/aws-rules.md)."""
    acl = ("--s3-acl", "bucket-owner-full-control")
    small = write(tmp_path / "small.txt", b"rclone says hello\n")
    since = len(lab.trail.records)
    p = rclone("analyst", "copyto", str(small), f"lab:{BUCKET}/rclone/small.txt", "--no-check-dest", *acl, encrypt=True)
    assert p.returncode == 0, p.stderr.decode()
    assert names(lab, since, "analyst")[-3:] == ["PutObject", "GenerateDataKey", "HeadObject"]

    since = len(lab.trail.records)
    p = rclone("analyst", "copyto", str(big), f"lab:{BUCKET}/rclone/big.bin", "--no-check-dest", *acl,
               "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", encrypt=True)
    assert p.returncode == 0, p.stderr.decode()
    mine = names(lab, since, "analyst")
    assert mine.count("UploadPart") == 3 and "CompleteMultipartUpload" in mine
    # after a multipart upload rclone HEADs the object, with the version id S3 reported when there is one
    assert mine[-1] == "HeadObject" and not [e for e in events(lab, since) if e[1]]

    since = len(lab.trail.records)
    p = rclone("analyst", "copyto", f"lab:{BUCKET}/rclone/big.bin", f"lab:{BUCKET}/rclone/big-copy.bin",
               "--no-check-dest", *acl, "--s3-copy-cutoff", "5M", encrypt=True)
    assert p.returncode == 0, p.stderr.decode()
    mine = names(lab, since, "analyst")
    assert mine.count("UploadPartCopy") == 3 and not [e for e in events(lab, since) if e[1]]

    back = tmp_path / "back.bin"
    p = rclone("analyst", "copyto", f"lab:{BUCKET}/rclone/big-copy.bin", str(back), "--no-check-dest", *acl)
    assert p.returncode == 0, p.stderr.decode()
    assert sha256(back.read_bytes()) == sha256(big.read_bytes())
    head = lab.client("s3", "admin").head_object(Bucket=BUCKET, Key="rclone/big-copy.bin")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", lab.key_arn)


def test_cat_and_lsf_list_the_bucket(lab, rclone, tmp_path):
    data = os.urandom(MiB)
    lab.client("s3", "admin").put_object(Bucket=BUCKET, Key="rclone/listed/one.bin", Body=data,
                                         ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
    since = len(lab.trail.records)
    cat = rclone("analyst", "cat", f"lab:{BUCKET}/rclone/listed/one.bin")
    assert cat.returncode == 0 and sha256(cat.stdout) == sha256(data), cat.stderr.decode()
    lsf = rclone("analyst", "lsf", f"lab:{BUCKET}/rclone/listed/")
    assert lsf.returncode == 0 and lsf.stdout.decode().split() == ["one.bin"]
    assert {"ListObjects", "GetObject", "Decrypt"} <= set(names(lab, since, "user/analyst"))

    since = len(lab.trail.records)
    denied = rclone("uploader", "lsf", f"lab:{BUCKET}/rclone/listed/")
    assert denied.returncode != 0 and "s3:ListBucket" in denied.stderr.decode()
    assert ("ListObjects", "AccessDenied") in [(n, e) for n, e, who in events(lab, since) if "DataUploaderRole" in who]
