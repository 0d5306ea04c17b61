"""Failures told in one line: the system's refusals, and what a stopped command says."""

from __future__ import annotations

import errno
import re
from pathlib import Path

from mnistlab.files import DISK_FULL_ERRNOS

__all__ = ["INTERRUPTED_NOTE", "describe_os_error", "interrupted_note"]

#: What a stopped command says by default; a command that writes nothing says less.
INTERRUPTED_NOTE = "interrupted: nothing half-written was kept"
_note = [INTERRUPTED_NOTE]


def interrupted_note(text: str | None = None) -> str:
    """Return the line a stopped command prints; with ``text``, set it first.

    ``serve`` writes nothing, so it says ``stopped`` rather than the default.
    """
    if text is not None:
        _note[0] = text
    return _note[0]


# atomic_write's temporary names: ".NAME.<8 hex digits><label>" beside NAME.
_TEMPORARY_NAME = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}(\.[^./]+)?$")


def _target_of(filename: str) -> Path:
    """The file a temporary name stands in for (the name itself when it is none)."""
    path = Path(filename)
    match = _TEMPORARY_NAME.match(path.name)
    return path.with_name(match["name"]) if match else path


def describe_os_error(exc: OSError) -> str:
    """Say in one line which file the system refused, why, and what to do.

    A temporary file written beside the target is named as the target, the
    one the user knows.

    Example
    -------
    >>> describe_os_error(OSError(13, "Permission denied", "/srv/models"))
    'Permission denied: /srv/models'
    >>> describe_os_error(OSError(2, "No such file or directory", "/proc/.x.png.ae904d5e.png"))
    'cannot write /proc/x.png: /proc does not allow new files there (No such file or directory)'
    """
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        if exc.errno in DISK_FULL_ERRNOS:
            return f"cannot write a file: {reason}; free some disk space and run again"
        return reason
    target = _target_of(str(exc.filename))
    if exc.errno in DISK_FULL_ERRNOS:
        return (
            f"cannot write {target}: {reason}; free some disk space (or write elsewhere) "
            "and run again"
        )
    if target.name != Path(str(exc.filename)).name:
        if exc.errno == errno.ENOENT and target.parent.is_dir():
            return (
                f"cannot write {target}: {target.parent} does not allow new files there ({reason})"
            )
        return f"cannot write {target}: {reason}"
    return f"{reason}: {target}"
