# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '5'
#     summary: 원문의 명령을 그대로 실행, 멀티파트 업로드에 `kms:Decrypt`가 필요한 이유, 다운로드, 미리 서명된 URL, AWS
#       오류 읽기
# ---

# %% [markdown]
# # 05 · AWS CLI와 boto3로 업로드하기 (원문 §5)
#
# 원문은 `file.txt`를 `my-secure-bucket`에 두 번 업로드합니다. 한 번은 AWS CLI로, 한 번은 boto3로 하며, 둘 다
# 원문의 고객 관리형 키로 AWS KMS 키를 사용한 서버 측 암호화(**SSE-KMS**)를 요청합니다. 이 노트북에서는 바로 그
# 명령을 모든 요청을 AWS와 같은 방식으로 판정하는 로컬 엔드포인트에 실행해 보고, 요청이 왜 거부되는지 읽어
# 봅니다.
#
# 이 노트북에서 할 일(약 15분):
#
# 1. 원문의 두 명령을 글자 그대로 실행하고, 원문의 키 ARN이 적힌 그대로는 왜 동작할 수 없는지 확인합니다.
# 2. 요청 한 번에 보내기에는 너무 큰 파일을 업로드(멀티파트)하고, 여기에 왜 `kms:Decrypt`가 필요한지 알아봅니다.
# 3. 객체를 다운로드하고, 미리 서명된 URL로 객체를 공유합니다.
# 4. AWS 오류 메시지를 한 부분씩 나누어 읽습니다.
# 5. 연습 문제 두 개를 풉니다.
#
# 노트북마다 자체 랩을 시작하고 마지막에 중지합니다. 여기서 하는 어떤 일도 AWS에 닿지 않습니다.

# %% [markdown]
# ## 랩 시작
#
# `Lab("seed", lang="ko")`는 원문의 시나리오(버킷, 키, `DataUploaderRole`, 세 가지 정책)를 준비하고, 보안
# 주체마다 이름 있는 프로필을 하나씩 담은 AWS 구성 파일을 만듭니다(`lang="ko"`를 주면 랩이 쓰는 설명이
# 한국어로 나옵니다). `activate()`는 `aws`와 boto3가 이 구성을 사용하게 합니다.

# %%
import os

from s3kms_lab import Lab
from s3kms_lab.lab.show import attempt, explain_error

lab = Lab("seed", lang="ko").start()
lab.activate()
# Work in the lab's temporary folder: the files made below (file.txt, a 9 MiB big.bin) never land beside
# the notebooks, even if you stop halfway. Restarting the kernel brings you back to the notebooks' folder.
NOTEBOOK_DIR = os.getcwd()
os.chdir(lab.config_dir)
print("profiles:", ", ".join(lab.profiles))
print("key ARN :", lab.key_arn)

# %% [markdown]
# 원문은 `DataUploaderRole` *자체로* 실행되는 EC2 인스턴스나 Lambda 함수에서 명령을 실행합니다. 여기서는
# `uploader` 프로필이 그 역할을 맡습니다. 이 프로필은 `DataUploaderRole`을 수임합니다(AWS 구성의 `role_arn` +
# `source_profile`). 이 프로필을 기본 프로필로 지정하면 원문의 명령을 적힌 그대로 입력할 수 있습니다:

# %%
# %env AWS_PROFILE=uploader
# !aws sts get-caller-identity --query Arn --output text

# %% [markdown]
# ## 원문의 CLI 명령, 글자 그대로

# %% magic_args="--no-raise-error" language="bash"
# echo "Hello Secure World!" > file.txt
# aws s3 cp file.txt s3://my-secure-bucket/ \
#   --sse aws:kms \
#   --sse-kms-key-id arn:aws:kms:ap-northeast-2:123456789012:key/abcd-efgh-ijkl

# %% [markdown]
# S3는 먼저 권한을 확인했고(허용됨), 이어서 KMS에 `key/abcd-efgh-ijkl`로 데이터 키를 요청했는데, 그런 키는
# 없습니다. `abcd-efgh-ijkl`은 **자리 표시자**일 뿐 유효한 키 ID조차 아닙니다. 실제 키 ID는
# `1234abcd-12ab-34cd-56ef-1234567890ab` 같은 모양입니다. 랩은 원문의 *정책*에 이 자리 표시자가 나오는 곳마다
# 랩의 키로 바꿔 두었습니다:

# %%
for old, new in lab.scenario.substitutions:
    print(old, "->", new)

# %% [markdown]
# 그러니 명령에 그 키를 지정하면 동작합니다(`--no-progress`는 진행률 표시만 숨깁니다):

# %% language="bash"
# aws s3 cp file.txt s3://my-secure-bucket/ --no-progress \
#   --sse aws:kms \
#   --sse-kms-key-id arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab

# %% [markdown]
# S3는 자신이 적용한 암호화를 알려 줍니다. 객체를 암호화하려고 S3는 **역할의 이름으로** KMS를
# 호출(`GenerateDataKey`)했습니다. 그래서 역할에는 버킷에 대한 권한뿐 아니라 키에 대한 권한도 필요했습니다:

# %%
head = lab.client("s3", "uploader").head_object(Bucket="my-secure-bucket", Key="file.txt")
print(head["ServerSideEncryption"], head["SSEKMSKeyId"])

# %% [markdown]
# ## 원문의 boto3 코드, 글자 그대로
#
# `boto3.client('s3')`도 환경 변수에서 같은 프로필과 엔드포인트를 가져옵니다. 자리 표시자 ARN으로는 CLI와 똑같이
# 실패합니다:

# %%
import boto3

s3 = boto3.client('s3')
try:
    s3.put_object(
        Bucket='my-secure-bucket',
        Key='file.txt',
        Body=b'Hello Secure World!',
        ServerSideEncryption='aws:kms',
        SSEKMSKeyId='arn:aws:kms:ap-northeast-2:123456789012:key/abcd-efgh-ijkl'
    )
except s3.exceptions.ClientError as err:
    print(explain_error(err))

# %% [markdown]
# 랩의 키 ARN(`lab.key_arn`)을 쓰면 성공하고, 객체를 다시 읽는 것도 됩니다(S3가 객체의 데이터 키를 풀기 위해
# 역할의 이름으로 `kms:Decrypt`를 호출합니다):

# %%
s3.put_object(
    Bucket='my-secure-bucket',
    Key='file.txt',
    Body=b'Hello Secure World!',
    ServerSideEncryption='aws:kms',
    SSEKMSKeyId=lab.key_arn,
)
print(s3.get_object(Bucket='my-secure-bucket', Key='file.txt')['Body'].read())

# %% [markdown]
# ## 암호화하지 않은 업로드는 거부됩니다
#
# 버킷 정책의 `DenyUnEncryptedUploads` 문은 `s3:x-amz-server-side-encryption`에 `StringNotEquals`를 씁니다.
# 요청에 암호화 헤더가 없으면 이 조건 키는 **존재하지 않으며**, 부정 연산자는 존재하지 않는 키와도 일치합니다.
# 따라서 거부가 적용되고, 거부는 어떤 허용보다도 우선합니다:

# %%
print(attempt(s3.put_object, Bucket="my-secure-bucket", Key="plain.txt", Body=b"not encrypted"))

# %% [markdown]
# ## 큰 파일: 멀티파트 업로드
#
# `aws s3 cp`는 8 MiB 이상인 파일을 **멀티파트 업로드**로 보냅니다. `CreateMultipartUpload`, 8 MiB 조각마다
# `UploadPart` 한 번, 마지막으로 `CompleteMultipartUpload` 순서입니다. 9 MiB 파일을 만들어 역할로 업로드해
# 봅시다:

# %%
with open("big.bin", "wb") as fh:
    fh.write(bytes(range(256)) * (9 * 1024 * 4))   # 9 MiB
lab.trail.clear()
# !aws s3 cp big.bin s3://my-secure-bucket/big.bin --no-progress --sse aws:kms --sse-kms-key-id {lab.key_arn}

# %% [markdown]
# 추적(trail)은 랩의 CloudTrail로, 모든 요청이 기록되며 **S3가 역할을 대신해** 보낸 KMS 호출도
# 보입니다(`invokedBy = s3.amazonaws.com`). `UploadPart`마다 뒤따르는 `Decrypt`에 주목하십시오:

# %%
df = lab.trail.dataframe()
print(df[["eventName", "invokedBy", "decision"]].to_string(index=False))

# %% [markdown]
# *업로드* 중에 왜 `Decrypt`가 필요할까요? `CreateMultipartUpload`는 객체 전체에 쓸 데이터 키 하나를
# 만들고(`GenerateDataKey`), S3는 그 키의 암호화된 사본만 보관합니다. S3는 파트마다 그 파트를 암호화하려면
# 평문 데이터 키를 다시 받아야 하는데, 이것이 호출자의 권한으로 이루어지는 `kms:Decrypt` 호출입니다
# (AWS 지식 센터 문서 [s3-large-file-encryption-kms-key](https://repost.aws/knowledge-center/s3-large-file-encryption-kms-key)). 그래서
# `GenerateDataKey`는 할 수 있지만 `Decrypt`는 할 수 없는 보안 주체는 작은 파일은 업로드할 수 있어도 큰
# 파일에서는 실패합니다.
#
# `analyst` 사용자로 확인해 봅시다. `kms:GenerateDataKey`만 있는 쓰기용 정책을 줍니다. 키 정책의 첫 번째
# 문(계정 root)은 IAM 정책이 키 사용 권한을 부여할 수 있게 하므로, 결과는 이 정책이 정합니다.

# %%
import json
iam = lab.client("iam", "admin")
iam.delete_user_policy(UserName="analyst", PolicyName="S3AndKmsFullAccess")
writer = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
     "Resource": "arn:aws:s3:::my-secure-bucket/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": lab.key_arn}]}
iam.put_user_policy(UserName="analyst", PolicyName="Writer", PolicyDocument=json.dumps(writer))
print(json.dumps(writer, indent=1))

# %%
# !aws --profile analyst s3 cp file.txt s3://my-secure-bucket/analyst/file.txt --no-progress --sse aws:kms --sse-kms-key-id {lab.key_arn}
# !aws --profile analyst s3 cp big.bin s3://my-secure-bucket/analyst/big.bin --no-progress --sse aws:kms --sse-kms-key-id {lab.key_arn}

# %% [markdown]
# 작은 파일은 성공했고, 큰 파일은 `UploadPart`에서 실패했습니다. 메시지에 빠진 권한이 나옵니다. 바로 키에 대한
# `kms:Decrypt`입니다. 이 권한을 추가하고 다시 시도합니다:

# %%
writer["Statement"][1]["Action"] = ["kms:GenerateDataKey", "kms:Decrypt"]
iam.put_user_policy(UserName="analyst", PolicyName="Writer", PolicyDocument=json.dumps(writer))
# !aws --profile analyst s3 cp big.bin s3://my-secure-bucket/analyst/big.bin --no-progress --sse aws:kms --sse-kms-key-id {lab.key_arn}

# %% [markdown]
# ## 다운로드
#
# 다운로드는 `GetObject`입니다. S3는 이번에도 호출자의 이름으로 `kms:Decrypt`를 호출해 객체의 데이터 키를
# 복호화합니다. 역할로 큰 파일을 다운로드해서 원본과 비교합니다:

# %%
# !aws s3 cp s3://my-secure-bucket/big.bin big-copy.bin --no-progress
import filecmp
print("identical:", filecmp.cmp("big.bin", "big-copy.bin", shallow=False))

# %% [markdown]
# ## 미리 서명된 URL
#
# 미리 서명된 URL이 있으면 AWS 자격 증명이 없는 사람도 정해진 시간 동안 객체 하나를 가져올 수 있습니다. URL에는
# **서명한 사람**의 신원이 담겨 있습니다. URL이 사용되면 AWS는 서명자가 직접 요청한 것처럼 판정하고, S3는
# 서명자의 권한으로 `kms:Decrypt`를 호출합니다. 역할이 `file.txt`에 대한 URL에 서명합니다:

# %%
from urllib.parse import urlsplit, parse_qs
url = s3.generate_presigned_url("get_object", Params={"Bucket": "my-secure-bucket", "Key": "file.txt"},
                                ExpiresIn=300)
print(urlsplit(url).path)
print(sorted(parse_qs(urlsplit(url).query)))

# %% [markdown]
# URL을 가진 사람은 누구나 AWS SDK도 자격 증명도 없이 일반 HTTP 클라이언트로 객체를 가져올 수 있습니다:

# %%
import urllib.request
print(urllib.request.urlopen(url).read())

# %% [markdown]
# 객체를 읽을 권한이 없는 사람이 서명한 URL은 쓸모가 없습니다. `nobody` 사용자에게는 정책이 하나도 없습니다.
# 요청은 실패하고, 응답 본문에는 S3의 XML 오류가 담깁니다:

# %%
import urllib.error
bad = lab.client("s3", "nobody").generate_presigned_url(
    "get_object", Params={"Bucket": "my-secure-bucket", "Key": "file.txt"}, ExpiresIn=300)
try:
    urllib.request.urlopen(bad)
except urllib.error.HTTPError as err:
    print(err.code)
    print(err.read().decode())

# %% [markdown]
# ## AWS 오류 읽기
#
# 이 노트북에서 본 거부는 모두 같은 모양이었습니다. 하나를 분해해 봅시다. `nobody` 사용자가 원문의 업로드를
# 시도합니다.

# %%
nobody = lab.client("s3", "nobody")
try:
    nobody.put_object(Bucket="my-secure-bucket", Key="file.txt", Body=b"hi",
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn)
except nobody.exceptions.ClientError as err:
    e = err
print("code   :", e.response["Error"]["Code"])
print("status :", e.response["ResponseMetadata"]["HTTPStatusCode"])
print("message:", e.response["Error"]["Message"])

# %% [markdown]
# 메시지는 이런 형식입니다: `User: <who> is not authorized to perform: <action> on resource: <what> <why>`.
#
# - **who**: AWS가 본 보안 주체입니다(역할이면 *세션* ARN `arn:aws:sts::...:assumed-role/ROLE/SESSION`).
# - **action**과 **resource**: 빠진 권한입니다(S3 권한은 문제없는데 키 권한이 없었다면 키 ARN에 대한
#   `kms:Decrypt`).
# - **why**: `because no <policy type> allows the <action> action`(암시적 거부: 허용한 정책이 없음) 또는
#   `with an explicit deny in a <policy type>`(거부 문이 일치함). 정책 유형을 보면 어디를 살펴야 할지 알 수
#   있습니다. *identity-based policy*는 자격 증명 기반 정책(IAM)이고, *resource-based policy*는 리소스 기반
#   정책(버킷 정책 또는 키 정책)입니다.
#
# AWS가 알려 주는 것은 여기까지입니다. 랩은 평가한 모든 정책 문의 판정 내역을 덧붙입니다(별도의 HTTP 헤더로
# 전달되므로 AWS 오류 자체는 AWS가 보내는 그대로입니다). `explain_error`는 둘 다 출력합니다:

# %%
print(explain_error(e))

# %% [markdown]
# ## 연습 문제 1 · 업로드 호출
#
# `uploader` 역할이 `report.csv`를 **원문의 고객 관리형 키로 암호화해서** 버킷에 저장하도록 `my_call`을
# 고치십시오(요구 사항 2). 그런 다음 검사를 실행하면 아직 무엇이 잘못되었는지 알려 줍니다.

# %%
from s3kms_lab.exercises.uploading import check_upload_call

my_call = dict(
    Bucket="my-secure-bucket",
    Key="report.csv",
    Body=b"id,total\n1,42\n",
    ServerSideEncryption="AES256",
)
print(check_upload_call(lab, my_call))

# %% [markdown]
# ## 연습 문제 2 · 최소 권한 쓰기 정책
#
# `analyst`가 원문의 키로 `my-secure-bucket`에 작은 SSE-KMS 객체**와** 큰 SSE-KMS 객체를 업로드할 수 있고,
# 그 밖에는 아무것도 할 수 없는(작업이나 리소스에 `*` 없음) 자격 증명 기반 정책을 작성하십시오. 검사기는 이
# 정책을 설치하고 작은 업로드, 멀티파트 업로드, 그리고 쓰기 전용 주체가 하면 안 되는 몇 가지 작업을 시도한
# 뒤, `analyst`의 정책을 원래대로 돌려놓습니다. 해답: `notebooks/ko/solutions/05_solutions.md`.

# %%
from s3kms_lab.exercises.uploading import check_writer_policy

my_policy = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::my-secure-bucket/*"},
        {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": lab.key_arn},
    ],
}
print(check_writer_policy(lab, my_policy))

# %% [markdown]
# ## 랩 중지

# %%
os.chdir(NOTEBOOK_DIR)
lab.stop()  # removes the lab's temporary folder, file.txt and big.bin with it
os.environ.pop("AWS_PROFILE", None)
print("stopped")
