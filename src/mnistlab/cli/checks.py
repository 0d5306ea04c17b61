"""Checks a command makes before it starts computing.

A study takes ten minutes or more and a training up to an hour: a mistyped
``--out`` or an unreachable scheduler must not be found after the work. Every
command calls these on its arguments and targets first, so each such mistake
ends the command within seconds, as one line with the way out
(:class:`~mnistlab.errors.ConfigError`, exit code 2).

Checks that belong to what they check live there and are gathered here:
writable directories (:mod:`mnistlab.files`) and schedulers
(:mod:`mnistlab.scheduling`). The checks only look; they create nothing.
What they cannot know in advance (a disk that fills up during the work) is
still handled where the files are written: whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

from mnistlab.data.registry import DatasetSpec, get_dataset_spec
from mnistlab.errors import ConfigError
from mnistlab.files import check_writable_directory
from mnistlab.scheduling import check_local_workers, check_scheduler_reachable

__all__ = [
    "check_dataset",
    "check_local_workers",
    "check_scheduler_reachable",
    "check_writable_directory",
    "check_writable_file",
]


def check_dataset(name: str) -> DatasetSpec:
    """Return the registry record of ``name``; an unknown name lists the known ones.

    Raises
    ------
    UnknownDatasetError
        If the registry has no data set of that name.
    """
    return get_dataset_spec(name)


def check_writable_file(path: Path, *, option: str) -> None:
    """Check that the file ``path`` can be written (created or replaced).

    Raises
    ------
    ConfigError
        If ``path`` is a directory, or its directory cannot be written.
    """
    if path.is_dir():
        raise ConfigError(f"{option} {path}: it is a directory; name a file")
    check_writable_directory(path.parent, option=option)
