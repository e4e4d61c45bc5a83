# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     post_section: ''
#     summary: 버킷, 키, 역할 가져오기(랩이 여러분의 계정을 대신하며, 실제 계정용 명령도 함께 보여 줌); 여러분의 이름으로 네 가지
#       요구 사항 검사; 반례 읽기; 고치고 다시 검사한 뒤 CloudFormation / AWS CLI로 내보내기
# ---

# %% [markdown]
# # 09 · 여러분의 계정
#
# 이제 원문의 네 가지 요구 사항과 이를 충족하는 설계를 알고 있습니다. 그렇다면 **여러분의** 버킷, 키, 역할은 요구 사항을
# 충족할까요?
#
# 1. 실제 버킷, 키, 역할을 읽기 전용 호출만으로 시나리오 폴더에 **가져옵니다**.
# 2. 네 가지 요구 사항(과 랩의 요구 사항 두 가지)을 오프라인으로 **검사합니다**.
# 3. **반례**를 읽습니다.
# 4. 폴더에서 설계를 고치고, 다시 검사한 뒤, CloudFormation 템플릿이나 AWS CLI 명령으로 **내보냅니다**.
#
# 여기서는 AWS 계정이 필요 없습니다. 원문의 시나리오를 실행하는 랩이 계정을 대신합니다(같은 API로 응답합니다). 실제
# 계정에서 쓸 명령은 진행하면서 함께 보여 드립니다. 약 15분 걸립니다.

# %% [markdown]
# ## 1 · 가져오기에 필요한 것과 가져오기가 읽는 것
#
# 가져오기는 읽기 전용 호출만 합니다. 다음은 가져오기에 필요한 최소 권한 정책으로, 랩과 함께 제공됩니다. 가져오기를
# 실행할 보안 주체(사용자, 또는 수임하는 역할)에 이 정책을 연결하십시오. 그 밖에는 아무것도 호출하지 않습니다. 액세스 키,
# 암호, 객체 데이터는 계정 밖으로 나가지 않습니다.

# %%
import json
from pathlib import Path
from s3kms_lab.account.cli import POLICY_FILE

policy = json.loads(POLICY_FILE.read_text())
for st in policy["Statement"]:
    actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
    print(f"{st['Sid']}:\n    " + ", ".join(actions))

# %% [markdown]
# 실제 계정에서는 다음과 같이 정책을 연결하고 가져옵니다(여기서는 실행하지 않습니다).
#
# ```bash
# aws iam put-user-policy --user-name me --policy-name S3KmsLabImport \
#   --policy-document file://data/account/import-readonly-policy.json
# s3kms-lab import --profile my-profile --bucket my-bucket --key alias/my-key \
#   --role MyUploaderRole --admin arn:aws:iam::111122223333:user/me --out my-account
# ```
#
# 키 정책도 KMS 읽기를 허용해야 합니다. 다른 모든 KMS 호출과 마찬가지로 `kms:GetKeyPolicy`도 먼저 키 정책이 결정합니다.

# %% [markdown]
# ## 2 · 가져오기 (랩이 여러분의 계정을 대신합니다)
#
# 원문의 시나리오를 실행하는 랩을 시작하고, 랩의 프로필을 기본 AWS 구성으로 만듭니다. 그러면 실제 계정에서 여러분의
# 프로필이 그렇듯 `--profile admin`은 "이 계정의 admin 사용자"를 뜻하게 됩니다.

# %%
import tempfile
from s3kms_lab import Lab

lab = Lab("seed", lang="ko").start()
lab.activate()
work = Path(tempfile.mkdtemp(prefix="s3kms-lab-nb09-"))
print("account:", lab.account, "region:", lab.region)

# %% [markdown]
# 실제 계정에서와 같은 명령입니다(`!`는 셸에서 실행합니다). 무엇을 읽었는지, 얼마나 걸렸는지, 무엇을 읽지 못했는지를
# 출력합니다.

# %%
# NBVAL_IGNORE_OUTPUT
# (the folder and the time differ on each run)
# !s3kms-lab import --profile admin --bucket my-secure-bucket --key alias/my-secure-key --role DataUploaderRole --admin arn:aws:iam::123456789012:user/admin --out {work}/my-account

# %% [markdown]
# 응답하지 않은 호출은 "읽지 못한 항목" 아래에 필요한 IAM 작업 및 이유(계정이 거부했는지, 또는 이 랩에서는 엔드포인트가 아직
# 구현하지 않은 호출인지)와 함께 나열됩니다. 객체 소유권이나 퍼블릭 액세스 차단 같은 설정이라면 가져오기는 계속
# 진행하면서 가장 덜 보호하는 값을 기록합니다. 그래야 검사가 아무도 확인하지 못한 보호 장치를 믿고 판정하는 일이
# 없습니다. 반면 *정책* 읽기가 거부되면 가져오기가 멈춥니다. 정책이 빠진 시나리오는 안전하지 않은 설계를 안전해 보이게
# 만들 수 있기 때문입니다.
#
# 여기서부터는 모두 오프라인입니다. "계정"을 종료하십시오.

# %%
lab.stop()
mine = work / "my-account"
print(sorted(p.name for p in mine.iterdir()))

# %% [markdown]
# `scenario.json`에는 가져온 것이 나열됩니다. 보안 주체는 다음과 같습니다. 역할, 여러분이 지정한 관리자(*신뢰하는
# 관리자*: 검사기는 이 관리자가 정책을 바꿀 수 있다는 것을 받아들입니다), 정책이 지정한 모든 사용자와 역할(여기서는
# 없음), 그리고 `any-other-principal`입니다. `any-other-principal`은 계정의 나머지 모든 사람을 대표하도록 가져오기가
# 추가하는 사용자로, 랩의 `analyst`처럼 자신의 정책으로 `s3:*`와 `kms:*`를 허용받습니다. 각 보안 주체는 랩 프로필을
# 받으므로, 이 폴더에 `s3kms-lab serve --scenario`를 실행하면 여러분 계정의 랩이 생깁니다.

# %%
from s3kms_lab.lab.scenario import load_scenario

sc = load_scenario(str(mine))
print("bucket:", sc.spec["buckets"][0]["name"], "| key:", sc.spec["keys"][0]["id"], sc.spec["keys"][0].get("alias"))
for profile, p in sc.spec["profiles"].items():
    print(f"profile {profile:18}", "user " + p["user"] if "user" in p else "role " + p["role"])
print("calls made:", len(sc.spec["import"]["calls"]))
for call in sc.spec["import"]["calls"][:6]:
    print("  ", call["call"], "->", call["outcome"])

# %% [markdown]
# ## 3 · 여러분의 이름으로 네 가지 요구 사항 검사하기
#
# `requirements.json`은 가져온 버킷, 키, 역할에 대해 원문의 네 가지 요구 사항(과 랩의 두 가지: 역할이 여전히 업로드하고
# 다시 읽을 수 있어야 함)을 기술합니다. 이 파일은 여러분이 고쳐 써도 됩니다. 방법은 폴더의 README.md에 있습니다(예를 들어
# `vars.UPLOADER`를 바꾸면 여섯 가지 요구 사항 모두가 다른 역할을 대상으로 합니다).

# %%
reqs = json.loads((mine / "requirements.json").read_text())
print("UPLOADER =", reqs["vars"]["UPLOADER"])
for r in reqs["requirements"]:
    print(f"{r['id']}: {r['title']}")

# %%
from s3kms_lab.checker import check

report = check(str(mine))
for r in report.requirements:
    print(f"{r.id} {r.status:9} {r.violations:4} of {r.in_scope:4} requests break it   {r.title}")

# %% [markdown]
# ## 4 · 반례 읽기
#
# 위반된 요구 사항마다 그것을 깨뜨리는 가장 단순한 요청이 함께 나옵니다. 누가, 무엇을 했고, 결정은 무엇이며 그 이유는
# 무엇인지, 그리고 이 폴더의 랩에서 그 요청을 재현하는 명령까지 보여 줍니다.

# %%
for r in report.requirements:
    if not r.holds:
        c = r.counterexamples[0]
        print(f"{r.id}: {c.description}")
        print(f"    {c.why}")

# %% [markdown]
# 키에 관한 요구 사항(R3)을 엔드포인트가 제시하는 이유와 함께 보면 다음과 같습니다.

# %%
c = report.requirement("R3").counterexamples[0]
print(c.description)
print("\n".join(c.explanation))

# %% [markdown]
# 키 정책의 계정 루트 문은 자신의 정책이 허용하는 계정의 모든 IAM 자격 증명에 `kms:*`를 위임하며, `kms:*`를 가진 다른
# 사용자라면 누구든 해당됩니다. 원문의 "역할만"은 원문의 키 정책이 실제로 말하는 내용이 아닙니다(노트북 03). 같은 방식으로
# 읽으면 R1, R2, R4도 나옵니다(노트북 02와 06).
#
# ## 5 · 폴더에서 고치고, 다시 검사하고, 내보내기
#
# 노트북 08의 `hardened` 설계는 이 모두를 고칩니다. 실제 계정에서는 여러분의 버킷, 키, 역할 이름이 원문과 다르겠지만,
# 여기서는 같으므로 네 개의 정책을 그대로 쓸 수 있습니다. 폴더의 사본에 이 정책들을 넣고 버킷과 키에 AWS가 권장하는 설정을
# 적용한 뒤(가져오기는 찾아낸 값을, 읽지 못한 것은 가장 덜 보호하는 값을 기록해 두었습니다), 무엇이든 배포하기 전에 다시
# 검사하십시오.

# %%
import shutil

fixed = work / "my-account-fixed"
shutil.copytree(mine, fixed)
spec = json.loads((fixed / "scenario.json").read_text())
hardened = load_scenario("hardened")
role = spec["roles"][0]
for mine_file, hardened_file in [(spec["buckets"][0]["policy"], "bucket-policy.json"),
                                 (spec["keys"][0]["policy"], "key-policy.json"),
                                 (role["trust_policy"], "trust-policy.json"),
                                 (role["policies"]["DataUploaderPolicy"], "role-policy.json")]:
    (fixed / mine_file).write_text(hardened.policies[hardened_file])
    print(f"{mine_file:45} <- hardened/{hardened_file}")
bucket = spec["buckets"][0]
print("found: Block Public Access", bucket["public_access_block"], "| Object Ownership", bucket["ownership"],
      "| key rotation", spec["keys"][0]["rotation"])
bucket["public_access_block"] = {name: True for name in bucket["public_access_block"]}
bucket["ownership"] = "BucketOwnerEnforced"  # ACLs off: the bucket policy alone decides
spec["keys"][0]["rotation"] = True  # notebook 07 says why
spec["import"]["assumed"] = []  # set on purpose now, not guessed
(fixed / "scenario.json").write_text(json.dumps(spec, indent=2))

# %%
report_fixed = check(str(fixed))
for r in report_fixed.requirements:
    print(f"{r.id} {r.status:9} {r.title}")

# %% [markdown]
# 고친 설계에서는 여섯 가지 요구 사항이 모두 충족됩니다. 고친 폴더를 CloudFormation 템플릿으로 내보내십시오. 템플릿에는
# 기본 암호화, 퍼블릭 액세스 차단, 객체 소유권을 설정한 버킷, 버킷 정책, 키 정책과 키 교체를 설정한 KMS 키, 별칭, 신뢰
# 정책과 인라인 정책을 가진 역할이 들어갑니다. ID는 참조(`!GetAtt Key.Arn`, `${AWS::AccountId}`)로 바뀌므로 정책이 스택을
# 따라갑니다. 셸 명령은 `s3kms-lab export --scenario DIR --format cloudformation --out template.yaml`입니다.

# %%
from s3kms_lab.account.export import cloudformation

template = cloudformation(str(fixed))
print("\n".join(template.splitlines()[:40]))
print("...")

# %% [markdown]
# CloudFormation 린터인 `cfn-lint`는 이 템플릿에서 오류를 찾지 못합니다(`cfn-lint`는 `make test`가 설치합니다.
# `make lab` 환경에서는 설치되지 않았다고 알려 줍니다).

# %%
from s3kms_lab.account.export import lint_template

print(lint_template(template, sc.region))

# %% [markdown]
# 원문 방식의 AWS CLI 명령으로도 내보낼 수 있습니다(`--format cli`). 각 정책을 파일로 쓴 다음 리소스마다 명령을 하나씩
# 실행하며, 키 정책이 역할을 지정하므로 역할을 먼저 만듭니다.

# %%
from s3kms_lab.account.export import cli

in_file = False
for line in cli(str(fixed)).splitlines():  # each policy file folded to one line
    if line.startswith("cat > "):
        print(line + " ... EOF")
        in_file = True
    elif not in_file:
        print(line)
    elif line == "EOF":
        in_file = False

# %% [markdown]
# 실제 계정에 배포하기 전에: 여러분이 지정한 관리자로 실행하십시오(키 정책의 잠금 안전 검사는 키를 만드는 보안 주체가
# `kms:PutKeyPolicy`를 유지할 것을 요구합니다). 그리고 배포한 뒤에는 다시 가져와서 실제로 배포된 내용을 검사하십시오.
#
# ## 정리

# %%
shutil.rmtree(work)
print("removed the folders")
