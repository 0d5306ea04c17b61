"""A disk cache of computed results as numpy arrays plus JSON — never pickles.

An entry is two files, ``<key>.npz`` (arrays, read with ``allow_pickle=False``)
and ``<key>.json`` (values). Each is written to a temporary file beside its
target and renamed into place, and the JSON is written last: an interrupted
run leaves either a whole entry or no entry, never half of one. An entry that
fails to load is deleted with a warning and computed again, like
scikit-learn's ``_fetch_remote`` does for a broken download.

Two studies may share one cache directory at once. Reading and writing an
entry hold the directory's lock (``cache.lock``, a few milliseconds each, never
during a computation): without it, a reader could find an index that a writer
has just removed, take the entry for broken and delete the writer's arrays.
Both studies may compute the same entry; they write the same values.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock
import numpy as np

from mnistlab.errors import StudyError
from mnistlab.files import atomic_write

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1


def cache_key(parts: dict[str, Any]) -> str:
    """Return a stable hex digest of JSON-able ``parts`` (sorted keys)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class CacheEntry:
    """A cached computation: its JSON values and its arrays."""

    values: dict[str, Any]
    arrays: dict[str, np.ndarray]


@dataclass(frozen=True)
class ResultCache:
    """The study's cache directory (``<cache_dir>/study``).

    Example
    -------
    >>> cache = ResultCache(Path("cache") / "study")          # doctest: +SKIP
    >>> cache.save(key, CacheEntry({"a": 1}, {}))              # doctest: +SKIP
    """

    directory: Path
    lock_timeout: float = 300.0

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.npz", self.directory / f"{key}.json"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        lock = filelock.FileLock(self.directory / "cache.lock", timeout=self.lock_timeout)
        try:
            lock.acquire()
        except filelock.Timeout as exc:
            raise StudyError(
                f"another process has held the study cache {self.directory} for over "
                f"{self.lock_timeout:.0f} s; stop it, or run with another --cache-dir"
            ) from exc
        try:
            yield
        finally:
            lock.release()

    def load(self, key: str) -> CacheEntry | None:
        """Return the entry, or ``None`` if absent or broken (then it is deleted)."""
        if not self._paths(key)[1].exists():
            return None
        with self._locked():
            return self._load_locked(key)

    def _load_locked(self, key: str) -> CacheEntry | None:
        npz_path, json_path = self._paths(key)
        if not json_path.exists():
            return None
        try:
            document = json.loads(json_path.read_text(encoding="utf-8"))
            if document.get("format") != CACHE_FORMAT:
                raise ValueError(f"cache format {document.get('format')!r}")
            with np.load(npz_path, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            if sorted(arrays) != sorted(document["arrays"]):
                raise ValueError("arrays do not match their index")
            return CacheEntry(values=document["values"], arrays=arrays)
        except Exception as exc:  # any failure means the entry cannot be trusted
            logger.warning(
                "Cache entry %s in %s is unreadable (%s); deleting it and computing again.",
                key,
                self.directory,
                exc,
            )
            self.delete(key)
            return None

    def save(self, key: str, entry: CacheEntry) -> None:
        """Store ``entry`` atomically under ``key``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        npz_path, json_path = self._paths(key)
        arrays: dict[str, Any] = dict(entry.arrays)
        document = {"format": CACHE_FORMAT, "values": entry.values, "arrays": sorted(entry.arrays)}
        text = json.dumps(document, sort_keys=True).encode("utf-8")
        with self._locked():
            # Remove the old index first: a crash between the two writes then leaves no entry.
            json_path.unlink(missing_ok=True)
            with atomic_write(npz_path, suffix=".npz") as fh:
                np.savez(fh, **arrays)
            with atomic_write(json_path, suffix=".json") as fh:
                fh.write(text)

    def delete(self, key: str) -> None:
        """Remove an entry's files if present."""
        for path in self._paths(key):
            path.unlink(missing_ok=True)
