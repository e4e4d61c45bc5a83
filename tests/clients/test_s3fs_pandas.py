"""pandas through s3fs (fsspec), as data people use it: ``to_csv``/``read_csv`` on ``s3://`` URLs with
``storage_options``, SSE-KMS through ``s3_additional_kwargs`` (s3fs docs, "Serverside Encryption":
https://s3fs.readthedocs.io/en/latest/#serverside-encryption), a file written in parts, and a read the caller
may not make, which pandas users expect as ``PermissionError`` (s3fs maps S3's 403 to it)."""
from __future__ import annotations

import os

import pandas as pd
import pytest

from .clientlab import BIG, BUCKET, MiB, events, names, sha256

s3fs = pytest.importorskip("s3fs")


@pytest.fixture
def env(lab, monkeypatch):
    """What `eval "$(s3kms-lab env)"` gives a shell, for this Python process."""
    for k, v in lab.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    return lab


def kms(lab) -> dict:
    return {"profile": "uploader",
            "s3_additional_kwargs": {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": lab.key_arn}}


def test_to_csv_and_read_csv_with_sse_kms_as_the_uploader(env):
    lab = env
    df = pd.DataFrame({"id": range(500), "city": ["Seoul", "Busan"] * 250})
    since = len(lab.trail.records)
    df.to_csv(f"s3://{BUCKET}/pandas/cities.csv", index=False, storage_options=kms(lab))
    back = pd.read_csv(f"s3://{BUCKET}/pandas/cities.csv", storage_options={"profile": "uploader"})
    pd.testing.assert_frame_equal(back, df)
    stored = lab.client("s3", "admin").get_object(Bucket=BUCKET, Key="pandas/cities.csv")
    assert sha256(stored["Body"].read()) == sha256(df.to_csv(index=False).encode())
    assert (stored["ServerSideEncryption"], stored["SSEKMSKeyId"]) == ("aws:kms", lab.key_arn)
    mine = [(n, e) for n, e, who in events(lab, since) if "DataUploaderRole" in who]
    assert ("PutObject", None) in mine and ("GenerateDataKey", None) in mine
    assert ("GetObject", None) in mine and ("Decrypt", None) in mine
    # s3fs probes the bucket before its first write (and would create it); the uploader may not, and AWS
    # refuses the probes just as the lab does, after which s3fs writes anyway
    refused = {n for n, e in mine if e}
    assert refused <= {"HeadBucket", "GetBucketLocation", "CreateBucket", "ListObjectsV2"}, mine
    assert all(e == "AccessDenied" for n, e in mine if e)


def test_a_file_written_in_parts_is_a_multipart_upload(env):
    lab = env
    data = os.urandom(BIG)
    fs = s3fs.S3FileSystem(skip_instance_cache=True, default_block_size=5 * MiB, **kms(lab))
    since = len(lab.trail.records)
    with fs.open(f"{BUCKET}/pandas/big.bin", "wb") as f:
        for i in range(0, BIG, MiB):
            f.write(data[i:i + MiB])
    with fs.open(f"{BUCKET}/pandas/big.bin", "rb") as f:
        assert sha256(f.read()) == sha256(data)
    mine = names(lab, since, "DataUploaderRole")
    assert mine.count("CreateMultipartUpload") == 1 and mine.count("CompleteMultipartUpload") == 1
    assert mine.count("UploadPart") == 3  # 5 + 5 + 2 MiB
    assert "PutObject" not in mine
    assert not [e for e in events(lab, since) if e[1]], events(lab, since)


def test_a_denied_read_raises_permission_error_every_time(env):
    """15 tries, fresh connections each time: a HEAD answered 403 must carry no body, or aiohttp fails on the
    bytes after it (HTTPClientError "Data after Connection: close") instead of s3fs raising PermissionError."""
    lab = env
    pd.DataFrame({"x": [1]}).to_csv(f"s3://{BUCKET}/pandas/secret.csv", index=False, storage_options=kms(lab))
    since = len(lab.trail.records)
    for attempt in range(15):
        fs = s3fs.S3FileSystem(profile="nobody", skip_instance_cache=True)
        with pytest.raises(PermissionError):
            if attempt % 3 == 0:
                pd.read_csv(f"s3://{BUCKET}/pandas/secret.csv", storage_options={"profile": "nobody"})
            elif attempt % 3 == 1:
                fs.info(f"{BUCKET}/pandas/secret.csv")
            else:
                fs.cat(f"{BUCKET}/pandas/secret.csv")
    anonymous = s3fs.S3FileSystem(anon=True, skip_instance_cache=True)
    with pytest.raises(PermissionError):
        anonymous.info(f"{BUCKET}/pandas/secret.csv")
    refused = [(n, e) for n, e, who in events(lab, since) if who.endswith("user/nobody")]
    assert refused and all(e == "AccessDenied" for _n, e in refused), refused
    assert "HeadObject" in {n for n, _e in refused}  # s3fs reads an object's size before its bytes
