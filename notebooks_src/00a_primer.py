# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     summary: 'primer, before 01: the request context; the parts of a policy statement;
#       identity-based vs resource-based policies; AWS''s evaluation flow drawn from
#       live decisions; envelope encryption with a live data key'
# ---

# %% [markdown]
# # 00a · Primer: how AWS decides a request, and how SSE-KMS encrypts
#
# The notebooks after this one use a handful of words all the time. This primer shows each of them on the
# running lab, in about ten minutes, so that nothing later is used before it is explained:
#
# - **principal**: who is asking (an IAM user, or a *session* of a role: temporary credentials from
#   `sts:AssumeRole`). Every request is signed with the principal's keys (**SigV4**, Signature Version 4), so
#   AWS knows who sent it.
# - **request context**: what AWS knows about the request when it decides: principal, **action**
#   (`s3:PutObject`), **resource** (an ARN) and **condition keys** (headers, time, source IP...).
# - **policy**: a JSON document of **statements**. An **identity-based policy** is attached to a user or role
#   (it says what *that principal* may do); a **resource-based policy** is attached to a resource (the bucket
#   policy of a bucket, the key policy of a KMS key, the trust policy of a role: it says *who* may use it).
# - **explicit deny** (a matching `Deny` statement: always wins) and **implicit deny** (nothing allowed it:
#   the default).
# - **CMK**: a customer managed KMS key (you write its key policy), as opposed to an AWS managed key such as
#   `aws/s3` (AWS writes its key policy). **SSE-KMS**: S3 encrypts your object with a **data key** that KMS
#   makes under such a key (**envelope encryption**).

# %%
import json

import pandas as pd
from IPython.display import HTML, SVG
from s3kms_lab import Lab
from s3kms_lab.widgets.primer import envelope_svg, evaluation_flow_svg, flow_table_html
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.render import frame_html

lab = Lab("seed").start()
probe = Probe(lab)
print("principals you can act as:", ", ".join(lab.profiles))

# %% [markdown]
# ## 1 · The request context
#
# Here is the post's upload (§5) as `uploader`, a session of `DataUploaderRole`: `PutObject` with SSE-KMS
# and the post's key. `probe.put` asks the lab how it would decide that request, without sending it; this is
# what the lab's authorization sees:

# %%
upload = probe.put("uploader")
request = upload.steps[0].request
print("principal:", request.caller.arn)
print("action   :", request.action)
print("resource :", request.resource)
print("condition keys (the request context):")
changing = ("aws:currenttime", "aws:epochtime", "aws:tokenissuetime", "aws:userid")
for key in sorted(request.context):
    print(f"  {key:50}", "(changes with every request)" if key in changing else request.context[key])

# %% [markdown]
# The two `s3:x-amz-server-side-encryption...` keys are the request's encryption headers: the post's bucket
# policy tests exactly these. A header the client did not send is simply **absent** from the context.
#
# ## 2 · The parts of a statement
#
# Every statement has an **Effect** (`Allow` or `Deny`), an **Action**, a **Resource** and, optionally, a
# **Condition** on the request context. A resource-based policy also names a **Principal** (who the statement
# is about); an identity-based policy has none, because it is attached to its principal. The post's bucket
# policy, statement by statement:

# %%
rows = [{"Sid": st.get("Sid", ""), "Effect": st["Effect"], "Principal": json.dumps(st.get("Principal")),
         "Action": json.dumps(st["Action"]), "Resource": st["Resource"],
         "Condition": json.dumps(st.get("Condition", {}))} for st in probe.stored_bucket_policy()["Statement"]]
HTML(frame_html(pd.DataFrame(rows), "s3kms-statements", wrap=("Principal", "Resource")))

# %% [markdown]
# And which policies the lab consulted for the upload above: an SSE-KMS upload is **two** authorizations,
# `s3:PutObject` and the `kms:GenerateDataKey` that S3 calls **as you** to get a data key.

# %%
for step in upload.decided:
    print(step.label)
    kinds = [("resource-based", step.policies.resource)] if step.policies.resource is not None else []
    kinds += [("identity-based", p) for p in step.policies.identity]
    for kind, policy in kinds:
        print(f"   {kind:15} {policy.name}")

# %% [markdown]
# ## 3 · The evaluation flow
#
# AWS evaluates every request the same way (the *policy evaluation logic* page of the IAM user guide):

# %%
SVG(evaluation_flow_svg())

# %% [markdown]
# Now seven requests the lab decides, placed on that flow. Each cell shows what the lab found at that step;
# `-` means the step was not reached or there is no such policy. The last two ask "what if": the uploader
# under a **permissions boundary** (a cap set on the role) or a **session policy** (a cap passed to
# `AssumeRole`) that allows only `s3:GetObject`.

# %%
only_get = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
sample = probe.ensure_object()
decisions = [
    ("uploader: PutObject without encryption headers", probe.put("uploader", "none", "none")),
    ("uploader: PutObject with SSE-KMS", probe.put("uploader")),
    ("analyst: PutObject with SSE-KMS", probe.s3("analyst", "PutObject", headers=probe.sse_headers())),
    ("nobody: GetObject", probe.s3("nobody", "GetObject", sample)),
    ("outsider (another account): GetObject", probe.s3("outsider", "GetObject", sample)),
    ("uploader under a boundary (GetObject only): PutObject", probe.put("uploader", boundary=only_get)),
    ("uploader with a session policy (GetObject only): PutObject", probe.put("uploader", session=only_get)),
]
HTML(flow_table_html(decisions))

# %% [markdown]
# Read it row by row:
#
# - **An explicit Deny ends it** (row 1): the bucket policy's `DenyUnEncryptedUploads` matches, whatever allows.
# - **In one account either Allow is enough** (rows 2 and 3): the uploader is allowed by the bucket policy
#   *and* by its role's identity policy; any one would do. The analyst is not named in the bucket policy at
#   all, and its identity policy alone allows the upload.
# - **Nothing allows it: implicit deny** (row 4).
# - **Across accounts both sides must allow** (row 5): the outsider's own policy allows `s3:GetObject`, but the
#   bucket policy does not allow the outsider.
# - **Boundaries and session policies only cap** (rows 6 and 7): they never grant, they take away.
#
# For KMS the key policy is the gate: an identity-based policy counts only when the key policy delegates to
# the account (notebook 03 shows that statement).
#
# ## 4 · Envelope encryption, with a live data key
#
# KMS keys never leave KMS. To encrypt an object, S3 asks KMS for a **data key**: KMS returns it twice, in
# plaintext (to encrypt with, then forget) and encrypted under the KMS key (to store beside the data).

# %%
SVG(envelope_svg())

# %% [markdown]
# The same thing by hand, as the uploader: get a data key, encrypt a message with it (AES-GCM, as S3 does
# with AES-256), then give the encrypted data key back to KMS to get the plaintext key again.

# %%
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

kms = lab.client("kms", "uploader")
data_key = kms.generate_data_key(KeyId="alias/my-secure-key", KeySpec="AES_256")
print("plaintext data key :", len(data_key["Plaintext"]), "bytes: use it, then forget it")
print("encrypted data key :", len(data_key["CiphertextBlob"]), "bytes: safe to store beside the data")
print("under the KMS key  :", data_key["KeyId"])
nonce = os.urandom(12)
sealed = AESGCM(data_key["Plaintext"]).encrypt(nonce, b"Hello Secure World!", None)
print("encrypted message  :", len(sealed), "bytes")
plaintext_key = kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"]
print("kms:Decrypt gives back the same plaintext key:", plaintext_key == data_key["Plaintext"])
print("and it opens the message:", AESGCM(plaintext_key).decrypt(nonce, sealed, None))

# %% [markdown]
# S3 does exactly that for you on an SSE-KMS upload, and keeps the encrypted data key with the object. What
# a client sees of it is the algorithm and the key ARN; the trail shows the KMS calls S3 made **as the
# uploader** (`invokedBy` = `s3.amazonaws.com`): `GenerateDataKey` for the upload, `Decrypt` for the download.

# %%
s3 = lab.client("s3", "uploader")
lab.trail.clear()
s3.put_object(Bucket="my-secure-bucket", Key="primer.txt", Body=b"Hello Secure World!",
              ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
head = s3.head_object(Bucket="my-secure-bucket", Key="primer.txt")
print("ServerSideEncryption:", head["ServerSideEncryption"])
print("SSEKMSKeyId         :", head["SSEKMSKeyId"])
print("download            :", s3.get_object(Bucket="my-secure-bucket", Key="primer.txt")["Body"].read())
print()
print(lab.trail.dataframe()[["eventName", "invokedBy", "decision"]].to_string(index=False))

# %% [markdown]
# That is why the post's key policy must let the uploader's role use the key: without `kms:GenerateDataKey`
# the upload fails, without `kms:Decrypt` the download does, although the bucket policy allows both.
#
# Next: `01_scenario_and_requirements.ipynb` (§1), the post's scenario and its four requirements.
#
# ## Stop the lab

# %%
lab.stop()
print("stopped")
