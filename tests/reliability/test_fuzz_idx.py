"""Hostile IDX files: the reader returns the declared array or a DataFormatError, nothing else.

Never a crash, a hang, a MemoryError, nor an allocation that a header asked
for but the file cannot hold: a header declaring 2**31 × 2**31 bytes is refused
from the header and the file size, before anything is allocated or expanded.
"""

from __future__ import annotations

import gzip
import struct
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mnistlab.data.idx import idx_bytes, parse_idx, read_idx
from mnistlab.errors import DataFormatError
from tests.reliability.fuzzing import bounded, cases, fuzz_settings, memory_bounded

RANDOM_CASES = cases(200)
HEADER_CASES = cases(200)
HUGE_CASES = cases(100)
DAMAGE_CASES = cases(200)

# No case may make the process grow by more than this: the largest honest file
# these tests write is a few kilobytes.
MEMORY_MB = 200

SAMPLE = np.arange(6 * 5 * 4, dtype=np.uint8).reshape(6, 5, 4)


def _read(path: Path, content: bytes) -> np.ndarray | None:
    """Write ``content`` and read it; return the array, or None after our own error."""
    path.write_bytes(content)
    result = None
    with bounded(10):
        result = read_idx(path)
    return result


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)


@pytest.mark.fault("random bytes as an IDX file (plain or gzip)", cases=RANDOM_CASES)
@fuzz_settings(RANDOM_CASES)
@given(data=st.binary(max_size=4096), compress=st.booleans())
def test_random_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, compress: bool
) -> None:
    path = tmp_path_factory.mktemp("idx") / "random-idx3-ubyte"
    with memory_bounded(MEMORY_MB):
        _read(path, _gz(data) if compress else data)


headers = st.tuples(
    st.sampled_from([0x08, 0x08, 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0xFF]),
    st.integers(0, 255),  # number of dimensions
    st.lists(st.integers(0, 2**32 - 1) | st.integers(0, 40) | st.just(0), max_size=6),
    st.binary(max_size=2048),
    st.booleans(),
)


@pytest.mark.fault("IDX headers with wrong types, dimensions and sizes", cases=HEADER_CASES)
@fuzz_settings(HEADER_CASES)
@given(case=headers)
def test_random_headers(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[int, int, list[int], bytes, bool]
) -> None:
    type_byte, ndim, sizes, body, compress = case
    content = struct.pack(">BBBB", 0, 0, type_byte, ndim)
    content += struct.pack(f">{len(sizes)}I", *sizes) + body
    path = tmp_path_factory.mktemp("idx") / "header-idx3-ubyte"
    with memory_bounded(MEMORY_MB):
        array = _read(path, _gz(content) if compress else content)
    if array is not None:
        # accepted only when it is exactly what the header declares
        assert type_byte == 0x08 and array.dtype == np.uint8
        assert array.shape == tuple(sizes[:ndim]) and array.tobytes() == content[4 + 4 * ndim :]


@pytest.mark.fault("IDX headers declaring up to 2^32 per dimension (exabytes)", cases=HUGE_CASES)
@fuzz_settings(HUGE_CASES)
@given(
    shape=st.lists(st.integers(2**20, 2**32 - 1), min_size=1, max_size=4),
    zeros=st.integers(0, (1 << 20) - 1),
    compress=st.booleans(),
)
def test_huge_dimensions_are_refused_before_allocation(
    tmp_path_factory: pytest.TempPathFactory, shape: list[int], zeros: int, compress: bool
) -> None:
    # The data that follows is a megabyte of zeros at most: a gzip bomb in
    # miniature, whose compressed size says the header cannot be true.
    content = struct.pack(f">BBBB{len(shape)}I", 0, 0, 0x08, len(shape), *shape) + bytes(zeros)
    path = tmp_path_factory.mktemp("idx") / "huge-idx3-ubyte"
    path.write_bytes(_gz(content) if compress else content)
    started = time.perf_counter()
    with (
        memory_bounded(MEMORY_MB),
        pytest.raises(DataFormatError, match=r"\(.*\) (needs \d+|is too large)"),
    ):
        read_idx(path)
    assert time.perf_counter() - started < 2.0


def _write_bomb(path: Path, header: bytes, megabytes: int) -> None:
    """A gzip file of ``header`` and ``megabytes`` of zeros, written without holding them."""
    zeros = bytes(1 << 20)
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:
        f.write(header)
        for _ in range(megabytes):
            f.write(zeros)


@pytest.mark.fault("gzip bomb (256 MB of zeros) under a 2^31 × 2^31 header", cases=1)
def test_an_exabyte_header_on_a_gzip_bomb_is_refused_unexpanded(tmp_path: Path) -> None:
    # 2**31 × 2**31 declared; 256 MB of zeros behind it, compressed to 250 KB.
    path = tmp_path / "bomb-idx2-ubyte.gz"
    _write_bomb(path, struct.pack(">BBBBII", 0, 0, 0x08, 2, 2**31, 2**31), 256)
    started = time.perf_counter()
    with (
        memory_bounded(50),
        pytest.raises(
            DataFormatError, match=r"needs 4611686018427387904 data bytes, more than a gzip file"
        ),
    ):
        read_idx(path)
    assert time.perf_counter() - started < 1.0


@pytest.mark.fault("gzip bomb (512 MB of zeros) under a 10-byte header", cases=1)
def test_a_gzip_bomb_behind_a_small_header_is_expanded_no_further_than_declared(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bomb-idx1-ubyte.gz"
    _write_bomb(path, struct.pack(">BBBBI", 0, 0, 0x08, 1, 10), 512)
    with memory_bounded(50), pytest.raises(DataFormatError, match="has trailing bytes"):
        read_idx(path)


@pytest.mark.fault("IDX header with a 0 and sizes past numpy's range (atheris)", cases=1)
@pytest.mark.parametrize("compress", [False, True])
def test_an_empty_shape_too_large_for_numpy_is_refused(tmp_path: Path, compress: bool) -> None:
    # Found by scripts/fuzz_atheris.py: (0, 524288, 65535, 4294901760) holds no
    # bytes, so the file's length agreed, but numpy cannot make such an array.
    content = struct.pack(">BBBB4I", 0, 0, 0x08, 4, 0, 2**19, 2**16 - 1, 2**32 - 2**16)
    path = tmp_path / "empty-idx4-ubyte"
    path.write_bytes(_gz(content) if compress else content)
    with pytest.raises(DataFormatError, match="is too large for any array"):
        read_idx(path)
    with pytest.raises(DataFormatError, match="is too large for any array"):
        parse_idx(content)


damage = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.binary(max_size=0)),
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("append"), st.integers(0, 0), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("append inside"), st.integers(0, 0), st.binary(min_size=1, max_size=64)),
)


@pytest.mark.fault(
    "truncated, corrupted and over-long IDX files, plain and gzip", cases=DAMAGE_CASES
)
@fuzz_settings(DAMAGE_CASES)
@given(case=damage, compress=st.booleans())
def test_damaged_files(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, int, bytes], compress: bool
) -> None:
    how, where, extra = case
    plain = idx_bytes(SAMPLE)
    if how == "append inside":
        plain, how = plain + extra, "inside"
    content = _gz(plain) if compress else plain
    if how == "truncate":
        content = content[: where % len(content)]
    elif how == "flip":
        at = where % len(content)
        changed = bytes(a ^ b for a, b in zip(content[at : at + len(extra)], extra, strict=False))
        content = content[:at] + changed + content[at + len(changed) :]
    elif how == "append":
        content += extra
    path = tmp_path_factory.mktemp("idx") / "damaged-idx3-ubyte"
    with memory_bounded(MEMORY_MB):
        array = _read(path, content)
    if array is not None:
        # A plain IDX file has no checksum (the data set's MD5 catches changed
        # pixels), so a flipped data byte reads; gzip's CRC catches every change
        # to the data, so there only a change in the gzip header or zeros after
        # the stream may still read, and then the data must be the original.
        assert array.shape == SAMPLE.shape and how in ("flip", "append")
        if compress:
            np.testing.assert_array_equal(array, SAMPLE)
    if how in ("truncate", "inside") or (how == "append" and not compress):
        assert array is None
