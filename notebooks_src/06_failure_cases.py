# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: 5-6
#     summary: 13 failures people reported with S3 + SSE-KMS, each reproduced, read,
#       explained, fixed and verified
# ---

# %% [markdown]
# # 06 · Failure cases: what people really hit with S3 + SSE-KMS
#
# The post (§2–§5) sets up a bucket policy, a key policy and a role policy, and its §6 warns that S3, KMS and
# IAM policies must be designed *together*. This notebook is a catalogue of thirteen failures that people
# reported from real AWS accounts (GitHub issues of boto3, the AWS SDKs, Terraform modules, OpenTofu,
# mountpoint-s3...), restated for the post's bucket, key and role.
#
# Every case follows the same five steps: **reproduce** it, **read** the error AWS returns, **understand** why,
# **fix** it, and **verify** the fix. Each case starts from the post's scenario again (`reset_scenario`), and
# a summary table at the end lists every outcome. Budget: about 20 minutes; skim the cases you know.

# %% [markdown]
# ## Setup
#
# One lab for the whole notebook. The `admin` profile (an IAM user allowed `*`) changes policies and resources,
# exactly as you would with the console or `aws iam put-...` commands; the other profiles are the people who hit
# the failures. `outcome(...)` runs one call and prints `ALLOWED` or AWS's error in one line; `why(...)` adds
# the first line of the lab's explanation.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.endpoint.decide import key_id_rule
from s3kms_lab.exercises.failure_cases import reset_scenario, outcome, why, verdict, client, root_only_key_policy, ensure_copy_source

lab = Lab("seed").start()
B, KEY, ACCT = "my-secure-bucket", lab.key_arn, lab.account
KEY_ID = KEY.split("/")[-1]
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/DataUploaderRole"
s3a, kmsa, iama, stsa = (client(lab, s) for s in ("s3", "kms", "iam", "sts"))
up = client(lab, "s3", "uploader")     # DataUploaderRole (session)
an = client(lab, "s3", "analyst")      # IAM user analyst, same account
out = client(lab, "s3", "outsider")    # IAM user of account 210987654321

def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

def only_user_policy(user, *statements):
    """Replace the user's inline policies by one policy made of these statements."""
    for name in iama.list_user_policies(UserName=user)["PolicyNames"]:
        iama.delete_user_policy(UserName=user, PolicyName=name)
    iama.put_user_policy(UserName=user, PolicyName="CasePolicy", PolicyDocument=policy(*statements))

def role_policy(*statements):
    iama.put_role_policy(RoleName="DataUploaderRole", PolicyName="DataUploaderPolicy", PolicyDocument=policy(*statements))

def seed(name):
    return json.loads(lab.scenario.policies[name])

summary = []   # (case, reproduced, after the fix)
print("ready")

# %% [markdown]
# ---
# ## 1 · GetObject is denied because `kms:Decrypt` is missing
#
# *Reported in [boto/boto3#2952](https://github.com/boto/boto3/issues/2952) (2021): "Access Denied" on `get_object`, indistinguishable from a missing S3
# permission.*
#
# **Reproduce.** The admin stores a report under the post's key. `analyst` gets an identity policy with
# `s3:GetObject` only. (The key policy's root statement lets IAM policies grant use of the key.)

# %%
reset_scenario(lab)
s3a.put_object(Bucket=B, Key="reports/q1.csv", Body=b"q1", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
only_user_policy("analyst", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/*"})
print("HeadObject:", outcome(an.head_object, Bucket=B, Key="reports/q1.csv"))
before = why(an.get_object, Bucket=B, Key="reports/q1.csv")
print("GetObject :", before)

# %% [markdown]
# **Read.** The S3 request failed with S3's `AccessDenied`, but the message names a **KMS** action: S3 called
# `kms:Decrypt` *as analyst* to unwrap the object's data key, and no identity-based policy allows that.
# `HeadObject` works: it reads metadata only and never calls KMS.
#
# **Fix** by allowing `kms:Decrypt` on the key, and **verify**:

# %%
only_user_policy("analyst", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/*"},
                 {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})
after = outcome(an.get_object, Bucket=B, Key="reports/q1.csv")
print(after)
summary.append(("1 GetObject without kms:Decrypt", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 2 · A large upload fails on UploadPart: encrypt-only KMS rights
#
# *Reported in [aws/aws-sdk-js#1814](https://github.com/aws/aws-sdk-js/issues/1814) (2017) and [aws/aws-cdk#8947](https://github.com/aws/aws-cdk/issues/8947) (2020): small files upload, big ones fail.*
#
# **Reproduce.** `analyst` may `PutObject` and `kms:GenerateDataKey`. A small upload works; a multipart upload
# (what the CLI and boto3 do from 8 MiB, see notebook 05) starts, then fails on its first part:

# %%
reset_scenario(lab)
only_user_policy("analyst",
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"], "Resource": f"arn:aws:s3:::{B}/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": KEY})
sse = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print("small PutObject:", outcome(an.put_object, Bucket=B, Key="uploads/small.bin", Body=b"x", **sse))
mp = an.create_multipart_upload(Bucket=B, Key="uploads/big.bin", **sse)
before = why(an.upload_part, Bucket=B, Key="uploads/big.bin", UploadId=mp["UploadId"], PartNumber=1, Body=b"x" * 1024)
print("UploadPart     :", before)

# %% [markdown]
# **Read / understand.** `CreateMultipartUpload` made the upload's data key (`GenerateDataKey`); every part
# needs that key back in plaintext, which is a `kms:Decrypt` call made by S3 as the caller.
#
# **Fix** by adding `kms:Decrypt`, and **verify** with a fresh multipart upload:

# %%
only_user_policy("analyst",
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"], "Resource": f"arn:aws:s3:::{B}/*"},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY})
mp = an.create_multipart_upload(Bucket=B, Key="uploads/big.bin", **sse)
after = outcome(an.upload_part, Bucket=B, Key="uploads/big.bin", UploadId=mp["UploadId"], PartNumber=1, Body=b"x" * 1024)
print(after)
summary.append(("2 multipart without kms:Decrypt", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 3 · Default bucket encryption does not satisfy a header-based Deny
#
# *Reported in [opentofu/opentofu#2970](https://github.com/opentofu/opentofu/issues/2970) (2025): the lock file was written without an encryption header and the
# bucket policy denied it; also aws-quickstart compliance templates (2020) and apiary-data-lake (2024).*
#
# **Reproduce.** Turn on default encryption with the post's key. The post's bucket policy keeps its
# `DenyUnEncryptedUploads` statement. The role uploads without headers, trusting the default:

# %%
reset_scenario(lab)
s3a.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY},
    "BucketKeyEnabled": False}]})
before = why(up.put_object, Bucket=B, Key="state/app.tflock", Body=b"{}")
print(before)

# %% [markdown]
# **Read.** *Explicit deny in a resource-based policy*: the bucket policy. **Understand.** Policy conditions see
# only what the request carries. Without the header, `s3:x-amz-server-side-encryption` is absent, and
# `StringNotEquals` matches an absent key. Default encryption is applied *after* authorization, too late to help.
#
# **Fix** on the client: send the headers (the post's way). Another fix is on the policy side: deny only when the
# header is present *and* wrong (add `"Null": {"s3:x-amz-server-side-encryption": "false"}` to the Deny) and
# let default encryption handle clients that send nothing.

# %%
after = outcome(up.put_object, Bucket=B, Key="state/app.tflock", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(after)
summary.append(("3 default encryption vs header Deny", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 4 · A key id or alias where the policy expects the key ARN
#
# *Reported in [BerriAI/litellm#35135](https://github.com/BerriAI/litellm/issues/35135) (2026) and [awslabs/mountpoint-s3#906](https://github.com/awslabs/mountpoint-s3/issues/906) (2024).*
#
# A bucket policy that pins one key usually adds a Deny on `s3:x-amz-server-side-encryption-aws-kms-key-id`
# (AWS's own example does this). **Reproduce** with four ways to name the key:

# %%
reset_scenario(lab)
DENY_OTHER_KEYS = {"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                   "Resource": f"arn:aws:s3:::{B}/*",
                   "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KEY}}}
bp = seed("bucket-policy.json")
bp["Statement"].append(DENY_OTHER_KEYS)
s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(bp))
for label, kid in [("no key id", None), ("key ARN", KEY), ("bare key id", KEY_ID), ("alias", "alias/my-secure-key")]:
    extra = {"SSEKMSKeyId": kid} if kid else {}
    print(f"{label:12}", outcome(up.put_object, Bucket=B, Key="batch/in.jsonl", Body=b"{}",
                                 ServerSideEncryption="aws:kms", **extra)[:80])
before = outcome(up.put_object, Bucket=B, Key="batch/in.jsonl", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID)

# %% [markdown]
# **Read / understand.** Without a key id the condition key is absent, so the Deny matches: that part is AWS
# behaviour. The bare key id and the alias are a different matter. AWS says the policy value must be a key
# ARN, but no AWS page says whether S3 resolves an id or alias *before* comparing. The lab follows a stated rule:

# %%
print(key_id_rule())

# %% [markdown]
# So in this lab (and in most guides' reading) the id and the alias are denied. Treat that as a **lab rule, not
# verified AWS behaviour**. Whatever real S3 does, the safe **fix** is the same: always send the full key ARN.
# Note also that S3 always *reports* the ARN, even when you sent an id (the mountpoint-s3 report): compare
# ARNs, not what you typed. **Verify**:

# %%
r = up.put_object(Bucket=B, Key="batch/in.jsonl", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
after = "ALLOWED" if r["SSEKMSKeyId"] == KEY else r["SSEKMSKeyId"]
print(after, "- S3 reports", r["SSEKMSKeyId"])
summary.append(("4 key id / alias vs ARN (lab rule)", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 5 · `aws:kms` without a key id lands on the AWS managed key `aws/s3`
#
# This one does not fail. That is the problem. **Reproduce** with the post's own policies: the role asks for
# SSE-KMS but forgets the key id.

# %%
reset_scenario(lab)
r = up.put_object(Bucket=B, Key="notes/a.txt", Body=b"x", ServerSideEncryption="aws:kms")
aws_s3 = kmsa.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
print("stored under     :", r["SSEKMSKeyId"])
print("is alias/aws/s3  :", r["SSEKMSKeyId"] == aws_s3["Arn"], "- KeyManager:", aws_s3["KeyManager"])
print("is the post's key:", r["SSEKMSKeyId"] == KEY)
before = "ALLOWED (stored under aws/s3)"

# %% [markdown]
# **Understand.** With `aws:kms` and no key id, S3 uses the account's AWS managed key `aws/s3` (created on first
# use). The post's `DenyUnEncryptedUploads` checks only the algorithm. Its key-id condition sits in an **Allow**,
# and the role's own identity policy already allows `s3:PutObject`, so that Allow is never needed (same account:
# identity *or* resource policy suffices). Requirements 2 and 3 are silently broken.
#
# **Fix**: turn the key pin into a Deny, the `DenyOtherKeys` statement of case 4. **Verify**:

# %%
bp = seed("bucket-policy.json")
bp["Statement"].append(DENY_OTHER_KEYS)
s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(bp))
after = outcome(up.put_object, Bucket=B, Key="notes/a.txt", Body=b"x", ServerSideEncryption="aws:kms")
print("without key id:", after[:90])
print("with key ARN  :", outcome(up.put_object, Bucket=B, Key="notes/a.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY))
summary.append(("5 aws:kms without key id -> aws/s3", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 6 · The `aws/s3` key cannot be shared with another account
#
# *AWS knowledge center [s3-access-denied-error-kms](https://repost.aws/knowledge-center/s3-access-denied-error-kms); a classic when a partner account is given read access.*
#
# **Reproduce.** An object is stored under `aws/s3`; the bucket policy lets account `210987654321` read
# `shared/*`; the `outsider` user there has `s3:*` and `kms:*` in its own account.

# %%
reset_scenario(lab)
s3a.put_object(Bucket=B, Key="shared/report.csv", Body=b"r", ServerSideEncryption="aws:kms")   # -> aws/s3
PARTNER_READ = {"Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/shared/*"}
bp = seed("bucket-policy.json")
bp["Statement"].append(PARTNER_READ)
s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(bp))
before = why(out.get_object, Bucket=B, Key="shared/report.csv")
print(before)
denied = lab.trail.filter(denied=True)[-1]
print("denied step:", denied["eventName"], "on", denied["resources"][0]["ARN"],
      "(alias/aws/s3)" if denied["resources"][0]["ARN"] == kmsa.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"] else "")

# %% [markdown]
# **Read.** A caller from another account gets a bare `Access Denied`: S3 gives the detailed reason only to
# its own account. The lab's explanation says what happened: the S3 permission was fine, the `kms:Decrypt` on
# `aws/s3` was not. **Understand.** The key policy of `aws/s3` is written by AWS: any principal *of this account*,
# only through S3. You cannot edit it, so no other account can ever decrypt these objects.
#
# **Fix**: re-encrypt the object under the customer managed key (a copy onto itself), and let the partner
# account use that key in its key policy (the partner's own IAM policy must allow it too, here `kms:*`).

# %%
s3a.copy_object(CopySource=f"{B}/shared/report.csv", Bucket=B, Key="shared/report.csv",
                ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
kp = seed("key-policy.json")
kp["Statement"].append({"Sid": "PartnerDecrypt", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                        "Action": "kms:Decrypt", "Resource": "*"})
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(kp))
after = outcome(out.get_object, Bucket=B, Key="shared/report.csv")
print(after)
summary.append(("6 aws/s3 key across accounts", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 7 · The key policy's root statement is removed or cut down
#
# *Reported in [cloudposse/terraform-aws-vpc-flow-logs-s3-bucket#3](https://github.com/cloudposse/terraform-aws-vpc-flow-logs-s3-bucket/issues/3) and [#30](https://github.com/cloudposse/terraform-aws-vpc-flow-logs-s3-bucket/issues/30) (2019, 2021).*
#
# The post's key policy starts with `AllowKeyAdministration`: account root, `kms:*`. It looks like "only the
# root user can administer the key", but it really means "**IAM policies of this account may grant use of this
# key**". **Reproduce** in two steps. First remove it:

# %%
reset_scenario(lab)
kp = seed("key-policy.json")
kp["Statement"] = [s for s in kp["Statement"] if s["Sid"] != "AllowKeyAdministration"]
print(outcome(kmsa.put_key_policy, KeyId=KEY, PolicyName="default", Policy=json.dumps(kp)))

# %% [markdown]
# KMS refuses it: the *lockout safety check*. With that policy nobody, not even the admin, could ever change the
# key policy again (AWS Support would have to step in). So people cut the root statement down to administrative
# actions instead, which passes the check:

# %%
kp = seed("key-policy.json")
kp["Statement"][0]["Action"] = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                                "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion",
                                "kms:CancelKeyDeletion", "kms:TagResource", "kms:UntagResource"]
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(kp))
up.put_object(Bucket=B, Key="reports/q2.csv", Body=b"q2", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
before = why(an.get_object, Bucket=B, Key="reports/q2.csv")
print("analyst:", before)
print("admin  :", outcome(s3a.get_object, Bucket=B, Key="reports/q2.csv")[:100])

# %% [markdown]
# **Understand.** `analyst` has `kms:*` in IAM, yet is denied: a KMS key policy must itself allow the caller, or
# delegate to IAM for that action. The cut-down root statement delegates only the admin actions, so no IAM
# policy can grant `kms:Decrypt` on this key. The role still works because the key policy names it directly.
# The admin, with `*` in IAM, is refused for the same reason.
# (Whether analyst *should* read is another question; see requirement 4 and notebook 08.)
#
# **Fix** (if IAM is meant to decide): put `kms:*` back in the root statement. **Verify**:

# %%
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=lab.scenario.policies["key-policy.json"])
after = outcome(an.get_object, Bucket=B, Key="reports/q2.csv")
print(after)
summary.append(("7 root statement removed / cut down", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 8 · An explicit Deny beats every Allow, even `"Action": "*"`
#
# **Reproduce.** To enforce requirement 3 ("only the role uses the key") someone adds a Deny to the key policy
# for everybody except the role. The admin, whose IAM policy allows `*`, can no longer read anything:

# %%
reset_scenario(lab)
s3a.put_object(Bucket=B, Key="reports/q3.csv", Body=b"q3", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
ONLY_ROLE = {"Sid": "OnlyUploaderUsesKey", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
             "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [ROLE_ARN]}}}
kp = seed("key-policy.json")
kp["Statement"].append(ONLY_ROLE)
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(kp))
before = why(s3a.get_object, Bucket=B, Key="reports/q3.csv")
print(before)

# %% [markdown]
# **Read.** *with an explicit deny in a resource-based policy*: the key policy. **Understand.** AWS looks for a
# matching Deny in *every* applicable policy first; one is enough, no Allow can override it. That is exactly what
# requirement 3 asks for, but it also locks out people who were meant to read (auditors, admins).
#
# **Fix** (if admins must read): name them in the Deny's exception list. **Verify**: the admin reads, analyst is
# still refused.

# %%
ONLY_ROLE["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] = [ROLE_ARN, f"arn:aws:iam::{ACCT}:user/admin"]
kp = seed("key-policy.json")
kp["Statement"].append(ONLY_ROLE)
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(kp))
after = outcome(s3a.get_object, Bucket=B, Key="reports/q3.csv")
print("admin  :", after)
print("analyst:", outcome(an.get_object, Bucket=B, Key="reports/q3.csv")[:110])
summary.append(("8 explicit Deny beats Allow *", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 9 · A misspelt condition key never matches
#
# **Reproduce.** `analyst` may upload only with SSE-KMS, but the condition key has a typo
# (`encyption`). IAM accepts the policy: it checks the grammar, not whether a condition key exists.

# %%
reset_scenario(lab)
only_user_policy("analyst",
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{B}/*",
     "Condition": {"StringEquals": {"s3:x-amz-server-side-encyption": "aws:kms"}}},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY})
before = why(an.put_object, Bucket=B, Key="typo.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(before)

# %% [markdown]
# **Read / understand.** *no identity-based policy allows*: the Allow never applies. No request ever carries a
# key called `s3:x-amz-server-side-encyption`, so `StringEquals` compares against nothing and fails. In a **Deny**
# with `StringNotEquals` the same typo does the opposite: the Deny matches every request. IAM Access
# Analyzer's policy validation flags unknown condition keys; the lab's explanation shows them as "absent".
#
# **Fix** the spelling and **verify**:

# %%
only_user_policy("analyst",
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{B}/*",
     "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY})
after = outcome(an.put_object, Bucket=B, Key="typo.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(after)
summary.append(("9 misspelt condition key", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 10 · S3 Bucket Keys change the encryption context
#
# *Reported in [slashdevops/idp-scim-sync#540](https://github.com/slashdevops/idp-scim-sync/issues/540) (2026), [fdmsantos/terraform-aws-kinesis-firehose#26](https://github.com/fdmsantos/terraform-aws-kinesis-firehose/issues/26) and a
# ministryofjustice Terraform state bucket: a hardening condition broke every run.*
#
# **Reproduce.** The bucket uses default encryption with an **S3 Bucket Key** (fewer KMS calls, lower cost).
# The key policy only delegates to IAM, and the role's KMS permission is pinned to `state/*` objects through
# `kms:EncryptionContext:aws:s3:arn`:

# %%
reset_scenario(lab)
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(root_only_key_policy(ACCT)))
s3a.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}, "BucketKeyEnabled": True}]})
STATE_POLICY = [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{B}/state/*"},
    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY,
     "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{B}/state/*"}}}]
role_policy(*STATE_POLICY)
before = why(up.put_object, Bucket=B, Key="state/state.json", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(before)

# %% [markdown]
# **Read.** The denied action is `kms:GenerateDataKey`, "no identity-based policy allows". **Understand.** The
# trail shows the encryption context S3 sent to KMS: with a Bucket Key it is the **bucket** ARN, not the object
# ARN, so the `state/*` pattern cannot match.

# %%
rec = lab.trail.filter(event_name="GenerateDataKey")[-1]
print(rec["userIdentity"]["invokedBy"], rec["requestParameters"]["encryptionContext"])

# %% [markdown]
# **Fix** (one of two): turn Bucket Keys off, so new objects get the object ARN as context again. **Verify**.
# The other fix, changing the condition and keeping Bucket Keys, is **Exercise 1** below.

# %%
s3a.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}, "BucketKeyEnabled": False}]})
after = outcome(up.put_object, Bucket=B, Key="state/state.json", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(after)
summary.append(("10 Bucket Keys change the context", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 11 · A disabled key
#
# **Reproduce.** Someone disables the key (maybe while "rotating" it by hand). Nobody can read or write:

# %%
reset_scenario(lab)
up.put_object(Bucket=B, Key="file.txt", Body=b"hi", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
kmsa.disable_key(KeyId=KEY_ID)
before = outcome(up.get_object, Bucket=B, Key="file.txt")
print("GetObject:", before)
print("PutObject:", outcome(up.put_object, Bucket=B, Key="file2.txt", Body=b"hi", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY))

# %% [markdown]
# **Read.** Not `AccessDenied` this time: HTTP 400 `KMS.DisabledException`. Permissions are fine, the key state
# is not. (A key pending deletion gives `KMS.KMSInvalidStateException`.) Real rotation never needs this: see
# notebook 07. **Fix** by enabling the key, and **verify**:

# %%
kmsa.enable_key(KeyId=KEY_ID)
after = outcome(up.get_object, Bucket=B, Key="file.txt")
print(after)
summary.append(("11 disabled key", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 12 · Copying between buckets that use different keys
#
# *Reported in [CMSgov/beneficiary-fhir-data#134](https://github.com/CMSgov/beneficiary-fhir-data/issues/134) (2019) and [cloud-custodian/cloud-custodian#2071](https://github.com/cloud-custodian/cloud-custodian/issues/2071) (2018): the pipeline's copy was
# refused although its bucket permissions were fine.*
#
# **Reproduce.** `my-source-bucket` is default-encrypted with its own key. Both key policies delegate to IAM. The
# role may read the source, write the destination and `GenerateDataKey` on the destination key:

# %%
reset_scenario(lab)
SRC_KEY = ensure_copy_source(lab)
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(root_only_key_policy(ACCT)))
COPY_POLICY = [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-source-bucket/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{B}/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": KEY}]
role_policy(*COPY_POLICY)
before = why(up.copy_object, CopySource="my-source-bucket/in/a.csv", Bucket=B, Key="in/a.csv", **sse)
print(before)

# %% [markdown]
# **Read / understand.** The missing permission is `kms:Decrypt` on the **source** key: a copy reads one
# object (decrypt with its key) and writes another (a new data key from the destination key).
#
# **Fix** and **verify**; the new object is under the destination key:

# %%
role_policy(*COPY_POLICY, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY})
r = up.copy_object(CopySource="my-source-bucket/in/a.csv", Bucket=B, Key="in/a.csv", **sse)
after = "ALLOWED" if r["SSEKMSKeyId"] == KEY else r["SSEKMSKeyId"]
print(after, "- new object under", r["SSEKMSKeyId"])
summary.append(("12 copy between keys", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 13 · The trust policy does not let the caller assume the role
#
# **Reproduce.** The post says the role is used from EC2 or Lambda, so someone writes its trust policy for EC2
# only. The admin, allowed `*` in IAM, then cannot assume it to test an upload:

# %%
reset_scenario(lab)
EC2_TRUST = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
iama.update_assume_role_policy(RoleName="DataUploaderRole", PolicyDocument=policy(EC2_TRUST))
before = why(stsa.assume_role, RoleArn=ROLE_ARN, RoleSessionName="test")
print(before)

# %% [markdown]
# **Read / understand.** A role's trust policy is a resource policy that must itself allow the caller: like a
# key policy, an identity-policy Allow (`*` here) cannot open it. The post's seed trust policy trusts the account
# root, which delegates to IAM policies; this one trusts only EC2.
#
# **Fix**: trust the admin too (or the account root, to delegate to IAM), and **verify**:

# %%
ADMIN_TRUST = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/admin"}, "Action": "sts:AssumeRole"}
iama.update_assume_role_policy(RoleName="DataUploaderRole", PolicyDocument=policy(EC2_TRUST, ADMIN_TRUST))
after = outcome(stsa.assume_role, RoleArn=ROLE_ARN, RoleSessionName="test")
print(after)
summary.append(("13 trust policy excludes the caller", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## Summary
#
# Every case, as reproduced and after its fix, each decided by real requests to the lab:

# %%
import pandas as pd
from IPython.display import HTML
from s3kms_lab.widgets.render import frame_html

HTML(frame_html(pd.DataFrame(summary, columns=["case", "reproduced", "after the fix"]), "s3kms-summary"))

# %% [markdown]
# Case 5 reads the other way round: the failure was a *silent success* (the object went to `aws/s3`), and the fix
# turns it into a refusal. Three lessons run through the table: an S3 request with SSE-KMS is **two** authorizations (S3, then KMS as
# you); a condition sees only what the request carries; and key policies and trust policies must themselves
# allow the caller.
#
# ## Exercise 1 · Bucket Keys without giving them up
#
# Case 10 was fixed by turning Bucket Keys off. Fix it in the **policy** instead: keep Bucket Keys on, keep
# the `kms:EncryptionContext:aws:s3:arn` condition, and still tie the key to this bucket. The check sets up
# case 10 (Bucket Keys on, key policy delegating to IAM), installs your policy as the role's, writes and
# reads `state/exercise.json`, and puts everything back.

# %%
from s3kms_lab.exercises.failure_cases import check_bucket_key_policy
reset_scenario(lab)

my_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{B}/state/*"},
    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY,
     "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{B}/state/*"}}}]}
print(check_bucket_key_policy(lab, my_policy))

# %% [markdown]
# ## Exercise 2 · copy back
#
# The pipeline now also copies the other way: `out/report.csv` from `my-secure-bucket` (under the post's key)
# into `my-source-bucket` as `archive/report.csv`, encrypted under the source bucket's key (`SRC_KEY`). Write the
# role's least-privilege policy. (Both key policies delegate to IAM during the check.) Solutions:
# `notebooks/solutions/06_solutions.md`.

# %%
from s3kms_lab.exercises.failure_cases import check_copy_back_policy

my_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-source-bucket/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": SRC_KEY}]}
print(check_copy_back_policy(lab, my_policy))

# %% [markdown]
# ## Stop the lab

# %%
lab.stop()
print("stopped")
