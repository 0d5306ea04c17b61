"""Refusing hostile skops archives before skops reads them: sizes, arrays and the types named.

A skops archive is a zip of a JSON schema and ``.npy`` arrays; it holds no
code, but a damaged or crafted one can ask for terabytes of memory, or name a
type whose construction runs code. :func:`types_to_trust` reads only the zip
directory, the arrays' headers and the schema, and refuses the file unless
every type it names is in :data:`ALLOWED_TYPES` (every type is checked, not only
those skops distrusts).
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from mnistlab.errors import ModelFileError, brief

__all__ = ["ALLOWED_TYPES", "types_to_trust"]

# What an archive may expand to. The largest model, knn-shift on all 60,000
# images, unpacks to about 240 MB, its schema to about 20 kB.
_SCHEMA = "schema.json"
_MAX_SCHEMA_BYTES = 16 << 20
_MAX_UNPACKED_BYTES = 4 << 30
# Deflate turns at most 258 bytes into one ~2-bit code: no member expands more.
_MAX_DEFLATE_RATIO = 1032

# Every type a file written by ``save`` may name, as "module.qualname" the way
# skops writes it. Anything else (a function such as os.system, a class from
# elsewhere) means the file is not ours, and it is refused before it is loaded.
# ByteKNeighborsClassifier is named at its module, and at the package where
# files written before it had a module of its own name it (both import it).
ALLOWED_TYPES: frozenset[str] = frozenset(
    [f"builtins.{t}" for t in ("NoneType", "bool", "dict", "float", "int", "list", "str", "tuple")]
    + ["numpy.float64", "numpy.int64", "numpy.ndarray"]
    + [
        "mnistlab.models.classical.byte_knn.ByteKNeighborsClassifier",
        "mnistlab.models.classical.ByteKNeighborsClassifier",
    ]
    + [f"mnistlab.models.transforms.{t}" for t in ("Deskew", "HogFeatures", "PixelScaler")]
    + [f"sklearn.calibration.{t}" for t in ("CalibratedClassifierCV", "_CalibratedClassifier")]
    + ["sklearn.calibration._TemperatureScaling", "sklearn.decomposition._pca.PCA"]
    + ["sklearn.pipeline.Pipeline", "sklearn.svm._classes.SVC"]
)


def types_to_trust(path: Path, what: str) -> list[str]:
    """Check the archive at ``path`` before it is loaded; return the types to pass skops.

    Parameters
    ----------
    path : Path
        The skops file.
    what : str
        How messages name it (``"the model file PATH"``).

    Returns
    -------
    list of str
        The types skops does not trust by itself, all of them in ``ALLOWED_TYPES``:
        ``skops.io.load``'s ``trusted``.

    Raises
    ------
    ModelFileError
        If the file cannot be read, is no skops archive, would expand or
        allocate more than it holds, or names any type outside ``ALLOWED_TYPES``.
    """
    import skops.io

    try:
        _check_sizes(path, what)
        named = _types_named_in(path)
        untrusted: list[str] = skops.io.get_untrusted_types(file=path)
    except ModelFileError:
        raise
    except OSError as exc:
        raise ModelFileError(f"cannot read {what} ({exc.strerror or exc})") from None
    except Exception as exc:
        # A damaged or foreign archive can fail anywhere in zipfile, json or
        # skops's schema walk; whatever the exception, the answer is the same.
        raise ModelFileError(f"{what} is not a readable skops archive ({brief(exc)})") from None
    refused = sorted((named | set(untrusted)) - ALLOWED_TYPES)
    if refused:
        raise ModelFileError(
            f"{what} names types mnistlab does not load ({', '.join(refused[:3])}); "
            "it was not written by mnistlab: delete it and train the model again"
        )
    return untrusted


def _check_sizes(path: Path, what: str) -> None:
    """Refuse an archive that would expand or allocate more than it holds, before skops reads it.

    skops reads each member whole and numpy allocates each array as its
    ``.npy`` header says, so a few kilobytes could ask for terabytes. The
    zip's directory declares every member's size and each array's header its
    shape: both are checked against each other and against what deflate can
    produce from the member's compressed bytes, reading only the headers.
    """
    total = 0
    with zipfile.ZipFile(path) as archive:
        if _SCHEMA not in archive.namelist():
            raise ModelFileError(f"{what} is not a readable skops archive (no {_SCHEMA} in it)")
        for info in archive.infolist():
            size, packed = info.file_size, info.compress_size
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ModelFileError(f"{what} uses a compression mnistlab does not write")
            limit = (
                packed if info.compress_type == zipfile.ZIP_STORED else _MAX_DEFLATE_RATIO * packed
            )
            if size > limit + 64 or (info.filename == _SCHEMA and size > _MAX_SCHEMA_BYTES):
                raise ModelFileError(
                    f"{what}: member {info.filename[:60]!r} expands to {size:,} bytes from "
                    f"{packed:,}; it is damaged or hostile: delete it and train the model again"
                )
            total += size
            if info.filename.endswith(".npy"):
                with archive.open(info) as member:
                    _check_array_header(member, size, what)
    if total > _MAX_UNPACKED_BYTES:
        raise ModelFileError(
            f"{what} expands to {total:,} bytes, more than any mnistlab model "
            f"({_MAX_UNPACKED_BYTES:,}); delete it and train the model again"
        )


def _check_array_header(member: IO[bytes], size: int, what: str) -> None:
    """Refuse an ``.npy`` member whose header declares other than the bytes it holds."""
    version = np.lib.format.read_magic(member)
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    shape, _, dtype = read_header(member)
    if dtype.hasobject:
        raise ModelFileError(f"{what} holds an array of Python objects (a pickle); delete it")
    needed = math.prod(shape) * dtype.itemsize
    held = size - member.tell()
    if needed != held:
        raise ModelFileError(
            f"{what} declares an array of {shape} {dtype} ({needed:,} bytes) in a member "
            f"holding {held:,}; it is damaged: delete it and train the model again"
        )


def _types_named_in(path: Path) -> set[str]:
    """Return every "module.class" that the archive's schema names, reading JSON only."""
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read(_SCHEMA))
    return {f"{node['__module__']}.{node['__class__']}" for node in _nodes(schema)}


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    # Over-collecting is safe (a false "type" is refused, never trusted), so
    # every dict with both keys counts, wherever it sits.
    if isinstance(tree, dict):
        if isinstance(tree.get("__module__"), str) and isinstance(tree.get("__class__"), str):
            yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)
