"""boto3's transfer manager, as most Python code moves files: ``upload_file``/``download_file`` with SSE-KMS
in ``ExtraArgs``, above the multipart threshold (TransferConfig,
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/s3-uploading-files.html), as the uploader."""
from __future__ import annotations

from boto3.s3.transfer import TransferConfig

from .clientlab import BUCKET, MiB, events, names, sha256

CONFIG = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=2)


def test_upload_file_and_download_file_in_parts(lab, big, tmp_path):
    s3 = lab.client("s3", "uploader")
    since = len(lab.trail.records)
    s3.upload_file(str(big), BUCKET, "transfer/big.bin", Config=CONFIG,
                   ExtraArgs={"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": lab.key_arn})
    mine = names(lab, since, "DataUploaderRole")
    assert mine.count("CreateMultipartUpload") == 1 and mine.count("UploadPart") == 3
    assert mine.count("CompleteMultipartUpload") == 1 and not [e for e in events(lab, since) if e[1]]

    since = len(lab.trail.records)
    back = tmp_path / "back.bin"
    s3.download_file(BUCKET, "transfer/big.bin", str(back), Config=CONFIG)
    assert sha256(back.read_bytes()) == sha256(big.read_bytes())
    mine = names(lab, since, "DataUploaderRole")
    assert mine[0] == "HeadObject" and mine.count("GetObject") == 3 and mine.count("Decrypt") == 3
    assert not [e for e in events(lab, since) if e[1]]
    head = lab.client("s3", "admin").head_object(Bucket=BUCKET, Key="transfer/big.bin")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", lab.key_arn)
    assert head["ETag"].endswith('-3"')  # a multipart object's ETag names its part count
