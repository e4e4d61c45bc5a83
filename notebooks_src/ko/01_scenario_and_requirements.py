# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '1'
#     summary: 버킷, 키, 역할과 보안 주체 다섯, 검사할 수 있는 문장으로 옮긴 네 가지 요구 사항, 글의 정책이 네 가지를 모두 위반함을
#       보여 주는 검사기
# ---

# %% [markdown]
# # 01 · 시나리오와 네 가지 요구 사항(원문 §1, 구성 시나리오)
#
# 원문은 버킷 하나, 고객 관리형 키(CMK) 하나, 역할 하나를 준비하고 네 가지 요구 사항(원문의 "요구사항")을 제시합니다.
# 이 노트북에서는 **실행 중인 랩에서** 각 리소스를 살펴보고, 여러분이 그 신분으로 요청을 보낼 수 있는 보안 주체들을
# 만나 본 뒤, 네 가지 요구 사항을 기계가 검사할 수 있는 문장으로 바꿉니다. 끝까지 따라오면 각 요구 사항이 참인지
# 거짓인지를 어떤 요청으로 증명할 수 있는지 정확히 알게 됩니다.

# %%
import json
from s3kms_lab import Lab
from s3kms_lab.widgets.probe import Probe

lab = Lab("seed", lang="ko").start()
s3, kms, iam = (lab.client(s, "admin") for s in ("s3", "kms", "iam"))
print("account", lab.account, "region", lab.region)

# %% [markdown]
# ## 리소스
#
# **S3 버킷** `my-secure-bucket`에는 원문의 버킷 정책(§2)이 붙어 있습니다. 문을 `Sid`별로 보면 다음과 같습니다:

# %%
print([b["Name"] for b in s3.list_buckets()["Buckets"]])
bucket_policy = json.loads(s3.get_bucket_policy(Bucket="my-secure-bucket")["Policy"])
for st in bucket_policy["Statement"]:
    print(f'{st["Effect"]:5} {st["Sid"]:34} {st["Action"]}')

# %% [markdown]
# **KMS 고객 관리형 키**에는 원문의 키 정책(§3)이 붙어 있습니다. 원문은 키를
# `arn:aws:kms:ap-northeast-2:123456789012:key/abcd-efgh-ijkl`로 적었는데, 이것은 유효한 키 ID가 아니라 자리
# 표시자입니다. 그래서 랩은 실제 키 ID를 사용하고, 원문의 정책에 자리 표시자가 나오는 곳마다 그 키의 ARN을
# 넣었습니다.

# %%
meta = kms.describe_key(KeyId="alias/my-secure-key")["KeyMetadata"]
print(meta["Arn"], "|", meta["KeyManager"], meta["KeySpec"], "|", meta["Description"])
key_policy = json.loads(kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
for st in key_policy["Statement"]:
    print(f'{st["Effect"]:5} {st["Sid"]:30} principal {st["Principal"]["AWS"]}')

# %% [markdown]
# **IAM 역할** `DataUploaderRole`(원문: "EC2 또는 Lambda에서 사용")에는 원문의 역할 정책(§4)과, 계정의 보안 주체가
# 이 역할을 수임할 수 있게 하는 신뢰 정책이 붙어 있습니다:

# %%
role = iam.get_role(RoleName="DataUploaderRole")["Role"]
print(role["Arn"])
print("inline policies:", iam.list_role_policies(RoleName="DataUploaderRole")["PolicyNames"])
print("trust policy   :", json.dumps(role["AssumeRolePolicyDocument"]["Statement"]))

# %% [markdown]
# ## 보안 주체
#
# 원문은 `DataUploaderRole`과 "다른 사용자"만 이야기합니다. "다른 사용자"를 시험해 보려고 랩은 IAM 사용자 넷을
# 추가합니다. 각각은 `lab.client(service, profile)`이나 `aws --profile`에 넘길 수 있는 명명된 프로필입니다:
#
# | 프로필 | 정체 | 자격 증명 기반 정책 |
# | --- | --- | --- |
# | `uploader` | `DataUploaderRole`의 세션 | 원문의 역할 정책 |
# | `analyst` | IAM 사용자, 동일 계정 | `*`에 대한 `s3:*`와 `kms:*` |
# | `nobody` | IAM 사용자, 동일 계정 | 없음 |
# | `outsider` | IAM 사용자, **다른 계정**(210987654321) | `*`에 대한 `s3:*`와 `kms:*` |
# | `admin` | IAM 사용자, 동일 계정 | `*`에 대한 `*` |

# %%
print("IAM users in 123456789012:", [u["UserName"] for u in iam.list_users()["Users"]])
for profile in ("uploader", "outsider"):
    print(f"{profile:9}", lab.client("sts", profile).get_caller_identity()["Arn"])

# %% [markdown]
# ## 누구를 신뢰하는가: 위협 모델
#
# "다른 누구도 객체를 읽을 수 없다" 같은 요구 사항은 누구를 신뢰하는지 정해야 비로소 의미가 생깁니다. 이 랩은 그
# 답을 데이터로 적어 둡니다. `data/scenarios/seed/requirements.json`입니다:
#
# - **`admin`은 신뢰하는 관리자입니다.** 어떤 정책이든 바꿀 수 있고, 그 권한은 받아들입니다(누군가는 문제를 고칠
#   수 있어야 하고, KMS는 아무도 바꿀 수 없게 만드는 키 정책을 아예 거부하기까지 합니다). `admin`의 요청은 요구
#   사항 위반으로 세지 않습니다.
# - **나머지는 모두 검사합니다**: 역할 자신의 세션, 계정 안의 `analyst`와 `nobody`, 다른 계정의 `outsider`, 그리고
#   자격 증명이 전혀 없는 익명 호출자입니다.
# - **무언가를 먼저 바꾼 뒤에 할 수 있는 일도 검사합니다.** `analyst`가 버킷 정책을 다시 쓰거나, 자기에게 KMS 권한
#   부여(grant)를 주거나, 역할의 신뢰 정책을 고친 뒤 그 역할을 수임하거나, 다른 사용자의 액세스 키를 만들 수 있다면,
#   그런 호출 *뒤에* 할 수 있는 일은 모두 `analyst`가 할 수 있는 일로 칩니다. 허용된 호출을 어떤 순서로 이어 가도
#   요구 사항을 깨는 요청에 이르지 못할 때에만 그 설계는 유효합니다.
#
# 그래서 "요구 사항 1이 충족된다"는 다음을 뜻합니다. `admin`을 제외한 어떤 보안 주체도, 직접이든 정책 변경,
# 권한 부여(grant), 역할 수임을 어떻게 이어서든, 역할이 아닌 신분으로 객체를 써 넣을 수 없습니다.

# %%
print(json.dumps({k: v for k, v in json.load(open(lab.scenario.path / "requirements.json")).items()
                  if k in ("format", "trusted_administrators")}, indent=2))

# %% [markdown]
# ## 네 가지 요구 사항을 검사할 수 있는 문장으로
#
# 말로 적은 요구 사항("역할만 업로드할 수 있다")은 시험할 수 없습니다. "*이 보안 주체가 이 요청을 보내면
# `DENIED` / `ALLOWED`여야 한다*"로 적으면 시험할 수 있습니다. 아래의 각 줄은 요청 하나이고, 랩은 원문의 정책으로 그
# 요청을 결정합니다. 모든 줄이 기대한 답을 받을 때에만 요구 사항이 **충족**됩니다. (`Probe`는 요청을 실제로 보내지
# 않고, 엔드포인트와 같은 코드로 랩이 그 요청을 어떻게 결정할지 묻습니다.)

# %%
probe = Probe(lab)
sample = probe.ensure_object()            # an SSE-KMS object uploaded by admin, to read and delete

REQUIREMENTS = {
    "R1 Only DataUploaderRole can upload (DataUploaderRole만 S3에 업로드 가능)": [
        ("uploader", "PutObject, SSE-KMS, the post's key", probe.put("uploader"), "ALLOWED"),
        ("analyst",  "PutObject, SSE-KMS, the post's key", probe.put("analyst"), "DENIED"),
        ("admin",    "PutObject, SSE-KMS, the post's key", probe.put("admin"), "DENIED"),
        ("outsider", "PutObject, SSE-KMS, the post's key", probe.put("outsider"), "DENIED"),
    ],
    "R2 Every upload is encrypted with the KMS key (업로드 시 반드시 KMS 키로 암호화)": [
        ("uploader", "PutObject, no encryption header", probe.put("uploader", "none", "none"), "DENIED"),
        ("uploader", "PutObject, aws:kms but no key id (aws/s3)", probe.put("uploader", "aws:kms", "none"), "DENIED"),
        ("analyst",  "PutObject, aws:kms with another key", probe.put("analyst", "aws:kms", "another key"), "DENIED"),
    ],
    "R3 Only DataUploaderRole can use the key (KMS 키는 DataUploaderRole만 사용)": [
        ("uploader", "kms:GenerateDataKey through S3", probe.kms("uploader", "kms:GenerateDataKey", via_s3=True), "ALLOWED"),
        ("analyst",  "kms:Decrypt, called directly", probe.kms("analyst", "kms:Decrypt"), "DENIED"),
        ("admin",    "kms:Encrypt, called directly", probe.kms("admin", "kms:Encrypt"), "DENIED"),
    ],
    "R4 Nobody else can read or write (다른 사용자는 읽기/쓰기 금지)": [
        ("analyst",  "GetObject", probe.s3("analyst", "GetObject", sample), "DENIED"),
        ("analyst",  "DeleteObject", probe.s3("analyst", "DeleteObject", sample), "DENIED"),
        ("nobody",   "GetObject", probe.s3("nobody", "GetObject", sample), "DENIED"),
        ("outsider", "GetObject", probe.s3("outsider", "GetObject", sample), "DENIED"),
    ],
}

for title, lines in REQUIREMENTS.items():
    holds = all(o.label == expected for _, _, o, expected in lines)
    print(f"{title}: {'HOLDS' if holds else 'VIOLATED'}")
    for who, what, o, expected in lines:
        mark = "  ok " if o.label == expected else "  !! "
        print(f"{mark}{who:9} {what:44} expected {expected:7} lab says {o.label}")

# %% [markdown]
# 원문의 정책으로는 **네 가지 요구 사항이 모두 위반됩니다**. `!!` 표시가 붙은 줄이 반례, 즉 위반을 증명하는
# 요청입니다. 이어지는 노트북에서 하나씩 설명합니다:
#
# - R1, R4: `analyst`와 `admin`은 동일 계정에 있고, 자기 IAM 정책이 S3를 허용합니다. 동일 계정 안에서는 자격 증명
#   기반 정책의 허용만으로 충분하므로, 버킷 정책의 허용 문은 아무것도 제한하지 못합니다(02번 노트북).
# - R2: 거부 문은 *알고리즘* 헤더(`aws:kms`)만 검사하고 *어떤* 키인지는 검사하지 않습니다(02번 노트북).
# - R3: 키 정책의 첫 번째 문이 계정의 모든 IAM 정책에 키를 넘겨줍니다(03번 노트북).
#
# 키 정책에 `analyst`가 한 번도 나오지 않는데, `analyst`가 직접 호출한 `kms:Decrypt`는 왜 허용될까요? 랩의 답을
# 권한 검사마다 한 문장씩 보여 줍니다:

# %%
print(REQUIREMENTS["R3 Only DataUploaderRole can use the key (KMS 키는 DataUploaderRole만 사용)"][1][2])

# %% [markdown]
# ## 요구 사항 검사기: 요청 공간 전체
#
# 위 표는 요청 몇 개만 시험합니다. 랩의 요구 사항 검사기(`s3kms_lab.checker`)는 보안 주체, 요청, 암호화 헤더, 키
# ID 형식, 버킷 기본 암호화의 *모든* 조합을 같은 코드로 결정하고, 각 요구 사항을 `HOLDS`(충족) 또는
# `VIOLATED`(위반)로 보고하면서 가장 단순한 반례를 함께 보여 줍니다. 위의 위협 모델도 그대로 재현합니다. `admin`을
# 제외한 모든 보안 주체에서 출발해 누가 무엇을 할 수 있는지를 바꾸는 호출(버킷 정책과 키 정책, 권한 부여(grant),
# IAM 정책, 신뢰 정책, 역할 수임 등)을 모두 시도해 보고, 위반으로 끝나는 허용된 호출의 가장 짧은 연쇄를 찾습니다.
# (`check`는 요구 사항을 `data/scenarios/seed/requirements.json`에서 읽습니다.)

# %%
from s3kms_lab.checker import check

report = check("seed")
for rid in ("R1", "R2", "R3", "R4"):
    r = report.requirement(rid)
    print(f"{rid} {r.status:8} {r.source}")

# %% [markdown]
# 검사기가 요구 사항마다 찾은 가장 단순한 반례입니다(검사기가 발전하면서 무엇을 고를지는 바뀔 수 있으므로, 이
# 출력은 노트북의 고정된 결과에 포함되지 않습니다):

# %% nbval-ignore-output=true
for rid in ("R1", "R2", "R3", "R4"):
    r = report.requirement(rid)
    print(rid, "-", r.counterexamples[0].description if r.counterexamples else "none")

# %% [markdown]
# 다음: `02_bucket_policy.ipynb`(§2)에서 버킷 정책으로 R1, R2, R4를 고칩니다.
#
# ## 랩 멈추기

# %%
lab.stop()
print("stopped")
