"""The on-disk cache of verified data sets: one compressed ``.npz`` per data set.

A cache entry is never trusted: it is verified against the pinned MD5s on
every load, and an entry that fails to load or verify is deleted (with a
warning) so that the caller fetches it again. Entries are written to a
temporary file in the same directory and renamed, so a reader never sees half
a file, and a ``FileLock`` lets two processes that start at once share one
download: the second waits, then reads what the first wrote.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

import filelock
import numpy as np

from mnistlab.data.registry import DatasetSpec
from mnistlab.data.verify import verify_arrays
from mnistlab.errors import DataFormatError, DataIntegrityError, DataSourceError
from mnistlab.files import atomic_write

__all__ = ["CacheEntry", "DatasetCache"]

logger = logging.getLogger(__name__)

_KEYS = ("images", "labels", "source")


@dataclass(frozen=True)
class CacheEntry:
    """Verified arrays read from the cache, and the source they first came from."""

    images: np.ndarray
    labels: np.ndarray
    source: str
    path: Path


@dataclass(frozen=True)
class DatasetCache:
    """Verified data sets kept under ``root`` as ``<name>.npz``.

    Parameters
    ----------
    root : Path
        Usually ``Locations.cache_dir / "datasets"``.
    lock_timeout : float
        Seconds to wait for another process's fetch before giving up.

    Example
    -------
    >>> cache = DatasetCache(Path("/tmp/cache/datasets"))
    >>> cache.read(get_dataset_spec("mnist")) is None  # doctest: +SKIP
    True
    """

    root: Path
    lock_timeout: float = 900.0

    def path(self, spec: DatasetSpec) -> Path:
        """Return the file of ``spec``'s entry (it may not exist)."""
        return self.root / f"{spec.name}.npz"

    def lock(self, spec: DatasetSpec) -> contextlib.AbstractContextManager[object]:
        """Return a lock held while ``spec`` is fetched and written.

        Raises
        ------
        DataSourceError
            On entering, if another process held it longer than ``lock_timeout``.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.path(spec)) + ".lock", timeout=self.lock_timeout)
        return _LockGuard(lock, self.path(spec))

    def read(self, spec: DatasetSpec) -> CacheEntry | None:
        """Return the verified entry of ``spec``, or ``None`` if there is no good one.

        An entry that cannot be loaded or does not verify is deleted with a
        warning, never returned.
        """
        path = self.path(spec)
        if not path.is_file():
            return None
        try:
            images, labels, source = _load_npz(path)
            verify_arrays(spec, images, labels, origin=f"the cache ({path})")
        except (DataIntegrityError, DataFormatError) as exc:
            logger.warning("discarding cache entry %s, it will be fetched again: %s", path, exc)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None
        return CacheEntry(images=images, labels=labels, source=source, path=path)

    def write(self, spec: DatasetSpec, images: np.ndarray, labels: np.ndarray, source: str) -> Path:
        """Write ``spec``'s entry atomically; return its path.

        The arrays must already be verified; they are not checked again here.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.path(spec)
        with atomic_write(path) as out:
            # allow_pickle=False: only plain arrays may ever be written, or read.
            np.savez_compressed(
                out,
                allow_pickle=False,
                images=images,
                labels=labels,
                source=np.array(str(source)),
            )
        return path


class _LockGuard(contextlib.AbstractContextManager[object]):
    """Enter a ``FileLock``, turning its timeout into a ``DataSourceError``."""

    def __init__(self, lock: filelock.BaseFileLock, path: Path) -> None:
        self._lock = lock
        self._path = path

    def __enter__(self) -> object:
        try:
            self._lock.acquire()
        except filelock.Timeout as exc:
            raise DataSourceError(
                f"another process has been fetching {self._path.name} for over "
                f"{self._lock.timeout:.0f} s; if none is running, delete {self._lock.lock_file}"
            ) from exc
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def _load_npz(path: Path) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        # allow_pickle=False: a cache file is data, it must not be able to run code.
        with np.load(path, allow_pickle=False) as archive:
            if sorted(archive.files) != sorted(_KEYS):
                raise DataFormatError(f"{path}: holds {archive.files}, expected {list(_KEYS)}")
            images = archive["images"]
            labels = archive["labels"]
            source = archive["source"]
    except DataFormatError:
        raise
    except Exception as exc:
        # A damaged file fails in many ways (zip directory, zlib stream, npy
        # header, ...); each means the same thing here: fetch the data again.
        raise DataFormatError(f"{path}: cannot be loaded: {exc}") from exc
    if source.dtype.kind != "U" or source.shape != ():
        raise DataFormatError(f"{path}: source entry is {source.dtype} {source.shape}")
    return images, labels, str(source)
