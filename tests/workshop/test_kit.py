"""The workshop kit (workshop/) without Docker or Kubernetes: the Zero-to-JupyterHub config uses only keys the
chart documents, its memory numbers are the ones derived from the measurement, the guide's capacity table is
the derived one, the nbgitpuller link has nbgitpuller's documented form, the one-machine hub config loads.

Chart values: jupyterhub/values.yaml of jupyterhub/zero-to-jupyterhub-k8s, as key paths in
workshop/z2jh-chart-keys.txt (tools/z2jh_chart_keys.py). Reference: https://z2jh.jupyter.org/en/stable/resources/reference.html
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

KIT = Path(__file__).resolve().parents[2] / "workshop"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, KIT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


capacity = _module("capacity")
nbgitpuller_link = _module("nbgitpuller_link")


def chart_keys() -> set[str]:
    lines = (KIT / "z2jh-chart-keys.txt").read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def key_paths(values: dict, prefix: str = "") -> list[str]:
    paths = []
    for key, value in values.items():
        paths.append(prefix + key)
        if isinstance(value, dict):
            paths.extend(key_paths(value, prefix + key + "."))
    return paths


def documented(path: str, keys: set[str]) -> bool:
    """A path the chart lists, or one inside a mapping the chart leaves free-form (``prefix.*``).
    hub.config is free-form by the chart's documentation: it is traitlets configuration for any class."""
    parts = path.split(".")
    free_form = {k[:-2] for k in keys if k.endswith(".*")} | {"hub.config"}
    return path in keys or any(".".join(parts[:i]) in free_form for i in range(1, len(parts)))


def test_key_list_is_the_charts():
    keys = chart_keys()
    assert {"singleuser.memory.guarantee", "singleuser.memory.limit", "cull.enabled", "cull.timeout",
            "singleuser.image.name", "hub.extraConfig.*"} <= keys
    assert len(keys) > 300


def test_config_uses_only_documented_keys():
    config = yaml.safe_load((KIT / "config.yaml").read_text(encoding="utf-8"))
    keys = chart_keys()
    unknown = [path for path in key_paths(config) if not documented(path, keys)]
    assert unknown == []


@pytest.mark.parametrize("path", ["singleuser.memory.gurantee", "cull.timout", "singleuser.imag.name"])
def test_a_misspelt_key_is_caught(path):
    assert not documented(path, chart_keys())


def test_config_sizes_and_culls_from_the_measurement():
    config = yaml.safe_load((KIT / "config.yaml").read_text(encoding="utf-8"))
    assert config["singleuser"]["memory"] == {"guarantee": f"{capacity.guarantee_mib()}M",
                                              "limit": f"{capacity.limit_mib()}M"}
    assert capacity.guarantee_mib() >= capacity.measured()["pss_mib_max"]
    assert config["cull"]["enabled"] is True and config["cull"]["timeout"] > 0
    assert config["singleuser"]["cpu"]["guarantee"] == 1 / capacity.LEARNERS_PER_CORE


def test_one_machine_config_matches_the_measurement():
    text = (KIT / "jupyterhub_config.py").read_text(encoding="utf-8")
    assert f'"WORKSHOP_MEM_LIMIT", "{capacity.limit_mib()}M"' in text
    assert f'"WORKSHOP_MEM_GUARANTEE", "{capacity.guarantee_mib()}M"' in text


def test_guide_has_the_derived_capacity_table():
    assert capacity.table() in (KIT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("gib,cores", capacity.NODES)
def test_capacity_leaves_the_reserve(gib, cores):
    learners = capacity.learners_per_node(gib, cores)
    assert 0 < learners and learners * capacity.guarantee_mib() + capacity.RESERVED_MIB <= gib * 1024


def test_nbgitpuller_link_has_the_documented_form():
    url = nbgitpuller_link.link("https://hub.example.org/", "https://github.com/org/s3kms-lab.git", "main",
                                "05_uploading_cli_and_boto3")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.org", "/hub/user-redirect/git-pull")
    assert parse_qs(parts.query) == {"repo": ["https://github.com/org/s3kms-lab.git"], "branch": ["main"],
                                     "targetpath": ["s3kms-lab"],
                                     "urlpath": ["lab/tree/s3kms-lab/notebooks/05_uploading_cli_and_boto3.ipynb"]}


@pytest.mark.parametrize("hub,repo", [("hub.example.org", "https://github.com/o/r"),
                                      ("https://hub.example.org", "git@github.com:o/r.git")])
def test_nbgitpuller_link_refuses_a_non_url(hub, repo, capsys):
    assert nbgitpuller_link.main(["--hub", hub, "--repo", repo]) == 2
    assert "must be an http(s) URL" in capsys.readouterr().err


def one_machine_config():
    """workshop/jupyterhub_config.py run as JupyterHub runs it (plain traitlets config); its Config object."""
    traitlets_config = pytest.importorskip("traitlets.config")
    config = traitlets_config.Config()
    exec(compile((KIT / "jupyterhub_config.py").read_text(encoding="utf-8"), "jupyterhub_config.py", "exec"),
         {"get_config": lambda: config, "__file__": str(KIT / "jupyterhub_config.py")})
    return config


def test_one_machine_config_loads(monkeypatch):
    """jupyterhub_config.py is plain traitlets config: it runs and sets the documented traits."""
    monkeypatch.setenv("WORKSHOP_AUTHENTICATOR", "shared-password")
    monkeypatch.setenv("WORKSHOP_PASSWORD", "room-password")
    config = one_machine_config()
    assert config.JupyterHub.authenticator_class == "shared-password"
    assert config.SharedPasswordAuthenticator.user_password == "room-password"
    culler = config.JupyterHub.services[0]
    assert culler["name"] == "idle-culler" and culler["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    assert set(config.JupyterHub.load_roles[0]["scopes"]) >= {"list:users", "read:servers", "delete:servers"}
    assert sys.executable == culler["command"][0]


def test_learner_kernels_talk_over_unix_sockets():
    """On one machine, learners' kernels use IPC transport: with TCP, jupyter_client picks a kernel's five ports
    before the kernel binds them, and another learner's lab or client can take one in between (seen in
    `make test-workshop`: ZMQError "Address already in use", the kernel never answers). Unix sockets in each
    learner's runtime folder cannot collide."""
    assert "--KernelManager.transport=ipc" in one_machine_config().Spawner.args
