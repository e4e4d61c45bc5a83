# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '3'
#     summary: root 문은 IAM에 위임합니다("root만"이라는 뜻이 아님), 실제로 제거해 보기(잠금 안전 검사), 문과 작업 켜고
#       끄기, 요구 사항 3과 `kms:ViaService` 연습 문제
# ---

# %% [markdown]
# # 03 · KMS 키 정책(원문 §3, KMS 키 정책)
#
# 원문은 문 두 개로 된 키 정책을 작성하고, 이렇게 하면 키는 `DataUploaderRole`만 사용할 수 있고 관리는 "root만"
# 할 수 있다고 말합니다(원문: "키 관리는 root 계정에서만 가능하도록 분리"). 이 노트북에서는 첫 번째 문이 실제로
# 무슨 일을 하는지 알아보고, 그 문을 제거하면 IAM 정책이 더는 반영되지 않는 모습을 확인하고, KMS의 잠금 안전
# 검사(lockout safety check)를 만나 본 뒤, 요구 사항 3을 충족하는 키 정책을 작성합니다.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.lab.show import attempt
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.key_policy import key_policy_widget
from s3kms_lab.exercises.key_policy import check_key_users, check_only_through_s3

lab = Lab("seed", lang="ko").start()
probe = Probe(lab)
admin_kms = lab.client("kms", "admin")
key_policy = json.loads(admin_kms.get_key_policy(KeyId=lab.key_arn, PolicyName="default")["Policy"])
for st in key_policy["Statement"]:
    print(f'{st["Sid"]:30} {st["Principal"]["AWS"]:48} {st["Action"]}')

# %% [markdown]
# ## root 문은 "root만"이라는 뜻이 아닙니다
#
# `"Principal": {"AWS": "arn:aws:iam::123456789012:root"}`는 root 사용자가 아니라 **계정**을 가리킵니다. 키
# 정책에서 이 문은 **계정의 IAM 정책이 반영되게 하는** 문입니다. 계정의 사용자나 역할 가운데 자격 증명 기반 정책이
# 이 키에 대한 KMS 작업을 허용하는 보안 주체는 누구든 그 작업을 수행할 수 있습니다. 이런 문이 없으면 IAM 정책으로는
# 이 키에 대해 아무 권한도 줄 수 없습니다(KMS에서는 키 정책이 1차 관문입니다).
#
# `analyst`는 키 정책에 나오지 않지만, 자기 IAM 정책이 `kms:*`를 허용합니다:

# %%
analyst_kms = lab.client("kms", "analyst")
print(attempt(analyst_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"secret"))
print(probe.kms("analyst", "kms:Encrypt").summary())

# %% [markdown]
# 따라서 원문의 정책에서는 IAM 정책이 KMS를 허용하는 계정의 모든 보안 주체가 이 키를 사용할 수 있습니다. 요구 사항
# 3(원문: "KMS 키는 DataUploaderRole만 사용할 수 있음")은 바로 첫 번째 문 때문에 위반됩니다.
#
# ## root 문 제거하기: 잠금 안전 검사
#
# `admin`으로 root 문이 없는 키 정책을 넣어 봅니다. KMS는 *새* 정책에서도 호출자가 나중에 `PutKeyPolicy`를 호출할
# 수 있는지 확인합니다. `admin`의 권한은 IAM 정책에서 나오는데, IAM 정책은 root 문을 통해서만 반영되므로 KMS는
# 요청을 거부합니다:

# %%
without_root = dict(key_policy, Statement=[st for st in key_policy["Statement"]
                                           if st["Sid"] != "AllowKeyAdministration"])
print(attempt(admin_kms.put_key_policy, KeyId=lab.key_arn, PolicyName="default",
              Policy=json.dumps(without_root)))

# %% [markdown]
# 문서는 완전히 올바른 JSON인데도 KMS의 답은 `MalformedPolicyDocumentException`입니다. 잠금 안전 검사는 아무도
# 관리할 수 없는 키가 생기지 않도록 여러분을 보호합니다. 이 검사는 우회할 수 있습니다
# (`BypassPolicyLockoutSafetyCheck=True`). 어떤 일이 벌어지는지 랩에서 직접 해 봅시다:

# %%
admin_kms.put_key_policy(KeyId=lab.key_arn, PolicyName="default", Policy=json.dumps(without_root),
                         BypassPolicyLockoutSafetyCheck=True)
print("analyst encrypt :", attempt(analyst_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"secret"))

# %% [markdown]
# `analyst`의 KMS 사용이 **거부됨**(`DENIED`)으로 바뀌었습니다. 허용하는 리소스 기반 정책이 없고, `analyst`의 IAM
# 정책은 더 이상 반영되지 않습니다. 키 정책에 직접 지정된 업로더는 여전히 동작합니다. 그렇다면 `admin`은 어떨까요?

# %%
print("uploader upload :", attempt(lab.client("s3", "uploader").put_object, Bucket="my-secure-bucket",
                                   Key="file.txt", Body=b"hi", ServerSideEncryption="aws:kms",
                                   SSEKMSKeyId=lab.key_arn))
print("admin restores  :", attempt(admin_kms.put_key_policy, KeyId=lab.key_arn, PolicyName="default",
                                   Policy=json.dumps(key_policy)))

# %% [markdown]
# `admin`은 **잠겼습니다**. `alias/my-secure-key`의 키 정책이 더는 계정을 지정하지 않으므로 `admin`의
# `AdministratorAccess`(자격 증명 기반 정책)는 이 키에 반영되지 않고, `admin`을 지정하는 문도 없습니다. 이제
# 아무도 이 키 정책을 바꿀 수 없습니다. 실제 AWS라면 AWS Support만 도와줄 수 있습니다.
# 랩에서는 랩을 다시 시작하면 됩니다:

# %%
lab.stop()
lab = Lab("seed").start()
probe = Probe(lab)
print("fresh lab, key policy statements:",
      [st["Sid"] for st in probe.stored_key_policy()["Statement"]])

# %% [markdown]
# ## KMS 권한 부여(grant): 키 사용을 허용하는 세 번째 방법
#
# 키 정책과 IAM 정책 말고도 KMS에는 **권한 부여**(grant)가 있습니다
# ([AWS 문서: AWS KMS의 권한 부여](https://docs.aws.amazon.com/ko_kr/kms/latest/developerguide/grants.html)).
# 권한 부여는 *피부여자 보안 주체*(grantee principal)와 작업 목록(`Encrypt`, `Decrypt`, `GenerateDataKey` 등)을
# 지정합니다. 권한 부여가 만들어지면 피부여자는 **키 정책을 바꾸지 않아도, IAM 권한이 전혀 없어도** 그 키로 해당
# 작업을 호출할 수 있습니다. AWS 서비스(EBS, RDS 등)가 여러분의 키를 일시적으로 사용하는 방식이 바로 권한
# 부여입니다. 조건 키 `kms:GrantIsForAWSResource`를 쓰면, 이런 통합 서비스가 호출자를 대신해 요청할 때만 키 정책이
# `kms:CreateGrant`를 허용하게 할 수 있습니다. (S3의 SSE-KMS는 권한 부여를 쓰지 않습니다. S3는 `GenerateDataKey`와
# `Decrypt`를 호출자의 신분으로 호출하며, 그래서 키 정책이 역할을 지정하는 것입니다.)
#
# `nobody`는 IAM 정책이 전혀 없고 키 정책에도 나오지 않습니다. `admin`(root 문과 `*` IAM 정책 덕분에
# `kms:CreateGrant`가 허용됨)이 `nobody`에게 권한 부여를 만들어 줍니다:

# %%
admin_kms = lab.client("kms", "admin")   # the lab was restarted above: new clients
nobody_kms = lab.client("kms", "nobody")
nobody_arn = lab.client("sts", "nobody").get_caller_identity()["Arn"]
print("before the grant :", attempt(nobody_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi").splitlines()[0])
grant = admin_kms.create_grant(KeyId=lab.key_arn, GranteePrincipal=nobody_arn,
                               Operations=["Encrypt", "Decrypt"], Name="nobody-can-encrypt")
print("after the grant  :", attempt(nobody_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi"))
for g in admin_kms.list_grants(KeyId=lab.key_arn)["Grants"]:
    print("ListGrants       :", g["Name"], g["GranteePrincipal"], g["Operations"])

# %% [markdown]
# 키 정책은 바뀌지 않았는데 `nobody`가 암호화할 수 있습니다. 권한 부여는 키 정책을 읽어서는 보이지 않는 또 하나의
# 허용 규칙이므로, 감사할 때는 `ListGrants`도 호출해야 합니다. 권한 부여를 사용 중지(retire)하거나 취소(revoke)하면
# 사용 권한이 사라집니다:

# %%
admin_kms.retire_grant(KeyId=lab.key_arn, GrantId=grant["GrantId"])
print("after RetireGrant:", attempt(nobody_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi").splitlines()[0])
print("grants left      :", len(admin_kms.list_grants(KeyId=lab.key_arn)["Grants"]))

# %% [markdown]
# ### 키 관리자는 스스로에게 키 사용 권한을 줄 수 있습니다
#
# 콘솔이 기본으로 만드는 "키 관리자" 문은 `kms:Create*`를 허용하는데 여기에는 `kms:CreateGrant`가 들어 있고,
# `kms:Put*`도 허용하는데 여기에는 `kms:PutKeyPolicy`가 들어 있습니다. 둘 중 하나만 가져도, 키 정책이 "관리"와
# "사용"을 아무리 꼼꼼히 나눠 두었든 호출 한 번으로 **자기 자신에게** 암호화·복호화 권한을 줄 수 있습니다:
#
# - 자기에게 `CreateGrant`: 정책은 바뀌지 않고 권한 부여만 하나 생깁니다(`ListGrants`로 보입니다).
# - 자기를 지정하는 문을 하나 더 넣은 `PutKeyPolicy`(KMS의 잠금 검사 때문에 누군가는 이 권한을 계속 가져야
#   합니다. 이 랩에서는 시나리오의 신뢰하는 관리자인 `admin`입니다).
#
# 따라서 키 정책이 키 관리자의 키 사용을 막으려면 관리자의 작업 목록에서 `kms:CreateGrant`를 빼야 하고(또는
# `kms:GrantIsForAWSResource` 조건이 있을 때만 허용하고), 다른 모든 보안 주체의 사용을 막으려면 `PutKeyPolicy`나
# `CreateGrant`를 호출할 수 있는 다른 누구도 지정하지 않아야 합니다. 요구 사항 검사기는 `admin`을 제외한 모든
# 보안 주체로 바로 그 호출들을 시도해 보고, 통하는 경로가 있으면 그 경로를 보고합니다. `admin`이 스스로에게
# 권한 부여를 만들어 봅니다:

# %%
admin_arn = lab.client("sts", "admin").get_caller_identity()["Arn"]
own = admin_kms.create_grant(KeyId=lab.key_arn, GranteePrincipal=admin_arn, Operations=["Encrypt"])
print("admin encrypts through its own grant:", attempt(admin_kms.encrypt, KeyId=lab.key_arn, Plaintext=b"hi"))
_ = admin_kms.revoke_grant(KeyId=lab.key_arn, GrantId=own["GrantId"])

# %% [markdown]
# ## 문과 작업 켜고 끄기
#
# root 문의 체크를 해제하고 `analyst` 행을 보십시오. KMS 칸이 모두 허용됨(`ALLOWED`)에서 거부됨(`DENIED`)으로
# 바뀌고, `admin`의 칸도 `kms:PutKeyPolicy`까지 모두 바뀝니다(방금 본 잠금입니다). 그다음 다시 체크하고 업로더의
# 문에서 작업을 빼 보십시오. 업로더는 `kms:GenerateDataKey`를 계속 가집니다. 역할 **자신의 IAM 정책**도 이 작업을
# 허용하고, 그 정책이 root 문을 통해 반영되기 때문입니다. 같은 키로 들어가는 길이 두 갈래인 셈입니다.
# (위젯은 여러분이 고친 내용을 저장하지 않고 랩의 엔진으로 평가합니다.)

# %%
widget = key_policy_widget(lab)
widget

# %% [markdown]
# ## 연습 문제 3.1: DataUploaderRole만 키 사용(요구 사항 3)
#
# 키 정책을 고쳐서 `DataUploaderRole`만 키를 사용할 수 있게(S3를 통한 업로드와 다운로드) 하십시오. `analyst`와
# `admin`은 암호화, 복호화, 데이터 키 생성을 할 수 없어야 하고, `admin`은 계속 키를 관리할 수 있어야 합니다(`admin`이
# 정책을 넣을 때 KMS의 잠금 안전 검사가 받아들여야 합니다). 힌트: 키 정책은 신뢰하는 보안 주체를 직접 지정할 수
# 있고, "관리"와 "사용"은 서로 다른 작업 목록입니다. 검사는 여러분의 정책으로 요구 사항 검사기도 실행합니다.
# `admin`을 제외한 어떤 보안 주체도 어떤 호출 순서로든 키에 도달해서는 안 되며, `admin`도 권한 부여로 자기에게
# 키 사용 권한을 줄 수 없어야 합니다.

# %%
my_key_policy = {
  "Version": "2012-10-17",
  "Id": "key-policy-s3",
  "Statement": [
    {"Sid": "AllowKeyAdministration", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": ["kms:*"], "Resource": "*"},
    {"Sid": "AllowUseOfKeyForUploaderRole", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
     "Resource": "*"},
  ],
}
print(check_key_users(lab, my_key_policy))

# %% [markdown]
# ## 연습 문제 3.2: S3를 통해서만
#
# 역할은 **S3**가 대신 KMS를 호출할 때만 키를 사용해야 하며, `kms:Encrypt`, `kms:Decrypt`, `kms:GenerateDataKey`를
# 직접 호출해서는 안 됩니다. 조건 키 `kms:ViaService`는 어떤 AWS 서비스가 호출했는지 알려 줍니다. 원문의 키
# 정책에서 다시 시작하고(위와 같은 내용입니다), `admin`이 계속 키를 관리할 수 있게 유지하십시오.

# %%
my_key_policy = {
  "Version": "2012-10-17",
  "Id": "key-policy-s3",
  "Statement": [
    {"Sid": "AllowKeyAdministration", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": ["kms:*"], "Resource": "*"},
    {"Sid": "AllowUseOfKeyForUploaderRole", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataUploaderRole"},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
     "Resource": "*"},
  ],
}
print(check_only_through_s3(lab, my_key_policy))

# %% [markdown]
# 해답: `notebooks/ko/solutions/03_solutions.md`. 다음: `04_role_policy.ipynb`(§4).
#
# ## 랩 멈추기

# %%
lab.stop()
print("stopped")
