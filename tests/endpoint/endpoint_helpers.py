"""Small helpers shared by the endpoint tests (imported by name: tests/endpoint is on sys.path)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from s3kms_lab.endpoint.errors import decode_explanation_header


def _root_conftest() -> Any:
    """tests/conftest.py by path: ``from conftest import ...`` can resolve to another folder's conftest
    when several test folders are collected in one run."""
    spec = importlib.util.spec_from_file_location("_s3kms_tests_conftest", Path(__file__).resolve().parents[1] / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_aws = _root_conftest().run_aws  # the AWS CLI (v1) against a lab, as a profile

BUCKET = "my-secure-bucket"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "ap-northeast-2"


def error_of(fn, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Call ``fn``, expect a ClientError, return its parsed response."""
    with pytest.raises(ClientError) as exc:
        fn(*args, **kwargs)
    return exc.value.response


def code_status(resp: dict[str, Any]) -> tuple[str, int]:
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"]


def explanation(resp: dict[str, Any]) -> str:
    """The lab's explanation header, decoded (RFC 8187 ``UTF-8''...`` when it is not ASCII)."""
    return decode_explanation_header(resp["ResponseMetadata"]["HTTPHeaders"].get("x-s3kms-lab-explanation", ""))


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def set_user_policy(lab, user: str, *statements: dict[str, Any], name: str = "TestPolicy") -> None:
    """Replace ``user``'s inline policies with one policy made of ``statements`` (as admin, through the lab)."""
    iam = lab.client("iam", "admin") if user != "outsider" else None
    if iam is None:  # the outsider lives in another account: write moto's state through the seam
        lab.state.iam(OTHER_ACCOUNT).users["outsider"].policies = {name: policy(*statements)}
        lab.state.forget_credentials()
        return
    for existing in iam.list_user_policies(UserName=user)["PolicyNames"]:
        iam.delete_user_policy(UserName=user, PolicyName=existing)
    if statements:
        iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=policy(*statements))


def set_role_policy(lab, role: str, *statements: dict[str, Any], name: str = "DataUploaderPolicy") -> None:
    iam = lab.client("iam", "admin")
    for existing in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=existing)
    if statements:
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=policy(*statements))


def kms_put(lab, profile: str, key: str, key_id: str | None = None, body: bytes = b"data",
            bucket: str = BUCKET) -> dict:
    """PutObject with ``ServerSideEncryption=aws:kms`` (and ``SSEKMSKeyId`` when given) as ``profile``."""
    args: dict[str, Any] = {"ServerSideEncryption": "aws:kms"}
    if key_id is not None:
        args["SSEKMSKeyId"] = key_id
    return lab.client("s3", profile).put_object(Bucket=bucket, Key=key, Body=body, **args)
