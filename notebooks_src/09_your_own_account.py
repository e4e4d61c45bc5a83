# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: ''
#     summary: import a bucket, key and role (a lab stands in for your account; the
#       real-account commands shown); check the four requirements for your names; read
#       the counterexamples; fix, check again, export as CloudFormation / AWS CLI
# ---

# %% [markdown]
# # 09 · Your own account
#
# You know the post's four requirements and a design that meets them. Do **your** bucket, key and role meet them?
#
# 1. **import** a live bucket, key and role into a scenario folder, with read-only calls only;
# 2. **check** the four requirements (and the lab's two) against it, offline;
# 3. read the **counterexamples**;
# 4. fix the design in the folder, check again, and **export** it as a CloudFormation template or AWS CLI
#    commands.
#
# No AWS account is needed here: a lab running the post's scenario stands in for one (it speaks the same APIs).
# The commands for a real account are shown as you go. About 15 minutes.

# %% [markdown]
# ## 1 · What the import needs, and what it reads
#
# The import makes read-only calls only. This is the least-privilege policy it needs, shipped with the lab; give it
# to the principal you import with (a user, or a role you assume). Nothing else is called: no access key, password
# or object data leaves the account.

# %%
import json
from pathlib import Path
from s3kms_lab.account.cli import POLICY_FILE

policy = json.loads(POLICY_FILE.read_text())
for st in policy["Statement"]:
    actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
    print(f"{st['Sid']}:\n    " + ", ".join(actions))

# %% [markdown]
# In a real account you would attach it and import like this (not run here):
#
# ```bash
# aws iam put-user-policy --user-name me --policy-name S3KmsLabImport \
#   --policy-document file://data/account/import-readonly-policy.json
# s3kms-lab import --profile my-profile --bucket my-bucket --key alias/my-key \
#   --role MyUploaderRole --admin arn:aws:iam::111122223333:user/me --out my-account
# ```
#
# A key policy must allow the KMS reads too: `kms:GetKeyPolicy` is decided by the key policy first, like every
# KMS call.

# %% [markdown]
# ## 2 · Import (the lab stands in for your account)
#
# Start a lab running the post's scenario and make its profiles the default AWS configuration, so `--profile admin`
# means "the admin user of this account", exactly as a profile of yours would on a real account.

# %%
import tempfile
from s3kms_lab import Lab

lab = Lab("seed").start()
lab.activate()
work = Path(tempfile.mkdtemp(prefix="s3kms-lab-nb09-"))
print("account:", lab.account, "region:", lab.region)

# %% [markdown]
# The same command as on a real account (`!` runs it in a shell). It prints what it read, in how long, and what it
# could not read:

# %%
# NBVAL_IGNORE_OUTPUT
# (the folder and the time differ on each run)
# !s3kms-lab import --profile admin --bucket my-secure-bucket --key alias/my-secure-key --role DataUploaderRole --admin arn:aws:iam::123456789012:user/admin --out {work}/my-account

# %% [markdown]
# A call that does not answer is listed under "Not read" with the IAM action it needs and why (refused by the
# account, or, against this lab, a call its endpoint does not model yet). For a setting like Object Ownership or
# Block Public Access the import goes on and writes down the least protective value, so the check never counts on
# a protection nobody saw. A refused *policy* read stops it instead: a scenario missing a policy could make an
# insecure design look secure.
#
# From here on everything is offline: stop the "account".

# %%
lab.stop()
mine = work / "my-account"
print(sorted(p.name for p in mine.iterdir()))

# %% [markdown]
# `scenario.json` lists what was imported. The principals: the role, the administrator you named (a *trusted
# administrator*: the checker accepts that it can change policies), every user and role the policies name (here no
# other), and `any-other-principal`, a user the import adds to stand in for everyone else of the account: allowed
# `s3:*` and `kms:*` by its own policy, like the lab's `analyst`. Each gets a lab profile, so
# `s3kms-lab serve --scenario` on this folder gives you a lab of your own account.

# %%
from s3kms_lab.lab.scenario import load_scenario

sc = load_scenario(str(mine))
print("bucket:", sc.spec["buckets"][0]["name"], "| key:", sc.spec["keys"][0]["id"], sc.spec["keys"][0].get("alias"))
for profile, p in sc.spec["profiles"].items():
    print(f"profile {profile:18}", "user " + p["user"] if "user" in p else "role " + p["role"])
print("calls made:", len(sc.spec["import"]["calls"]))
for call in sc.spec["import"]["calls"][:6]:
    print("  ", call["call"], "->", call["outcome"])

# %% [markdown]
# ## 3 · Check the four requirements for your names
#
# `requirements.json` states the post's four requirements (and the lab's two: the role can still upload and read
# back) for the imported bucket, key and role. It is yours to edit: the folder's README.md says how (for instance
# `vars.UPLOADER` retargets all six at another role).

# %%
reqs = json.loads((mine / "requirements.json").read_text())
print("UPLOADER =", reqs["vars"]["UPLOADER"])
for r in reqs["requirements"]:
    print(f"{r['id']}: {r['title']}")

# %%
from s3kms_lab.checker import check

report = check(str(mine))
for r in report.requirements:
    print(f"{r.id} {r.status:9} {r.violations:4} of {r.in_scope:4} requests break it   {r.title}")

# %% [markdown]
# ## 4 · Read the counterexamples
#
# Each violated requirement comes with the simplest requests that break it: who, what, the decision and why,
# and the commands that replay it on a lab of this folder.

# %%
for r in report.requirements:
    if not r.holds:
        c = r.counterexamples[0]
        print(f"{r.id}: {c.description}")
        print(f"    {c.why}")

# %% [markdown]
# The requirement on the key (R3), with the reason the endpoint gives:

# %%
c = report.requirement("R3").counterexamples[0]
print(c.description)
print("\n".join(c.explanation))

# %% [markdown]
# The account root statement of the key policy delegates `kms:*` to every IAM identity of the account whose own
# policy allows it, and any other user with `kms:*` qualifies: the post's "only the role" is not what its key policy
# says (notebook 03). The same reading gives R1, R2 and R4 (notebooks 02 and 06).
#
# ## 5 · Fix it in the folder, check again, export
#
# Notebook 08's `hardened` design fixes every one. Your bucket, key and role have other names than the post's in a
# real account; here they are the same, so its four policies fit as they are. Put them into a copy of the folder,
# with the bucket and key settings AWS recommends (the import wrote down what it found, or the least protective
# value for what it could not read), and check again before deploying anything:

# %%
import shutil

fixed = work / "my-account-fixed"
shutil.copytree(mine, fixed)
spec = json.loads((fixed / "scenario.json").read_text())
hardened = load_scenario("hardened")
role = spec["roles"][0]
for mine_file, hardened_file in [(spec["buckets"][0]["policy"], "bucket-policy.json"),
                                 (spec["keys"][0]["policy"], "key-policy.json"),
                                 (role["trust_policy"], "trust-policy.json"),
                                 (role["policies"]["DataUploaderPolicy"], "role-policy.json")]:
    (fixed / mine_file).write_text(hardened.policies[hardened_file])
    print(f"{mine_file:45} <- hardened/{hardened_file}")
bucket = spec["buckets"][0]
print("found: Block Public Access", bucket["public_access_block"], "| Object Ownership", bucket["ownership"],
      "| key rotation", spec["keys"][0]["rotation"])
bucket["public_access_block"] = {name: True for name in bucket["public_access_block"]}
bucket["ownership"] = "BucketOwnerEnforced"  # ACLs off: the bucket policy alone decides
spec["keys"][0]["rotation"] = True  # notebook 07 says why
spec["import"]["assumed"] = []  # set on purpose now, not guessed
(fixed / "scenario.json").write_text(json.dumps(spec, indent=2))

# %%
report_fixed = check(str(fixed))
for r in report_fixed.requirements:
    print(f"{r.id} {r.status:9} {r.title}")

# %% [markdown]
# All six hold for the fixed design. Export the fixed folder as a CloudFormation template: bucket with default encryption, Block Public
# Access and Object Ownership, bucket policy, KMS key with its key policy and rotation, alias, role with its trust
# and inline policy. Ids become references (`!GetAtt Key.Arn`, `${AWS::AccountId}`), so the policies follow the
# stack. The shell command is `s3kms-lab export --scenario DIR --format cloudformation --out template.yaml`.

# %%
from s3kms_lab.account.export import cloudformation

template = cloudformation(str(fixed))
print("\n".join(template.splitlines()[:40]))
print("...")

# %% [markdown]
# `cfn-lint`, the CloudFormation linter, finds no error in it (cfn-lint comes with `make test`; in a `make lab`
# environment the cell says it is not installed):

# %%
from s3kms_lab.account.export import lint_template

print(lint_template(template, sc.region))

# %% [markdown]
# The same as AWS CLI commands in the post's style (`--format cli`): each policy written to a file, then one
# command per resource, the role first because the key policy names it.

# %%
from s3kms_lab.account.export import cli

in_file = False
for line in cli(str(fixed)).splitlines():  # each policy file folded to one line
    if line.startswith("cat > "):
        print(line + " ... EOF")
        in_file = True
    elif not in_file:
        print(line)
    elif line == "EOF":
        in_file = False

# %% [markdown]
# Before deploying to a real account: run it with the administrator you named (the key policy's lockout check
# requires that the principal creating the key keeps `kms:PutKeyPolicy`), and re-import afterwards to check what
# was deployed.
#
# ## Clean up

# %%
shutil.rmtree(work)
print("removed the folders")
