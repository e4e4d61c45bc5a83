# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '5'
#     summary: the post's commands verbatim; a multipart upload and why it needs `kms:Decrypt`;
#       download; a presigned URL; reading an AWS error
# ---

# %% [markdown]
# # 05 · Uploading with the AWS CLI and boto3 (post §5)
#
# The post uploads `file.txt` to `my-secure-bucket` twice: once with the AWS CLI and once with boto3, both
# asking for **SSE-KMS** with the post's customer managed key. In this notebook you run those exact commands
# against a local endpoint that decides every request the way AWS does, and you read why a request is denied.
#
# What you will do (about 15 minutes):
#
# 1. run the post's two commands, word for word, and see why the post's key ARN cannot work as written;
# 2. upload a file that is too large for one request (multipart) and learn why it needs `kms:Decrypt`;
# 3. download, and share an object with a presigned URL;
# 4. read an AWS error message piece by piece;
# 5. two exercises.
#
# Each notebook starts its own lab and stops it at the end; nothing here reaches AWS.

# %% [markdown]
# ## Start the lab
#
# `Lab("seed")` provisions the post's scenario (bucket, key, `DataUploaderRole`, the three policies) and
# writes an AWS config with one named profile per principal. `activate()` points `aws` and boto3 at it.

# %%
import os

from s3kms_lab import Lab
from s3kms_lab.lab.show import attempt, explain_error

lab = Lab("seed").start()
lab.activate()
# Work in the lab's temporary folder: the files made below (file.txt, a 9 MiB big.bin) never land beside
# the notebooks, even if you stop halfway. Restarting the kernel brings you back to the notebooks' folder.
NOTEBOOK_DIR = os.getcwd()
os.chdir(lab.config_dir)
print("profiles:", ", ".join(lab.profiles))
print("key ARN :", lab.key_arn)

# %% [markdown]
# The post runs its commands on an EC2 instance or in a Lambda function that *is* `DataUploaderRole`. Here
# the `uploader` profile plays that part: it assumes `DataUploaderRole` (`role_arn` + `source_profile` in the
# AWS config). Making it the default profile lets us type the post's commands exactly as written:

# %%
# %env AWS_PROFILE=uploader
# !aws sts get-caller-identity --query Arn --output text

# %% [markdown]
# ## The post's CLI command, word for word

# %% magic_args="--no-raise-error" language="bash"
# echo "Hello Secure World!" > file.txt
# aws s3 cp file.txt s3://my-secure-bucket/ \
#   --sse aws:kms \
#   --sse-kms-key-id arn:aws:kms:ap-northeast-2:123456789012:key/abcd-efgh-ijkl

# %% [markdown]
# S3 checked the permissions first (they allow it), then asked KMS for a data key under
# `key/abcd-efgh-ijkl`, and there is no such key: `abcd-efgh-ijkl` is a **placeholder**, not even a valid key
# id. Real key ids look like `1234abcd-12ab-34cd-56ef-1234567890ab`. The lab replaced the placeholder with its
# own key wherever the post's *policies* name it:

# %%
for old, new in lab.scenario.substitutions:
    print(old, "->", new)

# %% [markdown]
# So the command works once it names that key (`--no-progress` only hides the progress meter):

# %% language="bash"
# aws s3 cp file.txt s3://my-secure-bucket/ --no-progress \
#   --sse aws:kms \
#   --sse-kms-key-id arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab

# %% [markdown]
# S3 reports the encryption it applied. To encrypt the object S3 called KMS (`GenerateDataKey`) **as the
# role**, so the role needed permission on the key as well as on the bucket:

# %%
head = lab.client("s3", "uploader").head_object(Bucket="my-secure-bucket", Key="file.txt")
print(head["ServerSideEncryption"], head["SSEKMSKeyId"])

# %% [markdown]
# ## The post's boto3 snippet, word for word
#
# `boto3.client('s3')` picks up the same profile and endpoint from the environment. With the placeholder ARN
# it fails the same way as the CLI did:

# %%
import boto3

s3 = boto3.client('s3')
try:
    s3.put_object(
        Bucket='my-secure-bucket',
        Key='file.txt',
        Body=b'Hello Secure World!',
        ServerSideEncryption='aws:kms',
        SSEKMSKeyId='arn:aws:kms:ap-northeast-2:123456789012:key/abcd-efgh-ijkl'
    )
except s3.exceptions.ClientError as err:
    print(explain_error(err))

# %% [markdown]
# With the lab's key ARN (`lab.key_arn`) it succeeds, and reading the object back works too (S3 calls
# `kms:Decrypt` as the role to unwrap the object's data key):

# %%
s3.put_object(
    Bucket='my-secure-bucket',
    Key='file.txt',
    Body=b'Hello Secure World!',
    ServerSideEncryption='aws:kms',
    SSEKMSKeyId=lab.key_arn,
)
print(s3.get_object(Bucket='my-secure-bucket', Key='file.txt')['Body'].read())

# %% [markdown]
# ## An upload without encryption is denied
#
# The bucket policy's `DenyUnEncryptedUploads` statement uses `StringNotEquals` on
# `s3:x-amz-server-side-encryption`. When the request carries no encryption header, that condition key is
# **absent**, and a negated operator matches an absent key. So the Deny applies, and a Deny beats every Allow:

# %%
print(attempt(s3.put_object, Bucket="my-secure-bucket", Key="plain.txt", Body=b"not encrypted"))

# %% [markdown]
# ## A large file: multipart upload
#
# `aws s3 cp` sends a file of 8 MiB or more as a **multipart upload**: `CreateMultipartUpload`, one
# `UploadPart` per 8 MiB chunk, then `CompleteMultipartUpload`. Let us make a 9 MiB file and upload it as the role:

# %%
with open("big.bin", "wb") as fh:
    fh.write(bytes(range(256)) * (9 * 1024 * 4))   # 9 MiB
lab.trail.clear()
# !aws s3 cp big.bin s3://my-secure-bucket/big.bin --no-progress --sse aws:kms --sse-kms-key-id {lab.key_arn}

# %% [markdown]
# The trail (the lab's CloudTrail) shows every request, including the KMS calls **S3 made on the role's behalf**
# (`invokedBy = s3.amazonaws.com`). Note the `Decrypt` after each `UploadPart`:

# %%
df = lab.trail.dataframe()
print(df[["eventName", "invokedBy", "decision"]].to_string(index=False))

# %% [markdown]
# Why `Decrypt` during an *upload*? `CreateMultipartUpload` makes one data key for the whole object
# (`GenerateDataKey`) and S3 keeps only its encrypted copy. For every part, S3 must get the plaintext data key
# back to encrypt that part, and that is a `kms:Decrypt` call made with the caller's permissions
# (AWS knowledge-center article [s3-large-file-encryption-kms-key](https://repost.aws/knowledge-center/s3-large-file-encryption-kms-key)). So a principal that may
# `GenerateDataKey` but not `Decrypt` can upload small files and fails on large ones.
#
# Let us see that with the `analyst` user: give it a writer policy with `kms:GenerateDataKey` only. The key
# policy's first statement (account root) lets IAM policies grant use of the key, so this policy decides.

# %%
import json
iam = lab.client("iam", "admin")
iam.delete_user_policy(UserName="analyst", PolicyName="S3AndKmsFullAccess")
writer = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
     "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": lab.key_arn}]}
iam.put_user_policy(UserName="analyst", PolicyName="Writer", PolicyDocument=json.dumps(writer))
print(json.dumps(writer, indent=1))

# %%
# !aws --profile analyst s3 cp file.txt s3://my-secure-bucket/analyst/file.txt --no-progress --sse aws:kms --sse-kms-key-id {lab.key_arn}
# !aws --profile analyst s3 cp big.bin s3://my-secure-bucket/analyst/big.bin --no-progress --sse aws:kms --sse-kms-key-id {lab.key_arn}

# %% [markdown]
# The small file worked; the large one failed on `UploadPart`, and the message names the missing permission:
# `kms:Decrypt` on the key. Add it and try again:

# %%
writer["Statement"][1]["Action"] = ["kms:GenerateDataKey", "kms:Decrypt"]
iam.put_user_policy(UserName="analyst", PolicyName="Writer", PolicyDocument=json.dumps(writer))
# !aws --profile analyst s3 cp big.bin s3://my-secure-bucket/analyst/big.bin --no-progress --sse aws:kms --sse-kms-key-id {lab.key_arn}

# %% [markdown]
# ## Download
#
# Downloading is `GetObject`; S3 decrypts the object's data key with `kms:Decrypt`, again as the caller.
# The role downloads the large file and we compare it with the original:

# %%
# !aws s3 cp s3://my-secure-bucket/big.bin big-copy.bin --no-progress
import filecmp
print("identical:", filecmp.cmp("big.bin", "big-copy.bin", shallow=False))

# %% [markdown]
# ## A presigned URL
#
# A presigned URL lets someone without AWS credentials fetch one object for a limited time. The URL carries
# the **signer's** identity: when it is used, AWS decides the request as if the signer had made it, and S3
# calls `kms:Decrypt` with the signer's permissions. The role signs a URL for `file.txt`:

# %%
from urllib.parse import urlsplit, parse_qs
url = s3.generate_presigned_url("get_object", Params={"Bucket": "my-secure-bucket", "Key": "file.txt"},
                                ExpiresIn=300)
print(urlsplit(url).path)
print(sorted(parse_qs(urlsplit(url).query)))

# %% [markdown]
# Anyone holding the URL can fetch it with a plain HTTP client, no AWS SDK, no credentials:

# %%
import urllib.request
print(urllib.request.urlopen(url).read())

# %% [markdown]
# A URL signed by someone who may not read the object is no use: the `nobody` user has no policies. The
# request fails, and the body is S3's XML error:

# %%
import urllib.error
bad = lab.client("s3", "nobody").generate_presigned_url(
    "get_object", Params={"Bucket": "my-secure-bucket", "Key": "file.txt"}, ExpiresIn=300)
try:
    urllib.request.urlopen(bad)
except urllib.error.HTTPError as err:
    print(err.code)
    print(err.read().decode())

# %% [markdown]
# ## Reading an AWS error
#
# Every denial in this notebook had the same shape. Take one apart: the `nobody` user tries the post's upload.

# %%
nobody = lab.client("s3", "nobody")
try:
    nobody.put_object(Bucket="my-secure-bucket", Key="file.txt", Body=b"hi",
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
except nobody.exceptions.ClientError as err:
    e = err
print("code   :", e.response["Error"]["Code"])
print("status :", e.response["ResponseMetadata"]["HTTPStatusCode"])
print("message:", e.response["Error"]["Message"])

# %% [markdown]
# The message reads: `User: <who> is not authorized to perform: <action> on resource: <what> <why>`.
#
# - **who**: the principal AWS saw (for a role, the *session* ARN `arn:aws:sts::...:assumed-role/ROLE/SESSION`);
# - **action** and **resource**: the permission that was missing (`kms:Decrypt` on a key ARN when the S3
#   permission was fine but the key was not);
# - **why**: `because no <policy type> allows the <action> action` (implicit deny: nothing allowed it) or
#   `with an explicit deny in a <policy type>` (a Deny statement matched). The policy type says where to look:
#   *identity-based policy* (IAM), *resource-based policy* (bucket policy or key policy).
#
# AWS stops there. The lab adds the trace of every statement it evaluated (it travels in an extra HTTP header,
# so the AWS error itself stays as AWS sends it). `explain_error` prints both:

# %%
print(explain_error(e))

# %% [markdown]
# ## Exercise 1 · the upload call
#
# Edit `my_call` so that the `uploader` role stores `report.csv` in the bucket **encrypted with the post's
# customer managed key** (requirement 2). Then run the check; it tells you what is still wrong.

# %%
from s3kms_lab.exercises.uploading import check_upload_call

my_call = dict(
    Bucket="my-secure-bucket",
    Key="report.csv",
    Body=b"id,total\n1,42\n",
    ServerSideEncryption="AES256",
)
print(check_upload_call(lab, my_call))

# %% [markdown]
# ## Exercise 2 · a least-privilege writer
#
# Write an identity policy for `analyst` that lets it upload small **and** large SSE-KMS objects to
# `my-secure-bucket` with the post's key, and nothing more (no `*` in actions or resources). The check installs
# it, tries a small upload, a multipart upload and a few things a writer should not do, and then puts analyst's
# policy back. Solutions: `notebooks/solutions/05_solutions.md`.

# %%
from s3kms_lab.exercises.uploading import check_writer_policy

my_policy = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::my-secure-bucket/*"},
        {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": lab.key_arn},
    ],
}
print(check_writer_policy(lab, my_policy))

# %% [markdown]
# ## Stop the lab

# %%
os.chdir(NOTEBOOK_DIR)
lab.stop()  # removes the lab's temporary folder, file.txt and big.bin with it
os.environ.pop("AWS_PROFILE", None)
print("stopped")
