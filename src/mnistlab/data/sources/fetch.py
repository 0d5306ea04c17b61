"""Trying sources in order until one delivers data that passes its checksums."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from mnistlab.config import DATA_DIR_ENV
from mnistlab.data.registry import DatasetSpec
from mnistlab.data.sources.base import Source
from mnistlab.data.verify import verify_arrays
from mnistlab.errors import DataFormatError, DataIntegrityError, DataSourceError, brief
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = ["fetch_arrays"]

logger = logging.getLogger(__name__)

# Failures after which the automatic chain moves on to the next source. Any
# other exception is a bug and must surface, not be swallowed as "unavailable".
_SOURCE_FAILURES = (DataSourceError, DataIntegrityError, DataFormatError)


def fetch_arrays(
    spec: DatasetSpec,
    sources: Sequence[Source],
    *,
    progress: ProgressCallback = ignore_progress,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Try ``sources`` in order; return the first verified arrays.

    Parameters
    ----------
    spec : DatasetSpec
    sources : sequence of Source
        Tried in order. With one source its own error is raised unchanged;
        with several, a failure moves on to the next one.
    progress : ProgressCallback, optional

    Returns
    -------
    images : ndarray of uint8, shape (n_images, n_pixels)
    labels : ndarray of uint8, shape (n_images,)
    source : str
        Name of the source that served them.

    Raises
    ------
    DataSourceError
        If every source failed: one message with each source's reason and how
        to point mnistlab at local files.
    DataIntegrityError, DataFormatError
        If a single source delivered data that is not ``spec``.

    Example
    -------
    >>> sources = default_sources(spec, locations)  # doctest: +SKIP
    >>> images, labels, name = fetch_arrays(spec, sources)  # doctest: +SKIP
    """
    if not sources:
        raise DataSourceError(f"no source to fetch {spec.name} from")
    if len(sources) == 1:
        images, labels = sources[0].fetch(spec, progress=progress)
        verify_arrays(spec, images, labels, origin=sources[0].name)
        return images, labels, sources[0].name
    reasons: list[str] = []
    for source in sources:
        try:
            images, labels = source.fetch(spec, progress=progress)
            verify_arrays(spec, images, labels, origin=source.name)
        except _SOURCE_FAILURES as exc:
            # The user named a local directory on purpose (or installed a system
            # copy): when its files are broken they must hear of it even though
            # another source saves the day.
            log = logger.warning if source.name.startswith(("local", "system")) else logger.info
            log("source %s failed for %s: %s", source.name, spec.name, exc)
            reasons.append(f"{source.name}: {brief(exc, limit=300, with_type=False)}")
            continue
        return images, labels, source.name
    tried = "; ".join(reasons)
    raise DataSourceError(
        f"could not get {spec.name} from any source (tried {tried}). If you have the four "
        f"IDX files (train-images-idx3-ubyte.gz and siblings), point mnistlab at their "
        f"directory with --data-dir or the {DATA_DIR_ENV} environment variable"
    )
