"""repo2docker reads the workshop kit (through the repository's `binder` link) and generates the image's build
file from it: the environment, postBuild and start are the kit's. No Docker needed: `--no-build --debug` prints
the generated Dockerfile. Config files: https://repo2docker.readthedocs.io/en/latest/config_files.html
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REPO2DOCKER = Path(sys.executable).parent / "repo2docker"


@pytest.fixture(scope="module")
def dockerfile() -> str:
    if not REPO2DOCKER.exists():
        pytest.skip("jupyter-repo2docker is not installed (pip install -e '.[workshop]')")
    done = subprocess.run([str(REPO2DOCKER), "--no-build", "--no-run", "--debug", str(REPO)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_binder_is_the_kit():
    assert (REPO / "binder").resolve() == (REPO / "workshop").resolve()


@pytest.mark.parametrize("line", [
    '--file "binder/environment.yml"',             # the conda environment (Python 3.11)
    "RUN ./binder/postBuild",                      # installs the course, the kernel, hides the sources
    'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"',  # copies the course into the learner's home at each start
])
def test_repo2docker_uses_the_kit(dockerfile, line):
    assert line in dockerfile


def test_conda_environment_is_python_311(dockerfile):
    assert "Building conda environment for python=3.11" in dockerfile


def test_postbuild_installs_the_pinned_course_and_kernel():
    text = (REPO / "workshop" / "postBuild").read_text(encoding="utf-8")
    assert '-c constraints.txt -e ".[lab,hub]"' in text
    assert "ipykernel install --sys-prefix --name s3kms-lab" in text


def test_start_hands_over_to_the_server():
    lines = (REPO / "workshop" / "start").read_text(encoding="utf-8").strip().splitlines()
    assert lines[-1] == 'exec "$@"'


def test_postbuild_makes_jupyterlab_available_in_korean():
    """The Korean language pack comes with the `lab` extra postBuild installs, pinned, and postBuild fails the
    image build when JupyterLab would not find it."""
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    lab_extra = next(line for line in pyproject.splitlines() if line.startswith("lab = ["))
    assert "jupyterlab-language-pack-ko-KR" in lab_extra
    pins = (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("jupyterlab-language-pack-ko-KR==") for line in pins)
    text = (REPO / "workshop" / "postBuild").read_text(encoding="utf-8")
    assert 'entry_points(group="jupyterlab.languagepack")' in text and '"ko_KR"' in text
