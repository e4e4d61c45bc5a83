NAME = "05_uploading_cli_and_boto3"
CELLS = [
("md", """
# 05 · Uploading with the AWS CLI and boto3 (post §5)

The post uploads `file.txt` to `my-secure-bucket` twice: once with the AWS CLI and once with boto3, both
asking for **SSE-KMS** with the post's customer managed key. In this notebook you run those exact commands
against a local endpoint that decides every request the way AWS does, and you read why a request is denied.

Each notebook starts its own lab and stops it at the end; nothing here reaches AWS.
"""),
("md", """
## Start the lab

`Lab("seed")` provisions the post's scenario (bucket, key, `DataUploaderRole`, the three policies) and
writes an AWS config with one named profile per principal. `activate()` points `aws` and boto3 at it.
"""),
("code", """
from s3kms_lab import Lab
from s3kms_lab.lab.show import attempt, explain_error

lab = Lab("seed").start()
lab.activate()
print("profiles:", ", ".join(lab.profiles))
print("key ARN :", lab.key_arn)
"""),
("md", """
The post writes its key as `arn:aws:kms:ap-northeast-2:123456789012:key/abcd-efgh-ijkl`. That is a
placeholder, not a valid key id, so the lab uses a real key id in the same account and region and puts that
ARN wherever the post's policies name the placeholder:
"""),
("code", """
for old, new in lab.scenario.substitutions:
    print(old, "->", new)
"""),
("md", """
## The post's CLI command, as `DataUploaderRole`

The `uploader` profile assumes `DataUploaderRole` (`role_arn` + `source_profile`), just as an EC2 instance
or a Lambda function would. This is the post's command, with the lab's key ARN (and `--no-progress`, which
only hides the progress meter):
"""),
("code", """
%%bash
echo "Hello Secure World!" > file.txt
aws --profile uploader s3 cp file.txt s3://my-secure-bucket/ --no-progress \\
  --sse aws:kms \\
  --sse-kms-key-id arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""),
("md", """
S3 reports the encryption it applied. Note that S3 called KMS (`GenerateDataKey`) **as the role** to get a
data key for this object:
"""),
("code", """
head = lab.client("s3", "uploader").head_object(Bucket="my-secure-bucket", Key="file.txt")
print(head["ServerSideEncryption"], head["SSEKMSKeyId"])
"""),
("md", """
## The post's boto3 snippet

The same upload from Python. `lab.client(...)` is `boto3.client(...)` with the lab's profile and endpoint.
"""),
("code", """
s3 = lab.client("s3", profile="uploader")
s3.put_object(
    Bucket="my-secure-bucket",
    Key="file.txt",
    Body=b"Hello Secure World!",
    ServerSideEncryption="aws:kms",
    SSEKMSKeyId=lab.key_arn,
)
print(s3.get_object(Bucket="my-secure-bucket", Key="file.txt")["Body"].read())
"""),
("md", """
## An upload without encryption is denied

The bucket policy's `DenyUnEncryptedUploads` statement uses `StringNotEquals` on
`s3:x-amz-server-side-encryption`. When the request carries no encryption header, that condition key is
**absent**, and a negated operator matches an absent key. So the Deny applies, and a Deny beats every Allow:
"""),
("code", """
print(attempt(s3.put_object, Bucket="my-secure-bucket", Key="plain.txt", Body=b"not encrypted"))
"""),
("md", """
The same with the AWS CLI: the error is AWS's, word for word.
"""),
("code", """
!aws --profile uploader s3 cp file.txt s3://my-secure-bucket/plain.txt --no-progress
"""),
("md", """
## Stop the lab
"""),
("code", """
lab.stop()
import os; os.remove("file.txt")
print("stopped")
"""),
]
