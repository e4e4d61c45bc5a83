# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     summary: what the suite teaches, how to use it, how the local endpoint decides
#       a request (drawn from real decisions)
# ---

# %% [markdown]
# # 00 · Start here
#
# This suite follows one Korean blog post, **"AWS - S3 + KMS"** (published 2025-08-03, headed "S3 + KMS 권한
# 정책 완전 예제", a complete S3 + KMS permission example). The post builds a bucket `my-secure-bucket`, a
# customer managed KMS key (CMK), a role `DataUploaderRole`, four requirements, and three policies that are
# meant to meet them. Quoted from the post, with credit: its three policies (bucket policy, key policy, role
# policy; only its placeholder key ARN is replaced by the lab's key) and its AWS CLI and boto3 upload commands.
# The rest of the course is the lab's own; its text and notebooks are licensed CC BY 4.0, its code Apache-2.0.
#
# You will run the post's policies against a **local endpoint that answers the way AWS does**: the same
# Allow/Deny, the same error text, and, unlike AWS, **the reason**: which policy and which statement decided.
# Along the way you will find that the post's policies do *not* meet its own requirements, and you will fix
# them. Nothing here talks to AWS, nothing costs money, and you can break things freely.

# %% [markdown]
# ## How to use the notebooks
#
# - Run each notebook from top to bottom (Shift-Enter). Each one starts its own lab and stops it at the end,
#   so you can open them in any order. One lab runs per kernel: re-running a notebook's first cell stops the
#   old lab and starts a fresh one.
# - Each notebook takes 10-20 minutes and covers one section of the post (§1-§7).
# - From notebook 02 on there are **exercises**: you edit a policy or a call in a cell, then run a check that
#   tells you, in words, what is still wrong. Solutions are in `notebooks/solutions/`, read them after trying.
# - Widgets (dropdowns, checkboxes, live tables) need a running kernel: run the cell, then play.

# %% [markdown]
# ## The map
#
# Every notebook of the suite, read from the notebooks in this folder:

# %%
from IPython.display import Markdown
from s3kms_lab.widgets.notebook_map import map_markdown

Markdown(map_markdown())

# %% [markdown]
# ## Start a lab
#
# `Lab("seed")` provisions the post's scenario in a local endpoint: the bucket with the post's bucket policy,
# the key with the post's key policy, `DataUploaderRole` with the post's role policy, and five principals you
# can act as (named profiles).

# %%
from IPython.display import SVG
from s3kms_lab import Lab
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.diagram import decision_svg, pipeline_svg

lab = Lab("seed").start()
for profile in lab.profiles:
    print(f"{profile:9}", lab.session(profile).client("sts", endpoint_url=lab.endpoint_url,
                                                       region_name=lab.region).get_caller_identity()["Arn"])

# %% [markdown]
# `uploader` is a session of `DataUploaderRole` (the way an EC2 instance or a Lambda function would use it),
# `analyst` and `nobody` are ordinary IAM users of the same account (with `s3:*`+`kms:*`, and with no policy),
# `outsider` lives in another account, `admin` may do anything.

# %% [markdown]
# ## How the local endpoint decides a request
#
# Every request, from the AWS CLI, boto3 or a notebook, goes through the same six steps:

# %%
SVG(pipeline_svg())

# %% [markdown]
# Step 3 gathers the policies that apply to *this* caller and *this* resource: the caller's identity-based
# policies (and permissions boundary, if any), the bucket policy for S3, the key policy for KMS, the trust
# policy for `sts:AssumeRole`. Step 4 applies AWS's evaluation logic: an explicit Deny anywhere wins;
# otherwise something must Allow, and *what* must allow depends on the policy type and on the accounts.
#
# ## One real decision, drawn
#
# Here is the post's upload (§5) as `uploader`: SSE-KMS with the post's key. A `Probe` asks the lab how it
# would decide the request (the same code the endpoint runs for real requests). An SSE-KMS upload is
# **two** authorizations: `s3:PutObject`, and the `kms:GenerateDataKey` that S3 makes **as you**.

# %%
probe = Probe(lab)
SVG(decision_svg(probe.put("uploader", sse="aws:kms", key_form="ARN"),
                 "uploader: PutObject with SSE-KMS and the post's key"))

# %% [markdown]
# A solid box is a policy whose statements count: for an allowed request, **every** policy whose Allow counts.
# Here the bucket policy *and* the role's own identity policy both allow the upload; in one account either
# one alone would be enough (notebook 02 comes back to this). For KMS, the key policy names the role, and
# the role's identity policy counts too because the key policy delegates to the account. Dashed boxes were
# consulted and did not count.
# Now the same upload **without** the encryption header:

# %%
SVG(decision_svg(probe.put("uploader", sse="none", key_form="none"),
                 "uploader: PutObject without encryption headers"))

# %% [markdown]
# The bucket policy's Deny decided, and S3 never got as far as asking KMS. The same decision in words,
# with AWS's error message, is what every denied request in these notebooks shows you:

# %%
print(probe.put("uploader", sse="none", key_form="none"))

# %% [markdown]
# Next: `00a_primer.ipynb`, a ten-minute primer on the words used from here on (request context, policy
# statements, the evaluation flow, envelope encryption), then `01_scenario_and_requirements.ipynb` (§1).
#
# ## Stop the lab

# %%
lab.stop()
print("stopped")
