"""Writing files so that a crash, a full disk or Ctrl-C never leaves half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_write(path: str | os.PathLike[str], *, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` whole.

    The file is written, flushed and synced under a hidden temporary name in
    the same directory (so the final rename stays on one file system, where it
    is atomic), then renamed onto ``path``. If anything fails or is
    interrupted, the temporary file is removed and ``path`` is untouched:
    readers see the old file or the new one, never a part.

    Parameters
    ----------
    path : path-like
        The file to write; its directory must exist.
    suffix : str, default ".tmp"
        Suffix of the temporary name (some writers choose a format by suffix).

    Example
    -------
    >>> with atomic_write(tmp_path / "a.bin") as f:  # doctest: +SKIP
    ...     f.write(b"all or nothing")
    """
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
