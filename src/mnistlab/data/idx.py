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
import io
import math
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
# Deflate turns at most 258 bytes into one ~2-bit code: no gzip file expands more
# than about 1032-fold. A header that declares more data than that is damaged.
_MAX_DEFLATE_RATIO = 1032
_CHUNK = 1 << 20


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


def _parse_header(data: bytes, *, source: str) -> tuple[int, int]:
    """Check the first 4 bytes (magic, type); return the number of dimensions and header length."""
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
    return ndim, 4 + 4 * ndim


def _shape(header: bytes, *, source: str) -> tuple[tuple[int, ...], int]:
    """Return the shape a header declares and the number of data bytes it needs.

    ``header`` is the file's first bytes: at least the whole header.
    """
    ndim, header_len = _parse_header(header, source=source)
    if len(header) < header_len:
        raise DataFormatError(
            f"{source}: truncated IDX header: {len(header)} bytes, the header needs {header_len}"
        )
    shape = struct.unpack(f">{ndim}I", header[4:header_len])
    # Python ints: a header declaring 2**31 × 2**31 bytes is only a big number here.
    # numpy refuses a shape whose sizes other than 0 multiply past its index range
    # even when a 0 makes the array empty (found by fuzzing), so such a header is
    # refused here, as damaged, instead of failing in numpy.
    if math.prod(size for size in shape if size) > np.iinfo(np.intp).max:
        raise DataFormatError(f"{source}: IDX header shape {shape} is too large for any array")
    return shape, math.prod(shape)


def _length_error(source: str, shape: tuple[int, ...], expected: int, seen: int) -> DataFormatError:
    problem = "truncated" if seen < expected else "has trailing bytes"
    return DataFormatError(
        f"{source}: IDX file {problem}: header shape {shape} needs {expected} data "
        f"bytes, file has {seen}"
    )


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
    shape, expected = _shape(data, source=source)
    header_len = 4 + 4 * len(shape)
    seen = len(data) - header_len
    if seen != expected:
        raise _length_error(source, shape, expected, seen)
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, gzip-compressed or plain (detected by content).

    The header is checked against the size of the file before anything else
    is read or allocated: a header that declares more data than the file
    can hold (for a gzip file: more than deflate can expand it to) is refused
    at once, so a damaged or hostile header cannot make the reader allocate
    exabytes, and a gzip bomb is never expanded past what the header declared.

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
    source = str(path)
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            # Detect compression by content, not name: a renamed file must still be
            # read correctly, and a plain file named .gz must not be refused.
            compressed = f.read(2) == _GZIP_MAGIC
            f.seek(0)
            if not compressed:
                return _read_stream(f, source=source, size=size, compressed=False)
            try:
                with gzip.GzipFile(fileobj=f, mode="rb") as stream:
                    return _read_stream(stream, source=source, size=size, compressed=True)
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                raise DataFormatError(
                    f"{path}: broken gzip stream ({exc or type(exc).__name__})"
                ) from None
    except DataFormatError as exc:
        # The parser's messages name the file and the problem; only here do we
        # know the bytes came from a user's file, so only here can we say what to do.
        raise DataFormatError(f"{exc}; {_REPLACE_HINT}") from None


def _read_stream(
    stream: io.BufferedIOBase, *, source: str, size: int, compressed: bool
) -> np.ndarray:
    """Read header, then exactly the declared data, from a plain or decompressing stream.

    ``size`` is the file's size on disk. A header asking for more data than
    the file can hold (for gzip: more than deflate can make of ``size``
    bytes) is refused before the array is allocated.
    """
    head = _read_exactly(stream, 4)
    _, header_len = _parse_header(head, source=source)
    head += _read_exactly(stream, header_len - 4)
    shape, expected = _shape(head, source=source)
    if not compressed and size - header_len != expected:
        raise _length_error(source, shape, expected, max(size - header_len, 0))
    if compressed and expected > _MAX_DEFLATE_RATIO * size:
        raise DataFormatError(
            f"{source}: IDX header shape {shape} needs {expected} data bytes, more than a "
            f"gzip file of {size} bytes can hold: the header is damaged"
        )
    # np.empty reserves address space only; pages are touched as data arrives,
    # so a stream that ends early never costs the memory its header claimed.
    data = np.empty(expected, dtype=np.uint8)
    view = data.data
    filled = 0
    while filled < expected:
        count = stream.readinto(view[filled : filled + _CHUNK])
        if not count:
            break
        filled += count
    if filled < expected:
        raise _length_error(source, shape, expected, filled)
    trailing = len(stream.read(_CHUNK))
    if trailing:
        raise _length_error(source, shape, expected, expected + trailing)
    return data.reshape(shape)


def _read_exactly(stream: io.BufferedIOBase, count: int) -> bytes:
    """Read up to ``count`` bytes (fewer only at the end of the stream)."""
    parts, missing = [], count
    while missing > 0:
        part = stream.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)
