# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '6'
#     summary: the CloudTrail-style trail (incl. the KMS calls S3 made for you) with
#       a filter widget; key rotation; least privilege from the trail; `kms:ViaService`,
#       encryption context, `aws:SecureTransport`
# ---

# %% [markdown]
# # 07 · Best practices: CloudTrail, key rotation, least privilege (post §6)
#
# The post's §6 lists five practices:
#
# 1. use the KMS key policy **and** the S3 bucket policy together;
# 2. put Deny rules first, so that unencrypted uploads are always refused;
# 3. give the IAM role **least privilege**;
# 4. turn on **CloudTrail** to record every use of the key and every S3 access;
# 5. turn on **key rotation**.
#
# Notebooks 06 and 08 deal with 1. Practice 2 needs a correction, shown live first: **the order of
# statements and policies never matters**. Then you practise 4, 5 and 3, and harden the key with the condition
# keys AWS recommends (`kms:ViaService`, `kms:EncryptionContext:aws:s3:arn`, `aws:SecureTransport`). About 20
# minutes.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.exercises.failure_cases import outcome, why, client

lab = Lab("seed").start()
B, KEY = "my-secure-bucket", lab.key_arn
s3a, kmsa = client(lab, "s3"), client(lab, "kms")
up = client(lab, "s3", "uploader")
print("lab running; key", KEY)

# %% [markdown]
# ## Post §6, practice 2 · "put Deny rules first": order never matters
#
# AWS does not read a policy top to bottom and stop at the first match. It collects **every** statement that
# applies to the request, from every policy that applies (identity-based, bucket policy, key policy...), and
# then decides: any applicable explicit **Deny** wins; otherwise an applicable Allow allows; otherwise the
# request is implicitly denied ([AWS: policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)).
# So a Deny works wherever it sits. Watch the post's `DenyUnEncryptedUploads` refuse an unencrypted upload by
# the role, first as the **last** statement of the bucket policy, then moved to the **first** place:

# %%
post_bp = json.loads(lab.scenario.policies["bucket-policy.json"])
deny = next(st for st in post_bp["Statement"] if st["Effect"] == "Deny")
others = [st for st in post_bp["Statement"] if st is not deny]
for where, statements in (("Deny last ", others + [deny]), ("Deny first", [deny] + others)):
    s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(dict(post_bp, Statement=statements)))
    print(where, "->", outcome(up.put_object, Bucket=B, Key="order.txt", Body=b"x")[:60],
          "| order of Sids:", [st["Sid"] for st in statements])
_ = s3a.put_bucket_policy(Bucket=B, Policy=lab.scenario.policies["bucket-policy.json"])

# %% [markdown]
# The same answer, explicit deny, both times; and the Allow statements above or below it change nothing. What
# the post's advice really means is: **use an explicit Deny** for what must never happen (an Allow elsewhere
# cannot override it), not "put it first".
#
# ## Post §6, practice 4 · CloudTrail: a record of everything you did
#
# First, some activity: the role uploads and downloads, `analyst` reads the object, `nobody` tries to.

# %%
sse = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
up.put_object(Bucket=B, Key="report.csv", Body=b"id,total\n1,42\n", **sse)
up.get_object(Bucket=B, Key="report.csv")["Body"].read()
print("analyst:", outcome(client(lab, "s3", "analyst").get_object, Bucket=B, Key="report.csv"))
print("nobody :", outcome(client(lab, "s3", "nobody").get_object, Bucket=B, Key="report.csv")[:60])

# %% [markdown]
# The lab keeps a CloudTrail-style record of every request (`lab.trail.records`, also written to `trail.jsonl`,
# and `s3kms-lab trail` in a shell). Here is the record of the `GenerateDataKey` call behind the role's upload.
# Nobody called KMS by hand: **S3 called it on the role's behalf**, and CloudTrail records it under the role's
# identity, with `invokedBy: s3.amazonaws.com` and the encryption context (the object's ARN).

# %%
rec = lab.trail.filter(principal="uploader", event_name="GenerateDataKey")[0]
show = {k: rec[k] for k in ("eventSource", "eventName", "sourceIPAddress", "requestParameters", "resources",
                            "eventCategory", "readOnly")}
show["userIdentity"] = {k: rec["userIdentity"][k] for k in ("type", "arn", "invokedBy")}
print(json.dumps(show, indent=1))

# %% [markdown]
# In real CloudTrail, KMS calls are *management events* (logged by default) while S3 object calls are *data
# events*: you must turn them on for the trail. Without data events you would see the `Decrypt` but not the
# `GetObject` that caused it.
#
# ### The trail as a table
#
# `lab.trail.dataframe()` flattens the records. The widget below filters it by principal, by event name,
# denied calls only, or only the calls S3 made on someone's behalf. Try "denied only", then pick `Decrypt`.

# %% nbval-ignore-output=true
from s3kms_lab.widgets.trail_table import trail_table, filter_trail, COLUMNS
trail_table(lab)

# %% [markdown]
# The widget calls a plain function, `filter_trail`, which you can also use directly. The KMS calls S3 made for
# each principal:

# %%
df = lab.trail.dataframe()
print(filter_trail(df, via_s3_only=True)[["principal", "eventName", "decision"]].to_string(index=False))

# %% [markdown]
# `analyst` read the report through the same two steps as the role: the post's policies let it (requirement 4
# is broken; notebook 08 fixes that). And every denial, with AWS's error code:

# %%
print(filter_trail(df, denied_only=True)[["principal", "eventName", "errorCode", "decision"]].to_string(index=False))

# %% [markdown]
# ## Post §6, practice 5 · Key rotation
#
# Automatic rotation makes KMS create new key material every year (or a period you choose); `RotateKeyOnDemand`
# does it now. The key id, the ARN, the alias and the policies stay the same, and so do the permissions. KMS
# keeps every older key material, so objects encrypted before the rotation remain readable, with no
# re-encryption.

# %%
print("before:", kmsa.get_key_rotation_status(KeyId=KEY)["KeyRotationEnabled"])
kmsa.enable_key_rotation(KeyId=KEY)
print("after :", kmsa.get_key_rotation_status(KeyId=KEY)["KeyRotationEnabled"])
kmsa.rotate_key_on_demand(KeyId=KEY)
print([r["RotationType"] for r in kmsa.list_key_rotations(KeyId=KEY)["Rotations"]])

# %%
print("old object:", up.get_object(Bucket=B, Key="report.csv")["Body"].read())
up.put_object(Bucket=B, Key="after-rotation.csv", Body=b"new", **sse)
print("new object:", up.get_object(Bucket=B, Key="after-rotation.csv")["Body"].read())

# %% [markdown]
# Rotation limits how much data one key material protects. It does **not** help if a policy lets the wrong
# principal use the key: they can use the new material too. Rotation is no substitute for disabling a key, and
# disabling a key breaks every read (notebook 06, case 11).
#
# ## Post §6, practice 3 · Least privilege, from the trail
#
# The post's role policy allows `kms:Encrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKey*` and `kms:DescribeKey`
# as well as `kms:Decrypt`. What did the role actually use? The trail knows (IAM's "last accessed" data works
# the same way):

# %%
used = filter_trail(df, principal="uploader")
print(sorted(set(used["eventSource"].str.split(".").str[0] + ":" + used["eventName"])))

# %% [markdown]
# Uploads and downloads need `s3:PutObject`, `s3:GetObject`, `kms:GenerateDataKey` and `kms:Decrypt` (and
# multipart uploads are covered by the same two KMS actions; `AssumeRole` is the role's trust policy's business).
# The rest is unused privilege. Note also *where* the role's KMS rights come from: the post's **key policy**
# names the role directly, so trimming the role's IAM policy alone changes nothing for KMS. Least privilege has
# to be applied where the grant is.
#
# ### Exercise 1 · trim the role's policy
#
# Edit the post's role policy (below, as loaded) down to what the role needs. For the check the key policy
# delegates to IAM (root statement only), so your policy decides KMS use too.

# %%
from s3kms_lab.exercises.best_practices import check_least_privilege_role

my_role_policy = json.loads(lab.scenario.policies["role-policy.json"])
print(check_least_privilege_role(lab, my_role_policy))

# %% [markdown]
# ## Hardening the key: `kms:ViaService` and `kms:EncryptionContext:aws:s3:arn`
#
# The role can use the key for anything, not only through S3. Ask KMS for a data key directly:

# %%
kms_role = client(lab, "kms", "uploader")
print(outcome(kms_role.generate_data_key, KeyId=KEY, KeySpec="AES_256"))

# %% [markdown]
# Two condition keys limit that, in the key policy's statement for the role:
#
# - `kms:ViaService` = `s3.ap-northeast-2.amazonaws.com`: only requests that S3 makes on the role's behalf;
# - `kms:EncryptionContext:aws:s3:arn`: only for this bucket's objects (`arn:aws:s3:::my-secure-bucket/*`), and
#   the bucket ARN itself when S3 Bucket Keys are on (notebook 06, case 10).
#
# The trail shows the values S3 sends:

# %%
rec = lab.trail.filter(principal="uploader", event_name="GenerateDataKey")[0]
print(rec["userIdentity"]["invokedBy"], rec["requestParameters"]["encryptionContext"])

# %% [markdown]
# ### Exercise 2 · harden the key policy
#
# Add the two conditions to the role's statement (`AllowUseOfKeyForUploaderRole`) and drop the actions S3
# never asks for (`kms:Encrypt` included). Replace the root statement by exercise 3.1's key-administrators
# statement: the check also runs the requirement checker on your key policy, and with the root's `kms:*`
# `analyst` still uses the key. The check installs your key policy, leaves the role with S3 permissions only
# (so the key policy alone decides), and tests: uploads and downloads to `my-secure-bucket` still work; the
# role calling KMS directly is refused; S3 using the key for `my-other-bucket` on the role's behalf is refused.

# %%
from s3kms_lab.exercises.best_practices import check_hardened_key_policy

my_key_policy = json.loads(lab.scenario.policies["key-policy.json"])
print(check_hardened_key_policy(lab, my_key_policy))

# %% [markdown]
# ## `aws:SecureTransport`: a Deny you cannot try here
#
# AWS recommends denying every request that does not use TLS:
# `{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`.
# The lab endpoint speaks **plain HTTP** on your own machine, so `aws:SecureTransport` is `false` for **every**
# request. Watch what such a Deny does here. (We limit it to object reads and writes: with `s3:*` on the bucket
# it would also refuse `DeleteBucketPolicy`, and only the account's root user could remove it again.)

# %%
bp = json.loads(lab.scenario.policies["bucket-policy.json"])
bp["Statement"].append({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                        "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{B}/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(bp))
print("role  :", why(up.get_object, Bucket=B, Key="report.csv"))
print("admin :", outcome(s3a.get_object, Bucket=B, Key="report.csv")[:100])

# %% [markdown]
# Everyone is refused, the role and the admin alike, with an explicit deny. On AWS, where the SDKs and the CLI
# use HTTPS, the same statement refuses only clients that fall back to `http://`. Keep it in real designs; in
# the lab, remove it:

# %%
s3a.put_bucket_policy(Bucket=B, Policy=lab.scenario.policies["bucket-policy.json"])
print("role  :", outcome(up.get_object, Bucket=B, Key="report.csv"))

# %% [markdown]
# Solutions: `notebooks/solutions/07_solutions.md`.
#
# ## Stop the lab

# %%
lab.stop()
print("stopped")
