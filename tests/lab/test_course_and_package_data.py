"""Package data found the standard way, the course copy, and the version (issue 19 items 1, 2, 5)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import s3kms_lab
from s3kms_lab.lab.course import MANIFEST, CourseConflict, copy_course, course_files
from s3kms_lab.lab.scenario import DATA_DIR, load_scenario, scenario_names

PACKAGE = Path(s3kms_lab.__file__).resolve().parent


def test_scenarios_are_read_from_inside_the_package():
    assert DATA_DIR.resolve().is_relative_to(PACKAGE)
    assert {"seed", "hardened"} <= set(scenario_names())
    assert load_scenario("seed").path.resolve().is_relative_to(PACKAGE)


def test_scenario_lookup_never_walks_up_to_the_repository():
    source = (PACKAGE / "lab" / "scenario.py").read_text()
    assert "parents[" not in source and "importlib" in source


def test_the_course_is_the_notebooks_and_their_solutions():
    files = course_files()
    notebooks = [name for name in files if name.endswith(".ipynb")]
    assert "00_start_here.ipynb" in notebooks and len(notebooks) >= 9
    assert any(name.startswith("solutions/") for name in files)
    assert not any(name.startswith("src/") or name.endswith(".cfg") for name in files)


def test_copying_twice_keeps_a_learners_edit_unless_forced(tmp_path):
    first = copy_course(tmp_path)
    assert first.written and not first.updated
    again = copy_course(tmp_path)
    assert not again.written and not again.updated and again.unchanged == sorted(course_files())
    edited = tmp_path / "02_bucket_policy.ipynb"
    edited.write_text(edited.read_text().replace("bucket", "BUCKET", 1))
    with pytest.raises(CourseConflict) as info:
        copy_course(tmp_path)
    assert info.value.paths == ["02_bucket_policy.ipynb"]
    assert "BUCKET" in edited.read_text()  # untouched
    forced = copy_course(tmp_path, force=True)
    assert forced.updated == ["02_bucket_policy.ipynb"]
    assert edited.read_bytes() == course_files()["02_bucket_policy.ipynb"]


def test_a_file_the_course_did_not_write_is_never_overwritten_silently(tmp_path):
    (tmp_path / "00_start_here.ipynb").write_text("{}")  # the learner's own notebook of that name
    with pytest.raises(CourseConflict):
        copy_course(tmp_path)
    assert not (tmp_path / MANIFEST).exists()


def test_an_outdated_untouched_copy_is_updated(tmp_path):
    copy_course(tmp_path)
    stale = tmp_path / "03_key_policy.ipynb"
    stale.write_text("{}")
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    manifest["files"]["03_key_policy.ipynb"] = __import__("hashlib").sha256(b"{}").hexdigest()
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))  # as if an older release had written "{}"
    assert copy_course(tmp_path).updated == ["03_key_policy.ipynb"]


def test_cli_notebooks_prints_the_command_that_opens_them(tmp_path):
    done = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "notebooks", str(tmp_path / "course")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"lab --notebook-dir={tmp_path / 'course'}" in done.stdout
    assert (tmp_path / "course" / "00_start_here.ipynb").is_file()
    (tmp_path / "course" / "00_start_here.ipynb").write_text("{}")
    refused = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "notebooks", str(tmp_path / "course")],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "--force" in refused.stderr


def test_version_has_one_source():
    from importlib.metadata import version
    done = subprocess.run([sys.executable, "-m", "s3kms_lab.cli", "--version"], capture_output=True, text=True)
    assert done.stdout.strip() == f"s3kms-lab {s3kms_lab.__version__}"
    assert version("s3kms-lab") == s3kms_lab.__version__


# ---------------------------------------------------------------------------------- the Korean edition (issue 14)
@pytest.fixture
def shipped_with_korean(tmp_path, monkeypatch):
    """A package whose course holds both editions (notebooks/ko is being written; this does not wait for it),
    plus files that are not course: sources, settings, a checkpoint folder."""
    from s3kms_lab.lab import course
    package = tmp_path / "package"
    files = {
        "00_start_here.ipynb": "{}", "solutions/02_solutions.md": "en",
        "ko/00_start_here.ipynb": '{"ko": 1}', "ko/02_bucket_policy.ipynb": '{"ko": 2}',
        "ko/solutions/02_solutions.md": "해답", "ko/images/diagram.png": "png",
        "ko/.ipynb_checkpoints/02_bucket_policy-checkpoint.ipynb": "{}", "ko/sanitize.cfg": "x",
        "ko/src/02_bucket_policy.py": "x", "ko/solutions/old/nested.md": "x",
    }
    for rel, text in files.items():
        (package / "course" / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / "course" / rel).write_text(text, encoding="utf-8")
    real_files = course.resources.files
    monkeypatch.setattr(course.resources, "files", lambda name: package if name == "s3kms_lab" else real_files(name))
    return package


def test_the_course_carries_the_korean_edition_laid_out_like_notebooks(shipped_with_korean):
    assert sorted(course_files()) == ["00_start_here.ipynb", "ko/00_start_here.ipynb", "ko/02_bucket_policy.ipynb",
                                      "ko/images/diagram.png", "ko/solutions/02_solutions.md",
                                      "solutions/02_solutions.md"]


def test_the_korean_edition_is_copied_into_ko_and_a_learners_edit_there_is_kept(shipped_with_korean, tmp_path):
    folder = tmp_path / "course"
    copy_course(folder)
    assert (folder / "ko" / "02_bucket_policy.ipynb").read_text() == '{"ko": 2}'
    assert (folder / "ko" / "solutions" / "02_solutions.md").read_text(encoding="utf-8") == "해답"
    assert not (folder / "ko" / ".ipynb_checkpoints").exists()
    (folder / "ko" / "02_bucket_policy.ipynb").write_text('{"mine": 1}')
    with pytest.raises(CourseConflict) as info:
        copy_course(folder)
    assert info.value.paths == ["ko/02_bucket_policy.ipynb"]


def test_cli_notebooks_opens_the_korean_edition_when_the_lab_speaks_korean(shipped_with_korean, tmp_path, capsys):
    from s3kms_lab.cli import main
    from s3kms_lab.i18n import language
    assert main(["notebooks", str(tmp_path / "en")]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"lab --notebook-dir={tmp_path / 'en'}")
    with language("ko"):
        assert main(["notebooks", str(tmp_path / "ko-learner")]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"lab --notebook-dir={tmp_path / 'ko-learner' / 'ko'}")


def _package_data() -> list[str]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["tool"]["setuptools"]["package-data"]["s3kms_lab"]


def _packaged(rel: str, patterns: list[str]) -> bool:
    """setuptools' package-data globs: ``*`` matches within one path part."""
    import fnmatch
    parts = rel.split("/")
    return any(len(p.split("/")) == len(parts) and all(fnmatch.fnmatchcase(a, b) for a, b in zip(parts, p.split("/")))
               for p in patterns)


def test_the_wheel_carries_every_course_file_both_editions_and_the_catalogs():
    from s3kms_lab.lab.course import COURSE_PATTERNS
    patterns = _package_data()
    assert {f"course/{p}" for p in COURSE_PATTERNS} <= set(patterns), "a course pattern the wheel would not carry"
    for rel in ("course/ko/02_bucket_policy.ipynb", "course/ko/solutions/02_solutions.md",
                "locale/ko/LC_MESSAGES/s3kms_lab.mo", "locale/ko/LC_MESSAGES/s3kms_lab.po"):
        assert _packaged(rel, patterns), f"{rel} would be left out of the wheel"
    catalogs = [p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "locale").glob("*/LC_MESSAGES/*") if p.is_file()]
    assert catalogs and all(_packaged(rel, patterns) for rel in catalogs), catalogs
