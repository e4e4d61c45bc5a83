# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '3'
#     summary: the root statement delegates to IAM (it does not mean "root only"); remove
#       it for real (lockout safety check); statement/action toggles; exercises on requirement
#       3 and `kms:ViaService`
# ---

# %% [markdown]
# # 03 · The KMS key policy (post §3, KMS 키 정책)
#
# The post writes a key policy with two statements and says the key can then be used only by
# `DataUploaderRole`, with administration "only by root" (키 관리는 root 계정에서만 가능하도록 분리). In this
# notebook you find out what the first statement really does, watch IAM policies stop counting when it is
# removed, meet KMS's lockout safety check, and write a key policy that meets requirement 3.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.lab.show import attempt
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.key_policy import key_policy_widget
from s3kms_lab.exercises.key_policy import check_key_users, check_only_through_s3

lab = Lab("seed").start()
probe = Probe(lab)
admin_kms = lab.client("kms", "admin")
key_policy = json.loads(admin_kms.get_key_policy(KeyId=lab.key_arn, PolicyName="default")["Policy"])
for st in key_policy["Statement"]:
    print(f'{st["Sid"]:30} {st["Principal"]["AWS"]:48} {st["Action"]}')

# %% [markdown]
# ## The root statement does not mean "root only"
#
# `"Principal": {"AWS": "arn:aws:iam::123456789012:root"}` names the **account**, not the root user. For a
# key policy this is the statement that **lets the account's IAM policies count**: any user or role of the
# account whose identity-based policy allows a KMS action on this key may perform it. Without such a
# statement, IAM policies cannot grant anything on the key (key policies are the primary gate for KMS).
#
# `analyst` is not named in the key policy, but its IAM policy allows `kms:*`:

# %%
analyst_kms = lab.client("kms", "analyst")
print(attempt(analyst_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"secret"))
print(probe.kms("analyst", "kms:Encrypt").summary())

# %% [markdown]
# So with the post's policy, every principal of the account whose IAM policy allows KMS can use the key:
# requirement 3 (KMS 키는 DataUploaderRole만 사용할 수 있음) is violated by the very first statement.
#
# ## Remove the root statement: the lockout safety check
#
# Try to put a key policy without the root statement, as `admin`. KMS checks that the *new* policy would still
# let the caller call `PutKeyPolicy` later; `admin`'s permission comes from its IAM policy, which only counts
# through the root statement, so KMS refuses:

# %%
without_root = dict(key_policy, Statement=[st for st in key_policy["Statement"]
                                           if st["Sid"] != "AllowKeyAdministration"])
print(attempt(admin_kms.put_key_policy, KeyId=lab.key_arn, PolicyName="default",
              Policy=json.dumps(without_root)))

# %% [markdown]
# `MalformedPolicyDocumentException` is KMS's answer although the document is perfectly valid JSON: the
# lockout safety check protects you from a key nobody can manage. It can be bypassed
# (`BypassPolicyLockoutSafetyCheck=True`). Let's do it, in the lab, to see what happens:

# %%
admin_kms.put_key_policy(KeyId=lab.key_arn, PolicyName="default", Policy=json.dumps(without_root),
                         BypassPolicyLockoutSafetyCheck=True)
print("analyst encrypt :", attempt(analyst_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"secret"))

# %% [markdown]
# The analyst's KMS use flipped to **DENIED**: "no resource-based policy allows" - its IAM policy no longer
# counts. The uploader, named directly in the key policy, still works. And admin?

# %%
print("uploader upload :", attempt(lab.client("s3", "uploader").put_object, Bucket="my-secure-bucket",
                                   Key="file.txt", Body=b"hi", ServerSideEncryption="aws:kms",
                                   SSEKMSKeyId=lab.key_arn))
print("admin restores  :", attempt(admin_kms.put_key_policy, KeyId=lab.key_arn, PolicyName="default",
                                   Policy=json.dumps(key_policy)))

# %% [markdown]
# Admin is **locked out**: the key policy of `alias/my-secure-key` no longer names the account, so admin's
# `AdministratorAccess` (an identity-based policy) does not count for this key, and no statement names admin.
# Nobody can change this key policy any more. In AWS only AWS Support could help.
# In the lab, you restart it:

# %%
lab.stop()
lab = Lab("seed").start()
probe = Probe(lab)
print("fresh lab, key policy statements:",
      [st["Sid"] for st in probe.stored_key_policy()["Statement"]])

# %% [markdown]
# ## KMS grants: a third way to allow use of a key
#
# Besides the key policy and IAM policies, KMS has **grants**
# ([AWS: grants in AWS KMS](https://docs.aws.amazon.com/kms/latest/developerguide/grants.html)). A grant names
# a *grantee principal* and a list of operations (`Encrypt`, `Decrypt`, `GenerateDataKey`...); once created,
# the grantee may call those operations on the key **without any change to the key policy and without any
# IAM permission**. Grants are how AWS services (EBS, RDS...) get temporary use of your key: the condition key
# `kms:GrantIsForAWSResource` lets a key policy allow `kms:CreateGrant` only when such an integrated service
# asks for it on the caller's behalf. (S3's SSE-KMS does not use grants: S3 calls `GenerateDataKey` and
# `Decrypt` as the caller, which is why the key policy names the role.)
#
# `nobody` has no IAM policy at all and the key policy does not name it. `admin` (allowed `kms:CreateGrant`
# through the root statement and its `*` IAM policy) gives it a grant:

# %%
admin_kms = lab.client("kms", "admin")   # the lab was restarted above: new clients
nobody_kms = lab.client("kms", "nobody")
nobody_arn = lab.client("sts", "nobody").get_caller_identity()["Arn"]
print("before the grant :", attempt(nobody_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi").splitlines()[0])
grant = admin_kms.create_grant(KeyId=lab.key_arn, GranteePrincipal=nobody_arn,
                               Operations=["Encrypt", "Decrypt"], Name="nobody-can-encrypt")
print("after the grant  :", attempt(nobody_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi"))
for g in admin_kms.list_grants(KeyId=lab.key_arn)["Grants"]:
    print("ListGrants       :", g["Name"], g["GranteePrincipal"], g["Operations"])

# %% [markdown]
# The key policy did not change, yet `nobody` can encrypt: a grant is a statement you will not see by reading
# the key policy, so audits must also call `ListGrants`. Retiring (or revoking) the grant takes the use away:

# %%
admin_kms.retire_grant(KeyId=lab.key_arn, GrantId=grant["GrantId"])
print("after RetireGrant:", attempt(nobody_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi").splitlines()[0])
print("grants left      :", len(admin_kms.list_grants(KeyId=lab.key_arn)["Grants"]))

# %% [markdown]
# ### Key administrators can give themselves use of the key
#
# The console's default "key administrators" statement allows `kms:Create*`, which includes
# `kms:CreateGrant`, and `kms:Put*`, which includes `kms:PutKeyPolicy`. Whoever holds either can give
# **itself** the right to encrypt and decrypt, in one call, however carefully the key policy separates
# "administer" from "use":
#
# - `CreateGrant` to itself: no policy changes, only a grant (visible with `ListGrants`);
# - `PutKeyPolicy` with one more statement naming itself (KMS's lockout check requires that someone keeps
#   this power; in this lab that is `admin`, the scenario's trusted administrator).
#
# So a key policy stops key administrators from using the key only if it leaves `kms:CreateGrant` out of
# their actions (or allows it only with `kms:GrantIsForAWSResource`), and it stops everyone else only if
# it names no one else who may call `PutKeyPolicy` or `CreateGrant`: the requirement checker tries exactly
# those calls, from every principal but `admin`, and reports the path when one works. `admin` grants itself:

# %%
admin_arn = lab.client("sts", "admin").get_caller_identity()["Arn"]
own = admin_kms.create_grant(KeyId=lab.key_arn, GranteePrincipal=admin_arn, Operations=["Encrypt"])
print("admin encrypts through its own grant:", attempt(admin_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi"))
_ = admin_kms.revoke_grant(KeyId=lab.key_arn, GrantId=own["GrantId"])

# %% [markdown]
# ## Toggle statements and actions
#
# Untick the root statement and watch the `analyst` row: every KMS cell flips from ALLOWED to DENIED, and so
# does every `admin` cell, `kms:PutKeyPolicy` included (the lockout you just saw). Then tick it again and
# remove actions from the uploader's statement: the uploader keeps `kms:GenerateDataKey`, because the
# role's **own IAM policy** also allows it and counts through the root statement. Two doors to the same key.
# (The widget evaluates your edits with the lab's engine without storing them.)

# %%
widget = key_policy_widget(lab)
widget

# %% [markdown]
# ## Exercise 3.1: only DataUploaderRole uses the key (requirement 3)
#
# Edit the key policy so that only `DataUploaderRole` can use the key (uploads and downloads through S3),
# `analyst` and `admin` cannot encrypt, decrypt or generate data keys, and `admin` can still administer the key
# (KMS's lockout safety check must accept the policy when admin puts it). Hint: the key policy can name the
# principals it trusts directly, and "administer" and "use" are different lists of actions. The check also
# runs the requirement checker on your policy: no principal but `admin` may reach the key by any sequence of
# calls, and `admin` may not give itself use of the key with a grant.

# %%
my_key_policy = {
  "Version": "2012-10-17",
  "Id": "key-policy-s3",
  "Statement": [
    {"Sid": "AllowKeyAdministration", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": ["kms:*"], "Resource": "*"},
    {"Sid": "AllowUseOfKeyForUploaderRole", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
     "Resource": "*"},
  ],
}
print(check_key_users(lab, my_key_policy))

# %% [markdown]
# ## Exercise 3.2: only through S3
#
# The role should use the key only when **S3** calls KMS on its behalf, never by calling `kms:Encrypt`,
# `kms:Decrypt` or `kms:GenerateDataKey` itself. The condition key `kms:ViaService` tells which AWS service
# made the call. Start again from the post's key policy (it is the same text as above), and keep admin able
# to manage the key.

# %%
my_key_policy = {
  "Version": "2012-10-17",
  "Id": "key-policy-s3",
  "Statement": [
    {"Sid": "AllowKeyAdministration", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": ["kms:*"], "Resource": "*"},
    {"Sid": "AllowUseOfKeyForUploaderRole", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
     "Resource": "*"},
  ],
}
print(check_only_through_s3(lab, my_key_policy))

# %% [markdown]
# Solutions: `notebooks/solutions/03_solutions.md`. Next: `04_role_policy.ipynb` (§4).
#
# ## Stop the lab

# %%
lab.stop()
print("stopped")
