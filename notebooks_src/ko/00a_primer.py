# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     summary: '01 전 입문: 요청 컨텍스트, 정책 문의 구성 요소, 자격 증명 기반 정책과 리소스 기반 정책, 실제 결정으로 그린 AWS의
#       평가 흐름, 실제 데이터 키로 보는 봉투 암호화'
# ---

# %% [markdown]
# # 00a · 입문: AWS가 요청을 결정하는 방식과 SSE-KMS가 암호화하는 방식
#
# 이어지는 노트북들은 몇 가지 용어를 계속 사용합니다. 이 입문편은 그 용어를 실행 중인 랩에서 하나씩, 10분 정도에
# 걸쳐 보여 줍니다. 그래서 뒤에서 설명 없이 쓰이는 용어는 없습니다:
#
# - **보안 주체**: 요청하는 주체입니다(IAM 사용자, 또는 역할의 *세션*: `sts:AssumeRole`로 받은 임시 자격 증명).
#   모든 요청은 보안 주체의 키로 서명되므로(**SigV4**, 서명 버전 4) AWS는 누가 보냈는지 압니다.
# - **요청 컨텍스트**: AWS가 결정을 내릴 때 요청에 대해 아는 정보입니다. 보안 주체, **작업**(`s3:PutObject`),
#   **리소스**(ARN), 그리고 **조건 키**(헤더, 시각, 원본 IP 등)로 이루어집니다.
# - **정책**: **문**(statement)들로 이루어진 JSON 문서입니다. **자격 증명 기반 정책**은 사용자나 역할에 연결되어
#   *그 보안 주체가* 무엇을 할 수 있는지 정합니다. **리소스 기반 정책**은 리소스에 연결되어(버킷의 버킷 정책,
#   KMS 키의 키 정책, 역할의 신뢰 정책) *누가* 그 리소스를 사용할 수 있는지 정합니다.
# - **명시적 거부**(일치하는 `Deny` 문이 있음: 언제나 이깁니다)와 **암시적 거부**(아무것도 허용하지 않음: 기본값).
# - **CMK**: 고객 관리형 KMS 키입니다(키 정책을 여러분이 작성합니다). `aws/s3` 같은 AWS 관리형 키(키 정책을 AWS가
#   작성합니다)와 대비됩니다. **AWS KMS 키를 사용한 서버 측 암호화(SSE-KMS)**: S3가 객체를 **데이터 키**로
#   암호화하며, 그 데이터 키는 KMS가 이런 키로 만들어 줍니다(**봉투 암호화**).

# %%
import json

import pandas as pd
from IPython.display import HTML, SVG
from s3kms_lab import Lab
from s3kms_lab.widgets.primer import envelope_svg, evaluation_flow_svg, flow_table_html
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.render import frame_html

lab = Lab("seed", lang="ko").start()
probe = Probe(lab)
print("principals you can act as:", ", ".join(lab.profiles))

# %% [markdown]
# ## 1 · 요청 컨텍스트
#
# 원문의 업로드(§5)를 `DataUploaderRole`의 세션인 `uploader`로 보냅니다. 원문의 키로 SSE-KMS를 지정한 `PutObject`
# 입니다. `probe.put`은 요청을 실제로 보내지 않고, 랩이 그 요청을 어떻게 결정할지 묻습니다. 아래가 랩의 권한
# 검사가 보는 내용입니다:

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
# `s3:x-amz-server-side-encryption...` 두 키는 요청의 암호화 헤더입니다. 원문의 버킷 정책이 검사하는 것이 바로 이
# 두 키입니다. 클라이언트가 보내지 않은 헤더는 컨텍스트에 아예 **없습니다**.
#
# ## 2 · 정책 문의 구성 요소
#
# 모든 문에는 **Effect**(`Allow` 또는 `Deny`), **Action**, **Resource**가 있고, 선택적으로 요청 컨텍스트에 대한
# **Condition**이 붙습니다. 리소스 기반 정책의 문에는 **Principal**(그 문이 누구에 관한 것인지)도 있습니다. 자격
# 증명 기반 정책에는 이 요소가 없는데, 정책이 이미 그 보안 주체에 연결되어 있기 때문입니다. 원문의 버킷 정책을 문
# 하나씩 나누어 보면 다음과 같습니다:

# %%
rows = [{"Sid": st.get("Sid", ""), "Effect": st["Effect"], "Principal": json.dumps(st.get("Principal")),
         "Action": json.dumps(st["Action"]), "Resource": st["Resource"],
         "Condition": json.dumps(st.get("Condition", {}))} for st in probe.stored_bucket_policy()["Statement"]]
HTML(frame_html(pd.DataFrame(rows), "s3kms-statements", wrap=("Principal", "Resource")))

# %% [markdown]
# 그리고 위의 업로드에서 랩이 검토한 정책입니다. SSE-KMS 업로드에는 권한 검사가 **두 번** 필요합니다.
# `s3:PutObject`, 그리고 데이터 키를 받으려고 S3가 **여러분의 신분으로** 호출하는 `kms:GenerateDataKey`입니다.

# %%
for step in upload.decided:
    print(step.label)
    kinds = [("resource-based", step.policies.resource)] if step.policies.resource is not None else []
    kinds += [("identity-based", p) for p in step.policies.identity]
    for kind, policy in kinds:
        print(f"   {kind:15} {policy.name}")

# %% [markdown]
# ## 3 · 평가 흐름
#
# AWS는 모든 요청을 같은 방식으로 평가합니다(IAM 사용 설명서의 *정책 평가 로직* 페이지):

# %%
SVG(evaluation_flow_svg())

# %% [markdown]
# 이제 랩이 결정한 요청 일곱 개를 이 흐름 위에 놓아 봅니다. 각 칸은 그 단계에서 랩이 찾은 내용입니다. `-`는 그
# 단계에 도달하지 않았거나 해당 정책이 없다는 뜻입니다. 마지막 두 줄은 "만약"을 묻습니다. `s3:GetObject`만
# 허용하는 **권한 경계**(역할에 걸어 둔 상한)나 **세션 정책**(`AssumeRole`에 넘기는 상한) 아래에서 업로더가
# 업로드하면 어떻게 될까요?

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
# 한 줄씩 읽어 봅니다:
#
# - **명시적 거부가 있으면 거기서 끝납니다**(1행): 무엇이 허용하든 버킷 정책의 `DenyUnEncryptedUploads`가
#   일치합니다.
# - **동일 계정 안에서는 허용 하나면 충분합니다**(2행과 3행): 업로더는 버킷 정책*과* 역할의 자격 증명 기반 정책
#   양쪽에서 허용되지만, 어느 한쪽만 있어도 됩니다. `analyst`는 버킷 정책에 전혀 나오지 않는데도 자기 자격 증명
#   기반 정책만으로 업로드가 허용됩니다.
# - **아무것도 허용하지 않으면 암시적 거부입니다**(4행).
# - **교차 계정 요청은 양쪽이 모두 허용해야 합니다**(5행): `outsider` 자신의 정책은 `s3:GetObject`를 허용하지만,
#   버킷 정책이 `outsider`를 허용하지 않습니다.
# - **권한 경계와 세션 정책은 상한만 정합니다**(6행과 7행): 권한을 주는 일은 없고 빼앗기만 합니다.
#
# KMS에서는 키 정책이 관문입니다. 자격 증명 기반 정책은 키 정책이 계정에 위임할 때만 반영됩니다(그 문은 03번
# 노트북에서 봅니다).
#
# ## 4 · 실제 데이터 키로 보는 봉투 암호화
#
# KMS 키는 KMS 밖으로 나가지 않습니다. 객체를 암호화하려고 S3는 KMS에 **데이터 키**를 요청합니다. KMS는 데이터
# 키를 두 가지 형태로 돌려줍니다. 하나는 평문(이것으로 암호화한 뒤 잊어버립니다), 다른 하나는 KMS 키로 암호화한
# 형태(데이터 옆에 함께 저장합니다)입니다.

# %%
SVG(envelope_svg())

# %% [markdown]
# 같은 일을 업로더로서 직접 해 봅니다. 데이터 키를 받아 메시지를 암호화하고(S3가 AES-256으로 하듯이 AES-GCM을
# 씁니다), 암호화된 데이터 키를 KMS에 돌려주어 평문 키를 다시 받습니다.

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
# SSE-KMS 업로드에서는 S3가 바로 이 일을 대신 해 주고, 암호화된 데이터 키를 객체와 함께 보관합니다. 클라이언트가
# 볼 수 있는 것은 알고리즘과 키 ARN뿐입니다. 추적(trail)에는 S3가 **업로더의 신분으로** 호출한 KMS 작업이
# 남습니다(`invokedBy` = `s3.amazonaws.com`). 업로드에는 `GenerateDataKey`, 다운로드에는 `Decrypt`입니다.

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
# 그래서 원문의 키 정책은 업로더의 역할이 키를 사용할 수 있게 해야 합니다. 버킷 정책이 업로드와 다운로드를 모두
# 허용하더라도, `kms:GenerateDataKey`가 없으면 업로드가, `kms:Decrypt`가 없으면 다운로드가 실패합니다.
#
# 다음: `01_scenario_and_requirements.ipynb`(§1)에서 원문의 시나리오와 네 가지 요구 사항을 살펴봅니다.
#
# ## 랩 멈추기

# %%
lab.stop()
print("stopped")
