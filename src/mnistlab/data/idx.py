"""Read and write IDX files, the format MNIST and its siblings are published in.

An IDX file is big-endian: two zero bytes, a type byte, a byte with the number
of dimensions, one unsigned 32-bit size per dimension, then the data in
row-major order. Only the unsigned-byte type (0x08) is accepted because every
MNIST-like data set uses it, and a reader that accepts less is a reader that
cannot be tricked into reading half a file.

The writer exists for checksums: turning arrays from *any* source back into the
exact bytes of the published file lets one pinned MD5 identify the data
whether it came from IDX files, OpenML or a pickle.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from mnistlab.errors import DataFormatError

__all__ = ["UBYTE", "idx_bytes", "idx_header", "idx_md5", "parse_idx", "read_idx"]

#: The IDX type byte of unsigned 8-bit data, the only type accepted.
UBYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"
_REPLACE_HINT = (
    "replace it with a fresh copy of the original file, "
    "or remove it and let mnistlab fetch the data"
)
# MNIST-like arrays have one to three dimensions; a larger count in a header
# is far more likely to be garbage than a real file.
_MAX_DIMS = 4


def idx_header(shape: tuple[int, ...]) -> bytes:
    """Return the IDX header of a uint8 array of ``shape``.

    Parameters
    ----------
    shape : tuple of int
        One to four non-negative sizes, each below 2**32.

    Returns
    -------
    bytes
        Magic number and sizes, ``4 + 4 * len(shape)`` bytes.

    Raises
    ------
    DataFormatError
        If the shape cannot be written as IDX.

    Example
    -------
    >>> idx_header((2, 3)).hex()
    '000008020000000200000003'
    """
    if not 1 <= len(shape) <= _MAX_DIMS:
        raise DataFormatError(f"IDX holds 1 to {_MAX_DIMS} dimensions, got shape {shape}")
    if any(not 0 <= int(size) < 2**32 for size in shape):
        raise DataFormatError(f"IDX sizes must fit in 32 unsigned bits, got shape {shape}")
    return struct.pack(f">BBBB{len(shape)}I", 0, 0, UBYTE, len(shape), *shape)


def _as_ubyte(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.uint8:
        raise DataFormatError(f"IDX writer takes uint8 arrays only, got dtype {array.dtype}")
    return np.ascontiguousarray(array)


def idx_bytes(array: np.ndarray) -> bytes:
    """Return the complete IDX file (header + data) of a uint8 array.

    Parameters
    ----------
    array : ndarray of uint8
        One to four dimensions.

    Returns
    -------
    bytes
        Exactly the bytes of the uncompressed IDX file.

    Raises
    ------
    DataFormatError
        If the array is not uint8 or its shape cannot be written as IDX.

    Example
    -------
    >>> idx_bytes(np.array([5, 0], dtype=np.uint8)).hex()
    '00000801000000020500'
    """
    data = _as_ubyte(array)
    return idx_header(data.shape) + data.tobytes()


def idx_md5(array: np.ndarray) -> str:
    """Return the MD5 of ``idx_bytes(array)`` without building that copy.

    Parameters
    ----------
    array : ndarray of uint8

    Returns
    -------
    str
        Hex digest, comparable with the MD5 published for the IDX file.

    Example
    -------
    >>> idx_md5(np.zeros(3, dtype=np.uint8)) == hashlib.md5(
    ...     idx_bytes(np.zeros(3, dtype=np.uint8))).hexdigest()
    True
    """
    data = _as_ubyte(array)
    digest = hashlib.md5(idx_header(data.shape), usedforsecurity=False)
    # Hashing the array's buffer directly avoids a 47 MB copy for MNIST images.
    digest.update(data.data.cast("B"))
    return digest.hexdigest()


def parse_idx(data: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an uncompressed IDX file.

    Parameters
    ----------
    data : bytes
        The whole file.
    source : str, optional
        Name of the file, used in error messages.

    Returns
    -------
    ndarray of uint8
        Shaped as the header says; a read-only view of ``data``.

    Raises
    ------
    DataFormatError
        If the magic number, type, sizes or length are not consistent.

    Example
    -------
    >>> parse_idx(bytes.fromhex("00000801000000020500")).tolist()
    [5, 0]
    """
    if len(data) < 4:
        raise DataFormatError(f"{source}: not an IDX file: only {len(data)} bytes")
    zero1, zero2, type_byte, ndim = data[0], data[1], data[2], data[3]
    if zero1 != 0 or zero2 != 0:
        raise DataFormatError(
            f"{source}: not an IDX file: magic number starts with {data[:2].hex()}, expected 0000"
        )
    if type_byte != UBYTE:
        raise DataFormatError(
            f"{source}: IDX type byte 0x{type_byte:02x} is not supported; "
            "only unsigned bytes (0x08) are"
        )
    if not 1 <= ndim <= _MAX_DIMS:
        raise DataFormatError(
            f"{source}: IDX header declares {ndim} dimensions; expected 1 to {_MAX_DIMS}"
        )
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DataFormatError(
            f"{source}: truncated IDX header: {len(data)} bytes, the header needs {header_len}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    expected = 1
    for size in shape:
        expected *= size
    seen = len(data) - header_len
    if seen != expected:
        problem = "truncated" if seen < expected else "has trailing bytes"
        raise DataFormatError(
            f"{source}: IDX file {problem}: header shape {shape} needs {expected} data "
            f"bytes, file has {seen}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, gzip-compressed or plain (detected by content).

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    ndarray of uint8
        Shaped as the header says.

    Raises
    ------
    DataFormatError
        If the file is not a well-formed IDX file or its gzip stream is broken.
    OSError
        If the file cannot be read.

    Example
    -------
    >>> images = read_idx("../shared/data/mnist/t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
    >>> images.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    path = Path(path)
    raw = path.read_bytes()
    # Detect compression by content, not name: a renamed file must still be read
    # correctly, and a plain file named .gz must not be refused.
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataFormatError(f"{path}: broken gzip stream ({exc}); {_REPLACE_HINT}") from exc
    try:
        return parse_idx(raw, source=str(path))
    except DataFormatError as exc:
        # parse_idx works on bytes from any source; only here do we know the
        # bytes came from a user's file, so only here can we say what to do.
        raise DataFormatError(f"{exc}; {_REPLACE_HINT}") from None
