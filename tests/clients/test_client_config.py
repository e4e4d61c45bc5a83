"""``s3kms-lab env --format rclone``: the rclone remote it prints (checked without rclone installed; the
rclone tests run rclone with it). Option names from https://rclone.org/s3/."""
from __future__ import annotations

import configparser

import pytest

from s3kms_lab.cli import main
from s3kms_lab.client_config import parse_exports, rclone_config

EXPORTS = "export AWS_ENDPOINT_URL=http://127.0.0.1:5001\nexport AWS_DEFAULT_REGION=ap-northeast-2\n"


LAB_ENV = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5001", "AWS_DEFAULT_REGION": "ap-northeast-2",
           "AWS_PROFILE": "uploader"}


@pytest.fixture
def live_lab(monkeypatch):
    """`env` reads a live lab's variables (tests/lab checks how it finds one); here they are given."""
    import s3kms_lab.cli as cli
    monkeypatch.setattr(cli, "_lab_env_or_explain", lambda config_dir, profile: dict(LAB_ENV))


def test_the_printed_remote_is_an_s3_remote_for_the_lab(live_lab, tmp_path, capsys):
    assert main(["env", "--config-dir", str(tmp_path), "--format", "rclone"]) == 0
    conf = configparser.ConfigParser()
    conf.read_string(capsys.readouterr().out)
    assert dict(conf["lab"]) == {"type": "s3", "provider": "Other", "env_auth": "true",
                                 "endpoint": "http://127.0.0.1:5001", "region": "ap-northeast-2",
                                 "no_check_bucket": "true", "acl": ""}


def test_the_shell_format_prints_export_lines(live_lab, tmp_path, capsys):
    assert main(["env", "--config-dir", str(tmp_path)]) == 0
    assert parse_exports(capsys.readouterr().out) == LAB_ENV


def test_exports_are_read_and_a_missing_endpoint_is_an_error():
    assert parse_exports(EXPORTS + "# a comment\n") == {"AWS_ENDPOINT_URL": "http://127.0.0.1:5001",
                                                         "AWS_DEFAULT_REGION": "ap-northeast-2"}
    with pytest.raises(KeyError):
        rclone_config({"AWS_DEFAULT_REGION": "ap-northeast-2"})
