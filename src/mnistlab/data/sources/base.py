"""What a source is: something that delivers the canonical arrays of a data set.

Every source returns the same canonical arrays: images uint8 of shape
(n_images, n_pixels) and labels uint8 of shape (n_images,), training then
test, in the original order. Sources only *fetch*; ``fetch_arrays`` verifies
the result against the pinned MD5s before anyone uses it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from mnistlab.data.registry import IDX_FILES, DatasetSpec
from mnistlab.errors import DataFormatError
from mnistlab.progress import ProgressCallback

__all__ = ["Source", "assemble"]


class Source(Protocol):
    """Something that can deliver the canonical arrays of a data set."""

    @property
    def name(self) -> str:
        """Short name shown to users: ``local``, ``mirror``, ..."""
        ...

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(images, labels)``, not yet verified."""
        ...


def assemble(spec: DatasetSpec, parts: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Join the arrays of the four IDX files into canonical images and labels.

    Parameters
    ----------
    spec : DatasetSpec
    parts : dict of str to ndarray
        Keyed by ``IdxFile.key``, shaped as published.

    Returns
    -------
    images : ndarray of uint8, shape (n_images, n_pixels)
    labels : ndarray of uint8, shape (n_images,)

    Raises
    ------
    DataFormatError
        If a file's shape is not the one of this data set.

    Example
    -------
    >>> images, labels = assemble(spec, {f.key: read_idx(...) for f in IDX_FILES})  # doctest: +SKIP
    """
    want = {
        "train-images": (spec.n_train, *spec.image_shape),
        "train-labels": (spec.n_train,),
        "test-images": (spec.n_test, *spec.image_shape),
        "test-labels": (spec.n_test,),
    }
    for f in IDX_FILES:
        if parts[f.key].shape != want[f.key]:
            raise DataFormatError(
                f"{f.filename}: shape {parts[f.key].shape}, but {spec.name} needs "
                f"{want[f.key]}; the file belongs to another data set or is cut"
            )
    images = np.concatenate(
        [
            parts["train-images"].reshape(spec.n_train, -1),
            parts["test-images"].reshape(spec.n_test, -1),
        ]
    )
    labels = np.concatenate([parts["train-labels"], parts["test-labels"]])
    return images, labels
