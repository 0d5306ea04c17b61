"""Writing files so that a crash, a full disk or Ctrl-C never leaves half of one."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from mnistlab.errors import ConfigError

__all__ = [
    "DISK_FULL_ERRNOS",
    "atomic_write",
    "check_writable_directory",
    "replace_directory",
    "replace_file",
    "temporary_file_beside",
]

#: What a full disk looks like: no space left, over the file-size limit, over the quota.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})

# What a directory fsync fails with where the OS or file system cannot sync
# directories (Windows cannot open one; some network file systems refuse).
_NO_DIRECTORY_SYNC = frozenset(
    {errno.EACCES, errno.EBADF, errno.EINVAL, errno.EISDIR, errno.ENOTSUP, errno.EPERM}
)

# Processes that replace the same directory at once take turns; past this many
# turns something keeps replacing it faster than it can be written.
_MAX_REPLACE_TRIES = 100


def _hidden_name(target: Path, label: str) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}{label}")


def _create_beside(target: Path, suffix: str) -> tuple[int, Path]:
    # Like tempfile.mkstemp, but with mode 0o666 so that the umask, not 0o600,
    # decides who may read the finished file, as for any file the user writes.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_MAX_REPLACE_TRIES):
        name = _hidden_name(target, suffix)
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target))


def _sync_directory(directory: Path) -> None:
    """Make the renames in ``directory`` durable, where the OS can sync a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # Windows opens no directory; there a rename is durable once it returns
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIRECTORY_SYNC:
            raise
    finally:
        os.close(fd)


def temporary_file_beside(path: str | os.PathLike[str], *, suffix: str = ".tmp") -> Path:
    """Create an empty file under a new hidden name beside ``path``; return its path.

    For writers that need a path rather than an open file: the name is theirs
    alone (no other process can create it while it exists), in the same
    directory as ``path`` so that :func:`replace_file` can rename it there, and
    its mode is 0o666 masked by the umask, as for any file the user writes.
    The caller removes it if it is not renamed.

    Parameters
    ----------
    path : path-like
        The file it will become or stand beside; its directory must exist.
    suffix : str, default ".tmp"
        Suffix of the name (some writers choose a format by suffix).

    Example
    -------
    >>> staged = temporary_file_beside(tmp_path / "model.pt", suffix=".pt")  # doctest: +SKIP
    >>> staged.name                                                          # doctest: +SKIP
    '.model.pt.3f9a1c2b.pt'
    """
    fd, name = _create_beside(Path(path), suffix)
    os.close(fd)
    return name


def replace_file(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename the complete file ``source`` onto ``target`` and make the rename durable.

    Both must be in one directory (a rename there is atomic: readers see the
    old ``target`` or ``source``, never a part); the directory is then synced,
    where the OS allows, so that after a crash or power cut ``target`` is not
    the old file again. ``source`` should be synced already (``atomic_write``
    does that).

    Raises
    ------
    OSError
        If the rename or the directory sync fails.
    """
    target = Path(target)
    os.replace(source, target)
    _sync_directory(target.parent)


@contextmanager
def atomic_write(path: str | os.PathLike[str], *, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` whole.

    The file is written, flushed and synced under a hidden temporary name in
    the same directory (so the final rename stays on one file system, where it
    is atomic), then renamed onto ``path``, and the directory synced where the
    OS allows (:func:`replace_file`). The new file's mode is 0o666 masked by the
    process's umask, as for any file the user writes (not ``mkstemp``'s 0o600),
    whatever the mode of the file it replaces. If anything fails or is
    interrupted, the temporary file is removed and ``path`` is untouched:
    readers see the old file or the new one, never a part. A full disk is
    reported as the ``OSError`` it is, naming ``path``.

    Parameters
    ----------
    path : path-like
        The file to write; its directory must exist.
    suffix : str, default ".tmp"
        Suffix of the temporary name (some writers choose a format by suffix).

    Raises
    ------
    OSError
        When the system refuses the write; for a full disk (``ENOSPC``,
        ``EFBIG``, ``EDQUOT``) its ``filename`` is ``path``.

    Example
    -------
    >>> with atomic_write(tmp_path / "a.bin") as f:  # doctest: +SKIP
    ...     f.write(b"all or nothing")
    """
    target = Path(path)
    fd, tmp = _create_beside(target, suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        replace_file(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS and exc.filename is None:
            # A failed write() names no file; say which one could not be written.
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        raise


def replace_directory(new: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Put the directory ``new`` in the place of ``target`` by renames, then delete the old one.

    The previous ``target`` is renamed aside (to a hidden name beside it) and
    ``new`` renamed in; both live in the same directory, where renames are
    atomic, so ``target`` always holds one complete directory, except for the
    instant between the two renames. If that fails or is interrupted, the
    previous directory is put back. Processes that replace the same ``target``
    at the same time take turns: each succeeds, and the last one's directory
    stays.

    Parameters
    ----------
    new : path-like
        A complete directory in the same parent directory as ``target``.
    target : path-like
        The directory to replace; it need not exist.

    Raises
    ------
    OSError
        If a rename fails (``target`` is a file, the directory is read-only),
        or others replaced ``target`` a hundred times in a row meanwhile.

    Example
    -------
    >>> replace_directory(tmp_path / ".report.new", tmp_path / "report")  # doctest: +SKIP
    """
    new, target = Path(new), Path(target)
    set_aside: list[Path] = []
    try:
        for _ in range(_MAX_REPLACE_TRIES):
            try:
                os.replace(new, target)  # succeeds if target is gone (or an empty directory)
                break
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            old = _hidden_name(target, ".old")
            set_aside.append(old)  # first, so that an interrupt cannot lose it
            try:
                os.replace(target, old)
            except FileNotFoundError:  # another process has just moved it aside
                set_aside.pop()
        else:
            raise OSError(errno.EBUSY, "other processes keep replacing it", str(target))
    except BaseException:
        previous = next((old for old in reversed(set_aside) if old.exists()), None)
        if previous is not None and not target.exists():
            with suppress(OSError):
                os.replace(previous, target)
        for old in set_aside:
            shutil.rmtree(old, ignore_errors=True)
        raise
    for old in set_aside:
        shutil.rmtree(old, ignore_errors=True)


def check_writable_directory(path: str | os.PathLike[str], *, option: str) -> None:
    """Check that ``path`` is, or can be created as, a directory this process can write.

    It only looks: nothing is created. Commands call it before long work, so
    that a wrong target ends them at once instead of after the work.

    Parameters
    ----------
    path : path-like
        The directory to be written into (it may not exist yet).
    option : str
        The option that named it, for the message (``--models-dir``).

    Raises
    ------
    ConfigError
        If ``path`` or one of its parents is a file, or the directory that
        holds it (or would, once created) cannot be written: no permission, or
        a read-only file system.

    Example
    -------
    >>> check_writable_directory("report", option="--out")
    """
    existing = Path(os.path.abspath(path))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{option} {path}: {existing} is a file, not a directory; choose another")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{option} {path}: cannot write in {existing} (no permission or a read-only "
            "file system); choose another directory"
        )
