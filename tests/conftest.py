"""Fixtures shared by every test: locations and the real MNIST.

The real data comes from ``MNISTLAB_DATA_DIR`` when it is set (CI points it at
``../shared/data/mnist``); otherwise from the tool's own automatic chain, once,
then from the cache. The whole session, in-process and in every subprocess a
test starts, shares one cache (``MNISTLAB_CACHE_DIR``, exported for the
session), so a machine without the data fetches it at most once. In CI
(``CI=true``) missing data fails the run: those tests must run there, never skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mnistlab.config import (
    CACHE_DIR_ENV,
    DATA_DIR_ENV,
    DATASETS_DIR_ENV,
    MODELS_DIR_ENV,
    Locations,
)
from mnistlab.data import Dataset, load
from mnistlab.data.registry import IDX_FILES
from mnistlab.models.openmp import prefer_passive_openmp

# As the command does before anything imports torch: the suite shares two cores with its
# own subprocesses, where spinning OpenMP threads starve the thread they wait for.
prefer_passive_openmp()


def _has_idx_files(directory: Path) -> bool:
    return all(
        (directory / f.gz_name).is_file() or (directory / f.filename).is_file() for f in IDX_FILES
    )


def _private_directory(factory: pytest.TempPathFactory, name: str, variable: str) -> Iterator[Path]:
    """Set ``variable`` to a new temporary directory for the session, then restore it."""
    directory = factory.mktemp(name)
    before = os.environ.get(variable)
    os.environ[variable] = str(directory)
    yield directory
    if before is None:
        del os.environ[variable]
    else:
        os.environ[variable] = before


@pytest.fixture(scope="session", autouse=True)
def private_datasets_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point every command at a session-private folder of added data sets.

    Tests never read, add to or remove the user's own data sets.
    """
    yield from _private_directory(tmp_path_factory, "mnistlab-datasets", DATASETS_DIR_ENV)


@pytest.fixture(scope="session", autouse=True)
def private_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point every command, in-process or subprocess, at a session-private models directory.

    Tests never read or write the user's trained models.
    """
    yield from _private_directory(tmp_path_factory, "mnistlab-models", MODELS_DIR_ENV)


@pytest.fixture(scope="session", autouse=True)
def session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The one cache of the session: ``MNISTLAB_CACHE_DIR``, else a session-private directory.

    The directory is exported as ``MNISTLAB_CACHE_DIR`` for the session, so every
    command a test starts, in-process or as a subprocess, reads the data set
    cached by the first load instead of fetching it again.
    """
    given = os.environ.get(CACHE_DIR_ENV)
    if given:
        yield Path(given).expanduser()
        return
    directory = tmp_path_factory.mktemp("mnistlab-cache")
    os.environ[CACHE_DIR_ENV] = str(directory)
    yield directory
    os.environ.pop(CACHE_DIR_ENV, None)


@pytest.fixture(scope="session")
def locations(private_models_dir: Path, session_cache_dir: Path) -> Locations:
    """Locations with the session's cache (``MNISTLAB_CACHE_DIR`` or a session-private one)."""
    data_dir = os.environ.get(DATA_DIR_ENV) or None
    if os.environ.get("CI") == "true" and (data_dir is None or not _has_idx_files(Path(data_dir))):
        pytest.fail(
            f"CI needs the real MNIST: set {DATA_DIR_ENV} to a directory of the four IDX "
            f"files (got {data_dir!r})",
            pytrace=False,
        )
    return Locations.resolve(data_dir=data_dir, cache_dir=session_cache_dir)


@pytest.fixture(scope="session")
def mnist(locations: Locations) -> Dataset:
    """The real, verified MNIST."""
    return load("mnist", locations=locations)


@pytest.fixture(scope="session")
def mnist_dir(locations: Locations) -> Path:
    """A directory of the four real MNIST IDX files.

    It is ``MNISTLAB_DATA_DIR`` when set; otherwise the files are written from
    the verified arrays, which are byte-identical to the published ones.
    """
    if locations.data_dir is not None and _has_idx_files(locations.data_dir):
        return locations.data_dir
    import gzip

    from mnistlab.data import get_dataset_spec, idx_bytes
    from mnistlab.data.verify import split_arrays

    data = load("mnist", locations=locations)
    parts = split_arrays(get_dataset_spec("mnist"), data.images, data.labels)
    directory = locations.cache_dir / "test-idx-files"
    directory.mkdir(parents=True, exist_ok=True)
    for f in IDX_FILES:
        (directory / f.gz_name).write_bytes(gzip.compress(idx_bytes(parts[f.key]), 1))
    return directory


@pytest.fixture(scope="session")
def fashion_mnist(locations: Locations) -> Dataset:
    """The real, verified Fashion-MNIST.

    Read from ``fashion-mnist`` beside the MNIST directory of ``MNISTLAB_DATA_DIR``
    when it holds the four IDX files, otherwise through the tool's own chain (the
    tests' one cache first). Where no source has it the test skips, except with
    ``MNISTLAB_FULL_STUDY=1``, where it must run.
    """
    from dataclasses import replace

    from mnistlab.errors import MnistlabError

    sibling = None if locations.data_dir is None else locations.data_dir.parent / "fashion-mnist"
    data_dir = sibling if sibling is not None and _has_idx_files(sibling) else None
    where = replace(locations, data_dir=data_dir)
    try:
        return load("fashion-mnist", locations=where)
    except (MnistlabError, OSError) as exc:
        reason = f"Fashion-MNIST is not available here ({exc})"
        if os.environ.get("MNISTLAB_FULL_STUDY") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
