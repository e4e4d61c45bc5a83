# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: 5-6
#     summary: S3 + SSE-KMS에서 사람들이 실제로 보고한 실패 13가지를 하나씩 재현하고, 오류를 읽고, 원인을 설명하고, 수정하고,
#       검증합니다
# ---

# %% [markdown]
# # 06 · 실패 사례: S3 + SSE-KMS에서 실제로 부딪히는 문제들
#
# 원문(§2–§5)은 버킷 정책, 키 정책, 역할 정책을 설정하고, §6에서는 S3, KMS, IAM 정책을 *함께* 설계해야 한다고
# 경고합니다. 이 노트북은 S3와 AWS KMS 키를 사용한 서버 측 암호화(SSE-KMS)를 함께 쓰다가 사람들이 실제 AWS
# 계정에서 겪고 보고한 실패 열세 가지(boto3, AWS SDK, Terraform 모듈, OpenTofu, mountpoint-s3 등의 GitHub
# 이슈)를 원문의 버킷, 키, 역할에 맞게 옮겨 놓은 모음입니다.
#
# 모든 사례는 같은 다섯 단계를 따릅니다. 문제를 **재현**하고, AWS가 돌려주는 오류를 **읽고**, 원인을
# **이해**하고, **수정**하고, 수정이 맞는지 **검증**합니다. 각 사례는 원문의 시나리오에서 새로
# 시작하며(`reset_scenario`), 마지막의 요약 표에 모든 결과가 정리됩니다. 소요 시간은 약 20분이며, 이미 아는
# 사례는 훑어보고 넘어가도 됩니다.

# %% [markdown]
# ## 설정
#
# 노트북 전체에서 랩 하나를 사용합니다. `admin` 프로필(`*`가 허용된 IAM 사용자)은 콘솔이나
# `aws iam put-...` 명령으로 하듯이 정책과 리소스를 바꿉니다. 나머지 프로필은 실패를 겪는 사람들입니다.
# `outcome(...)`은 호출 하나를 실행해 `허용됨` 또는 `거부됨`과 AWS의 오류를 한 줄로 출력하고, `why(...)`는 여기에 랩
# 설명의 첫 줄을 덧붙입니다.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.endpoint.decide import key_id_rule
from s3kms_lab.exercises.failure_cases import reset_scenario, outcome, why, verdict, client, root_only_key_policy, ensure_copy_source

lab = Lab("seed", lang="ko").start()
B, KEY, ACCT = "my-secure-bucket", lab.key_arn, lab.account
KEY_ID = KEY.split("/")[-1]
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/DataUploaderRole"
s3a, kmsa, iama, stsa = (client(lab, s) for s in ("s3", "kms", "iam", "sts"))
up = client(lab, "s3", "uploader")     # DataUploaderRole (session)
an = client(lab, "s3", "analyst")      # IAM user analyst, same account
out = client(lab, "s3", "outsider")    # IAM user of account 210987654321

def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

def only_user_policy(user, *statements):
    """Replace the user's inline policies by one policy made of these statements."""
    for name in iama.list_user_policies(UserName=user)["PolicyNames"]:
        iama.delete_user_policy(UserName=user, PolicyName=name)
    iama.put_user_policy(UserName=user, PolicyName="CasePolicy", PolicyDocument=policy(*statements))

def role_policy(*statements):
    iama.put_role_policy(RoleName="DataUploaderRole", PolicyName="DataUploaderPolicy", PolicyDocument=policy(*statements))

def seed(name):
    return json.loads(lab.scenario.policies[name])

summary = []   # (case, reproduced, after the fix)
print("ready")

# %% [markdown]
# ---
# ## 1 · `kms:Decrypt`가 없어서 GetObject가 거부됨
#
# *[boto/boto3#2952](https://github.com/boto/boto3/issues/2952)(2021)에 보고된 사례: `get_object`에서 "Access Denied"가 나는데, S3 권한이
# 없을 때와 구별되지 않습니다.*
#
# **재현.** 관리자가 원문의 키로 보고서를 저장합니다. `analyst`에는 `s3:GetObject`만 있는 자격 증명 기반
# 정책을 줍니다. (키 정책의 root 문이 IAM 정책으로 키 사용 권한을 부여할 수 있게 합니다.)

# %%
reset_scenario(lab)
s3a.put_object(Bucket=B, Key="reports/q1.csv", Body=b"q1", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
only_user_policy("analyst", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/*"})
print("HeadObject:", outcome(an.head_object, Bucket=B, Key="reports/q1.csv"))
before = why(an.get_object, Bucket=B, Key="reports/q1.csv")
print("GetObject :", before)

# %% [markdown]
# **읽기.** S3 요청이 S3의 `AccessDenied`로 실패했지만, 메시지에는 **KMS** 작업이 나옵니다. S3가 객체의
# 데이터 키를 풀려고 *`analyst`의 이름으로* `kms:Decrypt`를 호출했는데, 이를 허용하는 자격 증명 기반 정책이
# 없습니다. `HeadObject`는 성공합니다. 메타데이터만 읽고 KMS는 전혀 호출하지 않기 때문입니다.
#
# 키에 대한 `kms:Decrypt`를 허용해 **수정**하고, **검증**합니다:

# %%
only_user_policy("analyst", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/*"},
                 {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})
after = outcome(an.get_object, Bucket=B, Key="reports/q1.csv")
print(after)
summary.append(("1 GetObject without kms:Decrypt", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 2 · 큰 업로드가 UploadPart에서 실패함: 암호화 전용 KMS 권한
#
# *[aws/aws-sdk-js#1814](https://github.com/aws/aws-sdk-js/issues/1814)(2017)와 [aws/aws-cdk#8947](https://github.com/aws/aws-cdk/issues/8947)(2020)에 보고된 사례: 작은 파일은 업로드되는데 큰 파일은 실패합니다.*
#
# **재현.** `analyst`는 `PutObject`와 `kms:GenerateDataKey`를 할 수 있습니다. 작은 업로드는 성공합니다.
# 멀티파트 업로드(CLI와 boto3가 8 MiB부터 쓰는 방식, 노트북 05 참고)는 시작은 되지만 첫 파트에서
# 실패합니다:

# %%
reset_scenario(lab)
only_user_policy("analyst",
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"], "Resource": f"arn:aws:s3:::{B}/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": KEY})
sse = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print("small PutObject:", outcome(an.put_object, Bucket=B, Key="uploads/small.bin", Body=b"x", **sse))
mp = an.create_multipart_upload(Bucket=B, Key="uploads/big.bin", **sse)
before = why(an.upload_part, Bucket=B, Key="uploads/big.bin", UploadId=mp["UploadId"], PartNumber=1, Body=b"x" * 1024)
print("UploadPart     :", before)

# %% [markdown]
# **읽기 / 이해.** `CreateMultipartUpload`가 업로드의 데이터 키를 만들었습니다(`GenerateDataKey`). 파트마다
# 그 키를 평문으로 다시 받아야 하는데, 이것이 S3가 호출자의 이름으로 보내는 `kms:Decrypt` 호출입니다.
#
# `kms:Decrypt`를 추가해 **수정**하고, 새 멀티파트 업로드로 **검증**합니다:

# %%
only_user_policy("analyst",
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"], "Resource": f"arn:aws:s3:::{B}/*"},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY})
mp = an.create_multipart_upload(Bucket=B, Key="uploads/big.bin", **sse)
after = outcome(an.upload_part, Bucket=B, Key="uploads/big.bin", UploadId=mp["UploadId"], PartNumber=1, Body=b"x" * 1024)
print(after)
summary.append(("2 multipart without kms:Decrypt", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 3 · 버킷 기본 암호화로는 헤더 기반 거부를 통과하지 못함
#
# *[opentofu/opentofu#2970](https://github.com/opentofu/opentofu/issues/2970)(2025)에 보고된 사례: 잠금 파일이 암호화 헤더 없이 쓰여서 버킷 정책이
# 거부했습니다. aws-quickstart 규정 준수 템플릿(2020)과 apiary-data-lake(2024)에서도 보고되었습니다.*
#
# **재현.** 원문의 키로 기본 암호화를 켭니다. 원문의 버킷 정책에는 `DenyUnEncryptedUploads` 문이 그대로
# 있습니다. 역할은 기본 암호화를 믿고 헤더 없이 업로드합니다:

# %%
reset_scenario(lab)
s3a.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY},
    "BucketKeyEnabled": False}]})
before = why(up.put_object, Bucket=B, Key="state/app.tflock", Body=b"{}")
print(before)

# %% [markdown]
# **읽기.** `explicit deny in a resource-based policy`, 즉 리소스 기반 정책의 명시적 거부이고, 여기서는 버킷
# 정책입니다. **이해.** 정책 조건은 요청에 담긴 것만 봅니다. 헤더가 없으면 `s3:x-amz-server-side-encryption`이
# 존재하지 않고, `StringNotEquals`는 존재하지 않는 키와도 일치합니다. 기본 암호화는 권한 확인이 *끝난 뒤에*
# 적용되므로 도움이 되기에는 너무 늦습니다.
#
# 클라이언트 쪽에서 **수정**합니다. 헤더를 보내면 됩니다(원문의 방식). 정책 쪽에서 고치는 방법도 있습니다.
# 헤더가 있고 *그 값이 틀릴 때만* 거부하도록 하고(거부 문에
# `"Null": {"s3:x-amz-server-side-encryption": "false"}` 추가), 아무 헤더도 보내지 않는 클라이언트는 기본
# 암호화에 맡기는 것입니다.

# %%
after = outcome(up.put_object, Bucket=B, Key="state/app.tflock", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(after)
summary.append(("3 default encryption vs header Deny", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 4 · 정책은 키 ARN을 기대하는데 키 ID나 별칭을 보냄
#
# *[BerriAI/litellm#35135](https://github.com/BerriAI/litellm/issues/35135)(2026)와 [awslabs/mountpoint-s3#906](https://github.com/awslabs/mountpoint-s3/issues/906)(2024)에 보고된 사례.*
#
# 키 하나만 쓰도록 고정하는 버킷 정책은 보통 `s3:x-amz-server-side-encryption-aws-kms-key-id`에 대한 거부를
# 추가합니다(AWS의 공식 예제도 그렇게 합니다). 키를 지정하는 네 가지 방법으로 **재현**합니다:

# %%
reset_scenario(lab)
DENY_OTHER_KEYS = {"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                   "Resource": f"arn:aws:s3:::{B}/*",
                   "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KEY}}}
bp = seed("bucket-policy.json")
bp["Statement"].append(DENY_OTHER_KEYS)
s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(bp))
for label, kid in [("no key id", None), ("key ARN", KEY), ("bare key id", KEY_ID), ("alias", "alias/my-secure-key")]:
    extra = {"SSEKMSKeyId": kid} if kid else {}
    print(f"{label:12}", outcome(up.put_object, Bucket=B, Key="batch/in.jsonl", Body=b"{}",
                                 ServerSideEncryption="aws:kms", **extra)[:80])
before = outcome(up.put_object, Bucket=B, Key="batch/in.jsonl", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID)

# %% [markdown]
# **읽기 / 이해.** 키 ID가 없으면 조건 키가 존재하지 않으므로 거부가 일치합니다. 여기까지는 AWS의 동작입니다.
# 키 ID만 보내거나 별칭을 보내는 경우는 이야기가 다릅니다. AWS는 정책의 값이 키 ARN이어야 한다고 하지만,
# S3가 비교하기 *전에* ID나 별칭을 ARN으로 바꾸는지는 어떤 AWS 문서에도 나와 있지 않습니다. 랩은 명시된
# 규칙을 따릅니다:

# %%
print(key_id_rule())

# %% [markdown]
# 그래서 이 랩에서는(그리고 대부분의 가이드가 해석하는 대로) ID와 별칭은 거부됩니다. 이것은 **검증된 AWS
# 동작이 아니라 랩의 규칙**으로 받아들이십시오. 실제 S3가 어떻게 동작하든 안전한 **수정** 방법은 같습니다.
# 항상 전체 키 ARN을 보내십시오. 또한 ID를 보냈더라도 S3는 항상 ARN으로 *응답*한다는 점에
# 유의하십시오(mountpoint-s3 사례). 입력한 값이 아니라 ARN끼리 비교하십시오. **검증**:

# %%
r = up.put_object(Bucket=B, Key="batch/in.jsonl", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
after = "ALLOWED" if r["SSEKMSKeyId"] == KEY else r["SSEKMSKeyId"]
print(after, "- S3 reports", r["SSEKMSKeyId"])
summary.append(("4 key id / alias vs ARN (lab rule)", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 5 · 키 ID 없이 `aws:kms`만 쓰면 AWS 관리형 키 `aws/s3`로 저장됨
#
# 이 사례는 실패하지 않습니다. 바로 그것이 문제입니다. 원문의 정책 그대로 **재현**합니다. 역할이 SSE-KMS를
# 요청하지만 키 ID를 빠뜨립니다.

# %%
reset_scenario(lab)
r = up.put_object(Bucket=B, Key="notes/a.txt", Body=b"x", ServerSideEncryption="aws:kms")
aws_s3 = kmsa.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
print("stored under     :", r["SSEKMSKeyId"])
print("is alias/aws/s3  :", r["SSEKMSKeyId"] == aws_s3["Arn"], "- KeyManager:", aws_s3["KeyManager"])
print("is the post's key:", r["SSEKMSKeyId"] == KEY)
before = "ALLOWED (stored under aws/s3)"

# %% [markdown]
# **이해.** `aws:kms`만 있고 키 ID가 없으면 S3는 계정의 AWS 관리형 키 `aws/s3`(처음 사용할 때 만들어짐)를
# 사용합니다. 원문의 `DenyUnEncryptedUploads`는 알고리즘만 확인합니다. 키 ID 조건은 **허용** 문에 들어 있고,
# 역할 자신의 자격 증명 기반 정책이 이미 `s3:PutObject`를 허용하므로 그 허용 문은 한 번도 필요하지
# 않습니다(동일 계정에서는 자격 증명 기반 정책 *또는* 리소스 기반 정책 하나면 충분합니다). 요구 사항 2와 3이
# 조용히 깨집니다.
#
# **수정**: 키 고정 조건을 거부 문으로 바꿉니다. 사례 4의 `DenyOtherKeys` 문입니다. **검증**:

# %%
bp = seed("bucket-policy.json")
bp["Statement"].append(DENY_OTHER_KEYS)
s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(bp))
after = outcome(up.put_object, Bucket=B, Key="notes/a.txt", Body=b"x", ServerSideEncryption="aws:kms")
print("without key id:", after[:90])
print("with key ARN  :", outcome(up.put_object, Bucket=B, Key="notes/a.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY))
summary.append(("5 aws:kms without key id -> aws/s3", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 6 · `aws/s3` 키는 다른 계정과 공유할 수 없음
#
# *AWS 지식 센터 [s3-access-denied-error-kms](https://repost.aws/knowledge-center/s3-access-denied-error-kms) 참고. 파트너 계정에 읽기 권한을 줄 때 흔히 겪는 문제입니다.*
#
# **재현.** 객체가 `aws/s3`로 저장되어 있습니다. 버킷 정책은 계정 `210987654321`이 `shared/*`를 읽도록
# 허용합니다. 그 계정의 `outsider` 사용자는 자기 계정에서 `s3:*`와 `kms:*`를 가지고 있습니다.

# %%
reset_scenario(lab)
s3a.put_object(Bucket=B, Key="shared/report.csv", Body=b"r", ServerSideEncryption="aws:kms")   # -> aws/s3
PARTNER_READ = {"Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/shared/*"}
bp = seed("bucket-policy.json")
bp["Statement"].append(PARTNER_READ)
s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(bp))
before = why(out.get_object, Bucket=B, Key="shared/report.csv")
print(before)
denied = lab.trail.filter(denied=True)[-1]
print("denied step:", denied["eventName"], "on", denied["resources"][0]["ARN"],
      "(alias/aws/s3)" if denied["resources"][0]["ARN"] == kmsa.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"] else "")

# %% [markdown]
# **읽기.** 다른 계정의 호출자는 이유가 붙지 않은 `Access Denied`만 받습니다. S3는 자세한 이유를 자기 계정에만
# 알려 줍니다. 무슨 일이 있었는지는 랩의 설명에 나옵니다. S3 권한은 문제없었고, `aws/s3`에 대한
# `kms:Decrypt`가 문제였습니다. **이해.** `aws/s3`의 키 정책은 AWS가 작성하며, *이 계정의* 보안 주체에게만,
# 그것도 S3를 통해서만 사용을 허용합니다. 이 정책은 편집할 수 없으므로 다른 계정은 이 객체들을 절대 복호화할
# 수 없습니다.
#
# **수정**: 객체를 고객 관리형 키로 다시 암호화하고(객체를 자기 자신 위에 복사), 키 정책에서 파트너 계정이 그
# 키를 사용하도록 허용합니다(파트너 쪽 IAM 정책도 허용해야 하며, 여기서는 `kms:*`입니다).

# %%
s3a.copy_object(CopySource=f"{B}/shared/report.csv", Bucket=B, Key="shared/report.csv",
                ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
kp = seed("key-policy.json")
kp["Statement"].append({"Sid": "PartnerDecrypt", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                        "Action": "kms:Decrypt", "Resource": "*"})
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(kp))
after = outcome(out.get_object, Bucket=B, Key="shared/report.csv")
print(after)
summary.append(("6 aws/s3 key across accounts", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 7 · 키 정책의 root 문을 제거하거나 줄임
#
# *[cloudposse/terraform-aws-vpc-flow-logs-s3-bucket#3](https://github.com/cloudposse/terraform-aws-vpc-flow-logs-s3-bucket/issues/3)과 [#30](https://github.com/cloudposse/terraform-aws-vpc-flow-logs-s3-bucket/issues/30)(2019, 2021)에 보고된 사례.*
#
# 원문의 키 정책은 `AllowKeyAdministration`(계정 root, `kms:*`)으로 시작합니다. "root 사용자만 키를 관리할 수
# 있다"는 뜻처럼 보이지만, 실제 의미는 "**이 계정의 IAM 정책이 이 키의 사용 권한을 부여할 수 있다**"입니다.
# 두 단계로 **재현**합니다. 먼저 이 문을 제거합니다:

# %%
reset_scenario(lab)
kp = seed("key-policy.json")
kp["Statement"] = [s for s in kp["Statement"] if s["Sid"] != "AllowKeyAdministration"]
print(outcome(kmsa.put_key_policy, KeyId=KEY, PolicyName="default", Policy=json.dumps(kp)))

# %% [markdown]
# KMS가 이 정책을 거부합니다. *잠금 방지 안전 검사*(lockout safety check)입니다. 이 정책이 적용되면 관리자를
# 포함해 아무도 키 정책을 다시 바꿀 수 없게 됩니다(AWS Support가 개입해야 합니다). 그래서 사람들은 대신 root
# 문을 관리 작업만 남기도록 줄이는데, 이렇게 하면 검사를 통과합니다:

# %%
kp = seed("key-policy.json")
kp["Statement"][0]["Action"] = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                                "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion",
                                "kms:CancelKeyDeletion", "kms:TagResource", "kms:UntagResource"]
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(kp))
up.put_object(Bucket=B, Key="reports/q2.csv", Body=b"q2", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
before = why(an.get_object, Bucket=B, Key="reports/q2.csv")
print("analyst:", before)
print("admin  :", outcome(s3a.get_object, Bucket=B, Key="reports/q2.csv")[:100])

# %% [markdown]
# **이해.** `analyst`는 IAM에서 `kms:*`를 가지고 있는데도 거부됩니다. KMS 키 정책은 호출자를 직접 허용하거나,
# 그 작업에 대해 IAM에 위임해야 합니다. 줄여 놓은 root 문은 관리 작업만 위임하므로, 어떤 IAM 정책도 이 키에
# 대한 `kms:Decrypt`를 부여할 수 없습니다. 역할은 키 정책이 직접 지정하므로 여전히 동작합니다. IAM에서 `*`를
# 가진 관리자도 같은 이유로 거부됩니다.
# (`analyst`가 과연 읽을 수 *있어야* 하는지는 별개의 문제입니다. 요구 사항 4와 노트북 08을 참고하십시오.)
#
# (IAM이 결정하게 하려면) root 문에 `kms:*`를 다시 넣어 **수정**합니다. **검증**:

# %%
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=lab.scenario.policies["key-policy.json"])
after = outcome(an.get_object, Bucket=B, Key="reports/q2.csv")
print(after)
summary.append(("7 root statement removed / cut down", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 8 · 명시적 거부는 `"Action": "*"`를 포함한 모든 허용보다 우선함
#
# **재현.** 요구 사항 3("역할만 키를 사용한다")을 강제하려고 누군가 키 정책에 역할을 제외한 모두를 대상으로
# 하는 거부 문을 추가합니다. IAM 정책이 `*`를 허용하는 관리자도 이제 아무것도 읽을 수 없습니다:

# %%
reset_scenario(lab)
s3a.put_object(Bucket=B, Key="reports/q3.csv", Body=b"q3", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
ONLY_ROLE = {"Sid": "OnlyUploaderUsesKey", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
             "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [ROLE_ARN]}}}
kp = seed("key-policy.json")
kp["Statement"].append(ONLY_ROLE)
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(kp))
before = why(s3a.get_object, Bucket=B, Key="reports/q3.csv")
print(before)

# %% [markdown]
# **읽기.** `with an explicit deny in a resource-based policy`: 키 정책입니다. **이해.** AWS는 적용되는 *모든*
# 정책에서 일치하는 거부를 먼저 찾습니다. 하나만 있어도 충분하며, 어떤 허용도 이를 뒤집을 수 없습니다. 요구
# 사항 3이 요구하는 것이 바로 이것이지만, 읽어야 하는 사람들(감사 담당자, 관리자)까지 막아 버립니다.
#
# (관리자가 읽어야 한다면) 거부 문의 예외 목록에 관리자를 넣어 **수정**합니다. **검증**: 관리자는 읽을 수
# 있고, `analyst`는 여전히 거부됩니다.

# %%
ONLY_ROLE["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] = [ROLE_ARN, f"arn:aws:iam::{ACCT}:user/admin"]
kp = seed("key-policy.json")
kp["Statement"].append(ONLY_ROLE)
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(kp))
after = outcome(s3a.get_object, Bucket=B, Key="reports/q3.csv")
print("admin  :", after)
print("analyst:", outcome(an.get_object, Bucket=B, Key="reports/q3.csv")[:110])
summary.append(("8 explicit Deny beats Allow *", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 9 · 철자가 틀린 조건 키는 절대 일치하지 않음
#
# **재현.** `analyst`는 SSE-KMS로만 업로드할 수 있어야 하는데, 조건 키에 오타(`encyption`)가 있습니다. IAM은 이
# 정책을 받아들입니다. 문법만 검사할 뿐 조건 키가 실제로 있는지는 확인하지 않기 때문입니다.

# %%
reset_scenario(lab)
only_user_policy("analyst",
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{B}/*",
     "Condition": {"StringEquals": {"s3:x-amz-server-side-encyption": "aws:kms"}}},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY})
before = why(an.put_object, Bucket=B, Key="typo.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(before)

# %% [markdown]
# **읽기 / 이해.** `no identity-based policy allows`: 허용 문이 한 번도 적용되지 않습니다.
# `s3:x-amz-server-side-encyption`이라는 키를 담은 요청은 있을 수 없으므로 `StringEquals`는 비교할 값이 없어
# 실패합니다. `StringNotEquals`를 쓰는 **거부** 문에서는 같은 오타가 정반대 결과를 낳습니다. 거부가 모든
# 요청과 일치합니다. IAM Access Analyzer의 정책 검증은 알 수 없는 조건 키를 찾아 주며, 랩의 설명은 이런 키를
# 존재하지 않는 키로 표시합니다.
#
# 철자를 **수정**하고 **검증**합니다:

# %%
only_user_policy("analyst",
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{B}/*",
     "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY})
after = outcome(an.put_object, Bucket=B, Key="typo.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(after)
summary.append(("9 misspelt condition key", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 10 · S3 버킷 키를 쓰면 암호화 컨텍스트가 바뀜
#
# *[slashdevops/idp-scim-sync#540](https://github.com/slashdevops/idp-scim-sync/issues/540)(2026), [fdmsantos/terraform-aws-kinesis-firehose#26](https://github.com/fdmsantos/terraform-aws-kinesis-firehose/issues/26), 그리고
# ministryofjustice의 Terraform 상태 버킷에서 보고된 사례: 보안 강화용 조건 하나 때문에 모든 실행이 실패했습니다.*
#
# **재현.** 버킷은 **S3 버킷 키**를 켠 기본 암호화를 사용합니다(KMS 호출이 줄어 비용이 낮아집니다). 키 정책은
# IAM에 위임만 하고, 역할의 KMS 권한은 `kms:EncryptionContext:aws:s3:arn`을 통해 `state/*` 객체로 제한되어
# 있습니다:

# %%
reset_scenario(lab)
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(root_only_key_policy(ACCT)))
s3a.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}, "BucketKeyEnabled": True}]})
STATE_POLICY = [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{B}/state/*"},
    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY,
     "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{B}/state/*"}}}]
role_policy(*STATE_POLICY)
before = why(up.put_object, Bucket=B, Key="state/state.json", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(before)

# %% [markdown]
# **읽기.** 거부된 작업은 `kms:GenerateDataKey`이고, 이유는 `no identity-based policy allows`입니다.
# **이해.** 추적(trail)에는 S3가 KMS에 보낸 암호화 컨텍스트가 나옵니다. 버킷 키를 쓰면 컨텍스트는 객체 ARN이
# 아니라 **버킷** ARN이므로 `state/*` 패턴과 일치할 수 없습니다.

# %%
rec = lab.trail.filter(event_name="GenerateDataKey")[-1]
print(rec["userIdentity"]["invokedBy"], rec["requestParameters"]["encryptionContext"])

# %% [markdown]
# (두 가지 방법 중 하나로) 버킷 키를 꺼서 **수정**합니다. 그러면 새 객체의 컨텍스트가 다시 객체 ARN이 됩니다.
# **검증**합니다. 조건을 바꾸고 버킷 키는 유지하는 다른 수정 방법은 아래 **연습 문제 1**에서 다룹니다.

# %%
s3a.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}, "BucketKeyEnabled": False}]})
after = outcome(up.put_object, Bucket=B, Key="state/state.json", Body=b"{}", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
print(after)
summary.append(("10 Bucket Keys change the context", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 11 · 비활성화된 키
#
# **재현.** 누군가 키를 비활성화합니다(손으로 키를 "교체"하던 중이었을지도 모릅니다). 이제 아무도 읽거나 쓸
# 수 없습니다:

# %%
reset_scenario(lab)
up.put_object(Bucket=B, Key="file.txt", Body=b"hi", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
kmsa.disable_key(KeyId=KEY_ID)
before = outcome(up.get_object, Bucket=B, Key="file.txt")
print("GetObject:", before)
print("PutObject:", outcome(up.put_object, Bucket=B, Key="file2.txt", Body=b"hi", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY))

# %% [markdown]
# **읽기.** 이번에는 `AccessDenied`가 아니라 HTTP 400 `KMS.DisabledException`입니다. 권한은 문제없고, 키의
# 상태가 문제입니다. (삭제 대기 중인 키라면 `KMS.KMSInvalidStateException`이 납니다.) 실제 키 교체에는 이런
# 일이 전혀 필요 없습니다. 노트북 07을 참고하십시오. 키를 활성화해 **수정**하고, **검증**합니다:

# %%
kmsa.enable_key(KeyId=KEY_ID)
after = outcome(up.get_object, Bucket=B, Key="file.txt")
print(after)
summary.append(("11 disabled key", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 12 · 서로 다른 키를 쓰는 버킷 사이의 복사
#
# *[CMSgov/beneficiary-fhir-data#134](https://github.com/CMSgov/beneficiary-fhir-data/issues/134)(2019)와 [cloud-custodian/cloud-custodian#2071](https://github.com/cloud-custodian/cloud-custodian/issues/2071)(2018)에 보고된 사례: 버킷 권한은
# 문제없는데 파이프라인의 복사가 거부되었습니다.*
#
# **재현.** `my-source-bucket`은 자체 키로 기본 암호화되어 있습니다. 두 키 정책 모두 IAM에 위임합니다. 역할은
# 원본 버킷을 읽고, 대상 버킷에 쓰고, 대상 키로 `GenerateDataKey`를 할 수 있습니다:

# %%
reset_scenario(lab)
SRC_KEY = ensure_copy_source(lab)
kmsa.put_key_policy(KeyId=KEY, PolicyName="default", Policy=json.dumps(root_only_key_policy(ACCT)))
COPY_POLICY = [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-source-bucket/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{B}/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": KEY}]
role_policy(*COPY_POLICY)
before = why(up.copy_object, CopySource="my-source-bucket/in/a.csv", Bucket=B, Key="in/a.csv", **sse)
print(before)

# %% [markdown]
# **읽기 / 이해.** 빠진 권한은 **원본** 키에 대한 `kms:Decrypt`입니다. 복사는 객체 하나를 읽고(그 객체의 키로
# 복호화) 다른 객체를 씁니다(대상 키로 새 데이터 키 생성).
#
# **수정**하고 **검증**합니다. 새 객체는 대상 키로 암호화되어 있습니다:

# %%
role_policy(*COPY_POLICY, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SRC_KEY})
r = up.copy_object(CopySource="my-source-bucket/in/a.csv", Bucket=B, Key="in/a.csv", **sse)
after = "ALLOWED" if r["SSEKMSKeyId"] == KEY else r["SSEKMSKeyId"]
print(after, "- new object under", r["SSEKMSKeyId"])
summary.append(("12 copy between keys", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 13 · 신뢰 정책이 호출자의 역할 수임을 허용하지 않음
#
# **재현.** 원문에 역할을 EC2나 Lambda에서 쓴다고 되어 있으니, 누군가 신뢰 정책을 EC2 전용으로 작성합니다.
# 그러면 IAM에서 `*`를 허용받은 관리자도 업로드를 테스트하려고 역할을 수임할 수 없습니다:

# %%
reset_scenario(lab)
EC2_TRUST = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
iama.update_assume_role_policy(RoleName="DataUploaderRole", PolicyDocument=policy(EC2_TRUST))
before = why(stsa.assume_role, RoleArn=ROLE_ARN, RoleSessionName="test")
print(before)

# %% [markdown]
# **읽기 / 이해.** 역할의 신뢰 정책은 그 자체가 호출자를 허용해야 하는 리소스 기반 정책입니다. 키 정책과
# 마찬가지로, 자격 증명 기반 정책의 허용(여기서는 `*`)으로는 열 수 없습니다. 원문의 seed 신뢰 정책은 계정
# root를 신뢰해 IAM 정책에 위임하지만, 이 정책은 EC2만 신뢰합니다.
#
# **수정**: 관리자도 신뢰하게 하고(또는 계정 root를 신뢰해 IAM에 위임하고), **검증**합니다:

# %%
ADMIN_TRUST = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:user/admin"}, "Action": "sts:AssumeRole"}
iama.update_assume_role_policy(RoleName="DataUploaderRole", PolicyDocument=policy(EC2_TRUST, ADMIN_TRUST))
after = outcome(stsa.assume_role, RoleArn=ROLE_ARN, RoleSessionName="test")
print(after)
summary.append(("13 trust policy excludes the caller", verdict(before), verdict(after)))

# %% [markdown]
# ---
# ## 요약
#
# 모든 사례를 재현했을 때와 수정한 뒤의 결과입니다. 각 결과는 랩에 보낸 실제 요청으로 판정했습니다:

# %%
import pandas as pd
from IPython.display import HTML
from s3kms_lab.widgets.render import frame_html

HTML(frame_html(pd.DataFrame(summary, columns=["case", "reproduced", "after the fix"]), "s3kms-summary"))

# %% [markdown]
# 사례 5는 반대로 읽어야 합니다. 실패가 *조용한 성공*이었고(객체가 `aws/s3`로 저장됨), 수정하면 거부로
# 바뀝니다. 이 표 전체를 관통하는 교훈은 세 가지입니다. 서버 측 암호화(SSE-KMS)를 쓰는 S3 요청에는 권한 확인이
# **두 번** 있습니다(먼저 S3, 그다음 호출자의 이름으로 KMS). 조건은 요청에 담긴 것만 봅니다. 키 정책과 신뢰
# 정책은 그 자체가 호출자를 허용해야 합니다.
#
# ## 연습 문제 1 · 버킷 키를 포기하지 않고 고치기
#
# 사례 10은 버킷 키를 꺼서 고쳤습니다. 이번에는 **정책**으로 고치십시오. 버킷 키는 켠 채로,
# `kms:EncryptionContext:aws:s3:arn` 조건도 유지하면서 키를 이 버킷에 묶어 두어야 합니다. 검사기는 사례 10의
# 환경(버킷 키 켜짐, IAM에 위임하는 키 정책)을 만들고, 여러분의 정책을 역할 정책으로 설치한 뒤
# `state/exercise.json`을 쓰고 읽어 보고, 모든 것을 원래대로 돌려놓습니다.

# %%
from s3kms_lab.exercises.failure_cases import check_bucket_key_policy
reset_scenario(lab)

my_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{B}/state/*"},
    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY,
     "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{B}/state/*"}}}]}
print(check_bucket_key_policy(lab, my_policy))

# %% [markdown]
# ## 연습 문제 2 · 반대 방향으로 복사하기
#
# 이제 파이프라인은 반대 방향으로도 복사합니다. `my-secure-bucket`의 `out/report.csv`(원문의 키로 암호화됨)를
# `my-source-bucket`에 `archive/report.csv`로, 원본 버킷의 키(`SRC_KEY`)로 암호화해 복사합니다. 역할의 최소
# 권한 정책을 작성하십시오. (검사하는 동안 두 키 정책 모두 IAM에 위임합니다.) 해답:
# `notebooks/ko/solutions/06_solutions.md`.

# %%
from s3kms_lab.exercises.failure_cases import check_copy_back_policy

my_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{B}/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-source-bucket/*"},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": SRC_KEY}]}
print(check_copy_back_policy(lab, my_policy))

# %% [markdown]
# ## 랩 중지

# %%
lab.stop()
print("stopped")
