# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '2'
#     summary: 'each statement; why `StringNotEquals` matches an absent header; a live
#       5x8 decision table (SSE header, key-id form, default encryption); exercises:
#       pin the key, only the role'
# ---

# %% [markdown]
# # 02 · The bucket policy (post §2, S3 버킷 정책)
#
# The post's bucket policy is meant to enforce SSE-KMS (SSE-KMS 강제 적용) and to restrict the bucket to
# `DataUploaderRole` (IAM Role 제한). In this notebook you read it statement by statement, see why a
# `StringNotEquals` Deny refuses uploads that send *no* header at all, explore every principal and request
# in a live decision table, and then fix the two gaps the post leaves open.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.decision_table import bucket_policy_widget
from s3kms_lab.exercises.bucket_policy import check_pin_the_key, check_only_the_role

lab = Lab("seed").start()
probe = Probe(lab)
policy = json.loads(lab.client("s3", "admin").get_bucket_policy(Bucket="my-secure-bucket")["Policy"])
print(len(policy["Statement"]), "statements:", [st["Sid"] for st in policy["Statement"]])

# %% [markdown]
# ## Statement 1: `AllowPutObjectWithKMSEncryption`
#
# Allows `s3:PutObject` to `DataUploaderRole` **if** the request says `x-amz-server-side-encryption: aws:kms`
# **and** names the key (its ARN) in `x-amz-server-side-encryption-aws-kms-key-id`. Both tests sit under one
# `StringEquals`, so both must match.

# %%
print(json.dumps(policy["Statement"][0]["Condition"], indent=2))
print(probe.put("uploader", sse="aws:kms", key_form="ARN"))

# %% [markdown]
# ## Statement 2: `AllowGetObject`
#
# Allows `s3:GetObject` to the role, with no condition. Downloading an SSE-KMS object also needs `kms:Decrypt`,
# which S3 asks KMS for **as the caller**: the bucket policy cannot grant that (notebook 03).
#
# ## Statement 3: `DenyUnEncryptedUploads`
#
# Denies `s3:PutObject` to everyone (`"Principal": "*"`) when `s3:x-amz-server-side-encryption` is not
# `aws:kms`. A Deny beats every Allow, in every policy, for every principal, admin included.

# %%
print(json.dumps(policy["Statement"][2]["Condition"]))
for sse in ("AES256", "aws:kms:dsse"):
    print(f"{sse:13}", probe.put("uploader", sse=sse, key_form="ARN").label)

# %% [markdown]
# `aws:kms:dsse` (dual-layer SSE with KMS) also uses the KMS key, but `"aws:kms:dsse" != "aws:kms"`, so it is
# denied: the Deny tests the exact string.
#
# ## Why `StringNotEquals` matches when the header is absent
#
# When a client sends **no** encryption header, the condition key `s3:x-amz-server-side-encryption` is simply
# **absent** from the request. AWS's rule for absent keys: a *positive* operator (`StringEquals`) does not
# match, a *negated* operator (`StringNotEquals`) **does** match. So the Deny applies to a request without
# the header: exactly what the post wants (암호화 옵션 없이 업로드하면 Deny). The lab shows the test it made:

# %%
no_header = probe.put("uploader", sse="none", key_form="none")
print("\n".join(line for line in no_header.explanation().splitlines()
                if "DenyUnEncryptedUploads" in line or "StringNotEquals" in line))

# %% [markdown]
# The same rule means that **bucket default encryption does not help**: a PUT without headers is refused by
# this Deny even if the bucket would have encrypted the object with the KMS key. Try it in the widget below.
#
# ## Same account: an Allow in a bucket policy restricts nobody
#
# The post says "Principal에 IAM Role만 지정 → 다른 사용자 접근 불가" (naming only the role means other users
# have no access). That is not how AWS evaluates requests **inside one account**: a principal is allowed if
# its identity-based policy **or** the resource-based policy allows it (and nothing denies). `analyst` has
# `s3:*` in its own IAM policy:

# %%
print(probe.s3("analyst", "GetObject", probe.ensure_object()))

# %% [markdown]
# ## The decision table
#
# Every principal (rows) making eight requests (columns) against `my-secure-bucket`. The first three
# columns are uploads and send the encryption headers you choose; `GetObject`, `HeadObject` and
# `DeleteObject` act on an existing SSE-KMS object; `PutBucketPolicy` asks whether the principal could
# *replace* this policy. Pick a principal and a request to read the lab's explanation of that cell.
#
# Things to try:
#
# 1. SSE header `aws:kms` → `none`: the uploader's `PutObject` flips to DENIED by `DenyUnEncryptedUploads`.
# 2. SSE header `none`, bucket default encryption `SSE-KMS (this key)`: still DENIED (the Deny tests the header).
# 3. key id form `none`: the uploader can upload with `aws:kms` and no key id. S3 then uses the AWS managed
#    key `aws/s3`, not the post's key. Requirement 2 is broken.
# 4. key id form `another key`: select `analyst` / `PutObject`. Allowed, with a key the post never mentions.
# 5. key id form `alias`: the uploader is still allowed, although statement 1's key-id test does not match
#    (the lab compares the header as sent, `alias/my-secure-key`): its identity policy allows `s3:PutObject`.

# %%
widget = bucket_policy_widget(lab)
widget

# %% [markdown]
# ## Exercise 2.1: pin the key (requirement 2)
#
# Make every upload use **this** key: an upload with SSE-KMS under another key, or with `aws:kms` but no key
# id, must be refused for **everyone** (admin and analyst included), while the post's own upload (uploader,
# `aws:kms`, the key's ARN) keeps working and unencrypted uploads stay refused.
#
# Edit `my_policy` below (it starts as the post's policy), then run the cell. The check tells you what is
# still wrong. Hint: you can only take access away from a same-account principal with one kind of statement.

# %%
KEY_ARN = lab.key_arn
my_policy = {
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowPutObjectWithKMSEncryption", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
     "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms",
                                    "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}}},
    {"Sid": "AllowGetObject", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Sid": "DenyUnEncryptedUploads", "Effect": "Deny", "Principal": "*",
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
     "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
  ],
}
print(check_pin_the_key(lab, my_policy))

# %% [markdown]
# When the check passes, see your policy at work in the table:
# `bucket_policy_widget(lab, bucket_policy=my_policy)` (it evaluates your policy without storing it).
#
# ## Exercise 2.2: only the role (requirements 1 and 4)
#
# Now make sure that only `DataUploaderRole` reads, writes or deletes objects: `analyst` and `admin` must be
# refused too, while the role's upload and download keep working. The role's requests come from a **role
# session** (`arn:aws:sts::123456789012:assumed-role/DataUploaderRole/uploader`). Start again from the post's
# policy:

# %%
my_policy = {
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowPutObjectWithKMSEncryption", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
     "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms",
                                    "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}}},
    {"Sid": "AllowGetObject", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Sid": "DenyUnEncryptedUploads", "Effect": "Deny", "Principal": "*",
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
     "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
  ],
}
print(check_only_the_role(lab, my_policy))

# %% [markdown]
# Solutions: `notebooks/solutions/02_solutions.md`. Next: `03_key_policy.ipynb` (§3).
#
# ## Stop the lab

# %%
lab.stop()
print("stopped")
