"""The exceptions a lab raises; all derive from :class:`LabError`, so one ``except LabError`` catches them."""
from __future__ import annotations

__all__ = ["LabError", "LabAlreadyRunning", "LabHostError", "LabPortInUse", "UnsafeConfigDir"]


class LabError(RuntimeError):
    """Base class of the lab's own errors."""


class LabAlreadyRunning(LabError):
    """Only one lab per Python process: moto's state is process-wide."""


class LabHostError(LabError, ValueError):
    """The host does not resolve, or resolves to an address that is not loopback (the lab never listens on
    a network interface). A ValueError too, as the host is a bad argument."""


class LabPortInUse(OSError, LabError):
    """The port is taken by another program (``port=0`` picks a free one)."""


class UnsafeConfigDir(PermissionError, LabError):
    """The config folder could let another local user read the secret keys or plant files: it is writable by
    group or others, owned by another user, a symbolic link, or holds a symbolic link where the lab writes."""
