"""The lab's config folder holds every profile's secret key: keep it private and never follow links in it.

Rules (the usual ones for secrets on a shared machine, as ssh applies to ``~/.ssh``):

- the folder is created ``0700``; an existing one must be a real folder (not a symbolic link), owned by the
  current user and not writable by group or others, else :class:`UnsafeConfigDir`;
- every file the lab writes there is created ``0600`` from the start in a fresh temporary file and then
  renamed over the name (``os.replace`` replaces a planted symbolic link instead of writing through it);
- files are read with ``O_NOFOLLOW``.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ..i18n import _
from .errors import UnsafeConfigDir

__all__ = ["prepare_private_dir", "write_private", "read_private", "private_subdir"]


def _check_owned_and_closed(path: Path, st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeConfigDir(_("{path} is a symbolic link; give the lab a real folder").format(path=path))
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeConfigDir(_("{path} exists and is not a folder").format(path=path))
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise UnsafeConfigDir(_("{path} is owned by another user (uid {uid}); the lab writes secret keys there")
                              .format(path=path, uid=st.st_uid))
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        template = (_("{path} is writable by others (mode {mode}); use a private folder or `chmod go-w {path}`")
                    if st.st_mode & stat.S_IWOTH else
                    _("{path} is writable by its group (mode {mode}); use a private folder or `chmod go-w {path}`"))
        raise UnsafeConfigDir(template.format(path=path, mode=f"{stat.S_IMODE(st.st_mode):o}"))


def prepare_private_dir(path: str | Path) -> Path:
    """Create ``path`` (mode 0700, parents as usual) or check an existing one; returns it as a Path.

    Raises :class:`UnsafeConfigDir` for a symbolic link, a non-folder, another owner, or group/world-writable.
    """
    path = Path(path)
    try:
        path.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    _check_owned_and_closed(path, os.lstat(path))
    return path


def private_subdir(parent: Path, name: str) -> Path:
    """A 0700 folder ``name`` inside a prepared folder; a planted link or file of that name is removed first."""
    path = parent / name
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISDIR(st.st_mode):  # a link (even to a folder) or a file: not ours
        path.unlink()
        st = None
    if st is None:
        path.mkdir(mode=0o700)
    else:
        _check_owned_and_closed(path, st)
    return path


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as a 0600 file, replacing (never following) whatever was there."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_private(path: Path) -> str:
    """Read a file the lab wrote; a symbolic link at ``path`` raises :class:`UnsafeConfigDir`.

    Raises FileNotFoundError if it does not exist.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        if os.path.islink(path):
            raise UnsafeConfigDir(_("{path} is a symbolic link; the lab never follows links in its folder")
                                  .format(path=path)) from None
        raise
    with os.fdopen(fd) as fh:
        return fh.read()
