"""The course that ships with the package: copy the notebooks (and their solutions, images) to a folder.

Both editions are copied: the English course at the top of the folder and the Korean edition (한국어판) in its
``ko/`` subfolder, laid out as in ``notebooks/`` (``ko/solutions/`` beside the Korean notebooks), so the
links between notebooks and solutions work in either. ``make lab-ko`` / ``jupyter lab --notebook-dir=DIR/ko``
opens the Korean edition.

The notebooks are package data (``s3kms_lab/course``, read with :mod:`importlib.resources`). A copy records
the SHA-256 of every file it wrote in ``.s3kms-lab-course.json``; copying again updates files the learner
has not changed and refuses, unless forced, to overwrite a file the learner edited (or one it did not write).
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..i18n import _

__all__ = ["COURSE_PATTERNS", "EDITIONS", "MANIFEST", "CourseCopy", "CourseConflict", "course_files", "copy_course"]

# What a learner gets (the notebook sources and test settings beside them in a clone are not part of it):
# ``/``-separated patterns matched part by part (``*`` never crosses a folder), for each edition.
EDITIONS = ("", "ko")
COURSE_PATTERNS = tuple(f"{edition}/{pattern}" if edition else pattern
                        for edition in EDITIONS for pattern in ("*.ipynb", "solutions/*", "images/*"))
MANIFEST = ".s3kms-lab-course.json"


class CourseConflict(FileExistsError):
    """Copying would overwrite files the learner changed; ``paths`` lists them (relative to the folder)."""

    def __init__(self, folder: Path, paths: list[str]):
        self.paths = paths
        super().__init__(_("{folder} already has edited copies of: {paths} (use --force to overwrite)")
                         .format(folder=folder, paths=", ".join(paths)))


@dataclass
class CourseCopy:
    """What :func:`copy_course` did: files written new, updated, and left as they were (relative paths)."""

    folder: Path
    written: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _matches(rel: str, pattern: str) -> bool:
    parts, wanted = rel.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted))


def course_files() -> dict[str, bytes]:
    """The shipped course: relative path (``/``-separated, ``ko/...`` for the Korean edition) -> content.
    Raises FileNotFoundError if absent."""
    root = resources.files("s3kms_lab") / "course"
    if not root.is_dir():
        raise FileNotFoundError(_("this installation of s3kms-lab has no course (s3kms_lab/course is missing)"))
    depth = max(pattern.count("/") for pattern in COURSE_PATTERNS)
    files: dict[str, bytes] = {}
    pending = [(root, "")]
    while pending:
        folder, prefix = pending.pop()
        for item in folder.iterdir():
            if item.name.startswith("."):  # .ipynb_checkpoints and the like
                continue
            rel = f"{prefix}{item.name}"
            if item.is_dir():
                if rel.count("/") < depth:
                    pending.append((item, f"{rel}/"))
            elif any(_matches(rel, pattern) for pattern in COURSE_PATTERNS):
                files[rel] = item.read_bytes()
    return files


def copy_course(folder: str | Path, force: bool = False) -> CourseCopy:
    """Copy the course into ``folder`` (created if needed).

    Raises :class:`CourseConflict` (nothing is written) if a file to copy exists there and differs both from
    the shipped file and from what an earlier copy wrote, unless ``force``.
    """
    folder = Path(folder)
    shipped = course_files()
    manifest_path = folder / MANIFEST
    try:
        recorded: dict[str, str] = json.loads(manifest_path.read_text())["files"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        recorded = {}
    result = CourseCopy(folder)
    plan: list[tuple[str, str]] = []  # (relative path, "written" | "updated")
    conflicts = []
    for rel, data in sorted(shipped.items()):
        target = folder / rel
        if not target.exists():
            plan.append((rel, "written"))
            continue
        current = _sha256(target.read_bytes())
        if current == _sha256(data):
            result.unchanged.append(rel)
        elif current == recorded.get(rel) or force:  # untouched since we wrote it, or overwrite asked for
            plan.append((rel, "updated"))
        else:
            conflicts.append(rel)
    if conflicts:
        raise CourseConflict(folder, conflicts)
    for rel, how in plan:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shipped[rel])
        getattr(result, how).append(rel)
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps({"files": {rel: _sha256(d) for rel, d in shipped.items()}},
                                        indent=1, sort_keys=True) + "\n")
    return result
