"""The four IDX files in a directory the user names (``--data-dir``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnistlab.data.idx import read_idx
from mnistlab.data.registry import IDX_FILES, DatasetSpec
from mnistlab.data.sources.base import assemble
from mnistlab.errors import DataSourceError
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = ["LocalSource"]


@dataclass(frozen=True)
class LocalSource:
    """The four IDX files in a directory, ``.gz`` or uncompressed.

    Parameters
    ----------
    directory : Path
        Holds ``train-images-idx3-ubyte.gz`` (or ``train-images-idx3-ubyte``)
        and its three siblings.
    name : str, default "local"
        Shown to users as the source that served the data.

    Example
    -------
    >>> images, labels = LocalSource(Path("../shared/data/mnist")).fetch(
    ...     get_dataset_spec("mnist"), progress=ignore_progress)  # doctest: +SKIP
    """

    directory: Path
    name: str = "local"

    def _find(self, filename: str) -> Path:
        for candidate in (self.directory / (filename + ".gz"), self.directory / filename):
            if candidate.is_file():
                return candidate
        raise DataSourceError(
            f"{self.directory}: no {filename}.gz (or {filename}) in the data directory"
        )

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback = ignore_progress
    ) -> tuple[np.ndarray, np.ndarray]:
        """Read the four files; see ``Source.fetch``."""
        if not self.directory.is_dir():
            raise DataSourceError(f"data directory {self.directory} does not exist")
        paths = {f.key: self._find(f.filename) for f in IDX_FILES}
        parts: dict[str, np.ndarray] = {}
        for done, f in enumerate(IDX_FILES):
            progress("read IDX files", done, len(IDX_FILES))
            try:
                parts[f.key] = read_idx(paths[f.key])
            except OSError as exc:
                raise DataSourceError(f"{paths[f.key]}: cannot read: {exc}") from exc
        progress("read IDX files", len(IDX_FILES), len(IDX_FILES))
        return assemble(spec, parts)
