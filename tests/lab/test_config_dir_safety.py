"""`serve --config-dir DIR` / `Lab(config_dir=DIR)` keep secrets private (issue 10 item 11).

Rules as ssh applies them to ~/.ssh: the folder must be the user's own and not writable by group or others;
secret files are created 0600 from the start; a planted symbolic link is replaced, never written through.
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from s3kms_lab import Lab
from s3kms_lab.lab import UnsafeConfigDir
from s3kms_lab.lab.private_dir import prepare_private_dir, read_private, write_private


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777, 0o720, 0o702])
def test_a_group_or_world_writable_folder_is_refused(tmp_path, mode):
    d = tmp_path / "shared"
    d.mkdir()
    d.chmod(mode)
    with pytest.raises(UnsafeConfigDir, match="writable"):
        Lab("seed", config_dir=d).start()
    assert list(d.iterdir()) == []  # nothing written


def test_serve_refuses_a_world_writable_folder_with_exit_2(tmp_path):
    d = tmp_path / "shared"
    d.mkdir()
    d.chmod(0o777)
    p = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "serve", "--config-dir", str(d)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "writable" in p.stderr and "Traceback" not in p.stderr


def test_a_folder_that_is_a_symbolic_link_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(UnsafeConfigDir, match="symbolic link"):
        prepare_private_dir(tmp_path / "link")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a folder owned by another user")
def test_a_folder_owned_by_another_user_is_refused(tmp_path):
    d = tmp_path / "theirs"
    d.mkdir(mode=0o700)
    os.chown(d, 65534, 65534)  # nobody
    with pytest.raises(UnsafeConfigDir, match="owned by another user"):
        prepare_private_dir(d)


def test_a_new_folder_is_private(tmp_path):
    d = prepare_private_dir(tmp_path / "new" / "lab")
    assert stat.S_IMODE(d.stat().st_mode) == 0o700


@pytest.mark.parametrize("planted", ["credentials", "config", "trail.jsonl", "cli-cache"])
def test_planted_symbolic_links_are_replaced_not_followed(tmp_path, planted):
    d = tmp_path / "cfg"
    d.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.mkdir() if planted == "cli-cache" else victim.write_text("untouched")
    (d / planted).symlink_to(victim)
    with Lab("seed", config_dir=d) as lab:
        lab.client("sts", profile="admin").get_caller_identity()
        assert not (d / planted).is_symlink()
        if planted != "cli-cache":
            assert stat.S_IMODE((d / planted).stat().st_mode) == 0o600
    if planted == "cli-cache":
        assert list(victim.iterdir()) == []
    else:
        assert victim.read_text() == "untouched"


def test_secret_files_are_0600_from_creation(tmp_path, monkeypatch):
    """Even a permissive umask never exposes a secret file for a moment (it is created 0600, then renamed)."""
    old = os.umask(0)
    try:
        write_private(tmp_path / "credentials", "secret")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "credentials").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["credentials"]  # no temporary file left


def test_reading_through_a_symbolic_link_is_refused(tmp_path):
    (tmp_path / "elsewhere").write_text("export AWS_ENDPOINT_URL=http://evil\n")
    (tmp_path / "env.sh").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafeConfigDir):
        read_private(tmp_path / "env.sh")
