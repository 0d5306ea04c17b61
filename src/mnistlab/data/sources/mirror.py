"""The published IDX files, downloaded over HTTP(S) from the authors' mirrors.

Each file is streamed into place whole (``mnistlab.data.download``), then its
*uncompressed* content is checked against the pinned MD5; a file that fails is
deleted at once, and a kept file is checked again on every use, so a corrupted
download is never used. A mirror that cannot be reached at all is skipped for
the remaining files, so an offline machine fails in one short timeout per mirror.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistlab.data.download import ServerUnreachable, download
from mnistlab.data.idx import idx_md5, read_idx
from mnistlab.data.registry import IDX_FILES, DatasetSpec, IdxFile
from mnistlab.data.sources.base import assemble
from mnistlab.errors import DataFormatError, DataIntegrityError, DataSourceError
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = ["MirrorSource"]

logger = logging.getLogger(__name__)


def _read_verified(path: Path, f: IdxFile, spec: DatasetSpec, url: str) -> np.ndarray:
    """Read ``path`` (bounded by its size and header), check its MD5; raise on any mismatch.

    ``read_idx`` never expands a gzip stream past what its header declares, and
    refuses a header that the file cannot hold, so a hostile download cannot
    exhaust memory before its checksum is compared.
    """
    try:
        array = read_idx(path)
    except DataFormatError as exc:
        raise DataFormatError(f"{url}: {exc}") from None
    seen = idx_md5(array)  # the MD5 of the uncompressed IDX file
    if seen != spec.md5[f.key]:
        raise DataIntegrityError(
            f"{url}: {f.filename} expected MD5 {spec.md5[f.key]}, seen {seen}; the mirror "
            "serves a different or corrupted file. Try another --source or --data-dir"
        )
    return array


@dataclass(frozen=True)
class MirrorSource:
    """Download the four ``.gz`` files from the first mirror that serves them.

    Parameters
    ----------
    directory : Path
        Where verified downloads are kept (and reused after re-verification).
    mirrors : tuple of str or None
        Base URLs, each ending with ``/``; ``None`` for the data set's own.
        Tests pass a server on 127.0.0.1.
    timeout : float
        Seconds for connecting and for each read; short, so offline fails fast.

    Example
    -------
    >>> source = MirrorSource(Path("/tmp/dl"), mirrors=("http://127.0.0.1:8000/",))
    >>> images, labels = source.fetch(get_dataset_spec("mnist"))  # doctest: +SKIP
    """

    directory: Path
    mirrors: tuple[str, ...] | None = None
    timeout: float = 10.0
    name: str = "mirror"

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback = ignore_progress
    ) -> tuple[np.ndarray, np.ndarray]:
        """Download and verify the four files; see ``Source.fetch``."""
        mirrors = spec.mirrors if self.mirrors is None else self.mirrors
        if not mirrors:
            raise DataSourceError(f"{spec.name} has no download mirror")
        self.directory.mkdir(parents=True, exist_ok=True)
        down: dict[str, str] = {}
        parts = {f.key: self._fetch_file(spec, f, mirrors, down, progress) for f in IDX_FILES}
        return assemble(spec, parts)

    def _fetch_file(
        self,
        spec: DatasetSpec,
        f: IdxFile,
        mirrors: tuple[str, ...],
        down: dict[str, str],
        progress: ProgressCallback,
    ) -> np.ndarray:
        target = self.directory / f.gz_name
        if target.is_file():
            try:
                return _read_verified(target, f, spec, str(target))
            except (DataFormatError, DataIntegrityError) as exc:
                # A kept download is re-verified on every use and never trusted.
                logger.warning("discarding kept download %s: %s", target, exc)
                target.unlink(missing_ok=True)
        reasons: list[str] = []
        integrity: Exception | None = None
        for base in mirrors:
            if base in down:
                reasons.append(f"{base}: skipped, {down[base]}")
                continue
            url = base + f.gz_name
            try:
                return self._download(url, target, f, spec, progress)
            except ServerUnreachable as exc:
                down[base] = str(exc)
                reasons.append(f"{url}: {exc}")
            except (DataFormatError, DataIntegrityError) as exc:
                integrity = exc
                reasons.append(str(exc))
            except DataSourceError as exc:
                reasons.append(str(exc))
        summary = "; ".join(reasons)
        if integrity is not None:
            raise DataIntegrityError(f"no mirror served a good {f.gz_name}: {summary}")
        raise DataSourceError(f"no mirror served {f.gz_name}: {summary}")

    def _download(
        self, url: str, target: Path, f: IdxFile, spec: DatasetSpec, progress: ProgressCallback
    ) -> np.ndarray:
        if not url.startswith(("https://", "http://")):
            raise DataSourceError(f"{url}: only http(s) mirrors are supported")
        download(url, target, timeout=self.timeout, progress=progress)
        try:
            return _read_verified(target, f, spec, url)
        except (DataFormatError, DataIntegrityError):
            target.unlink(missing_ok=True)
            raise
