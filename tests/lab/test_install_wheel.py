"""The package as a user gets it: build the sdist and wheel, install the wheel in a fresh virtual environment
outside the repository, and use it from another directory (issue 19 item 5). Slow (minutes): marked ``slow``,
still part of ``make test`` (scheduled first, so it overlaps the rest). pip reuses its cache; the only network
it may use is the package index. To keep it short the wheel is installed with nbclient + ipykernel (enough
to execute a notebook) rather than the whole ``[lab]`` extra, and without byte-compiling.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

import s3kms_lab

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1200, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv bin folder, a working directory outside the repository, wheel path, sdist path, timings)."""
    root = tmp_path_factory.mktemp("wheel")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    built = _run([sys.executable, "-m", "build", "--outdir", str(root / "dist"), str(REPO)])
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    timings["build"] = time.perf_counter() - started
    wheel = next((root / "dist").glob("*.whl"))
    sdist = next((root / "dist").glob("*.tar.gz"))
    started = time.perf_counter()
    venv = root / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)]).returncode == 0
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", "-c",
                str(REPO / "constraints.txt"), str(wheel), "nbclient", "ipykernel"])
    assert pip.returncode == 0, pip.stderr[-3000:]
    timings["install"] = time.perf_counter() - started
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    yield venv / "bin", elsewhere, wheel, sdist, timings
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB; build {timings['build']:.0f} s, "
          f"install {timings['install']:.0f} s")


def _env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}/usr/bin:/bin"
    return env


def test_the_wheel_and_sdist_carry_the_package_data_and_licences(installed):
    _bin, _elsewhere, wheel, sdist, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert "s3kms_lab/scenarios/seed/bucket-policy.json" in names
    assert "s3kms_lab/course/00_start_here.ipynb" in names
    assert any(n.startswith("s3kms_lab/course/solutions/") for n in names)
    # The Korean edition (once notebooks/ko has notebooks) and the message catalogs the lab reads.
    korean = sorted(p.relative_to(REPO / "notebooks").as_posix() for pattern in ("*.ipynb", "solutions/*")
                    for p in (REPO / "notebooks" / "ko").glob(pattern) if p.is_file())
    assert [f"s3kms_lab/course/{rel}" for rel in korean if f"s3kms_lab/course/{rel}" not in names] == []
    assert "s3kms_lab/locale/ko/LC_MESSAGES/s3kms_lab.mo" in names
    assert "s3kms_lab/locale/ko/LC_MESSAGES/s3kms_lab.po" in names
    assert any(n.endswith("licenses/LICENSE") for n in names) and any(n.endswith("LICENSE-CONTENT") for n in names)
    assert f"s3kms_lab-{s3kms_lab.__version__}" in wheel.name
    members = tarfile.open(sdist).getnames()
    assert any(m.endswith("s3kms_lab/scenarios/seed/scenario.json") for m in members)


def test_check_runs_from_any_directory(installed):
    bin_dir, elsewhere, *_ = installed
    done = _run([str(bin_dir / "s3kms-lab"), "check", "--scenario", "seed"], cwd=elsewhere, env=_env(bin_dir))
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]  # the post's R1-R4 are violated
    assert "R1" in done.stdout and "No such file" not in done.stderr
    version = _run([str(bin_dir / "s3kms-lab"), "--version"], cwd=elsewhere, env=_env(bin_dir))
    assert version.stdout.strip() == f"s3kms-lab {s3kms_lab.__version__}"


def test_a_lab_starts_and_stops_and_the_package_is_not_the_repositorys(installed):
    bin_dir, elsewhere, *_ = installed
    script = ("import s3kms_lab, json; from s3kms_lab import Lab\n"
              "with Lab('seed') as lab:\n"
              "    arn = lab.client('sts', profile='uploader').get_caller_identity()['Arn']\n"
              "print(json.dumps({'arn': arn, 'package': s3kms_lab.__file__, 'left': lab.config_dir.exists()}))\n")
    done = _run([str(bin_dir / "python"), "-c", script], cwd=elsewhere, env=_env(bin_dir))
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["arn"].endswith("assumed-role/DataUploaderRole/uploader") and not out["left"]
    assert not Path(out["package"]).resolve().is_relative_to(REPO)


def test_the_course_copies_and_a_notebook_runs_from_the_copy(installed):
    bin_dir, elsewhere, *_ = installed
    copied = _run([str(bin_dir / "s3kms-lab"), "notebooks", "course"], cwd=elsewhere, env=_env(bin_dir))
    assert copied.returncode == 0, copied.stderr
    assert "jupyter lab --notebook-dir=course" in copied.stdout
    kernel = _run([str(bin_dir / "python"), "-m", "ipykernel", "install", "--sys-prefix", "--name", "s3kms-lab"],
                  cwd=elsewhere, env=_env(bin_dir))
    assert kernel.returncode == 0, kernel.stderr
    script = ("import nbformat, nbclient\n"
              "nb = nbformat.read('course/00_start_here.ipynb', as_version=4)\n"
              "nbclient.NotebookClient(nb, timeout=600, resources={'metadata': {'path': 'course'}}).execute()\n"
              "nbformat.write(nb, 'course/ran.ipynb')\n")
    ran = _run([str(bin_dir / "python"), "-c", script], cwd=elsewhere, env=_env(bin_dir))
    assert ran.returncode == 0, ran.stderr[-3000:]
    cells = json.loads((elsewhere / "course" / "ran.ipynb").read_text())["cells"]
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [] and any(c.get("outputs") for c in cells)
