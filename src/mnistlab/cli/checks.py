"""Checks a command makes before it starts computing.

A study takes ten minutes or more and a training up to an hour: a mistyped
``--out`` or an unreachable scheduler must not be found after the work. Every
command calls these on its arguments and targets first, so each such mistake
ends the command within seconds, as one line with the way out. A wrong value
is bad usage (:class:`~mnistlab.errors.ConfigError`, exit code 2); a place
the system will not let the command write, or a scheduler that does not
answer, is the system refusing (an ``OSError``, exit code 1).

Checks that belong to what they check live there and are gathered here:
writable directories (:mod:`mnistlab.files`) and schedulers
(:mod:`mnistlab.scheduling`). The checks only look; they create nothing.
What they cannot know in advance (a disk that fills up during the work) is
still handled where the files are written: whole or not at all.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from mnistlab import files, scheduling
from mnistlab.config import DATA_DIR_ENV, MODELS_DIR_ENV
from mnistlab.data.registry import IDX_FILES, DatasetSpec, get_dataset_spec
from mnistlab.errors import ConfigError
from mnistlab.scheduling import check_local_workers

__all__ = [
    "check_data_dir",
    "check_dataset",
    "check_local_workers",
    "check_models_dir",
    "check_scheduler_reachable",
    "check_writable_directory",
    "check_writable_file",
    "holds_idx_files",
]


def check_dataset(name: str) -> DatasetSpec:
    """Return the registry record of ``name``; an unknown name lists the known ones.

    Raises
    ------
    UnknownDatasetError
        If the registry has no data set of that name.
    """
    return get_dataset_spec(name)


def check_writable_directory(path: Path, *, option: str) -> None:
    """Check that ``path`` is, or can be created as, a directory this process may write.

    Raises
    ------
    ConfigError
        If ``path`` or one of its parents is a file (bad usage).
    PermissionError
        If the directory that holds it cannot be written: no permission or a
        read-only file system (the system refused).
    """
    existing = Path(os.path.abspath(path))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(
            errno.EACCES,
            f"{option}: cannot write in {existing} (no permission or a read-only file system)",
            str(path),
        )
    files.check_writable_directory(path, option=option)


def check_writable_file(path: Path, *, option: str) -> None:
    """Check that the file ``path`` can be written (created or replaced).

    Raises
    ------
    ConfigError
        If ``path`` is a directory.
    PermissionError
        If its directory cannot be written.
    """
    if path.is_dir():
        raise ConfigError(f"{option} {path}: it is a directory; name a file")
    check_writable_directory(path.parent, option=option)


def check_scheduler_reachable(scheduler: str | None) -> None:
    """Check that a remote Dask scheduler accepts connections, without starting any work.

    Raises
    ------
    ConnectionError
        If nothing answers at its address (the network refused: exit code 1).
    """
    try:
        scheduling.check_scheduler_reachable(scheduler)
    except ConfigError as exc:  # parse_scheduler has checked the form: it is unreachable
        raise ConnectionError(str(exc)) from None


def check_models_dir(given: Path | None) -> None:
    """Check a models directory named by ``--models-dir`` or its environment variable.

    A directory that does not exist yet is fine where the default is used (no
    model trained so far), but one that the user named must exist when a
    command reads models from it: a typo must not look like "nothing trained".

    Raises
    ------
    ConfigError
        If the named directory does not exist or is not a directory.
    """
    if given is not None:
        where, path = "--models-dir", given
    elif os.environ.get(MODELS_DIR_ENV):
        where, path = MODELS_DIR_ENV, Path(os.environ[MODELS_DIR_ENV]).expanduser()
    else:
        return
    if not path.exists():
        raise ConfigError(f"{where} {path}: no such directory; name the directory of the models")
    if not path.is_dir():
        raise ConfigError(f"{where} {path}: it is a file, not a directory of models")


def holds_idx_files(directory: Path) -> bool:
    """Whether ``directory`` holds the four IDX files (``.gz`` or uncompressed)."""
    return all(
        (directory / f"{f.filename}.gz").is_file() or (directory / f.filename).is_file()
        for f in IDX_FILES
    )


def check_data_dir(given: Path | None) -> Path | None:
    """Check a data directory named by ``--data-dir`` or its environment variable.

    Returns
    -------
    Path or None
        The directory when it exists but holds no IDX files (the command then
        says so, and which source served the data), otherwise ``None``.

    Raises
    ------
    ConfigError
        If the named directory does not exist or is a file.
    """
    if given is not None:
        where, path = "--data-dir", given
    elif os.environ.get(DATA_DIR_ENV):
        where, path = DATA_DIR_ENV, Path(os.environ[DATA_DIR_ENV]).expanduser()
    else:
        return None
    if not path.exists():
        raise ConfigError(f"{where} {path}: no such directory; name a directory of IDX files")
    if not path.is_dir():
        raise ConfigError(f"{where} {path}: it is a file; name the directory that holds it")
    return None if holds_idx_files(path) else path
