"""Check arrays against the pinned MD5s of the published IDX files.

Whatever served the data (IDX files, OpenML, a pickle, the cache), the arrays
are turned back into the exact bytes of the four published files and hashed.
One set of pinned checksums thus identifies the data from every source, and
nothing is used before it has been checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from mnistlab.data.idx import idx_md5
from mnistlab.data.registry import IDX_FILES, DatasetSpec, IdxFile
from mnistlab.errors import DataIntegrityError

__all__ = [
    "FileCheck",
    "check_arrays",
    "dataset_checksum",
    "split_arrays",
    "verify_arrays",
    "whole_numbers_uint8",
]


def whole_numbers_uint8(values: np.ndarray, what: str, high: int = 255) -> np.ndarray:
    """Return ``values`` as uint8 after checking that each is a whole number from 0 to ``high``.

    Sources that serve pixels or labels as floating-point numbers go through
    this check before their values are taken as bytes.

    Parameters
    ----------
    values : ndarray of float
        Pixel values or labels as a source served them.
    what : str
        What the values are, named in the error message.
    high : int, default=255
        The largest value allowed (at most 255).

    Returns
    -------
    ndarray of uint8, the shape of ``values``

    Raises
    ------
    DataIntegrityError
        If a value is not finite, not whole, or outside 0..``high``.

    Example
    -------
    >>> whole_numbers_uint8(np.array([0.0, 7.0, 255.0]), "pixels").tolist()
    [0, 7, 255]
    """
    if values.size and (
        not np.all(np.isfinite(values))
        or values.min() < 0
        or values.max() > high
        or not np.array_equal(values, np.round(values))
    ):
        raise DataIntegrityError(f"{what} are not whole numbers from 0 to {high}")
    return values.astype(np.uint8)


@dataclass(frozen=True)
class FileCheck:
    """The checksum comparison of one of the four IDX files.

    Parameters
    ----------
    key : str
        ``train-images``, ``train-labels``, ``test-images`` or ``test-labels``.
    expected, seen : str
        Pinned and computed MD5.
    """

    key: str
    expected: str
    seen: str

    @property
    def ok(self) -> bool:
        """Whether the computed MD5 equals the pinned one."""
        return self.expected == self.seen


def _check_shapes(spec: DatasetSpec, images: np.ndarray, labels: np.ndarray) -> None:
    want_images = (spec.n_images, spec.n_pixels)
    if images.dtype != np.uint8 or images.shape != want_images:
        raise DataIntegrityError(
            f"{spec.name}: images are {images.dtype} {images.shape}, expected uint8 "
            f"{want_images}; the source does not hold this data set"
        )
    if labels.dtype != np.uint8 or labels.shape != (spec.n_images,):
        raise DataIntegrityError(
            f"{spec.name}: labels are {labels.dtype} {labels.shape}, expected uint8 "
            f"({spec.n_images},); the source does not hold this data set"
        )


def split_arrays(
    spec: DatasetSpec, images: np.ndarray, labels: np.ndarray
) -> dict[str, np.ndarray]:
    """Return the arrays of the four IDX files, shaped as published.

    Parameters
    ----------
    spec : DatasetSpec
    images : ndarray of uint8, shape (n_images, n_pixels)
    labels : ndarray of uint8, shape (n_images,)

    Returns
    -------
    dict of str to ndarray
        Views keyed by ``IdxFile.key``; images are (n, height, width).

    Raises
    ------
    DataIntegrityError
        If dtypes or shapes are not those of the data set.

    Example
    -------
    >>> parts = split_arrays(spec, images, labels)  # doctest: +SKIP
    >>> parts["test-images"].shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    _check_shapes(spec, images, labels)
    n = spec.n_train
    return {
        "train-images": images[:n].reshape(n, *spec.image_shape),
        "train-labels": labels[:n],
        "test-images": images[n:].reshape(spec.n_test, *spec.image_shape),
        "test-labels": labels[n:],
    }


def check_arrays(
    spec: DatasetSpec, images: np.ndarray, labels: np.ndarray
) -> tuple[FileCheck, ...]:
    """Compare the arrays with the pinned MD5s, without raising on a mismatch.

    Parameters
    ----------
    spec : DatasetSpec
    images : ndarray of uint8, shape (n_images, n_pixels)
    labels : ndarray of uint8, shape (n_images,)

    Returns
    -------
    tuple of FileCheck
        One per IDX file, in ``IDX_FILES`` order.

    Raises
    ------
    DataIntegrityError
        If dtypes or shapes are wrong (there is then nothing to hash).

    Example
    -------
    >>> all(check.ok for check in check_arrays(spec, images, labels))  # doctest: +SKIP
    True
    """
    parts = split_arrays(spec, images, labels)
    return tuple(
        FileCheck(key=f.key, expected=spec.md5[f.key], seen=idx_md5(parts[f.key]))
        for f in IDX_FILES
    )


def _mismatch_message(spec: DatasetSpec, bad: list[FileCheck], origin: str) -> str:
    where = f" from {origin}" if origin else ""
    files = "; ".join(
        f"{check.key} ({_file(check.key).filename}) expected MD5 {check.expected}, "
        f"seen {check.seen}"
        for check in bad
    )
    return (
        f"{spec.name} data{where} failed its checksum: {files}. It is probably a different "
        "data set or a corrupted copy; point mnistlab at the genuine files "
        "(--data-dir / MNISTLAB_DATA_DIR) or choose another --source"
    )


def _file(key: str) -> IdxFile:
    return next(f for f in IDX_FILES if f.key == key)


def verify_arrays(
    spec: DatasetSpec, images: np.ndarray, labels: np.ndarray, *, origin: str = ""
) -> tuple[FileCheck, ...]:
    """Verify that the arrays are exactly the data set ``spec`` describes.

    Parameters
    ----------
    spec : DatasetSpec
    images : ndarray of uint8, shape (n_images, n_pixels)
        Training images then test images, each flattened row by row.
    labels : ndarray of uint8, shape (n_images,)
    origin : str, optional
        Where the arrays came from, named in the error message.

    Returns
    -------
    tuple of FileCheck
        The four checks, all ok.

    Raises
    ------
    DataIntegrityError
        If a dtype, shape or checksum differs; the message names each file with
        its expected and seen MD5.

    Example
    -------
    >>> from mnistlab.data import get_dataset_spec, load
    >>> data = load("mnist")  # doctest: +SKIP
    >>> spec = get_dataset_spec("mnist")
    >>> checks = verify_arrays(spec, data.images, data.labels)  # doctest: +SKIP
    """
    checks = check_arrays(spec, images, labels)
    bad = [check for check in checks if not check.ok]
    if bad:
        raise DataIntegrityError(_mismatch_message(spec, bad, origin))
    return checks


def dataset_checksum(spec: DatasetSpec) -> str:
    """Return one hex id of the verified data of ``spec``.

    It is the SHA-256 of the four pinned MD5s in ``IDX_FILES`` order, each
    followed by a newline. Data is only ever handed out after it matched those
    MD5s, so this id names the data itself, whatever source served it.

    Parameters
    ----------
    spec : DatasetSpec

    Returns
    -------
    str
        64 hex digits.

    Example
    -------
    >>> from mnistlab.data.registry import get_dataset_spec
    >>> len(dataset_checksum(get_dataset_spec("mnist")))
    64
    """
    text = "".join(spec.md5[f.key] + "\n" for f in IDX_FILES)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
