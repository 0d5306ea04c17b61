"""The SHA-256 of model files, remembered by size and modification time.

Hashing a large model file on every ``mnistlab models`` is slow, so the hash of
each file is kept in a small JSON file beside the records (:data:`CACHE_NAME`)
together with the file's size and ``st_mtime_ns``. A file whose size or
modification time differs from the remembered ones is hashed again. The cache
only saves time: a missing, unreadable or damaged cache is rebuilt, and a
directory that cannot be written to just goes without one. Loading a model
never trusts it (:meth:`mnistlab.models.store.ModelStore.load` hashes the bytes
it loads).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mnistlab.files import atomic_write

#: The cache's file name in the models directory (hidden: it is not a model).
CACHE_NAME = ".sha256-cache.json"
CACHE_FORMAT = 1


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("format") != CACHE_FORMAT:
        return {}
    files = raw.get("files")
    return files if isinstance(files, dict) else {}


def cached_sha256(directory: Path, names: list[str]) -> dict[str, str | None]:
    """The SHA-256 of each file ``names`` in ``directory``.

    Parameters
    ----------
    directory : Path
        The models directory; the cache lives there.
    names : list of str
        File names in ``directory``.

    Returns
    -------
    dict
        Each name's hex SHA-256 (``None`` when the file is not there or cannot be
        read), hashed again only when its size or ``st_mtime_ns`` differ from the
        cached ones; the cache is rewritten (atomically) when anything changed.
    """
    cache_path = directory / CACHE_NAME
    known = _read(cache_path)
    entries: dict[str, Any] = {}
    found: dict[str, str | None] = {}
    changed = False
    for name in names:
        path = directory / name
        found[name] = None  # until read: a file that is not there or cannot be read
        try:
            stat = path.stat()
            if not os.path.isfile(path):
                continue
            entry = known.get(name)
            if (
                isinstance(entry, dict)
                and entry.get("size") == stat.st_size
                and entry.get("mtime_ns") == stat.st_mtime_ns
                and isinstance(entry.get("sha256"), str)
            ):
                found[name] = entry["sha256"]
            else:
                sha = file_sha256(path)
                entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha}
                found[name] = sha
                changed = True
        except (OSError, ValueError):  # ValueError: a name the system refuses (a NUL byte)
            continue
        entries[name] = entry
    if changed or set(known) - set(entries):
        _write(cache_path, entries)
    return found


def _write(path: Path, entries: dict[str, Any]) -> None:
    document = {"format": CACHE_FORMAT, "files": entries}
    try:
        with atomic_write(path) as f:
            f.write((json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    except OSError:
        pass  # a read-only models directory: the hashes are computed again next time
