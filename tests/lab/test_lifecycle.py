"""Lab lifecycle: what it leaves behind, where it may listen, and the errors it raises (issue 10 items 12-13)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

from s3kms_lab import Lab
from s3kms_lab.lab import LabError, LabHostError, LabPortInUse


def test_a_lab_made_folder_is_removed_on_stop_and_at_the_end_of_with():
    lab = Lab("seed").start()
    made = lab.config_dir
    assert (made / "credentials").is_file()
    lab.stop()
    assert not made.exists()
    with Lab("seed") as lab:
        made = lab.config_dir
        assert (made / "config").is_file()
    assert not made.exists()


def test_a_lab_made_folder_is_removed_when_python_exits_without_stop(tmp_path):
    script = textwrap.dedent("""
        from s3kms_lab import Lab
        lab = Lab("seed").start()
        print(lab.config_dir, flush=True)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    made = done.stdout.strip()
    assert made and not os.path.exists(made)


def test_a_folder_the_user_named_keeps_the_trail_and_loses_the_secrets(tmp_path):
    with Lab("seed", config_dir=tmp_path / "mine") as lab:
        lab.client("sts", profile="admin").get_caller_identity()
    kept = sorted(p.name for p in (tmp_path / "mine").iterdir())
    assert kept == ["trail.jsonl"]
    assert "GetCallerIdentity" in (tmp_path / "mine" / "trail.jsonl").read_text()


def test_a_lab_never_started_leaves_nothing():
    lab = Lab("seed")
    assert lab.config_dir is None
    with pytest.raises(LabError, match="not started"):
        lab.env()


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "[2001:db8::1]"])
def test_a_non_loopback_address_is_refused_at_once(host):
    with pytest.raises(LabHostError, match="loopback"):
        Lab("seed", host=host)


@pytest.mark.parametrize("host", [
    "127.attacker.example",   # looks like loopback as text (RFC 2606 .example: no real answer)
    "no-such-host.invalid",   # RFC 6761: .invalid never resolves
])
def test_a_host_is_judged_by_what_it_resolves_to(host):
    lab = Lab("seed", host=host)
    with pytest.raises(LabHostError, match="does not resolve|not a loopback"):
        lab.start()
    assert not lab.running and lab.config_dir is None  # refused before anything was made


def test_a_name_resolving_outside_loopback_is_refused(monkeypatch):
    """A name whose text starts with 127. but resolves to a routable address (a hostile DNS answer)."""
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "127.attacker.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.7", 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(LabHostError, match="203.0.113.7"):
        Lab("seed", host="127.attacker.example").start()


def test_localhost_resolves_and_the_lab_binds_the_resolved_address():
    with Lab("seed", host="localhost") as lab:
        assert lab.host in ("127.0.0.1", "::1")
        assert lab.client("sts", profile="admin").get_caller_identity()["Account"] == lab.account


def test_a_taken_port_raises_lab_port_in_use_not_system_exit():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        lab = Lab("seed", port=port)
        with pytest.raises(LabPortInUse) as info:
            lab.start()
    assert str(port) in str(info.value) and isinstance(info.value, OSError)
    assert not lab.running and lab.config_dir is None


def test_starting_a_second_lab_stops_the_first_and_gives_a_fresh_one():
    """Re-running a notebook's setup cell: the new lab replaces the old one (moto's state is per process)."""
    first = Lab("seed").start()
    s3 = first.client("s3", profile="admin")
    s3.put_object(Bucket="my-secure-bucket", Key="old.txt", Body=b"x", ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=first.key_arn)
    first_dir = first.config_dir
    second = Lab("seed").start()
    try:
        assert not first.running and not first_dir.exists()
        keys = second.client("s3", profile="admin").list_objects_v2(Bucket="my-secure-bucket").get("Contents", [])
        assert "old.txt" not in [k["Key"] for k in keys]
    finally:
        second.stop()
