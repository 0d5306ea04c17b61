"""Copies of a data set installed by the system's package manager.

A package manager installs a data set in ``DIR/datasets/NAME`` (Debian's
``dataset-fashion-mnist``: ``/usr/share/datasets/fashion-mnist``), for ``DIR``
in ``Locations.system_data_dirs``. Each copy is read like a data directory,
and verified by checksum like any other source.
"""

from __future__ import annotations

from pathlib import Path

from mnistlab.config import Locations
from mnistlab.data.registry import DatasetSpec
from mnistlab.data.sources.local import LocalSource
from mnistlab.errors import DataSourceError

__all__ = ["first_system_copy", "system_copies"]


def _install_directories(spec: DatasetSpec, locations: Locations) -> tuple[Path, ...]:
    """Where a system package would put ``spec``, in the order they are searched."""
    return tuple(base / "datasets" / spec.name for base in locations.system_data_dirs)


def system_copies(spec: DatasetSpec, locations: Locations) -> tuple[LocalSource, ...]:
    """Return a source for each copy of ``spec`` in the system data directories.

    Each source is named ``system DIRECTORY``, so that ``mnistlab data info``
    says which one served.

    Example
    -------
    >>> spec = get_dataset_spec("fashion-mnist")
    >>> [s.name for s in system_copies(spec, locations)]  # doctest: +SKIP
    ['system /usr/share/datasets/fashion-mnist']
    """
    found = (d for d in _install_directories(spec, locations) if d.is_dir())
    return tuple(LocalSource(d, name=f"system {d}") for d in found)


def first_system_copy(spec: DatasetSpec, locations: Locations) -> LocalSource:
    """Return the first of :func:`system_copies`.

    Raises
    ------
    DataSourceError
        If the system holds no copy; the message names every directory searched.
    """
    copies = system_copies(spec, locations)
    if not copies:
        searched = ", ".join(str(d) for d in _install_directories(spec, locations))
        raise DataSourceError(
            f"no system copy of {spec.name} (looked in {searched}); install your system's "
            f"package of it, or choose another --source"
        )
    return copies[0]
