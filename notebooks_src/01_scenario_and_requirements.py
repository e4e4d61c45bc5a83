# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '1'
#     summary: the bucket, key, role and five principals; the four requirements as checkable
#       statements; the checker shows the post's policies violate all four
# ---

# %% [markdown]
# # 01 · The scenario and its four requirements (post §1, 구성 시나리오)
#
# The post sets up one bucket, one customer managed key (CMK) and one role, and states four requirements
# (요구사항). In this notebook you look at each resource **in the running lab**, meet the principals you can
# act as, and turn the four requirements into statements a machine can check. At the end you will know
# exactly which requests would prove each requirement true or false.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.widgets.probe import Probe

lab = Lab("seed").start()
s3, kms, iam = (lab.client(s, "admin") for s in ("s3", "kms", "iam"))
print("account", lab.account, "region", lab.region)

# %% [markdown]
# ## The resources
#
# **S3 bucket** `my-secure-bucket`, with the post's bucket policy (§2). Its statements, by `Sid`:

# %%
print([b["Name"] for b in s3.list_buckets()["Buckets"]])
bucket_policy = json.loads(s3.get_bucket_policy(Bucket="my-secure-bucket")["Policy"])
for st in bucket_policy["Statement"]:
    print(f'{st["Effect"]:5} {st["Sid"]:34} {st["Action"]}')

# %% [markdown]
# **KMS customer managed key** with the post's key policy (§3). The post writes the key as
# `arn:aws:kms:ap-northeast-2:123456789012:key/abcd-efgh-ijkl`; that is a placeholder, not a valid key id, so
# the lab uses a real key id and puts its ARN wherever the post's policies name the placeholder.

# %%
meta = kms.describe_key(KeyId="alias/my-secure-key")["KeyMetadata"]
print(meta["Arn"], "|", meta["KeyManager"], meta["KeySpec"], "|", meta["Description"])
key_policy = json.loads(kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
for st in key_policy["Statement"]:
    print(f'{st["Effect"]:5} {st["Sid"]:30} principal {st["Principal"]["AWS"]}')

# %% [markdown]
# **IAM role** `DataUploaderRole` (the post: "EC2 또는 Lambda에서 사용"), with the post's role policy (§4) and
# a trust policy that lets the account's principals assume it:

# %%
role = iam.get_role(RoleName="DataUploaderRole")["Role"]
print(role["Arn"])
print("inline policies:", iam.list_role_policies(RoleName="DataUploaderRole")["PolicyNames"])
print("trust policy   :", json.dumps(role["AssumeRolePolicyDocument"]["Statement"]))

# %% [markdown]
# ## The principals
#
# The post only talks about `DataUploaderRole` and "other users" (다른 사용자). To test "other users" the lab
# adds four IAM users. Each is a named profile you can pass to `lab.client(service, profile)` or
# `aws --profile`:
#
# | profile | who | identity-based policy |
# | --- | --- | --- |
# | `uploader` | a session of `DataUploaderRole` | the post's role policy |
# | `analyst` | IAM user, same account | `s3:*` and `kms:*` on `*` |
# | `nobody` | IAM user, same account | none |
# | `outsider` | IAM user, **another account** (210987654321) | `s3:*` and `kms:*` on `*` |
# | `admin` | IAM user, same account | `*` on `*` |

# %%
print("IAM users in 123456789012:", [u["UserName"] for u in iam.list_users()["Users"]])
for profile in ("uploader", "outsider"):
    print(f"{profile:9}", lab.client("sts", profile).get_caller_identity()["Arn"])

# %% [markdown]
# ## Who we trust: the threat model
#
# A requirement such as "nobody else can read the objects" only means something once we say whom we trust.
# In this lab the answer is written down as data, in `data/scenarios/seed/requirements.json`:
#
# - **`admin` is the trusted administrator.** It may change any policy; that power is accepted (someone has
#   to be able to fix things, and KMS even refuses a key policy that would stop everyone from changing it).
#   Its requests are not counted against the requirements.
# - **Everyone else is checked**: the role's own sessions, `analyst` and `nobody` inside the account,
#   `outsider` in another account, and anonymous callers with no credentials at all.
# - **Checked includes what they can do by changing things first.** If `analyst` may rewrite the bucket
#   policy, give itself a KMS grant, edit a role's trust policy and then assume the role, or create an access
#   key for another user, then whatever it can do *after* those calls counts as something `analyst` can do.
#   A design holds only if no such sequence of allowed calls ends in a request that breaks a requirement.
#
# So "requirement 1 holds" will mean: no principal other than `admin` can get an object written by anyone
# but the role, directly or by any chain of policy changes, grants or role assumptions.

# %%
print(json.dumps({k: v for k, v in json.load(open(lab.scenario.path / "requirements.json")).items()
                  if k in ("format", "trusted_administrators")}, indent=2))

# %% [markdown]
# ## The four requirements, as checkable statements
#
# A requirement written in words ("only the role can upload") cannot be tested. Written as
# *"this principal making this request must be DENIED / ALLOWED"*, it can: each line below is one request,
# and the lab decides it with the post's policies. A requirement **holds** only if every line gets the
# expected answer. (A `Probe` asks the lab how it would decide a request, using the same code as the
# endpoint, without sending it.)

# %%
probe = Probe(lab)
sample = probe.ensure_object()            # an SSE-KMS object uploaded by admin, to read and delete

REQUIREMENTS = {
    "R1 Only DataUploaderRole can upload (DataUploaderRole만 S3에 업로드 가능)": [
        ("uploader", "PutObject, SSE-KMS, the post's key", probe.put("uploader"), "ALLOWED"),
        ("analyst",  "PutObject, SSE-KMS, the post's key", probe.put("analyst"), "DENIED"),
        ("admin",    "PutObject, SSE-KMS, the post's key", probe.put("admin"), "DENIED"),
        ("outsider", "PutObject, SSE-KMS, the post's key", probe.put("outsider"), "DENIED"),
    ],
    "R2 Every upload is encrypted with the KMS key (업로드 시 반드시 KMS 키로 암호화)": [
        ("uploader", "PutObject, no encryption header", probe.put("uploader", "none", "none"), "DENIED"),
        ("uploader", "PutObject, aws:kms but no key id (aws/s3)", probe.put("uploader", "aws:kms", "none"), "DENIED"),
        ("analyst",  "PutObject, aws:kms with another key", probe.put("analyst", "aws:kms", "another key"), "DENIED"),
    ],
    "R3 Only DataUploaderRole can use the key (KMS 키는 DataUploaderRole만 사용)": [
        ("uploader", "kms:GenerateDataKey through S3", probe.kms("uploader", "kms:GenerateDataKey", via_s3=True), "ALLOWED"),
        ("analyst",  "kms:Decrypt, called directly", probe.kms("analyst", "kms:Decrypt"), "DENIED"),
        ("admin",    "kms:Encrypt, called directly", probe.kms("admin", "kms:Encrypt"), "DENIED"),
    ],
    "R4 Nobody else can read or write (다른 사용자는 읽기/쓰기 금지)": [
        ("analyst",  "GetObject", probe.s3("analyst", "GetObject", sample), "DENIED"),
        ("analyst",  "DeleteObject", probe.s3("analyst", "DeleteObject", sample), "DENIED"),
        ("nobody",   "GetObject", probe.s3("nobody", "GetObject", sample), "DENIED"),
        ("outsider", "GetObject", probe.s3("outsider", "GetObject", sample), "DENIED"),
    ],
}

for title, lines in REQUIREMENTS.items():
    holds = all(o.label == expected for _, _, o, expected in lines)
    print(f"{title}: {'HOLDS' if holds else 'VIOLATED'}")
    for who, what, o, expected in lines:
        mark = "  ok " if o.label == expected else "  !! "
        print(f"{mark}{who:9} {what:44} expected {expected:7} lab says {o.label}")

# %% [markdown]
# With the post's policies, **all four requirements are violated**. The `!!` lines are the counterexamples:
# the requests that prove it. The next notebooks explain each one:
#
# - R1, R4: `analyst` and `admin` are in the same account, and their own IAM policies allow S3. Within one
#   account an identity-based Allow is enough on its own: the bucket policy's Allow statements restrict
#   nothing (notebook 02).
# - R2: the Deny only checks the *algorithm* header (`aws:kms`), not *which* key (notebook 02).
# - R3: the key policy's first statement hands the key to every IAM policy of the account (notebook 03).
#
# Why is `analyst`'s direct `kms:Decrypt` allowed, although the key policy never names `analyst`? The lab's
# answer, in one sentence per authorization:

# %%
print(REQUIREMENTS["R3 Only DataUploaderRole can use the key (KMS 키는 DataUploaderRole만 사용)"][1][2])

# %% [markdown]
# ## The requirement checker: the whole request space
#
# The table above tests a handful of requests. The lab's requirement checker (`s3kms_lab.checker`) decides
# *every* combination of principal, request, encryption header, key-id form and bucket default encryption,
# with the same code, and reports each requirement as HOLDS or VIOLATED with the simplest counterexamples.
# It also plays the threat model above: from every principal but `admin`, it tries every call that changes
# who may do what (bucket and key policies, grants, IAM policies, trust policies, role assumptions...) and
# searches for the shortest chain of allowed calls that ends in a violation.
# (`check` reads the requirements from `data/scenarios/seed/requirements.json`.)

# %%
from s3kms_lab.checker import check

report = check("seed")
for rid in ("R1", "R2", "R3", "R4"):
    r = report.requirement(rid)
    print(f"{rid} {r.status:8} {r.source}")

# %% [markdown]
# The simplest counterexample the checker found for each requirement (its exact choice may change as the
# checker evolves, so this output is not part of the notebook's fixed results):

# %% nbval-ignore-output=true
for rid in ("R1", "R2", "R3", "R4"):
    r = report.requirement(rid)
    print(rid, "-", r.counterexamples[0].description if r.counterexamples else "none")

# %% [markdown]
# Next: `02_bucket_policy.ipynb` (§2), where you fix R1, R2 and R4 in the bucket policy.
#
# ## Stop the lab

# %%
lab.stop()
print("stopped")
