# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '4'
#     summary: identity policy, trust policy and AssumeRole; same-account vs cross-account;
#       a permissions boundary that caps the role
# ---

# %% [markdown]
# # 04 · The role: identity policy, trust policy, AssumeRole (post §4, IAM Role 정책)
#
# The post gives `DataUploaderRole` an identity-based policy (S3 and KMS actions). A role has a second
# policy the post does not show: the **trust policy**, which says who may *become* the role
# (`sts:AssumeRole`). In this notebook you look at both, see who can assume the role and why, compare the
# same account with another account, cap the role with a **permissions boundary**, and write a
# least-privilege role policy.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.lab.show import attempt
from s3kms_lab.widgets.probe import NO_POLICY, Probe
from s3kms_lab.exercises.role_policy import check_least_privilege, check_assume_policy

lab = Lab("seed").start()
probe = Probe(lab)
iam = lab.client("iam", "admin")
ROLE_ARN = "arn:aws:iam::123456789012:role/DataUploaderRole"
role_policy = iam.get_role_policy(RoleName="DataUploaderRole", PolicyName="DataUploaderPolicy")["PolicyDocument"]
for st in role_policy["Statement"]:
    print(st["Effect"], st["Action"], "on", st["Resource"])

# %% [markdown]
# ## The identity policy
#
# It allows the role to put and get objects in the bucket, and five KMS actions on the key. Inside one
# account, this Allow is enough on its own for S3: even without the bucket policy's Allow statements, the
# role could upload (as long as no Deny matches). For KMS it counts only because the key policy delegates to
# the account's IAM policies (notebook 03).

# %%
# What if my-secure-bucket had no bucket policy at all? (a what-if: the lab's bucket is not changed)
print(probe.s3("uploader", "GetObject", probe.ensure_object(), bucket_policy=NO_POLICY).summary())

# %% [markdown]
# With no bucket policy at all, the role's own identity policy still allows the download: inside one
# account, the identity-based policy alone is enough.
#
# ## The trust policy and AssumeRole
#
# The `uploader` profile does not hold keys of its own: it calls `sts:AssumeRole` with `admin`'s keys and
# gets a temporary **session** of the role. The trust policy decides who may do that:

# %%
trust = iam.get_role(RoleName="DataUploaderRole")["Role"]["AssumeRolePolicyDocument"]
print(json.dumps(trust))
admin_sts = lab.client("sts", "admin")
creds = admin_sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="me")["AssumedRoleUser"]["Arn"]
print("admin assumed the role as:", creds)

# %% [markdown]
# The trust policy names the **account** (`:root`), not a user. Like the root statement of a key policy, this
# delegates the decision to the account's IAM policies: a principal of the account may assume the role only
# if **its own identity policy allows `sts:AssumeRole`** on the role. `admin` has `*`. `nobody` has no policy:

# %%
print(attempt(lab.client("sts", "nobody").assume_role, RoleArn=ROLE_ARN, RoleSessionName="nobody"))

# %% [markdown]
# ## Same account vs another account
#
# `outsider` lives in account 210987654321. Cross-account, **both** sides must allow: the trust policy must
# name the outsider (or its account), *and* the outsider's own identity policy must allow `sts:AssumeRole`.
# Here neither does. What if outsider's account gave it `sts:AssumeRole` on the role? Ask the lab:

# %%
outsider_may_assume = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_ARN}]}
print(probe.assume_role("outsider", identity=outsider_may_assume).summary())

# %% [markdown]
# Still denied: the trust policy names account 123456789012 only. Adding
# `arn:aws:iam::210987654321:root` to the trust policy would hand the decision to the outsider's account
# administrators, who would still need to grant `sts:AssumeRole` to their user: two accounts, two yeses.
#
# ## A permissions boundary caps the role
#
# A permissions boundary is a managed policy attached to a user or role that sets the **maximum** its
# identity-based policies can grant. It never grants anything by itself. `admin` creates an "upload only"
# boundary and attaches it to the role, through the IAM API:

# %%
boundary = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "kms:GenerateDataKey"], "Resource": "*"}]}
arn = iam.create_policy(PolicyName="UploadOnlyBoundary", PolicyDocument=json.dumps(boundary))["Policy"]["Arn"]
iam.put_role_permissions_boundary(RoleName="DataUploaderRole", PermissionsBoundary=arn)
print(iam.get_role(RoleName="DataUploaderRole")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"])

# %% [markdown]
# The uploader's existing session is capped at once. Uploading still works; downloading does not, although
# the identity policy allows `s3:GetObject` **and** the bucket policy's `AllowGetObject` names the role: a
# resource-policy grant to a **role ARN** is capped by the boundary too.

# %%
s3 = lab.client("s3", "uploader")
print("upload  :", attempt(s3.put_object, Bucket="my-secure-bucket", Key="file.txt", Body=b"hi",
                           ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn))
print("download:", attempt(s3.get_object, Bucket="my-secure-bucket", Key="file.txt").splitlines()[:3])

# %% [markdown]
# Note the wording AWS uses: "because no **permissions boundary** allows the s3:GetObject action". Remove the
# boundary and the download works again:

# %%
iam.delete_role_permissions_boundary(RoleName="DataUploaderRole")
print("download:", attempt(s3.get_object, Bucket="my-secure-bucket", Key="file.txt"))

# %% [markdown]
# ## Exercise 4.1: least privilege (post §6, IAM Role 최소 권한 부여)
#
# Rewrite the role policy so it grants exactly what an SSE-KMS upload and download of `my-secure-bucket`
# with the post's key need, and nothing more. The check judges your policy **on its own**: as if the bucket
# had no bucket policy and the key had KMS's default key policy (which delegates to IAM), so neither can hide
# a gap or an excess. Which KMS actions does S3 ask for, as you, when you upload? When you download?

# %%
KEY_ARN = lab.key_arn
my_role_policy = {
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
     "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Effect": "Allow",
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
     "Resource": KEY_ARN},
  ],
}
print(check_least_privilege(lab, my_role_policy))

# %% [markdown]
# ## Exercise 4.2: let `nobody` assume the role
#
# Write an identity policy for `nobody` so that it can assume `DataUploaderRole`, and no other role that
# trusts the account, without gaining any S3 access of its own.

# %%
nobody_policy = {
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
  ],
}
print(check_assume_policy(lab, nobody_policy))

# %% [markdown]
# When the check passes, attach it for real and assume the role as `nobody`:
#
# ```python
# iam.put_user_policy(UserName="nobody", PolicyName="AssumeUploader", PolicyDocument=json.dumps(nobody_policy))
# lab.client("sts", "nobody").assume_role(RoleArn=ROLE_ARN, RoleSessionName="nobody")["AssumedRoleUser"]["Arn"]
# ```
#
# Solutions: `notebooks/solutions/04_solutions.md`. Next: `05_uploading_cli_and_boto3.ipynb` (§5).
#
# ## Stop the lab

# %%
lab.stop()
print("stopped")
