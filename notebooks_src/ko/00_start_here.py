# ---
# jupyter:
#   kernelspec:
#     display_name: s3kms-lab (Python)
#     language: python
#     name: s3kms-lab
#   s3kms:
#     summary: 이 과정이 가르치는 것, 노트북 사용법, 로컬 엔드포인트가 요청을 결정하는 방식(실제 결정을 그림으로)
# ---

# %% [markdown]
# # 00 · 시작하기
#
# 이 과정은 한국어 블로그 글 한 편, **"AWS - S3 + KMS"**(2025-08-03 게시, 본문 제목 "S3 + KMS 권한 정책 완전
# 예제")를 따라갑니다. 원문은 버킷 `my-secure-bucket`, 고객 관리형 KMS 키(CMK), 역할 `DataUploaderRole`, 네 가지
# 요구 사항, 그리고 그 요구 사항을 충족하려고 작성한 정책 세 개를 만듭니다. 원문에서 출처를 밝혀 인용한 것은 정책
# 세 개(버킷 정책, 키 정책, 역할 정책. 원문의 자리 표시자 키 ARN만 랩의 키로 바꿨습니다)와 AWS CLI·boto3 업로드
# 명령입니다. 나머지는 모두 이 랩이 직접 만든 내용이며, 원문과 노트북은 CC BY 4.0, 코드는 Apache-2.0 라이선스를
# 따릅니다.
#
# 여러분은 원문의 정책을 **AWS와 똑같이 응답하는 로컬 엔드포인트**에서 실행합니다. 허용과 거부도, 오류 문구도
# AWS와 같습니다. 다만 AWS와 달리 **이유**까지 알려 줍니다. 어느 정책의 어느 문(statement)이 결정을 내렸는지를
# 보여 줍니다. 그러다 보면 원문의 정책이 원문 스스로 세운 요구 사항을 충족하지 *못한다는* 사실을 발견하게 되고,
# 직접 고치게 됩니다. 이 랩은 AWS와 전혀 통신하지 않고 비용도 들지 않으니, 마음껏 망가뜨려 보셔도 됩니다.

# %% [markdown]
# ## 노트북 사용법
#
# - 각 노트북은 위에서 아래로 차례대로 실행합니다(Shift-Enter). 노트북마다 자기 랩을 시작하고 끝에서 멈추므로
#   어떤 순서로 열어도 됩니다. 커널 하나에서는 랩이 하나만 실행됩니다. 노트북의 첫 셀을 다시 실행하면 이전
#   랩을 멈추고 새 랩을 시작합니다.
# - 노트북 하나는 10~20분 정도 걸리며, 원문의 한 절(§1~§7)을 다룹니다.
# - 02번 노트북부터는 **연습 문제**가 있습니다. 셀에서 정책이나 호출을 고친 뒤 검사를 실행하면, 아직 무엇이
#   잘못되었는지 말로 알려 줍니다. 해답은 `notebooks/ko/solutions/`에 있습니다. 먼저 직접 풀어 본 뒤에 읽으십시오.
# - 위젯(드롭다운, 체크박스, 실시간 표)은 커널이 실행 중이어야 동작합니다. 셀을 실행한 다음 조작해 보십시오.

# %% [markdown]
# ## 전체 지도
#
# 이 폴더에 있는 노트북들에서 읽어 온, 과정 전체의 노트북 목록입니다:

# %%
from IPython.display import Markdown
from s3kms_lab.i18n import set_language
from s3kms_lab.widgets.notebook_map import map_markdown

set_language("ko")
Markdown(map_markdown())

# %% [markdown]
# ## 랩 시작하기
#
# `Lab("seed")`는 원문의 시나리오를 로컬 엔드포인트에 준비합니다. 위 셀의 `set_language("ko")` 덕분에 랩의 설명도
# 한국어로 나옵니다(다른 노트북에서는 `Lab("seed", lang="ko")`로 같은 일을 합니다). 원문의 버킷 정책이 붙은 버킷, 원문의 키 정책이 붙은 키, 원문의 역할 정책이 붙은
# `DataUploaderRole`, 그리고 여러분이 그 신분으로 요청을 보낼 수 있는 보안 주체 다섯(명명된 프로필)입니다.

# %%
from IPython.display import SVG
from s3kms_lab import Lab
from s3kms_lab.widgets.probe import Probe
from s3kms_lab.widgets.diagram import decision_svg, pipeline_svg

lab = Lab("seed").start()
for profile in lab.profiles:
    print(f"{profile:9}", lab.session(profile).client("sts", endpoint_url=lab.endpoint_url,
                                                       region_name=lab.region).get_caller_identity()["Arn"])

# %% [markdown]
# `uploader`는 `DataUploaderRole`의 세션입니다(EC2 인스턴스나 Lambda 함수가 역할을 쓰는 방식과 같습니다).
# `analyst`와 `nobody`는 동일 계정의 일반 IAM 사용자이고(각각 `s3:*`+`kms:*` 정책을 가진 사용자와 정책이 전혀 없는
# 사용자), `outsider`는 다른 계정에 속하며, `admin`은 무엇이든 할 수 있습니다.

# %% [markdown]
# ## 로컬 엔드포인트가 요청을 결정하는 방식
#
# AWS CLI에서 오든, boto3에서 오든, 노트북에서 오든 모든 요청은 같은 여섯 단계를 거칩니다:

# %%
SVG(pipeline_svg())

# %% [markdown]
# 3단계는 *이* 호출자와 *이* 리소스에 적용되는 정책을 모읍니다. 호출자의 자격 증명 기반 정책(있다면 권한 경계도),
# S3라면 버킷 정책, KMS라면 키 정책, `sts:AssumeRole`이라면 신뢰 정책입니다. 4단계는 AWS의 정책 평가 로직을
# 적용합니다. 어디에든 명시적 거부가 있으면 거부가 이깁니다. 그렇지 않으면 무언가가 허용해야 하는데, *무엇이*
# 허용해야 하는지는 정책 유형과 계정 관계에 따라 달라집니다.
#
# ## 실제 결정 하나를 그림으로
#
# 원문의 업로드(§5)를 `uploader`로 보내 봅니다. 원문의 키를 지정한 AWS KMS 키를 사용한 서버 측 암호화(SSE-KMS)
# 업로드입니다. `Probe`는 랩에게 이 요청을 어떻게 결정할지 묻습니다(엔드포인트가 실제 요청에 실행하는 것과 같은
# 코드입니다). SSE-KMS 업로드에는 권한 검사가 **두 번** 필요합니다. `s3:PutObject`, 그리고 S3가 **여러분의
# 신분으로** 호출하는 `kms:GenerateDataKey`입니다.

# %%
probe = Probe(lab)
SVG(decision_svg(probe.put("uploader", sse="aws:kms", key_form="ARN"),
                 "uploader: PutObject with SSE-KMS and the post's key"))

# %% [markdown]
# 실선 상자는 문(statement)이 결정에 반영된 정책입니다. 허용된 요청이라면 허용이 반영된 정책이 **모두** 실선으로
# 표시됩니다. 여기서는 버킷 정책*과* 역할 자신의 자격 증명 기반 정책이 둘 다 업로드를 허용합니다. 동일 계정
# 안에서는 둘 중 하나만 허용해도 충분합니다(02번 노트북에서 다시 다룹니다). KMS에서는 키 정책이 역할을 지정하고
# 있고, 키 정책이 계정에 위임하므로 역할의 자격 증명 기반 정책도 함께 반영됩니다. 점선 상자는 검토했지만 결정에
# 반영되지 않은 정책입니다.
# 이번에는 같은 업로드를 암호화 헤더 **없이** 보내 봅니다:

# %%
SVG(decision_svg(probe.put("uploader", sse="none", key_form="none"),
                 "uploader: PutObject without encryption headers"))

# %% [markdown]
# 버킷 정책의 거부 문이 결정했고, S3는 KMS에 묻는 단계까지 가지도 않았습니다. 이 노트북들에서 거부된 요청은
# 모두 이렇게, 결정을 말로 풀어 쓴 설명과 AWS의 오류 메시지로 보여 줍니다:

# %%
print(probe.put("uploader", sse="none", key_form="none"))

# %% [markdown]
# 다음: `00a_primer.ipynb`는 앞으로 쓰일 용어(요청 컨텍스트, 정책 문, 평가 흐름, 봉투 암호화)를 10분 만에 익히는
# 입문편이고, 그다음은 `01_scenario_and_requirements.ipynb`(§1)입니다.
#
# ## 랩 멈추기

# %%
lab.stop()
print("stopped")
