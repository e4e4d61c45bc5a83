"""The request planner: one parsed call -> the authorization steps AWS makes for it, in order.

Each row plans a call (nothing is sent) and lists the actions of its steps. Sources: rules SSE-1 to SSE-5,
KMS-6, STS-2, STS-3 of docs/aws-rules.md (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html,
https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required).
"""
from __future__ import annotations

import ast
import base64
from pathlib import Path

import pytest

from endpoint_helpers import ACCOUNT, BUCKET, REGION
from s3kms_lab.endpoint.auth import caller_for
from s3kms_lab.endpoint.decide import Call
from s3kms_lab.endpoint.errors import AwsError
from s3kms_lab.endpoint.planner import plan

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/DataUploaderRole"
SSE = {"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}


@pytest.fixture(scope="module")
def planned(lab):
    """plan(call) as ``admin`` (an SSE-KMS object exists at planner/kms.txt)."""
    lab.client("s3", "admin").put_object(Bucket=BUCKET, Key="planner/kms.txt", Body=b"x",
                                         ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ARN)
    blob = lab.client("kms", "admin").encrypt(KeyId=KEY_ARN, Plaintext=b"p")["CiphertextBlob"]
    cred = lab.state.find_credential(lab.session("admin").get_credentials().access_key)

    def run(service: str, operation: str, **kw):
        params = kw.pop("params", {})
        params = {k: (base64.b64encode(blob).decode() if v == "<blob>" else v) for k, v in params.items()}
        call = Call(service, operation, caller_for(cred), cred, params=params, region=REGION, **kw)
        with lab.app.lock:
            return plan(call, lab.app.authorizer)
    return run


ROWS = [
    # (what, service, operation, call fields, actions of the steps in order[, action of the first denied step])
    ("SSE-KMS upload: S3 asks KMS for a data key as the caller", "s3", "PutObject",
     dict(bucket=BUCKET, key="planner/new.txt", headers=SSE), ["s3:PutObject", "kms:GenerateDataKey"]),
    ("SSE-KMS download: S3 unwraps the object's data key", "s3", "GetObject",
     dict(bucket=BUCKET, key="planner/kms.txt"), ["s3:GetObject", "kms:Decrypt"]),
    ("HeadObject makes no KMS call", "s3", "HeadObject",
     dict(bucket=BUCKET, key="planner/kms.txt"), ["s3:GetObject"]),
    ("CopyObject reads the source (and its key), then writes the destination", "s3", "CopyObject",
     dict(bucket=BUCKET, key="planner/copy.txt", headers={**SSE, "x-amz-copy-source": f"/{BUCKET}/planner/kms.txt"}),
     ["s3:PutObject", "s3:GetObject", "kms:Decrypt", "kms:GenerateDataKey"]),
    ("ListObjectsV2 is s3:ListBucket on the bucket", "s3", "ListObjectsV2", dict(bucket=BUCKET), ["s3:ListBucket"]),
    ("ReEncrypt needs ReEncryptFrom on the source and ReEncryptTo on the destination", "kms", "ReEncrypt",
     dict(params={"CiphertextBlob": "<blob>", "DestinationKeyId": KEY_ARN}), ["kms:ReEncryptFrom", "kms:ReEncryptTo"]),
    ("Decrypt finds its key from the ciphertext", "kms", "Decrypt", dict(params={"CiphertextBlob": "<blob>"}),
     ["kms:Decrypt"]),
    ("session tags need sts:TagSession too", "sts", "AssumeRole",
     dict(params={"RoleArn": ROLE_ARN, "RoleSessionName": "s", "Tags.member.1.Key": "team",
                  "Tags.member.1.Value": "data"}), ["sts:AssumeRole", "sts:TagSession"],
     "sts:TagSession"),  # the seed role's trust policy allows sts:AssumeRole only
    ("GetCallerIdentity needs no permission", "sts", "GetCallerIdentity", {}, []),
]


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_plan_lists_the_steps_aws_authorizes(planned, row):
    _what, service, operation, fields, actions, *denied_action = row
    p = planned(service, operation, **fields)
    assert [s.request.action for s in p.steps] == actions
    denied = p.decide()  # admin is allowed s3:*, kms:*, sts:* by identity policy; trust policies still decide
    assert (denied.request.action if denied is not None else None) == (denied_action or [None])[0]


def test_sse_kms_plan_carries_key_context_and_effects(planned):
    p = planned("s3", "PutObject", bucket=BUCKET, key="planner/new.txt", headers=SSE)
    assert (p.sse.algorithm, p.sse.key_arn, p.sse.context) == ("aws:kms", KEY_ARN,
                                                               {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/planner/new.txt"})
    kms_step = p.steps[1]
    assert kms_step.via_s3 and kms_step.request.context["kms:viaservice"] == [f"s3.{REGION}.amazonaws.com"]
    assert p.environ["HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_AWS_KMS_KEY_ID"] == KEY_ARN
    assert p.before is not None and p.after is not None


def test_unknown_sse_kms_key_is_refused_before_authorizing(planned):
    p = planned("s3", "PutObject", bucket=BUCKET, key="planner/x.txt",
                headers={"x-amz-server-side-encryption": "aws:kms",
                         "x-amz-server-side-encryption-aws-kms-key-id": "alias/no-such-key"})
    assert p.refusal is not None and p.refusal.code == "KMS.NotFoundException"


def test_unmodelled_operation_is_refused(planned):
    with pytest.raises(AwsError) as err:
        planned("s3", "PutBucketLifecycleConfiguration", bucket=BUCKET)
    assert (err.value.code, err.value.status) == ("NotImplemented", 501)


def test_iam_policy_arn_condition_key_comes_from_the_policyarn_parameter(planned):
    """iam:PolicyARN is read from IAM's ``PolicyArn`` parameter
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_policyarn)."""
    arn = f"arn:aws:iam::{ACCOUNT}:policy/P"
    p = planned("iam", "AttachRolePolicy", params={"RoleName": "DataUploaderRole", "PolicyArn": arn})
    assert p.steps[0].request.context["iam:policyarn"] == [arn]


def test_only_the_seam_imports_moto():
    """Every read or write of moto's state goes through endpoint/moto_seam.py. lab/lab.py still imports
    moto's WSGI request handler to serve the endpoint (it touches no state)."""
    root = Path(__file__).resolve().parents[2] / "s3kms_lab"
    allowed = {"endpoint/moto_seam.py", "lab/lab.py"}
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            if any(n == "moto" or n.startswith("moto.") for n in names) and rel not in allowed:
                offenders.append(rel)
    assert offenders == []
