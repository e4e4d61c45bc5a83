"""`s3kms-lab serve` / `env` / `trail` as a learner runs them."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3


def _start(tmp_path: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-m", "s3kms_lab.cli", "serve", "--port", "0", "--config-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    env: dict[str, str] = {}
    deadline = time.time() + 30
    while time.time() < deadline and len(env) < 4:
        line = proc.stdout.readline()
        if line.startswith("export "):
            k, _, v = line[len("export "):].strip().partition("=")
            env[k] = v
    return proc, env


def test_serve_prints_exports_answers_and_stops_on_sigterm(tmp_path):
    proc, env = _start(tmp_path)
    try:
        assert set(env) == {"AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_DEFAULT_REGION"}
        assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:") and not env["AWS_ENDPOINT_URL"].endswith(":0")
        assert env["AWS_DEFAULT_REGION"] == "ap-northeast-2"
        os.environ.update({"AWS_CONFIG_FILE": env["AWS_CONFIG_FILE"], "AWS_SHARED_CREDENTIALS_FILE": env["AWS_SHARED_CREDENTIALS_FILE"]})
        sts = boto3.Session(profile_name="uploader").client("sts", endpoint_url=env["AWS_ENDPOINT_URL"])
        ident = sts.get_caller_identity()
        assert ident["Arn"] == "arn:aws:sts::123456789012:assumed-role/DataUploaderRole/uploader"
        again = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "env", "--config-dir", str(tmp_path)],
                               capture_output=True, text=True)
        assert f"export AWS_ENDPOINT_URL={env['AWS_ENDPOINT_URL']}" in again.stdout
        trail = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "trail", "--config-dir", str(tmp_path)],
                               capture_output=True, text=True)
        names = [json.loads(line)["eventName"] for line in trail.stdout.splitlines()]
        assert "AssumeRole" in names and "GetCallerIdentity" in names
    finally:
        for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            os.environ.pop(k, None)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "stopped" in out


def test_serve_refuses_a_non_loopback_host(tmp_path):
    p = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "serve", "--host", "0.0.0.0", "--config-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "loopback" in p.stderr


def _bad_scenario(tmp_path: Path) -> Path:
    import shutil
    src = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "seed"
    dst = tmp_path / "broken"
    shutil.copytree(src, dst)
    kp = dst / "key-policy.json"
    kp.write_text(kp.read_text().replace('"Version"', '"Versoin"'))
    return dst


def test_serve_and_check_refuse_a_scenario_with_a_malformed_policy(tmp_path):
    bad = _bad_scenario(tmp_path)
    p = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "serve", "--scenario", str(bad), "--config-dir",
                        str(tmp_path / "cfg")], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "MalformedPolicyDocumentException" in p.stderr and "key-policy.json" in p.stderr
    assert "Traceback" not in p.stderr
    c = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "check", "--scenario", str(bad)],
                       capture_output=True, text=True, timeout=120)
    assert c.returncode == 2 and "Traceback" not in c.stderr and "key-policy.json" in c.stderr


def test_serve_refuses_a_bad_port(tmp_path):
    p = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "serve", "--port", "-1", "--config-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "--port" in p.stderr and "Traceback" not in p.stderr


def test_a_second_serve_on_the_same_config_dir_is_refused(tmp_path):
    proc, env = _start(tmp_path)
    try:
        second = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "serve", "--port", "0", "--config-dir",
                                 str(tmp_path)], capture_output=True, text=True, timeout=30)
        assert second.returncode == 2 and "already serving" in second.stderr
        assert (tmp_path / "credentials").read_text()  # the running lab's files are untouched
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    gone = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "env", "--config-dir", str(tmp_path)],
                          capture_output=True, text=True)
    assert gone.returncode == 1


def test_env_says_a_killed_lab_is_gone(tmp_path):
    """After `kill -9` the lab cannot remove env.sh; `env` must notice the lab is dead (issue 10 item 14)."""
    proc, env = _start(tmp_path)
    alive = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "env", "--config-dir", str(tmp_path)],
                           capture_output=True, text=True, timeout=30)
    assert alive.returncode == 0 and f"export AWS_ENDPOINT_URL={env['AWS_ENDPOINT_URL']}" in alive.stdout
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    assert (tmp_path / "env.sh").exists()  # left behind by the killed lab
    dead = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "env", "--config-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=30)
    assert dead.returncode == 1 and dead.stdout == ""
    assert "no longer running" in dead.stderr and env["AWS_ENDPOINT_URL"] in dead.stderr


_CLEAN_PATH = "/usr/bin:/bin"  # no venv: `aws` must come from what the lab puts on PATH


def test_eval_env_then_the_posts_cli_command_works_on_a_clean_path(tmp_path):
    """`eval "$(s3kms-lab env ...)"` puts the lab's `aws` first on PATH and the role profile as default."""
    proc, env = _start(tmp_path / "lab")
    try:
        (tmp_path / "file.txt").write_text("hello\n")
        s3kms_lab = Path(sys.executable).parent / "s3kms-lab"
        script = (f'eval "$({s3kms_lab} env --config-dir {tmp_path / "lab"})" && '
                  "aws sts get-caller-identity --query Arn --output text && "
                  "aws s3 cp file.txt s3://my-secure-bucket/ --sse aws:kms --sse-kms-key-id "
                  "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
        done = subprocess.run(["/bin/sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env={"PATH": _CLEAN_PATH, "HOME": str(tmp_path)})
        assert done.returncode == 0, done.stderr
        assert "assumed-role/DataUploaderRole/uploader" in done.stdout and "upload: ./file.txt" in done.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


def test_shell_opens_a_shell_where_aws_reaches_the_lab(tmp_path):
    proc, env = _start(tmp_path / "lab")
    try:
        done = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "shell", "--config-dir", str(tmp_path / "lab")],
                              input="aws sts get-caller-identity --query Arn --output text\n", capture_output=True,
                              text=True, timeout=120,
                              env={"PATH": _CLEAN_PATH, "HOME": str(tmp_path), "SHELL": "/bin/sh"})
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "arn:aws:sts::123456789012:assumed-role/DataUploaderRole/uploader"
        assert "profile uploader" in done.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    gone = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "shell", "--config-dir", str(tmp_path / "lab")],
                          capture_output=True, text=True, timeout=30)
    assert gone.returncode == 1 and "no lab serves" in gone.stderr


def test_env_refuses_a_planted_link_without_a_traceback(tmp_path):
    (tmp_path / "elsewhere").write_text("export AWS_ENDPOINT_URL=http://evil.example\n")
    (tmp_path / "env.sh").symlink_to(tmp_path / "elsewhere")
    p = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "env", "--config-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "symbolic link" in p.stderr and "Traceback" not in p.stderr and p.stdout == ""


def test_a_reader_that_stops_early_gets_no_traceback():
    """`s3kms-lab check | head -1` (the reader gone before the output): the command stops quietly when its reader goes away (SIGPIPE/EPIPE)."""
    cmd = [str(Path(sys.executable).parent / "s3kms-lab"), "check", "--scenario", "seed"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader goes away before the report is written: every write meets EPIPE
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
