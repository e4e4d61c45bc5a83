"""The AWS CLI's high-level ``s3`` commands (``cp``, ``sync``, ``ls``, ``rm``), as a lab profile
(https://docs.aws.amazon.com/cli/latest/userguide/cli-services-s3-commands.html). Above 8 MiB ``cp`` uploads
in parts and downloads with ranged GETs (multipart_threshold, https://docs.aws.amazon.com/cli/latest/topic/s3-config.html).
``sync``, ``ls`` and ``rm --recursive`` list the bucket: the uploader is refused them as AWS refuses them,
the analyst (s3:*) is not."""
from __future__ import annotations

import os

import pytest

from .clientlab import BUCKET, client_env, events, names, run, sha256, venv_tool, write

AWS = venv_tool("aws")


@pytest.fixture
def aws(lab):
    lab.forget_cli_role_cache()  # another lab's cached session of the same role would be refused

    def call(profile: str, *args: str):
        return run([AWS, "s3", *args], client_env(lab, AWS_PROFILE=profile))
    return call


def kms(lab) -> list[str]:
    return ["--sse", "aws:kms", "--sse-kms-key-id", lab.key_arn]


def test_cp_up_and_down_in_parts_as_the_uploader(lab, aws, big, tmp_path):
    since = len(lab.trail.records)
    p = aws("uploader", "cp", str(big), f"s3://{BUCKET}/cli/big.bin", *kms(lab))
    assert p.returncode == 0, p.stderr.decode()
    mine = names(lab, since, "DataUploaderRole")
    assert mine.count("CreateMultipartUpload") == 1 and mine.count("UploadPart") == 2  # 8 MiB + 4 MiB
    assert "CompleteMultipartUpload" in mine and not [e for e in events(lab, since) if e[1]]

    since = len(lab.trail.records)
    back = tmp_path / "back.bin"
    p = aws("uploader", "cp", f"s3://{BUCKET}/cli/big.bin", str(back))
    assert p.returncode == 0, p.stderr.decode()
    assert sha256(back.read_bytes()) == sha256(big.read_bytes())
    mine = names(lab, since, "DataUploaderRole")
    assert mine.count("GetObject") == 2 and mine.count("Decrypt") == 2  # one per 8 MiB range
    assert not [e for e in events(lab, since) if e[1]]


def test_sync_ls_and_rm(lab, aws, tmp_path):
    folder = tmp_path / "reports"
    files = {f"{name}.csv": os.urandom(100 * 1024) for name in ("jan", "feb", "mar")}
    for name, data in files.items():
        write(folder / name, data)
    # the uploader may not list the destination, which sync compares against
    since = len(lab.trail.records)
    p = aws("uploader", "sync", str(folder), f"s3://{BUCKET}/cli/reports/", *kms(lab))
    assert p.returncode != 0 and "s3:ListBucket" in p.stderr.decode()
    assert ("ListObjectsV2", "AccessDenied") in [(n, e) for n, e, _w in events(lab, since)]

    since = len(lab.trail.records)
    p = aws("analyst", "sync", str(folder), f"s3://{BUCKET}/cli/reports/", *kms(lab))
    assert p.returncode == 0, p.stderr.decode()
    made = names(lab, since, "user/analyst")
    assert made.count("PutObject") == 3 and made.count("GenerateDataKey") == 3
    p = aws("analyst", "sync", str(folder), f"s3://{BUCKET}/cli/reports/", *kms(lab))  # nothing new
    assert p.returncode == 0 and p.stdout == b""

    ls = aws("analyst", "ls", f"s3://{BUCKET}/cli/reports/")
    assert ls.returncode == 0 and sorted(line.split()[-1] for line in ls.stdout.decode().splitlines()) == sorted(files)
    got = aws("uploader", "cp", f"s3://{BUCKET}/cli/reports/feb.csv", "-")  # GetObject needs no listing
    assert got.returncode == 0 and sha256(got.stdout) == sha256(files["feb.csv"]), got.stderr.decode()
    admin = lab.client("s3", "admin")
    for name, data in files.items():
        assert sha256(admin.get_object(Bucket=BUCKET, Key=f"cli/reports/{name}")["Body"].read()) == sha256(data)

    since = len(lab.trail.records)
    assert aws("uploader", "rm", f"s3://{BUCKET}/cli/reports/jan.csv").returncode != 0  # no s3:DeleteObject
    assert ("DeleteObject", "AccessDenied") in [(n, e) for n, e, _w in events(lab, since)]
    since = len(lab.trail.records)
    p = aws("analyst", "rm", f"s3://{BUCKET}/cli/reports/", "--recursive")
    assert p.returncode == 0, p.stderr.decode()
    deleted = [n for n in names(lab, since, "user/analyst") if n.startswith("Delete")]
    assert deleted and not [e for e in events(lab, since) if e[1]]
    assert aws("analyst", "ls", f"s3://{BUCKET}/cli/reports/").stdout == b""
