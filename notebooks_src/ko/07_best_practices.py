# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '6'
#     summary: CloudTrail 형식의 추적(trail)(S3가 대신 호출한 KMS 호출 포함)과 필터 위젯; 키 교체; 추적에서 찾아낸
#       최소 권한; `kms:ViaService`, 암호화 컨텍스트, `aws:SecureTransport`
# ---

# %% [markdown]
# # 07 · 모범 사례: CloudTrail, 키 교체, 최소 권한 (원문 §6)
#
# 원문 §6은 다섯 가지 모범 사례를 제시합니다.
#
# 1. KMS 키 정책과 S3 버킷 정책을 **함께** 사용합니다.
# 2. 거부 규칙을 먼저 두어 암호화되지 않은 업로드가 항상 거부되게 합니다.
# 3. IAM 역할에는 **최소 권한**만 부여합니다.
# 4. **CloudTrail**을 켜서 키의 모든 사용과 모든 S3 액세스를 기록합니다.
# 5. **키 교체**를 켭니다.
#
# 1번은 노트북 06과 08에서 다룹니다. 2번은 바로잡을 점이 있어 먼저 실제로 확인합니다. **문(statement)의 순서도, 정책의
# 순서도 결과를 바꾸지 않습니다.** 그다음 4번, 5번, 3번을 차례로 실습하고, AWS가 권장하는 조건 키(`kms:ViaService`,
# `kms:EncryptionContext:aws:s3:arn`, `aws:SecureTransport`)로 키를 강화합니다. 약 20분 걸립니다.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.exercises.failure_cases import outcome, why, client

lab = Lab("seed", lang="ko").start()
B, KEY = "my-secure-bucket", lab.key_arn
s3a, kmsa = client(lab, "s3"), client(lab, "kms")
up = client(lab, "s3", "uploader")
print("lab running; key", KEY)

# %% [markdown]
# ## 원문 §6, 모범 사례 2 · "거부 규칙을 먼저": 순서는 상관이 없습니다
#
# AWS는 정책을 위에서 아래로 읽다가 처음 일치하는 문에서 멈추지 않습니다. 요청에 적용되는 모든 정책(자격 증명 기반 정책,
# 버킷 정책, 키 정책 등)에서 적용되는 정책 문을 **전부** 모은 뒤 판단합니다. 적용되는 명시적 **거부**가 하나라도 있으면
# 거부가 이깁니다. 그렇지 않고 적용되는 허용이 있으면 허용됩니다. 둘 다 아니면 요청은 암시적 거부로 끝납니다
# ([AWS: 정책 평가 로직](https://docs.aws.amazon.com/ko_kr/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)).
# 따라서 거부 문은 어디에 있든 똑같이 작동합니다. 원문의 `DenyUnEncryptedUploads`가 역할의 암호화되지 않은 업로드를
# 거부하는 모습을 먼저 버킷 정책의 **마지막** 문일 때, 이어서 **첫 번째** 자리로 옮겼을 때 확인해 보십시오.

# %%
post_bp = json.loads(lab.scenario.policies["bucket-policy.json"])
deny = next(st for st in post_bp["Statement"] if st["Effect"] == "Deny")
others = [st for st in post_bp["Statement"] if st is not deny]
for where, statements in (("Deny last ", others + [deny]), ("Deny first", [deny] + others)):
    s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(dict(post_bp, Statement=statements)))
    print(where, "->", outcome(up.put_object, Bucket=B, Key="order.txt", Body=b"x")[:60],
          "| order of Sids:", [st["Sid"] for st in statements])
_ = s3a.put_bucket_policy(Bucket=B, Policy=lab.scenario.policies["bucket-policy.json"])

# %% [markdown]
# 두 번 모두 같은 답, 명시적 거부가 나옵니다. 허용 문이 그 위에 있든 아래에 있든 아무것도 바뀌지 않습니다. 원문의 조언이
# 실제로 뜻하는 바는 "맨 앞에 두라"가 아니라, 절대 일어나면 안 되는 일에는 **명시적 거부를 쓰라**는 것입니다(다른 곳의
# 허용이 이를 뒤집을 수 없습니다).
#
# ## 원문 §6, 모범 사례 4 · CloudTrail: 한 일이 모두 남는 기록
#
# 먼저 활동을 좀 만들어 둡니다. 역할이 업로드와 다운로드를 하고, `analyst`가 객체를 읽고, `nobody`가 읽으려고 시도합니다.

# %%
sse = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY)
up.put_object(Bucket=B, Key="report.csv", Body=b"id,total\n1,42\n", **sse)
up.get_object(Bucket=B, Key="report.csv")["Body"].read()
print("analyst:", outcome(client(lab, "s3", "analyst").get_object, Bucket=B, Key="report.csv"))
print("nobody :", outcome(client(lab, "s3", "nobody").get_object, Bucket=B, Key="report.csv")[:60])

# %% [markdown]
# 랩은 모든 요청을 CloudTrail 형식으로 기록합니다(`lab.trail.records`, 파일로는 `trail.jsonl`, 셸에서는
# `s3kms-lab trail`). 다음은 역할의 업로드 뒤에 있던 `GenerateDataKey` 호출의 기록입니다. 아무도 직접 KMS를 호출하지
# 않았습니다. **S3가 역할을 대신해 호출했고**, CloudTrail은 이를 역할의 자격 증명으로 기록하면서
# `invokedBy: s3.amazonaws.com`과 암호화 컨텍스트(객체의 ARN)를 함께 남깁니다.

# %%
rec = lab.trail.filter(principal="uploader", event_name="GenerateDataKey")[0]
show = {k: rec[k] for k in ("eventSource", "eventName", "sourceIPAddress", "requestParameters", "resources",
                            "eventCategory", "readOnly")}
show["userIdentity"] = {k: rec["userIdentity"][k] for k in ("type", "arn", "invokedBy")}
print(json.dumps(show, indent=1))

# %% [markdown]
# 실제 CloudTrail에서 KMS 호출은 *관리 이벤트*(기본으로 기록됨)이고, S3 객체 호출은 *데이터 이벤트*이므로 추적(trail)에서
# 따로 켜야 합니다. 데이터 이벤트가 없으면 `Decrypt`는 보이지만 그것을 일으킨 `GetObject`는 보이지 않습니다.
#
# ### 표로 보는 추적(trail)
#
# `lab.trail.dataframe()`은 기록을 평평한 표로 만듭니다. 아래 위젯은 보안 주체, 이벤트 이름, 거부된 호출만, 또는 S3가
# 누군가를 대신해 한 호출만 골라 볼 수 있게 필터링합니다. "거부된 호출만"을 먼저 눌러 보고, 그다음 `Decrypt`를
# 골라 보십시오.

# %% nbval-ignore-output=true
from s3kms_lab.widgets.trail_table import trail_table, filter_trail, COLUMNS
trail_table(lab)

# %% [markdown]
# 위젯은 평범한 함수 `filter_trail`을 호출하며, 이 함수는 직접 써도 됩니다. 보안 주체마다 S3가 대신 호출한 KMS 호출은
# 다음과 같습니다.

# %%
df = lab.trail.dataframe()
print(filter_trail(df, via_s3_only=True)[["principal", "eventName", "decision"]].to_string(index=False))

# %% [markdown]
# `analyst`도 역할과 똑같은 두 단계를 거쳐 보고서를 읽었습니다. 원문의 정책이 이를 허용하기 때문입니다(요구 사항 4가
# 깨져 있으며, 노트북 08에서 고칩니다). 그리고 거부된 모든 호출을 AWS의 오류 코드와 함께 보면 다음과 같습니다.

# %%
print(filter_trail(df, denied_only=True)[["principal", "eventName", "errorCode", "decision"]].to_string(index=False))

# %% [markdown]
# ## 원문 §6, 모범 사례 5 · 키 교체
#
# 자동 키 교체를 켜면 KMS가 매년(또는 직접 정한 주기마다) 새 키 구성 요소를 만듭니다. `RotateKeyOnDemand`는 지금 바로
# 교체합니다. 키 ID, ARN, 별칭, 정책은 그대로이고 권한도 그대로입니다. KMS는 이전 키 구성 요소를 모두 보관하므로, 교체
# 전에 암호화한 객체도 다시 암호화할 필요 없이 계속 읽을 수 있습니다.

# %%
print("before:", kmsa.get_key_rotation_status(KeyId=KEY)["KeyRotationEnabled"])
kmsa.enable_key_rotation(KeyId=KEY)
print("after :", kmsa.get_key_rotation_status(KeyId=KEY)["KeyRotationEnabled"])
kmsa.rotate_key_on_demand(KeyId=KEY)
print([r["RotationType"] for r in kmsa.list_key_rotations(KeyId=KEY)["Rotations"]])

# %%
print("old object:", up.get_object(Bucket=B, Key="report.csv")["Body"].read())
up.put_object(Bucket=B, Key="after-rotation.csv", Body=b"new", **sse)
print("new object:", up.get_object(Bucket=B, Key="after-rotation.csv")["Body"].read())

# %% [markdown]
# 키 교체는 하나의 키 구성 요소가 보호하는 데이터의 양을 제한합니다. 그러나 정책이 엉뚱한 보안 주체에게 키 사용을
# 허용하고 있다면 아무 도움이 되지 **않습니다**. 그 보안 주체는 새 키 구성 요소도 쓸 수 있기 때문입니다. 키 교체는 키
# 비활성화를 대신하지 못하며, 키를 비활성화하면 모든 읽기가 실패합니다(노트북 06, 사례 11).
#
# ## 원문 §6, 모범 사례 3 · 추적(trail)에서 찾아내는 최소 권한
#
# 원문의 역할 정책은 `kms:Decrypt` 외에도 `kms:Encrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKey*`,
# `kms:DescribeKey`를 허용합니다. 역할이 실제로 사용한 것은 무엇일까요? 추적(trail)이 알고 있습니다(IAM의 "마지막 액세스"
# 정보도 같은 방식으로 작동합니다).

# %%
used = filter_trail(df, principal="uploader")
print(sorted(set(used["eventSource"].str.split(".").str[0] + ":" + used["eventName"])))

# %% [markdown]
# 업로드와 다운로드에 필요한 것은 `s3:PutObject`, `s3:GetObject`, `kms:GenerateDataKey`, `kms:Decrypt`입니다(멀티파트
# 업로드도 같은 두 KMS 작업으로 충분하며, `AssumeRole`은 역할의 신뢰 정책이 다룰 일입니다). 나머지는 쓰이지 않는
# 권한입니다. 역할의 KMS 권한이 *어디에서* 오는지도 눈여겨보십시오. 원문의 **키 정책**이 역할을 직접 지정하므로, 역할의
# IAM 정책만 줄여서는 KMS에 대해 아무것도 바뀌지 않습니다. 최소 권한은 권한을 부여하는 바로 그곳에 적용해야 합니다.
#
# ### 연습 문제 1 · 역할의 정책 줄이기
#
# 원문의 역할 정책(아래에 불러온 그대로)을 역할에 필요한 만큼만 남기도록 고치십시오. 검사할 때는 키 정책이 IAM에
# 위임하므로(루트 문만 남김) 여러분의 정책이 KMS 사용 여부까지 결정합니다.

# %%
from s3kms_lab.exercises.best_practices import check_least_privilege_role

my_role_policy = json.loads(lab.scenario.policies["role-policy.json"])
print(check_least_privilege_role(lab, my_role_policy))

# %% [markdown]
# ## 키 강화: `kms:ViaService`와 `kms:EncryptionContext:aws:s3:arn`
#
# 역할은 S3를 거치지 않고도 키를 어떤 용도로든 쓸 수 있습니다. KMS에 데이터 키를 직접 요청해 보겠습니다.

# %%
kms_role = client(lab, "kms", "uploader")
print(outcome(kms_role.generate_data_key, KeyId=KEY, KeySpec="AES_256"))

# %% [markdown]
# 키 정책에서 역할에 대한 문에 두 가지 조건 키를 넣으면 이를 제한할 수 있습니다.
#
# - `kms:ViaService` = `s3.ap-northeast-2.amazonaws.com`: S3가 역할을 대신해 보내는 요청만 허용합니다.
# - `kms:EncryptionContext:aws:s3:arn`: 이 버킷의 객체(`arn:aws:s3:::my-secure-bucket/*`)에 대해서만 허용하며, S3 버킷
#   키를 켠 경우에는 버킷 ARN 자체도 포함합니다(노트북 06, 사례 10).
#
# S3가 보내는 값은 추적(trail)에서 확인할 수 있습니다.

# %%
rec = lab.trail.filter(principal="uploader", event_name="GenerateDataKey")[0]
print(rec["userIdentity"]["invokedBy"], rec["requestParameters"]["encryptionContext"])

# %% [markdown]
# ### 연습 문제 2 · 키 정책 강화하기
#
# 역할의 문(`AllowUseOfKeyForUploaderRole`)에 두 조건을 추가하고, S3가 요청하지 않는 작업(`kms:Encrypt` 포함)을
# 빼십시오. 루트 문은 연습 문제 3.1의 키 관리자 문으로 바꾸십시오. 검사는 여러분의 키 정책에 요구 사항 검사기도
# 실행하는데, 루트의 `kms:*`가 남아 있으면 `analyst`가 여전히 키를 사용하기 때문입니다. 검사는 여러분의 키 정책을 설치하고,
# 역할에는 S3 권한만 남긴 뒤(그래서 키 정책만으로 결정되도록), 다음을 확인합니다. `my-secure-bucket`에 대한 업로드와
# 다운로드는 계속 되어야 하고, 역할이 KMS를 직접 호출하면 거부되어야 하며, S3가 역할을 대신해 `my-other-bucket`에 키를
# 쓰려 하면 거부되어야 합니다.

# %%
from s3kms_lab.exercises.best_practices import check_hardened_key_policy

my_key_policy = json.loads(lab.scenario.policies["key-policy.json"])
print(check_hardened_key_policy(lab, my_key_policy))

# %% [markdown]
# ## `aws:SecureTransport`: 여기서는 시험할 수 없는 거부
#
# AWS는 TLS를 쓰지 않는 모든 요청을 거부하라고 권장합니다:
# `{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`.
# 랩 엔드포인트는 여러분의 컴퓨터에서 **평문 HTTP**로 통신하므로, **모든** 요청에서 `aws:SecureTransport`가 `false`입니다.
# 이런 거부 문이 여기서 어떤 일을 하는지 보십시오. (객체 읽기와 쓰기로만 범위를 좁혔습니다. 버킷에 `s3:*`를 걸면
# `DeleteBucketPolicy`까지 거부되어, 계정의 루트 사용자만 이 정책을 다시 지울 수 있게 됩니다.)

# %%
bp = json.loads(lab.scenario.policies["bucket-policy.json"])
bp["Statement"].append({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                        "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{B}/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
s3a.put_bucket_policy(Bucket=B, Policy=json.dumps(bp))
print("role  :", why(up.get_object, Bucket=B, Key="report.csv"))
print("admin :", outcome(s3a.get_object, Bucket=B, Key="report.csv")[:100])

# %% [markdown]
# 역할이든 관리자든 모두가 명시적 거부로 거부됩니다. SDK와 CLI가 HTTPS를 쓰는 AWS에서는 같은 문이 `http://`로
# 내려가는 클라이언트만 거부합니다. 실제 설계에서는 이 문을 유지하고, 랩에서는 지우십시오.

# %%
s3a.put_bucket_policy(Bucket=B, Policy=lab.scenario.policies["bucket-policy.json"])
print("role  :", outcome(up.get_object, Bucket=B, Key="report.csv"))

# %% [markdown]
# 해답: `notebooks/ko/solutions/07_solutions.md`.
#
# ## 랩 종료

# %%
lab.stop()
print("stopped")
