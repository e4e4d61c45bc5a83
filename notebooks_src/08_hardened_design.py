# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '7'
#     summary: the corrected `hardened` scenario; the requirement checker on seed and
#       hardened; every notebook-06 case replayed on both
# ---

# %% [markdown]
# # 08 · A hardened design (post §7)
#
# The post's conclusion: S3 and KMS together give encryption at rest *and* fine-grained access control, but
# only if the S3, KMS and IAM policies are **designed together**, with `Condition` forcing KMS encryption.
#
# The notebooks so far showed that the post's own policies do not meet its four requirements. This one:
#
# 1. shows the **changes** of the corrected scenario `hardened` (`data/scenarios/hardened/`);
# 2. runs the **requirement checker** on both scenarios: every requirement over every combination of caller,
#    request and encryption setting, and every path of state changes (policy edits, grants, role
#    assumptions) a non-administrator can take first; then removes one layer to show the bypass;
# 3. replays **every failure case of notebook 06** against both, with real requests;
# 4. ends with two exercises. About 15 minutes.

# %% [markdown]
# ## 1 · What changed
#
# Same bucket, key, role, users and profiles; only the four policies differ. Statement by statement:

# %%
import json
from s3kms_lab.lab.scenario import load_scenario

seed, hardened = load_scenario("seed"), load_scenario("hardened")
for f in ("bucket-policy.json", "key-policy.json", "role-policy.json", "trust-policy.json"):
    print(f)
    for name, sc in (("seed", seed), ("hardened", hardened)):
        for st in json.loads(sc.policies[f])["Statement"]:
            print(f"  {name:9}{st['Effect']:6}{st.get('Sid', '(no Sid)')}")

# %% [markdown]
# The main ideas, each answering a failure you met earlier:
#
# - **Bucket policy: Deny, not Allow.** In the same account a bucket-policy Allow restricts nobody (the
#   admin's and analyst's identity policies suffice), so the hardened policy *denies* object access to every
#   principal but the role (`ArnNotEquals aws:PrincipalArn`), and denies uploads that are not SSE-KMS, that name
#   no key id, or that name another key (cases 4 and 5).
# - **Key policy: the root statement no longer delegates `kms:*`.** It keeps key *administration* for the admin
#   and the root user (the lockout check still passes, case 7), but IAM policies can no longer grant use of the key.
#   The role gets `GenerateDataKey` and `Decrypt` only, only through S3, only for this bucket (bucket ARN
#   included for Bucket Keys, case 10), and a Deny stops anyone else (case 8).
# - **Bucket policy: only the administrator changes it.** A Deny on `s3:PutBucket*` and `s3:DeleteBucket*`
#   for every principal but `admin`: without it, `analyst` (`s3:*`) would simply replace the bucket policy.
# - **Role policy: S3 only**; the key policy names the role. **Trust policy: the admin user**, the lab's stand-in
#   for the EC2/Lambda platform (case 13), not the whole account: a trust policy naming the account lets every
#   user whose IAM policy allows `sts:AssumeRole` become the role.
#
# The role's statement in the key policy:

# %%
kp = json.loads(hardened.policies["key-policy.json"])
print(json.dumps([s for s in kp["Statement"] if "DataUploaderRole" in json.dumps(s.get("Principal", ""))], indent=1))

# %% [markdown]
# ## 2 · The requirement checker
#
# `check(scenario)` decides every request of its universe (five principals plus anonymous; PutObject, multipart,
# GetObject and direct KMS calls; every encryption header and key-id form; four default-encryption settings;
# `aws:SecureTransport` true and false) with the endpoint's own authorizer, and judges each requirement
# (`requirements.json`: R1-R4 are the post's, U1-U2 say the role must still work):

# %%
from s3kms_lab.checker import check

reports = {name: check(name) for name in ("seed", "hardened")}
for name, rep in reports.items():
    print(f"{name}: {'all requirements hold' if rep.holds else 'requirements violated'}")
    for r in rep.requirements:
        print(f"  {r.id} {r.status:9}{r.violations:5} of {r.in_scope:5} requests break it   {r.title}")

# %% [markdown]
# For each requirement the seed breaks, the simplest counterexample (fewest non-default properties):

# %%
for r in reports["seed"].requirements:
    if not r.holds:
        c = r.counterexamples[0]
        stored = f", stored under {c.encryption['key']} ({c.encryption.get('key_name')})" if c.encryption else ""
        print(f"{r.id}: {c.description}\n    -> {c.decision}{stored}")

# %% [markdown]
# ### Escalation: what a non-administrator can reach by changing state first
#
# The checker does not stop at direct requests. From every principal but the trusted administrator (`admin`,
# named in `requirements.json`), it tries every call that changes who may do what (bucket policy, default
# encryption, key policy, KMS grants, IAM and trust policies, access keys, `AssumeRole`) with the endpoint's
# own code, applies each allowed one and searches on, the way privilege-escalation tools for IAM do. On the
# post's policies, requirements R1-R4 fall to direct requests already; the two "the role must still work"
# requirements fall to a path. Each step says who, which call, and which statement allowed it:

# %%
for rid in ("U1", "U2"):
    c = reports["seed"].requirement(rid).counterexamples[0]
    print(f"{rid} broken in {c.steps} calls:")
    for i, words in enumerate(c.path_words, 1):
        print(f"  {i}. {words}")
    print(f"  {c.steps}. {c.description} -> {c.decision}")

# %% [markdown]
# **Remove one layer and watch the bypass appear.** The post's §6 practice 1 says to use both the bucket
# policy and the key policy. The hardened bucket policy has one statement that is easy to forget: it denies
# `s3:PutBucket*` / `s3:DeleteBucket*` (policy, encryption, ACL, versioning...) to everyone but the
# administrator. Take it out, in a copy of `hardened`, and check again:

# %%
import shutil, tempfile
from pathlib import Path

copy_dir = Path(tempfile.mkdtemp()) / "hardened-without-guard"
shutil.copytree(hardened.path, copy_dir)
bp = json.loads((copy_dir / "bucket-policy.json").read_text())
bp["Statement"] = [st for st in bp["Statement"] if not st["Sid"].startswith("DenyBucketConfiguration")]
(copy_dir / "bucket-policy.json").write_text(json.dumps(bp))
weakened = check(str(copy_dir))
for r in weakened.requirements:
    print(f"{r.id} {r.status}")
c = weakened.requirement("R1").counterexamples[0]
print("\nR1, shortest path:")
for i, words in enumerate(c.path_words, 1):
    print(f"  {i}. {words}")
print(f"  {c.steps}. {c.description}")
print("\nReplay with the AWS CLI against a running lab of that folder:")
print("\n".join("  $ " + line for line in c.replay["cli"]))

# %% [markdown]
# `analyst`'s own IAM policy (`s3:*`) allows `s3:PutBucketPolicy`, and in the same account that is enough:
# it replaces the bucket policy with one that lets it in, and every guard of the old policy is gone. The key
# policy still keeps `analyst` away from the key (R3 holds: that layer does not depend on the bucket policy),
# but an upload without SSE-KMS needs no key. The closure is the statement you removed; with it, the same
# search finds nothing, and the report lists what it tried:

# %%
r1 = reports["hardened"].requirement("R1")
print("hardened R1:", r1.status)
for action, n in sorted(r1.tried.get("analyst", {}).items()):
    print(f"  analyst {action:32} allowed {n['allowed']} of {n['tried']} tries")

# %% [markdown]
# ### The IAM policy simulator sees only one layer
#
# People check a principal's permissions with AWS's Policy Simulator (`aws iam simulate-principal-policy`);
# the lab answers the same API. Asked about `analyst` and `s3:PutBucketPolicy`, it says **allowed**: it
# evaluates the identity-based policies. Only when you hand it the bucket policy as `ResourcePolicy` does it
# see the guard ([AWS: testing IAM policies with the policy simulator](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html)):

# %%
from s3kms_lab import Lab

with Lab("hardened") as sim_lab:
    iam = sim_lab.client("iam", "admin")
    analyst_arn = f"arn:aws:iam::{sim_lab.account}:user/analyst"
    bucket_arn = "arn:aws:s3:::my-secure-bucket"
    plain = iam.simulate_principal_policy(PolicySourceArn=analyst_arn, ActionNames=["s3:PutBucketPolicy"],
                                          ResourceArns=[bucket_arn])
    with_bucket = iam.simulate_principal_policy(
        PolicySourceArn=analyst_arn, ActionNames=["s3:PutBucketPolicy"], ResourceArns=[bucket_arn],
        ResourcePolicy=hardened.policies["bucket-policy.json"], CallerArn=analyst_arn,
        ResourceOwner=f"arn:aws:iam::{sim_lab.account}:root")
    print("identity policies only :", plain["EvaluationResults"][0]["EvalDecision"])
    print("with the bucket policy :", with_bucket["EvaluationResults"][0]["EvalDecision"])

# %% [markdown]
# The same check as a widget (pick a scenario, press the button):

# %% nbval-ignore-output=true
from s3kms_lab.checker.widget import checker_widget
checker_widget("hardened")

# %% [markdown]
# ## 3 · Every failure case of notebook 06, on seed and on hardened
#
# Each failure case of notebook 06 stands here as one probe: the request at its heart, made the way the
# scenario's own design expects, with the case's circumstance applied (default encryption, Bucket Keys on, a
# disabled key...). `wanted` is what the post's requirements ask for. Every cell of the table is a real request
# to a lab running that scenario.

# %%
from s3kms_lab import Lab
from s3kms_lab.exercises.hardened_design import run_probes

lab = Lab("seed").start()
on_seed = run_probes(lab)
lab.stop()
lab = Lab("hardened").start()
on_hardened = run_probes(lab)

# %%
import pandas as pd
from IPython.display import HTML
from s3kms_lab.widgets.render import frame_html

# One row per probe (cases 4 and 13 have two probes each); NO marks a result the requirements do not want.
table = pd.DataFrame([{"case": s["case"], "request": s["request"], "seed": s["outcome"], "hardened": h["outcome"],
                       "wanted": s["wanted"], "seed ok": s["ok"], "hardened ok": h["ok"]}
                      for s, h in zip(on_seed, on_hardened)])
HTML(frame_html(table, "s3kms-probes", wrap=("request", "seed", "hardened")))

# %% [markdown]
# Reading the table:
#
# - The seed breaks four probes, all *silent successes*: `analyst` and the admin read objects (R4), `analyst`
#   uses the key directly (R3), an upload without key id lands on `aws/s3` (R2).
# - The hardened design refuses them **explicitly** (a Deny in the bucket or key policy), so the error names the
#   policy that refused.
# - The role's own work (single and multipart uploads, Bucket Keys, copies inside the bucket) still works.
# - Case 11 (a disabled key) is refused in both: no policy can fix a key state.
# - Case 4 with an alias is `either`: the upload lands on the right key, and whether real S3 accepts it against
#   a key-ARN condition is not pinned by AWS; the lab's rule (header compared as sent) refuses it.

# %% [markdown]
# ## 4 · Exercises (on the running `hardened` lab)
#
# ### Exercise 1 · put requirement 2 back
#
# Below is the hardened bucket policy with its two key-id statements removed. Add what requirement 2 needs: every
# upload must be SSE-KMS under **this** key. The check installs your policy, tries the role's correct upload,
# uploads with no key id, with another key, with AES256 and without headers, and checks that analyst still
# cannot read.

# %%
from s3kms_lab.exercises.hardened_design import check_key_id_statement

my_bucket_policy = json.loads(hardened.policies["bucket-policy.json"])
my_bucket_policy["Statement"] = [s for s in my_bucket_policy["Statement"]
                                 if s["Sid"] not in ("DenyUploadsWithoutKeyIdHeader", "DenyUploadsUnderAnyOtherKey")]
print(check_key_id_statement(lab, my_bucket_policy))

# %% [markdown]
# ### Exercise 2 · a trust policy for production
#
# In the lab the admin user plays the EC2 instance. In production the role will run on EC2. Write a trust
# policy that lets EC2 (`ec2.amazonaws.com`) **and** the lab's admin assume the role, and nobody else. The
# check sends real `AssumeRole` requests as admin, analyst and outsider, asks the engine about EC2 (the lab
# cannot send a request as an AWS service), and runs the requirement checker supposing `analyst` also had
# `sts:AssumeRole` on any role, as developer policies often do.

# %%
from s3kms_lab.exercises.hardened_design import check_trust_policy

my_trust_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
print(check_trust_policy(lab, my_trust_policy))

# %% [markdown]
# Solutions: `notebooks/solutions/08_solutions.md`.
#
# ## Stop the lab

# %%
lab.stop()
print("stopped")
