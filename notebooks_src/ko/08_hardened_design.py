# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: '7'
#     summary: 바로잡은 `hardened` 시나리오; seed와 hardened에 돌려 보는 요구 사항 검사기; 노트북 06의 모든 사례를
#       두 시나리오에서 재현
# ---

# %% [markdown]
# # 08 · 강화된 설계 (원문 §7)
#
# 원문의 결론은 이렇습니다. S3와 KMS를 함께 쓰면 저장 데이터 암호화와 세밀한 액세스 제어를 *모두* 얻을 수 있지만, 그것은
# S3, KMS, IAM 정책을 **함께 설계**하고 `Condition`으로 KMS 암호화를 강제할 때에만 그렇습니다.
#
# 지금까지의 노트북은 원문의 정책이 원문 스스로 내건 네 가지 요구 사항을 충족하지 못한다는 것을 보여 주었습니다. 이
# 노트북에서는 다음을 합니다.
#
# 1. 바로잡은 시나리오 `hardened`(`data/scenarios/hardened/`)의 **변경 사항**을 살펴봅니다.
# 2. 두 시나리오에 **요구 사항 검사기**를 실행합니다. 검사기는 호출자, 요청, 암호화 설정의 모든 조합에 대해 모든 요구
#    사항을 판정하고, 관리자가 아닌 보안 주체가 먼저 밟을 수 있는 모든 상태 변경 경로(정책 수정, 권한 부여(grant), 역할
#    수임)까지 따라갑니다. 그런 다음 방어 계층 하나를 빼서 우회로가 생기는 모습을 보여 줍니다.
# 3. **노트북 06의 모든 실패 사례**를 실제 요청으로 두 시나리오에 다시 재현합니다.
# 4. 연습 문제 두 개로 마무리합니다. 약 15분 걸립니다.

# %% [markdown]
# ## 1 · 무엇이 바뀌었나
#
# 버킷, 키, 역할, 사용자, 프로필은 같고 네 개의 정책만 다릅니다. 정책 문 단위로 비교하면 다음과 같습니다.

# %%
import json
from s3kms_lab.lab.scenario import load_scenario
from s3kms_lab.i18n import set_language

set_language("ko")  # 랩의 설명, 검사기 보고서, 힌트를 한국어로

seed, hardened = load_scenario("seed"), load_scenario("hardened")
for f in ("bucket-policy.json", "key-policy.json", "role-policy.json", "trust-policy.json"):
    print(f)
    for name, sc in (("seed", seed), ("hardened", hardened)):
        for st in json.loads(sc.policies[f])["Statement"]:
            print(f"  {name:9}{st['Effect']:6}{st.get('Sid', '(no Sid)')}")

# %% [markdown]
# 핵심 아이디어는 다음과 같으며, 각각 앞에서 겪은 실패 하나에 대한 답입니다.
#
# - **버킷 정책: 허용이 아니라 거부.** 동일 계정에서는 버킷 정책의 허용이 아무도 제한하지 못합니다(관리자와 analyst는
#   자격 증명 기반 정책만으로 충분합니다). 그래서 강화된 정책은 역할을 제외한 모든 보안 주체의 객체 액세스를 *거부*하고
#   (`ArnNotEquals aws:PrincipalArn`), 서버 측 암호화(SSE-KMS)가 아닌 업로드, 키 ID가 없는 업로드, 다른 키를 지정한
#   업로드를 거부합니다(사례 4, 5).
# - **키 정책: 루트 문이 더 이상 `kms:*`를 위임하지 않습니다.** 키 *관리* 권한은 관리자와 루트 사용자에게 남겨 두지만
#   (잠금 안전 검사는 계속 통과합니다, 사례 7), IAM 정책으로는 더 이상 키 사용 권한을 줄 수 없습니다. 역할은
#   `GenerateDataKey`와 `Decrypt`만, S3를 통해서만, 이 버킷에 대해서만 받으며(버킷 키를 위해 버킷 ARN 포함, 사례 10),
#   그 밖의 누구든 거부 문이 막습니다(사례 8).
# - **버킷 정책: 관리자만 바꿀 수 있습니다.** `admin`을 제외한 모든 보안 주체에 대해 `s3:PutBucket*`와
#   `s3:DeleteBucket*`를 거부합니다. 이 문이 없으면 `analyst`(`s3:*`)가 버킷 정책을 그냥 바꿔 버릴 것입니다.
# - **역할 정책: S3 권한만** 두고, 키 정책이 역할을 지정합니다. **신뢰 정책: admin 사용자**만 신뢰합니다. admin은 랩에서
#   EC2/Lambda 플랫폼 역할을 대신하며(사례 13), 계정 전체를 신뢰하지 않습니다. 계정을 지정한 신뢰 정책은 IAM 정책이
#   `sts:AssumeRole`을 허용하는 모든 사용자가 그 역할이 될 수 있게 합니다.
#
# 키 정책에서 역할에 대한 문은 다음과 같습니다.

# %%
kp = json.loads(hardened.policies["key-policy.json"])
print(json.dumps([s for s in kp["Statement"] if "DataUploaderRole" in json.dumps(s.get("Principal", ""))], indent=1))

# %% [markdown]
# ## 2 · 요구 사항 검사기
#
# `check(scenario)`는 자신의 범위에 속한 모든 요청(보안 주체 다섯과 익명; PutObject, 멀티파트, GetObject, 직접 KMS 호출;
# 모든 암호화 헤더와 키 ID 형식; 네 가지 기본 암호화 설정; `aws:SecureTransport`의 참과 거짓)을 엔드포인트 자신의
# 권한 평가 코드로 판정하고, 요구 사항마다 결과를 매깁니다(`requirements.json`: R1-R4는 원문의 요구 사항이고, U1-U2는
# 역할이 계속 작동해야 한다는 요구 사항입니다).

# %%
from s3kms_lab.checker import check

reports = {name: check(name) for name in ("seed", "hardened")}
for name, rep in reports.items():
    print(f"{name}: {'all requirements hold' if rep.holds else 'requirements violated'}")
    for r in rep.requirements:
        print(f"  {r.id} {r.status:9}{r.violations:5} of {r.in_scope:5} requests break it   {r.title}")

# %% [markdown]
# seed가 깨뜨리는 요구 사항마다 가장 단순한 반례(기본값이 아닌 속성이 가장 적은 것)를 보면 다음과 같습니다.

# %%
for r in reports["seed"].requirements:
    if not r.holds:
        c = r.counterexamples[0]
        stored = f", stored under {c.encryption['key']} ({c.encryption.get('key_name')})" if c.encryption else ""
        print(f"{r.id}: {c.description}\n    -> {c.decision}{stored}")

# %% [markdown]
# ### 권한 상승: 관리자가 아닌 보안 주체가 먼저 상태를 바꾸면 어디까지 가는가
#
# 검사기는 직접 요청에서 멈추지 않습니다. 신뢰하는 관리자(`requirements.json`에 지정된 `admin`)를 제외한 모든 보안
# 주체에서 출발해, 누가 무엇을 할 수 있는지를 바꾸는 모든 호출(버킷 정책, 기본 암호화, 키 정책, KMS 권한 부여(grant),
# IAM 정책과 신뢰 정책, 액세스 키, `AssumeRole`)을 엔드포인트 자신의 코드로 시도하고, 허용된 호출을 하나씩 적용하며
# 계속 탐색합니다. IAM용 권한 상승 도구가 하는 방식과 같습니다. 원문의 정책에서는 요구 사항 R1-R4가 이미 직접 요청만으로
# 깨지고, "역할이 계속 작동해야 한다"는 두 요구 사항은 경로를 거쳐 깨집니다. 각 단계는 누가, 어떤 호출을 했고, 어떤
# 문이 그것을 허용했는지 알려 줍니다.

# %%
for rid in ("U1", "U2"):
    c = reports["seed"].requirement(rid).counterexamples[0]
    print(f"{rid} broken in {c.steps} calls:")
    for i, words in enumerate(c.path_words, 1):
        print(f"  {i}. {words}")
    print(f"  {c.steps}. {c.description} -> {c.decision}")

# %% [markdown]
# **방어 계층 하나를 빼면 우회로가 나타납니다.** 원문 §6의 모범 사례 1은 버킷 정책과 키 정책을 함께 쓰라고 합니다.
# 강화된 버킷 정책에는 잊기 쉬운 문이 하나 있습니다. 관리자를 제외한 모든 사람에게 `s3:PutBucket*` / `s3:DeleteBucket*`
# (정책, 암호화, ACL, 버전 관리 등)를 거부하는 문입니다. `hardened`의 사본에서 이 문을 빼고 다시 검사해 보십시오.

# %%
import shutil, tempfile
from pathlib import Path

copy_dir = Path(tempfile.mkdtemp()) / "hardened-without-guard"
shutil.copytree(hardened.path, copy_dir)
bp = json.loads((copy_dir / "bucket-policy.json").read_text())
bp["Statement"] = [st for st in bp["Statement"] if not st["Sid"].startswith("DenyBucketConfiguration")]
(copy_dir / "bucket-policy.json").write_text(json.dumps(bp))
weakened = check(str(copy_dir))
for r in weakened.requirements:
    print(f"{r.id} {r.status}")
c = weakened.requirement("R1").counterexamples[0]
print("\nR1, shortest path:")
for i, words in enumerate(c.path_words, 1):
    print(f"  {i}. {words}")
print(f"  {c.steps}. {c.description}")
print("\nReplay with the AWS CLI against a running lab of that folder:")
print("\n".join("  $ " + line for line in c.replay["cli"]))

# %% [markdown]
# `analyst`의 IAM 정책(`s3:*`)은 `s3:PutBucketPolicy`를 허용하며, 동일 계정에서는 그것으로 충분합니다. analyst는 버킷
# 정책을 자신을 들여보내는 정책으로 바꾸고, 이전 정책의 방어 장치는 모두 사라집니다. 키 정책은 여전히 `analyst`를 키에서
# 떼어 놓지만(R3는 유지됩니다. 이 계층은 버킷 정책에 의존하지 않습니다), SSE-KMS가 없는 업로드에는 키가 필요 없습니다.
# 이 구멍을 막는 것이 방금 뺀 문입니다. 그 문이 있으면 같은 탐색이 아무것도 찾지 못하며, 보고서는 무엇을 시도했는지를
# 보여 줍니다.

# %%
r1 = reports["hardened"].requirement("R1")
print("hardened R1:", r1.status)
for action, n in sorted(r1.tried.get("analyst", {}).items()):
    print(f"  analyst {action:32} allowed {n['allowed']} of {n['tried']} tries")

# %% [markdown]
# ### IAM 정책 시뮬레이터는 한 계층만 봅니다
#
# 보안 주체의 권한을 확인할 때 흔히 AWS의 정책 시뮬레이터(`aws iam simulate-principal-policy`)를 씁니다. 랩도 같은 API에
# 응답합니다. `analyst`와 `s3:PutBucketPolicy`에 대해 물으면 **허용됨**이라고 답합니다. 자격 증명 기반 정책만 평가하기
# 때문입니다. 버킷 정책을 `ResourcePolicy`로 건네주어야 비로소 방어 장치를 봅니다
# ([AWS: IAM 정책 시뮬레이터로 IAM 정책 테스트](https://docs.aws.amazon.com/ko_kr/IAM/latest/UserGuide/access_policies_testing-policies.html)).

# %%
from s3kms_lab import Lab

with Lab("hardened") as sim_lab:
    iam = sim_lab.client("iam", "admin")
    analyst_arn = f"arn:aws:iam::{sim_lab.account}:user/analyst"
    bucket_arn = "arn:aws:s3:::my-secure-bucket"
    plain = iam.simulate_principal_policy(PolicySourceArn=analyst_arn, ActionNames=["s3:PutBucketPolicy"],
                                          ResourceArns=[bucket_arn])
    with_bucket = iam.simulate_principal_policy(
        PolicySourceArn=analyst_arn, ActionNames=["s3:PutBucketPolicy"], ResourceArns=[bucket_arn],
        ResourcePolicy=hardened.policies["bucket-policy.json"], CallerArn=analyst_arn,
        ResourceOwner=f"arn:aws:iam::{sim_lab.account}:root")
    print("identity policies only :", plain["EvaluationResults"][0]["EvalDecision"])
    print("with the bucket policy :", with_bucket["EvaluationResults"][0]["EvalDecision"])

# %% [markdown]
# 같은 검사를 위젯으로도 할 수 있습니다(시나리오를 고르고 버튼을 누르십시오).

# %% nbval-ignore-output=true
from s3kms_lab.checker.widget import checker_widget
checker_widget("hardened")

# %% [markdown]
# ## 3 · 노트북 06의 모든 실패 사례를 seed와 hardened에서
#
# 노트북 06의 실패 사례 하나하나가 여기서는 프로브 하나가 됩니다. 사례의 핵심 요청을, 해당 시나리오의 설계가 기대하는
# 방식으로 보내되 사례의 상황(기본 암호화, 버킷 키 켜기, 비활성화된 키 등)을 적용합니다. `wanted`는 원문의 요구 사항이
# 요구하는 결과입니다. 표의 모든 칸은 해당 시나리오를 실행 중인 랩에 보낸 실제 요청의 결과입니다.

# %%
from s3kms_lab import Lab
from s3kms_lab.exercises.hardened_design import run_probes

lab = Lab("seed").start()
on_seed = run_probes(lab)
lab.stop()
lab = Lab("hardened").start()
on_hardened = run_probes(lab)

# %%
import pandas as pd
from IPython.display import HTML
from s3kms_lab.widgets.render import frame_html

# One row per probe (cases 4 and 13 have two probes each); NO marks a result the requirements do not want.
table = pd.DataFrame([{"case": s["case"], "request": s["request"], "seed": s["outcome"], "hardened": h["outcome"],
                       "wanted": s["wanted"], "seed ok": s["ok"], "hardened ok": h["ok"]}
                      for s, h in zip(on_seed, on_hardened)])
HTML(frame_html(table, "s3kms-probes", wrap=("request", "seed", "hardened")))

# %% [markdown]
# 표 읽는 법:
#
# - seed는 프로브 네 개를 깨뜨리며, 모두 *조용한 성공*입니다. `analyst`와 관리자가 객체를 읽고(R4), `analyst`가 키를
#   직접 사용하고(R3), 키 ID 없는 업로드가 `aws/s3`로 저장됩니다(R2).
# - 강화된 설계는 이들을 **명시적으로** 거부합니다(버킷 정책 또는 키 정책의 거부 문). 그래서 오류가 어떤 정책이
#   거부했는지 알려 줍니다.
# - 역할 자신의 작업(단일 업로드와 멀티파트 업로드, 버킷 키, 버킷 안에서의 복사)은 계속 작동합니다.
# - 사례 11(비활성화된 키)은 두 시나리오 모두에서 거부됩니다. 키 상태는 어떤 정책으로도 고칠 수 없습니다.
# - 별칭을 쓴 사례 4는 `둘 다 가능`입니다. 업로드는 올바른 키로 저장되지만, 키 ARN 조건에 대해 실제 S3가 이를 받아들이는지는
#   AWS가 명시하지 않습니다. 랩의 규칙(헤더를 보낸 그대로 비교)은 이를 거부합니다.

# %% [markdown]
# ## 4 · 연습 문제 (실행 중인 `hardened` 랩에서)
#
# ### 연습 문제 1 · 요구 사항 2 되살리기
#
# 아래는 키 ID에 관한 두 문을 뺀 강화된 버킷 정책입니다. 요구 사항 2에 필요한 것을 추가하십시오. 모든 업로드는
# **이** 키를 쓰는 SSE-KMS여야 합니다. 검사는 여러분의 정책을 설치하고, 역할의 올바른 업로드, 키 ID 없는 업로드, 다른 키를
# 쓴 업로드, AES256 업로드, 헤더 없는 업로드를 시도한 뒤, analyst가 여전히 읽지 못하는지 확인합니다.

# %%
from s3kms_lab.exercises.hardened_design import check_key_id_statement

my_bucket_policy = json.loads(hardened.policies["bucket-policy.json"])
my_bucket_policy["Statement"] = [s for s in my_bucket_policy["Statement"]
                                 if s["Sid"] not in ("DenyUploadsWithoutKeyIdHeader", "DenyUploadsUnderAnyOtherKey")]
print(check_key_id_statement(lab, my_bucket_policy))

# %% [markdown]
# ### 연습 문제 2 · 운영 환경용 신뢰 정책
#
# 랩에서는 admin 사용자가 EC2 인스턴스 역할을 합니다. 운영 환경에서는 역할이 EC2에서 실행됩니다. EC2
# (`ec2.amazonaws.com`)**와** 랩의 admin이 역할을 수임할 수 있고, 그 밖에는 아무도 수임할 수 없는 신뢰 정책을
# 작성하십시오. 검사는 admin, analyst, outsider로 실제 `AssumeRole` 요청을 보내고, EC2에 대해서는 엔진에 묻고(랩은 AWS
# 서비스로서 요청을 보낼 수 없습니다), 개발자 정책에서 흔히 그렇듯 `analyst`에게도 모든 역할에 대한 `sts:AssumeRole`이
# 있다고 가정하고 요구 사항 검사기를 실행합니다.

# %%
from s3kms_lab.exercises.hardened_design import check_trust_policy

my_trust_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
print(check_trust_policy(lab, my_trust_policy))

# %% [markdown]
# 해답: `notebooks/ko/solutions/08_solutions.md`.
#
# ## 랩 종료

# %%
lab.stop()
print("stopped")
