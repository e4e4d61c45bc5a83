# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '4'
#     summary: 자격 증명 기반 정책, 신뢰 정책과 AssumeRole, 동일 계정과 교차 계정, 역할의 상한을 정하는 권한 경계
# ---

# %% [markdown]
# # 04 · 역할: 자격 증명 기반 정책, 신뢰 정책, AssumeRole (원문 §4, IAM Role 정책)
#
# 원문은 `DataUploaderRole`에 자격 증명 기반 정책(S3 작업과 KMS 작업)을 부여합니다. 그런데 역할에는 원문이
# 보여 주지 않는 정책이 하나 더 있습니다. 누가 이 역할이 *될* 수 있는지(`sts:AssumeRole`)를 정하는
# **신뢰 정책**입니다. 이 노트북에서는 두 정책을 모두 살펴보고, 누가 왜 역할을 수임할 수 있는지 확인하고,
# 동일 계정과 다른 계정을 비교한 뒤, **권한 경계**로 역할의 권한에 상한을 두고, 최소 권한 역할 정책을 직접
# 작성합니다.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.lab.show import attempt
from s3kms_lab.widgets.probe import NO_POLICY, Probe
from s3kms_lab.exercises.role_policy import check_least_privilege, check_assume_policy

lab = Lab("seed", lang="ko").start()
probe = Probe(lab)
iam = lab.client("iam", "admin")
ROLE_ARN = "arn:aws:iam::123456789012:role/DataUploaderRole"
role_policy = iam.get_role_policy(RoleName="DataUploaderRole", PolicyName="DataUploaderPolicy")["PolicyDocument"]
for st in role_policy["Statement"]:
    print(st["Effect"], st["Action"], "on", st["Resource"])

# %% [markdown]
# ## 자격 증명 기반 정책
#
# 이 정책은 역할이 버킷에 객체를 넣고 가져오는 것을 허용하고, 키에 대해서는 KMS 작업 다섯 가지를 허용합니다.
# 한 계정 안에서는 S3에 대해 이 허용만으로 충분합니다. 버킷 정책의 허용 문이 없어도 역할은 업로드할 수
# 있습니다(일치하는 거부가 없는 한). KMS에서는 키 정책이 계정의 IAM 정책에 권한을 위임하기 때문에 비로소
# 효력이 생깁니다(노트북 03).

# %%
# What if my-secure-bucket had no bucket policy at all? (a what-if: the lab's bucket is not changed)
print(probe.s3("uploader", "GetObject", probe.ensure_object(), bucket_policy=NO_POLICY).summary())

# %% [markdown]
# 버킷 정책이 전혀 없어도 역할 자신의 자격 증명 기반 정책이 다운로드를 허용합니다. 한 계정 안에서는 자격 증명
# 기반 정책만으로 충분합니다.
#
# ## 신뢰 정책과 AssumeRole
#
# `uploader` 프로필에는 자체 액세스 키가 없습니다. `admin`의 키로 `sts:AssumeRole`을 호출해 역할의 임시
# **세션**을 받습니다. 누가 그렇게 할 수 있는지는 신뢰 정책이 정합니다:

# %%
trust = iam.get_role(RoleName="DataUploaderRole")["Role"]["AssumeRolePolicyDocument"]
print(json.dumps(trust))
admin_sts = lab.client("sts", "admin")
creds = admin_sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="me")["AssumedRoleUser"]["Arn"]
print("admin assumed the role as:", creds)

# %% [markdown]
# 신뢰 정책은 사용자가 아니라 **계정**(`:root`)을 지정합니다. 키 정책의 root 문과 마찬가지로, 이는 결정을
# 계정의 IAM 정책에 위임한다는 뜻입니다. 계정의 보안 주체는 **자신의 자격 증명 기반 정책이 이 역할에 대한
# `sts:AssumeRole`을 허용할 때만** 역할을 수임할 수 있습니다. `admin`에는 `*`가 있고, `nobody`에는 정책이
# 하나도 없습니다:

# %%
print(attempt(lab.client("sts", "nobody").assume_role, RoleArn=ROLE_ARN, RoleSessionName="nobody"))

# %% [markdown]
# ## 동일 계정과 다른 계정
#
# `outsider`는 계정 210987654321에 속합니다. 교차 계정에서는 **양쪽 모두** 허용해야 합니다. 신뢰 정책이
# `outsider`(또는 그 계정)를 지정해야 하고, *동시에* `outsider` 자신의 자격 증명 기반 정책이
# `sts:AssumeRole`을 허용해야 합니다. 여기서는 둘 다 해당하지 않습니다. `outsider`의 계정이 이 역할에 대한
# `sts:AssumeRole`을 부여한다면 어떻게 될까요? 랩에 물어봅니다:

# %%
outsider_may_assume = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_ARN}]}
print(probe.assume_role("outsider", identity=outsider_may_assume).summary())

# %% [markdown]
# 여전히 거부됩니다. 신뢰 정책은 계정 123456789012만 지정하기 때문입니다. 신뢰 정책에
# `arn:aws:iam::210987654321:root`를 추가하면 결정이 `outsider` 계정의 관리자에게 넘어가고, 그 관리자도
# 자기 사용자에게 `sts:AssumeRole`을 부여해야 합니다. 계정이 둘이면 승인도 두 번 필요합니다.
#
# ## 권한 경계로 역할의 상한 정하기
#
# 권한 경계는 사용자나 역할에 연결하는 관리형 정책으로, 자격 증명 기반 정책이 부여할 수 있는 **최대** 권한을
# 정합니다. 권한 경계 자체는 아무 권한도 부여하지 않습니다. `admin`이 IAM API로 "업로드 전용" 경계를 만들어
# 역할에 연결합니다:

# %%
boundary = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "kms:GenerateDataKey"], "Resource": "*"}]}
arn = iam.create_policy(PolicyName="UploadOnlyBoundary", PolicyDocument=json.dumps(boundary))["Policy"]["Arn"]
iam.put_role_permissions_boundary(RoleName="DataUploaderRole", PermissionsBoundary=arn)
print(iam.get_role(RoleName="DataUploaderRole")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"])

# %% [markdown]
# `uploader`의 기존 세션에도 경계가 즉시 적용됩니다. 업로드는 여전히 되지만 다운로드는 되지 않습니다. 자격
# 증명 기반 정책이 `s3:GetObject`를 허용하고, **게다가** 버킷 정책의 `AllowGetObject`가 역할을 지정하는데도
# 그렇습니다. **역할 ARN**에 부여한 리소스 기반 정책의 권한도 권한 경계의 제한을 받습니다.

# %%
s3 = lab.client("s3", "uploader")
print("upload  :", attempt(s3.put_object, Bucket="my-secure-bucket", Key="file.txt", Body=b"hi",
                           ServerSideEncryption="aws:kms", SSEKMSKeyId=lab.key_arn))
print("download:", attempt(s3.get_object, Bucket="my-secure-bucket", Key="file.txt").splitlines()[:3])

# %% [markdown]
# AWS가 쓰는 표현에 주목하십시오: `because no permissions boundary allows the s3:GetObject action`, 즉
# `s3:GetObject`를 허용하는 **권한 경계**가 없다는 뜻입니다. 경계를 제거하면 다운로드가 다시 됩니다:

# %%
iam.delete_role_permissions_boundary(RoleName="DataUploaderRole")
print("download:", attempt(s3.get_object, Bucket="my-secure-bucket", Key="file.txt"))

# %% [markdown]
# ## 연습 문제 4.1: 최소 권한 (원문 §6, IAM Role 최소 권한 부여)
#
# 원문의 키로 `my-secure-bucket`에 AWS KMS 키를 사용한 서버 측 암호화(SSE-KMS)로 업로드하고 다운로드하는 데
# 꼭 필요한 것만 부여하도록 역할 정책을 다시 작성하십시오. 검사기는 정책을 **그 자체로만** 판단합니다. 버킷에는
# 버킷 정책이 없고 키에는 KMS의 기본 키 정책(IAM에 위임)이 있다고 보기 때문에, 두 정책 어느 쪽도 빠진 권한이나
# 넘치는 권한을 가려 주지 못합니다. 업로드할 때 S3는 여러분의 이름으로 KMS에 어떤 작업을 요청할까요?
# 다운로드할 때는 어떨까요?

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
# ## 연습 문제 4.2: `nobody`가 역할을 수임하게 하기
#
# `nobody`가 `DataUploaderRole`을 수임할 수 있게 하는 자격 증명 기반 정책을 작성하십시오. 계정을 신뢰하는
# 다른 역할은 수임할 수 없어야 하고, `nobody` 자신이 S3 액세스 권한을 얻어서도 안 됩니다.

# %%
nobody_policy = {
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
  ],
}
print(check_assume_policy(lab, nobody_policy))

# %% [markdown]
# 검사를 통과하면 정책을 실제로 연결하고 `nobody`로 역할을 수임해 보십시오:
#
# ```python
# iam.put_user_policy(UserName="nobody", PolicyName="AssumeUploader", PolicyDocument=json.dumps(nobody_policy))
# lab.client("sts", "nobody").assume_role(RoleArn=ROLE_ARN, RoleSessionName="nobody")["AssumedRoleUser"]["Arn"]
# ```
#
# 해답: `notebooks/ko/solutions/04_solutions.md`. 다음 노트북: `05_uploading_cli_and_boto3.ipynb` (§5).
#
# ## 랩 중지

# %%
lab.stop()
print("stopped")
