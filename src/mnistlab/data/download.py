"""Streaming one file over HTTP(S) into place: whole, or not at all.

The body is written through ``mnistlab.files.atomic_write``, so an interrupted
or cut download never appears under the target's name.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from mnistlab.errors import DataSourceError
from mnistlab.files import atomic_write
from mnistlab.progress import ProgressCallback

__all__ = ["ServerUnreachable", "download"]

_CHUNK = 1 << 16


class ServerUnreachable(DataSourceError):
    """The server itself cannot be reached (not just one file missing on it)."""


def download(url: str, target: Path, *, timeout: float, progress: ProgressCallback) -> None:
    """Download ``url`` to ``target``, replacing it only once the whole body has arrived.

    Parameters
    ----------
    url : str
        An ``http://`` or ``https://`` URL.
    target : Path
        Where the file goes; its directory must exist.
    timeout : float
        Seconds for connecting and for each read.
    progress : ProgressCallback
        Told ``download NAME`` with the bytes received (of ``Content-Length``).

    Raises
    ------
    ServerUnreachable
        If no connection could be made; the message is the reason alone.
    DataSourceError
        If the server answers with an HTTP error, or the body breaks off or is
        shorter than announced; the message names ``url``.

    Example
    -------
    >>> download("https://example.org/a.gz", Path("a.gz"), timeout=10,
    ...          progress=ignore_progress)  # doctest: +SKIP
    """
    task = f"download {target.name}"
    try:
        response = urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise DataSourceError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServerUnreachable(f"unreachable ({reason})") from exc
    with response, atomic_write(target, suffix=".part") as out:
        length = response.headers.get("Content-Length")
        total = float(length) if length and length.isdigit() else None
        done = 0
        progress(task, 0, total)
        try:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                progress(task, done, total)
        except OSError as exc:
            raise DataSourceError(f"{url}: download broke off: {exc}") from exc
        if total is not None and done != total:
            raise DataSourceError(f"{url}: got {done} bytes of {int(total)}")
