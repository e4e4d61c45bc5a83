# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '2'
#     summary: '문 하나씩 읽기, 헤더가 없을 때 `StringNotEquals`가 일치하는 이유, 실시간 5x8 결정 표(SSE 헤더,
#       키 ID 형식, 기본 암호화), 연습 문제: 키 고정, 역할만 허용'
# ---

# %% [markdown]
# # 02 · 버킷 정책(원문 §2, S3 버킷 정책)
#
# 원문의 버킷 정책은 AWS KMS 키를 사용한 서버 측 암호화(SSE-KMS)를 강제하고(원문: "SSE-KMS 강제 적용"), 버킷을
# `DataUploaderRole`로 제한하려는(원문: "IAM Role 제한") 것입니다. 이 노트북에서는 정책을 문 하나씩 읽고,
# `StringNotEquals` 거부 문이 헤더를 *아예* 보내지 않은 업로드를 왜 거부하는지 확인하고, 실시간 결정 표에서 모든
# 보안 주체와 요청을 살펴본 뒤, 원문이 남겨 둔 두 가지 허점을 고칩니다.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.decision_table import bucket_policy_widget
from s3kms_lab.exercises.bucket_policy import check_pin_the_key, check_only_the_role

lab = Lab("seed", lang="ko").start()
probe = Probe(lab)
policy = json.loads(lab.client("s3", "admin").get_bucket_policy(Bucket="my-secure-bucket")["Policy"])
print(len(policy["Statement"]), "statements:", [st["Sid"] for st in policy["Statement"]])

# %% [markdown]
# ## 문 1: `AllowPutObjectWithKMSEncryption`
#
# 요청이 `x-amz-server-side-encryption: aws:kms`를 지정하고 **동시에**
# `x-amz-server-side-encryption-aws-kms-key-id`에 키(키의 ARN)를 지정하면 `DataUploaderRole`에게
# `s3:PutObject`를 허용합니다. 두 검사가 `StringEquals` 하나 아래에 있으므로 둘 다 일치해야 합니다.

# %%
print(json.dumps(policy["Statement"][0]["Condition"], indent=2))
print(probe.put("uploader", sse="aws:kms", key_form="ARN"))

# %% [markdown]
# ## 문 2: `AllowGetObject`
#
# 역할에게 조건 없이 `s3:GetObject`를 허용합니다. SSE-KMS 객체를 다운로드하려면 `kms:Decrypt`도 필요한데, S3는
# 이것을 **호출자의 신분으로** KMS에 요청합니다. 버킷 정책으로는 이 권한을 줄 수 없습니다(03번 노트북).
#
# ## 문 3: `DenyUnEncryptedUploads`
#
# `s3:x-amz-server-side-encryption`이 `aws:kms`가 아니면 모든 보안 주체(`"Principal": "*"`)에게 `s3:PutObject`를
# 거부합니다. 거부는 어느 정책에 있든 모든 허용을 이기며, 관리자를 포함한 모든 보안 주체에게 적용됩니다.

# %%
print(json.dumps(policy["Statement"][2]["Condition"]))
for sse in ("AES256", "aws:kms:dsse"):
    print(f"{sse:13}", probe.put("uploader", sse=sse, key_form="ARN").label)

# %% [markdown]
# `aws:kms:dsse`(KMS를 사용한 이중 계층 서버 측 암호화)도 KMS 키를 사용하지만 `"aws:kms:dsse" != "aws:kms"`이므로
# 거부됩니다. 거부 문은 문자열이 정확히 같은지를 검사합니다.
#
# ## 헤더가 없을 때 `StringNotEquals`가 일치하는 이유
#
# 클라이언트가 암호화 헤더를 **보내지 않으면** 조건 키 `s3:x-amz-server-side-encryption`은 요청에 아예 **없습니다**.
# 없는 키에 대한 AWS의 규칙은 이렇습니다. *긍정* 연산자(`StringEquals`)는 일치하지 않고, *부정*
# 연산자(`StringNotEquals`)는 일치**합니다**. 그래서 헤더가 없는 요청에는 거부 문이 적용됩니다. 원문이 바란 동작
# 그대로입니다(원문: "암호화 옵션 없이 업로드하면 Deny"). 랩이 수행한 검사를 보여 줍니다:

# %%
no_header = probe.put("uploader", sse="none", key_form="none")
print("\n".join(line for line in no_header.explanation().splitlines()
                if "DenyUnEncryptedUploads" in line or "StringNotEquals" in line))

# %% [markdown]
# 같은 규칙 때문에 **버킷 기본 암호화는 도움이 되지 않습니다**. 버킷이 KMS 키로 객체를 암호화해 줄 설정이더라도,
# 헤더 없는 PUT은 이 거부 문에 막힙니다. 아래 위젯에서 직접 확인해 보십시오.
#
# ## 동일 계정: 버킷 정책의 허용은 아무도 제한하지 않습니다
#
# 원문은 "Principal에 IAM Role만 지정 → 다른 사용자 접근 불가"라고 말합니다. 하지만 **동일 계정 안에서** AWS는
# 요청을 그렇게 평가하지 않습니다. 보안 주체의 자격 증명 기반 정책 **또는** 리소스 기반 정책이 허용하면(그리고
# 아무것도 거부하지 않으면) 요청은 허용됩니다. `analyst`는 자기 IAM 정책에 `s3:*`가 있습니다:

# %%
print(probe.s3("analyst", "GetObject", probe.ensure_object()))

# %% [markdown]
# ## 결정 표
#
# 모든 보안 주체(행)가 `my-secure-bucket`에 여덟 가지 요청(열)을 보냅니다. 앞의 세 열은 업로드이며, 여러분이 고른
# 암호화 헤더를 보냅니다. `GetObject`, `HeadObject`, `DeleteObject`는 이미 있는 SSE-KMS 객체에 대한 요청이고,
# `PutBucketPolicy`는 그 보안 주체가 이 정책을 *교체*할 수 있는지를 묻습니다. 보안 주체와 요청을 고르면 그 칸에
# 대한 랩의 설명을 읽을 수 있습니다.
#
# 해 볼 것:
#
# 1. SSE 헤더를 `aws:kms` → `없음`으로 바꿉니다(헤더를 보내지 않습니다). 업로더의 `PutObject`가
#    `DenyUnEncryptedUploads` 때문에 거부됨(`DENIED`)으로 바뀝니다.
# 2. SSE 헤더 `없음`, 버킷 기본 암호화 `SSE-KMS (이 키)`: 그래도 거부됩니다(거부 문은 헤더를 검사합니다).
# 3. 키 ID 형식 `없음`: 업로더가 `aws:kms`만 지정하고 키 ID 없이 업로드할 수 있습니다. 이때 S3는 원문의 키가 아니라
#    AWS 관리형 키 `aws/s3`를 사용합니다. 요구 사항 2가 깨집니다.
# 4. 키 ID 형식 `다른 키`: 설명할 보안 주체 `analyst`, 설명할 요청 `PutObject`를 선택해 보십시오. 원문에 한 번도
#    나오지 않는 키로 업로드가 허용됩니다.
# 5. 키 ID 형식 `별칭`: 문 1의 키 ID 검사가 일치하지 않는데도(랩은 보낸 그대로의 헤더 `alias/my-secure-key`를
#    비교합니다) 업로더는 여전히 허용됩니다. 업로더의 자격 증명 기반 정책이 `s3:PutObject`를 허용하기 때문입니다.

# %%
widget = bucket_policy_widget(lab)
widget

# %% [markdown]
# ## 연습 문제 2.1: 키 고정(요구 사항 2)
#
# 모든 업로드가 **이** 키를 쓰게 만드십시오. 다른 키로 SSE-KMS를 지정한 업로드, 또는 `aws:kms`만 지정하고 키 ID가
# 없는 업로드는 **누구든**(`admin`과 `analyst` 포함) 거부되어야 합니다. 그러면서 원문의 업로드(`uploader`,
# `aws:kms`, 키의 ARN)는 계속 동작해야 하고, 암호화하지 않은 업로드는 계속 거부되어야 합니다.
#
# 아래의 `my_policy`(원문의 정책에서 시작합니다)를 고친 뒤 셀을 실행하십시오. 검사가 아직 무엇이 잘못되었는지
# 알려 줍니다. 힌트: 동일 계정 보안 주체의 권한을 빼앗을 수 있는 문은 한 종류뿐입니다.

# %%
KEY_ARN = lab.key_arn
my_policy = {
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowPutObjectWithKMSEncryption", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
     "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms",
                                    "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}}},
    {"Sid": "AllowGetObject", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Sid": "DenyUnEncryptedUploads", "Effect": "Deny", "Principal": "*",
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
     "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
  ],
}
print(check_pin_the_key(lab, my_policy))

# %% [markdown]
# 검사를 통과하면 여러분의 정책이 표에서 어떻게 동작하는지 보십시오:
# `bucket_policy_widget(lab, bucket_policy=my_policy)`(정책을 저장하지 않고 평가합니다).
#
# ## 연습 문제 2.2: 역할만 허용(요구 사항 1과 4)
#
# 이제 `DataUploaderRole`만 객체를 읽고, 쓰고, 삭제할 수 있게 하십시오. `analyst`와 `admin`도 거부되어야 하고, 역할의
# 업로드와 다운로드는 계속 동작해야 합니다. 역할의 요청은 **역할 세션**
# (`arn:aws:sts::123456789012:assumed-role/DataUploaderRole/uploader`)에서 옵니다. 원문의 정책에서 다시
# 시작합니다:

# %%
my_policy = {
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowPutObjectWithKMSEncryption", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
     "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms",
                                    "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}}},
    {"Sid": "AllowGetObject", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Sid": "DenyUnEncryptedUploads", "Effect": "Deny", "Principal": "*",
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-secure-bucket/*",
     "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
  ],
}
print(check_only_the_role(lab, my_policy))

# %% [markdown]
# 해답: `notebooks/ko/solutions/02_solutions.md`. 다음: `03_key_policy.ipynb`(§3).
#
# ## 랩 멈추기

# %%
lab.stop()
print("stopped")
