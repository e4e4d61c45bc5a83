"""Replay recipes for counterexamples: the AWS CLI commands (with the lab's profiles) and boto3 code,
plus :func:`replay`, which runs the boto3 recipe against a running :class:`~s3kms_lab.Lab`.

The boto3 recipe is kept as three code strings (setup, call, cleanup) that :func:`replay` executes as they
are, so what the tests replay is exactly what a learner reads. Setup uses the lab's ``admin`` profile for
bucket configuration and another key, and the scenario's own writer for objects and ciphertexts.
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from ..i18n import N_, _

__all__ = ["ReplayContext", "recipe", "replay", "describe", "path_recipe", "replay_path", "step_words"]


@dataclass
class ReplayContext:
    """What recipes need to know about the scenario: names, the key, and which profiles can do the setup.

    admin: profile for bucket encryption / creating another key; object_writer: a profile the check found
    able to write an SSE-KMS object under the key; ciphertext_writer: a profile able to call kms:Encrypt;
    baseline_encryption: the bucket's own default-encryption variant; encryption_rules: variant -> rule.
    """

    scenario: str
    bucket: str
    key_arn: str
    key_id: str
    alias: str
    account: str
    admin: str | None
    object_writer: str | None
    ciphertext_writer: str | None
    baseline_encryption: str
    encryption_rules: dict[str, Any]
    profiles: list[str]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ReplayContext":
        return cls(**d)


PROBE_KEY = "checker/probe.txt"
OBJECT_KEYS = {"sse-kms": "checker/sse-kms-object.txt", "sse-kms+bucket-key": "checker/sse-kms-bucket-key-object.txt",
               "sse-s3": "checker/sse-s3-object.txt"}


def _key_header(ctx: ReplayContext, variant: str | None) -> tuple[str | None, str | None]:
    """(value for the CLI, python expression for boto3) of the key-id header variant."""
    return {None: (None, None), "absent": (None, None),
            "key-id": (ctx.key_id, repr(ctx.key_id)), "key-arn": (ctx.key_arn, repr(ctx.key_arn)),
            "alias": (ctx.alias, repr(ctx.alias)), "other-key": ("$OTHER_KEY_ARN", "other_key_arn"),
            "aws/s3": ("alias/aws/s3", repr("alias/aws/s3"))}[variant]


# Default-encryption variants whose names are words (the others, SSE-S3, SSE-KMS..., are AWS's names).
_ENCRYPTION_WORDS = {"off": N_("off"), "as provisioned": N_("as provisioned"), "as changed": N_("as changed")}


def encryption_words(variant: Any) -> str:
    """A bucket default-encryption variant as a learner reads it (the variant itself stays the data)."""
    return _(_ENCRYPTION_WORDS[variant]) if variant in _ENCRYPTION_WORDS else str(variant)


# How an existing object of the universe was stored (GetObject counterexamples).
_STORED = {"sse-s3": N_("SSE-S3, stored before the bucket policy was in place"),
           "sse-kms": N_("SSE-KMS under the scenario key"),
           "sse-kms+bucket-key": N_("SSE-KMS under the scenario key with an S3 Bucket Key")}


def describe(req: dict[str, Any], ctx: ReplayContext) -> str:
    """The request in words."""
    who = (_("{principal} as {identity}").format(principal=req["principal"], identity=req["identity"])
           if req.get("identity") else req["principal"])
    kind = req["kind"]
    st = "true" if req.get("secure_transport") else "false"
    if kind in ("put", "multipart"):
        sse = req.get("sse", "absent")
        parts = [_("no SSE header") if sse == "absent" else f"x-amz-server-side-encryption: {sse}"]
        kv, _py = _key_header(ctx, req.get("kms_key_id"))
        if sse.startswith("aws:kms"):
            parts.append(_("no key-id header") if kv is None else
                         _("key-id header {value} ({variant})").format(value=kv, variant=req.get("kms_key_id")))
        what = "PutObject" if kind == "put" else \
            _("multipart upload (CreateMultipartUpload, UploadPart, CompleteMultipartUpload)")
        return _("{who}: {what} {object} with {headers}; bucket default encryption {default_encryption}; "
                 "aws:SecureTransport {secure_transport}").format(
            who=who, what=what, object=f"s3://{ctx.bucket}/{PROBE_KEY}", headers=", ".join(parts),
            default_encryption=encryption_words(req.get("default_encryption")), secure_transport=st)
    if kind == "delete":
        return f"{who}: DeleteObject s3://{ctx.bucket}/{OBJECT_KEYS[req.get('object', 'sse-kms')]}; aws:SecureTransport {st}"
    if kind == "get":
        obj = req.get("object", "sse-kms")
        how = _(_STORED[obj]) if obj in _STORED else obj
        return _("{who}: GetObject {object} (stored {how}); aws:SecureTransport {secure_transport}").format(
            who=who, object=f"s3://{ctx.bucket}/{OBJECT_KEYS[obj]}", how=how, secure_transport=st)
    ec = req.get("encryption_context")
    if ec is not None:
        return _("{who}: kms:{operation} directly on {key} with encryption context {context}; "
                 "aws:SecureTransport {secure_transport}").format(
            who=who, operation=req["operation"], key=ctx.key_arn, context=json.dumps(ec, sort_keys=True),
            secure_transport=st)
    return _("{who}: kms:{operation} directly on {key}; aws:SecureTransport {secure_transport}").format(
        who=who, operation=req["operation"], key=ctx.key_arn, secure_transport=st)


def _profile_flag(who: str) -> str:
    return "--no-sign-request" if who == "anonymous" else f"--profile {who}"


def _client(service: str, who: str) -> str:
    if who == "anonymous":
        return (f"boto3.client({service!r}, endpoint_url=lab.endpoint_url, region_name=lab.region, "
                f"config=Config(signature_version=UNSIGNED))")
    return f"lab.client({service!r}, profile={who!r})"


def recipe(req: dict[str, Any], ctx: ReplayContext, actor: dict[str, str] | None = None) -> dict[str, Any]:
    """CLI commands and boto3 code that make this request against a running lab of the scenario.

    actor: how to call as an identity obtained on an escalation path ({"cli": "<aws command prefix>",
    "py": "<boto3 client expression with {service}>"}); default: the principal's own lab profile."""
    who = req["principal"]
    kind = req["kind"]
    aws = actor["cli"] if actor else f"aws {_profile_flag(who)}"

    def client(service: str) -> str:
        return actor["py"].format(service=service) if actor else _client(service, who)
    cli_setup: list[str] = []
    cli: list[str] = []
    cli_cleanup: list[str] = []
    py_setup: list[str] = ["import boto3", "from botocore import UNSIGNED", "from botocore.config import Config"]
    py_call: list[str] = []
    py_cleanup: list[str] = []
    notes: list[str] = []
    replayable = True
    admin = ctx.admin or "admin"
    if who not in ctx.profiles and who != "anonymous" and actor is None:
        replayable = False
        notes.append(_("{principal} has no lab profile").format(principal=who))
    if req.get("secure_transport"):
        replayable = False
        notes.append(_("the request is made with aws:SecureTransport=true (HTTPS); the lab endpoint speaks plain "
                       "HTTP, so there the same request is decided with aws:SecureTransport=false"))
    b = ctx.bucket
    if kind in ("put", "multipart"):
        enc = req.get("default_encryption")
        if enc and enc != ctx.baseline_encryption:
            set_cli, set_py = _encryption_commands(admin, b, ctx.encryption_rules.get(enc))
            back_cli, back_py = _encryption_commands(admin, b, ctx.encryption_rules.get(ctx.baseline_encryption))
            cli_setup.append(set_cli)
            py_setup.append(set_py)
            cli_cleanup.append(back_cli)
            py_cleanup.append(back_py)
        kid = req.get("kms_key_id")
        if kid == "other-key":
            cli_setup.append(f"OTHER_KEY_ARN=$(aws --profile {admin} kms create-key --query KeyMetadata.Arn --output text)")
            py_setup.append(f"other_key_arn = lab.client('kms', profile={admin!r}).create_key()['KeyMetadata']['Arn']")
        if kid == "aws/s3":
            cli_setup.append("# " + _("the lab creates the AWS managed key aws/s3 on its first use, as S3 does: "
                                      "{command}").format(
                command=f"aws --profile {admin} s3api put-object --bucket {b} --key checker/aws-s3.txt "
                        f"--server-side-encryption aws:kms"))
            py_setup.append("lab.app.authorizer.aws_managed_s3_key(lab.account)  # "
                            + _("S3 creates aws/s3 on first use"))
        sse = req.get("sse", "absent")
        cli_args, py_args = "", ""
        if sse != "absent":
            cli_args += f" --server-side-encryption {sse}"
            py_args += f", ServerSideEncryption={sse!r}"
        kv, kpy = _key_header(ctx, kid)
        if kv is not None:
            cli_args += f' --ssekms-key-id "{kv}"' if kv.startswith("$") else f" --ssekms-key-id {kv}"
            py_args += f", SSEKMSKeyId={kpy}"
        py_call.append(f"s3 = {client('s3')}")
        if kind == "put":
            cli_setup.append("echo hello > probe.txt")
            cli.append(f"{aws} s3api put-object --bucket {b} --key {PROBE_KEY} --body probe.txt{cli_args}")
            py_call.append(f"s3.put_object(Bucket={b!r}, Key={PROBE_KEY!r}, Body=b'hello'{py_args})")
        else:
            cli_setup.append("echo hello > part1.bin")
            cli.append(f"UPLOAD_ID=$({aws} s3api create-multipart-upload --bucket {b} --key {PROBE_KEY}{cli_args} "
                       f"--query UploadId --output text)")
            cli.append(f"ETAG=$({aws} s3api upload-part --bucket {b} --key {PROBE_KEY} --upload-id \"$UPLOAD_ID\" "
                       f"--part-number 1 --body part1.bin --query ETag --output text)")
            cli.append(f"{aws} s3api complete-multipart-upload --bucket {b} --key {PROBE_KEY} --upload-id \"$UPLOAD_ID\" "
                       "--multipart-upload \"{\\\"Parts\\\":[{\\\"PartNumber\\\":1,\\\"ETag\\\":$ETAG}]}\"")
            py_call.append(f"up = s3.create_multipart_upload(Bucket={b!r}, Key={PROBE_KEY!r}{py_args})")
            py_call.append(f"part = s3.upload_part(Bucket={b!r}, Key={PROBE_KEY!r}, UploadId=up['UploadId'], "
                           "PartNumber=1, Body=b'hello')")
            py_call.append(f"s3.complete_multipart_upload(Bucket={b!r}, Key={PROBE_KEY!r}, UploadId=up['UploadId'], "
                           "MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})")
    elif kind == "delete":
        key = OBJECT_KEYS[req.get("object", "sse-kms")]
        writer = ctx.object_writer or admin
        if ctx.object_writer is None:
            notes.append(_("no profile of this scenario may write the object; it is put in place as the lab operator"))
        cli_setup.append("echo hello > object.txt")
        cli_setup.append(f"aws --profile {writer} s3api put-object --bucket {b} --key {key} --body object.txt "
                         f"--server-side-encryption aws:kms --ssekms-key-id {ctx.key_arn}")
        py_setup.append(f"lab.client('s3', profile={writer!r}).put_object(Bucket={b!r}, Key={key!r}, Body=b'hello', "
                        f"ServerSideEncryption='aws:kms', SSEKMSKeyId={ctx.key_arn!r})")
        cli.append(f"{aws} s3api delete-object --bucket {b} --key {key}")
        py_call.append(f"{client('s3')}.delete_object(Bucket={b!r}, Key={key!r})")
    elif kind == "get":
        obj = req.get("object", "sse-kms")
        key = OBJECT_KEYS[obj]
        bk = obj.endswith("bucket-key")
        writer = ctx.object_writer
        cli_setup.append("echo hello > object.txt")
        if obj == "sse-s3":
            replayable = False
            notes.append(_("the scenario's policies do not let anyone store an SSE-S3 object; the checker puts one in "
                           "place as the lab operator (an object from before the policy). To replay, store it while "
                           "the bucket policy is removed"))
            writer = admin
            cli_setup.append(f"aws --profile {writer} s3api put-object --bucket {b} --key {key} --body object.txt "
                             "--server-side-encryption AES256")
            py_setup.append(f"lab.client('s3', profile={writer!r}).put_object(Bucket={b!r}, Key={key!r}, Body=b'hello', "
                            "ServerSideEncryption='AES256')")
        else:
            if writer is None:
                replayable = False
                notes.append(_("no profile of this scenario may write the object; create it as the lab operator"))
                writer = admin
            cli_setup.append(f"aws --profile {writer} s3api put-object --bucket {b} --key {key} --body object.txt "
                             f"--server-side-encryption aws:kms --ssekms-key-id {ctx.key_arn}" +
                             (" --bucket-key-enabled" if bk else ""))
            py_setup.append(f"lab.client('s3', profile={writer!r}).put_object(Bucket={b!r}, Key={key!r}, Body=b'hello', "
                            f"ServerSideEncryption='aws:kms', SSEKMSKeyId={ctx.key_arn!r}" +
                            (", BucketKeyEnabled=True)" if bk else ")"))
        cli.append(f"{aws} s3api get-object --bucket {b} --key {key} downloaded.txt")
        py_call.append(f"{client('s3')}.get_object(Bucket={b!r}, Key={key!r})['Body'].read()")
    else:
        op = req["operation"]
        k = ctx.key_arn
        ec = req.get("encryption_context")
        # the caller chooses the encryption context: the same one for the ciphertext and the call
        ec_text = json.dumps(ec, sort_keys=True) if ec is not None else ""
        ec_cli = f" --encryption-context '{ec_text}'" if ec is not None else ""
        ec_py = f", EncryptionContext={ec!r}" if ec is not None else ""
        re_cli = (f" --source-encryption-context '{ec_text}' --destination-encryption-context '{ec_text}'"
                  if ec is not None else "")
        re_py = f", SourceEncryptionContext={ec!r}, DestinationEncryptionContext={ec!r}" if ec is not None else ""
        if op in ("Decrypt", "ReEncrypt"):
            w = ctx.ciphertext_writer
            if w is None:
                replayable = False
                notes.append(_("no profile of this scenario may encrypt under the key to make a ciphertext"))
                w = admin
            cli_setup.append(f"aws --profile {w} kms encrypt --key-id {k} --plaintext hello{ec_cli} "
                             "--query CiphertextBlob --output text | base64 -d > ciphertext.bin")
            py_setup.append(f"blob = lab.client('kms', profile={w!r}).encrypt(KeyId={k!r}, Plaintext=b'hello'{ec_py})"
                            "['CiphertextBlob']")
        kms = client("kms")
        if op == "Encrypt":
            cli.append(f"{aws} kms encrypt --key-id {k} --plaintext hello{ec_cli}")
            py_call.append(f"{kms}.encrypt(KeyId={k!r}, Plaintext=b'hello'{ec_py})")
        elif op == "GenerateDataKey":
            cli.append(f"{aws} kms generate-data-key --key-id {k} --key-spec AES_256{ec_cli}")
            py_call.append(f"{kms}.generate_data_key(KeyId={k!r}, KeySpec='AES_256'{ec_py})")
        elif op == "Decrypt":
            cli.append(f"{aws} kms decrypt --key-id {k} --ciphertext-blob fileb://ciphertext.bin{ec_cli}")
            py_call.append(f"{kms}.decrypt(CiphertextBlob=blob, KeyId={k!r}{ec_py})")
        else:
            cli.append(f"{aws} kms re-encrypt --ciphertext-blob fileb://ciphertext.bin --destination-key-id {k}{re_cli}")
            py_call.append(f"{kms}.re_encrypt(CiphertextBlob=blob, DestinationKeyId={k!r}{re_py})")
    setup, call, cleanup = "\n".join(py_setup), "\n".join(py_call), "\n".join(py_cleanup)
    boto3_text = (f"from s3kms_lab import Lab\nwith Lab({ctx.scenario!r}) as lab:\n" +
                  "\n".join("    " + line for line in (py_setup + py_call + py_cleanup)))
    return {"profile": who if who in ctx.profiles else None, "replayable": replayable, "note": "; ".join(notes),
            "cli": cli_setup + cli + cli_cleanup, "cli_call": cli, "boto3": boto3_text,
            "boto3_setup": setup, "boto3_call": call, "boto3_cleanup": cleanup}


def replay(lab: Any, replay_recipe: dict[str, Any], env: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run a counterexample's boto3 recipe against a running lab.

    Returns {"decision": "allowed" | "denied" | "error", "code", "status", "message", "explanation"}:
    ``denied`` for AccessDenied/AccessDeniedException, ``error`` for any other client error.
    """
    from botocore.exceptions import ClientError

    env = env if env is not None else {"lab": lab}
    exec(replay_recipe["boto3_setup"], env)  # noqa: S102 - the recipe is generated above
    try:
        exec(replay_recipe["boto3_call"], env)  # noqa: S102
        return {"decision": "allowed", "code": None, "status": 200, "message": "", "explanation": ""}
    except ClientError as err:
        from ..lab.show import explanation_of_response  # the header is RFC 8187-encoded for non-ASCII text
        resp = err.response
        code = resp.get("Error", {}).get("Code")
        return {"decision": "denied" if code in ("AccessDenied", "AccessDeniedException") else "error",
                "code": code, "status": resp.get("ResponseMetadata", {}).get("HTTPStatusCode"),
                "message": resp.get("Error", {}).get("Message", ""),
                "explanation": explanation_of_response(resp)}
    finally:
        if replay_recipe.get("boto3_cleanup"):
            exec(replay_recipe["boto3_cleanup"], env)  # noqa: S102


def _encryption_commands(admin: str, bucket: str, rule: dict | None) -> tuple[str, str]:
    """(AWS CLI, boto3) lines that set the bucket's default encryption to ``rule``, or remove it when None."""
    if rule is None:
        return (f"aws --profile {admin} s3api delete-bucket-encryption --bucket {bucket}",
                f"lab.client('s3', profile={admin!r}).delete_bucket_encryption(Bucket={bucket!r})")
    conf = json.dumps(rule, separators=(",", ":"))
    return (f"aws --profile {admin} s3api put-bucket-encryption --bucket {bucket} "
            f"--server-side-encryption-configuration '{conf}'",
            f"lab.client('s3', profile={admin!r}).put_bucket_encryption(Bucket={bucket!r}, "
            f"ServerSideEncryptionConfiguration={rule!r})")


# ---------------------------------------------------------------------- escalation paths
_CREDENTIALS = {"AssumeRole": ("Credentials", ("AccessKeyId", "SecretAccessKey", "SessionToken")),
                "CreateAccessKey": ("AccessKey", ("AccessKeyId", "SecretAccessKey"))}


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _cli_value(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(shlex.quote(str(v)) for v in value)
    if isinstance(value, dict):
        return shlex.quote(json.dumps(value, separators=(",", ":")))
    return shlex.quote(str(value))


def step_words(step: dict[str, Any]) -> str:
    """A path step in words: who, which call, on what, which statement allowed it."""
    allowed = "; ".join(step.get("allowed_by", []))
    if step.get("gains"):
        return _("{actor} calls {action} on {target}, and from then on acts as {identity} (allowed: {allowed})").format(
            actor=step["actor"], action=step["action"], target=step["target"], identity=step["gains"], allowed=allowed)
    return _("{actor} calls {action} on {target} (allowed: {allowed})").format(
        actor=step["actor"], action=step["action"], target=step["target"], allowed=allowed)


def path_recipe(steps: list[dict[str, Any]], final: dict[str, Any], ctx: ReplayContext) -> dict[str, Any]:
    """CLI commands and boto3 code for an escalation path: each state-changing call in order, then the
    violating request (``final``: a probe dict whose ``identity`` may name an identity obtained on the path).

    Returns {"steps": [{"words", "cli", "boto3"}], "final": recipe(...), "cli": [...], "boto3": "...",
    "replayable", "note"}. Identities obtained on the path (a role session, a new access key) are kept in
    shell variables / a dict of boto3 client arguments named after the step that obtained them.
    """
    actors: dict[str, dict[str, str]] = {}
    out_steps = []
    notes: list[str] = []
    replayable = True
    for i, st in enumerate(steps, 1):
        who = st["actor"]
        if who in actors:
            aws, client = actors[who]["cli"], actors[who]["py"]
        else:
            if who not in ctx.profiles and who != "anonymous":
                replayable = False
                notes.append(_("{principal} has no lab profile").format(principal=who))
            aws, client = f"aws {_profile_flag(who)}", _client_template(who)
        service, operation = st["action"].split(":")
        cli_service = "s3api" if service == "s3" else service
        args = " ".join(f"--{_kebab(k)} {_cli_value(v)}" for k, v in st["params"].items())
        kwargs = ", ".join(f"{k}={v!r}" for k, v in st["params"].items())
        call_cli = f"{aws} {cli_service} {_kebab(operation)} {args}".rstrip()
        call_py = f"{client.format(service=service)}.{_snake(operation)}({kwargs})"
        cli_lines = [call_cli]
        py_lines = [call_py]
        if operation in _CREDENTIALS and st.get("gains"):
            field, names = _CREDENTIALS[operation]
            var = f"ID{i}"
            query = "[" + ",".join(f"{field}.{n}" for n in names) + "]"
            shell_vars = [f"{var}_{n}" for n in ("AK", "SK", "ST")[:len(names)]]
            cli_lines = [f"read -r {' '.join(shell_vars)} <<< \"$({call_cli} --query '{query}' --output text)\""]
            py_lines = [f"{var.lower()} = {call_py}[{field!r}]"]
            env = f"AWS_ACCESS_KEY_ID=${shell_vars[0]} AWS_SECRET_ACCESS_KEY=${shell_vars[1]}" + \
                (f" AWS_SESSION_TOKEN=${shell_vars[2]}" if len(shell_vars) > 2 else "")
            token = f", aws_session_token={var.lower()}['SessionToken']" if len(names) > 2 else ""
            actors[st["gains"]] = {
                "cli": f"env -u AWS_PROFILE {env} aws",
                "py": (f"boto3.client('{{service}}', endpoint_url=lab.endpoint_url, region_name=lab.region, "
                       f"aws_access_key_id={var.lower()}['AccessKeyId'], "
                       f"aws_secret_access_key={var.lower()}['SecretAccessKey']{token})")}
        out_steps.append({"words": step_words(st), "cli": cli_lines, "boto3": "\n".join(py_lines)})
    identity = final.get("identity")
    final_recipe = recipe(final, ctx, actors.get(identity) if identity else None)
    if not final_recipe["replayable"]:
        replayable = False
        notes.append(final_recipe["note"])
    # the final request's setup (objects, ciphertexts) happens before the path changes anything
    call_cli = final_recipe["cli_call"]
    n_setup = final_recipe["cli"].index(call_cli[0]) if call_cli else len(final_recipe["cli"])
    cli = (final_recipe["cli"][:n_setup] + [c for s in out_steps for c in s["cli"]] +
           final_recipe["cli"][n_setup:])
    py = ([final_recipe["boto3_setup"]] + [s["boto3"] for s in out_steps] + [final_recipe["boto3_call"]] +
          ([final_recipe["boto3_cleanup"]] if final_recipe["boto3_cleanup"] else []))
    boto3_text = (f"from s3kms_lab import Lab\nwith Lab({ctx.scenario!r}) as lab:\n" +
                  "\n".join("    " + line for block in py for line in block.splitlines()))
    return {"profile": steps[0]["actor"] if steps else final["principal"], "replayable": replayable,
            "note": "; ".join(n for n in notes if n), "steps": out_steps, "final": final_recipe, "cli": cli,
            "boto3": boto3_text}


def _client_template(who: str) -> str:
    if who == "anonymous":
        return ("boto3.client('{service}', endpoint_url=lab.endpoint_url, region_name=lab.region, "
                "config=Config(signature_version=UNSIGNED))")
    return f"lab.client('{{service}}', profile={who!r})"


def replay_path(lab: Any, path: dict[str, Any]) -> dict[str, Any]:
    """Run an escalation path's boto3 recipe against a running lab: the final request's setup, then each
    state-changing call (each must succeed), then the final request.

    Returns {"steps": [{"ok": bool, "error": str}], "final": <replay() result>}. Stops at the first step that
    fails (its entry says why); the lab keeps the state the path left, as AWS would.
    """
    from botocore.exceptions import ClientError

    final = path["final"]
    env: dict[str, Any] = {"lab": lab}
    exec(final["boto3_setup"], env)  # noqa: S102 - the recipe is generated above
    results = []
    for st in path["steps"]:
        try:
            exec(st["boto3"], env)  # noqa: S102
            results.append({"ok": True, "error": ""})
        except ClientError as err:
            e = err.response.get("Error", {})
            results.append({"ok": False, "error": f"{e.get('Code')}: {e.get('Message')}"})
            return {"steps": results, "final": None}
    got = replay(lab, {"boto3_setup": "", "boto3_call": final["boto3_call"],
                       "boto3_cleanup": final.get("boto3_cleanup", "")}, env)
    return {"steps": results, "final": got}
