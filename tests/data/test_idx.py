"""The IDX reader refuses every inconsistent file; the writer round-trips."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mnistlab.data.idx import idx_bytes, idx_header, idx_md5, parse_idx, read_idx
from mnistlab.errors import DataFormatError

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)


def write(path: Path, data: bytes, *, compress: bool = False) -> Path:
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_reads_plain_and_gzip(tmp_path: Path, compress: bool) -> None:
    path = write(tmp_path / "images-idx3-ubyte.gz", idx_bytes(IMAGES), compress=compress)
    np.testing.assert_array_equal(read_idx(path), IMAGES)


def test_header_is_big_endian() -> None:
    assert idx_header((2, 3)) == bytes.fromhex("000008020000000200000003")


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "cut", idx_bytes(IMAGES)[:-1])
    with pytest.raises(DataFormatError, match=r"cut: IDX file truncated.*needs 24 data bytes"):
        read_idx(path)


def test_trailing_bytes_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "long", idx_bytes(IMAGES) + b"\0", compress=True)
    with pytest.raises(DataFormatError, match="long: IDX file has trailing bytes"):
        read_idx(path)


def test_wrong_magic_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "magic", b"\x01" + idx_bytes(IMAGES)[1:])
    with pytest.raises(DataFormatError, match="magic: not an IDX file: magic number"):
        read_idx(path)


def test_wrong_type_byte_is_refused(tmp_path: Path) -> None:
    data = bytearray(idx_bytes(IMAGES))
    data[2] = 0x0D  # float
    with pytest.raises(DataFormatError, match="type byte 0x0d is not supported"):
        read_idx(write(tmp_path / "float", bytes(data)))


def test_label_file_of_wrong_length_is_refused(tmp_path: Path) -> None:
    header = struct.pack(">BBBBI", 0, 0, 8, 1, 60000)
    path = write(tmp_path / "labels", header + bytes(59999), compress=True)
    with pytest.raises(DataFormatError, match=r"labels: IDX file truncated.*\(60000,\)"):
        read_idx(path)


def test_truncated_header_is_refused() -> None:
    with pytest.raises(DataFormatError, match="truncated IDX header"):
        parse_idx(bytes([0, 0, 8, 3, 0, 0, 0, 1]), source="x")


def test_broken_gzip_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.gz", gzip.compress(idx_bytes(IMAGES))[:-10])
    with pytest.raises(DataFormatError, match="broken gzip stream"):
        read_idx(path)


def test_writer_refuses_other_dtypes() -> None:
    with pytest.raises(DataFormatError, match="uint8 arrays only"):
        idx_bytes(np.zeros(3, dtype=np.int64))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_only_raise_format_errors(data: bytes) -> None:
    try:
        array = parse_idx(data)
    except DataFormatError:
        return
    assert idx_bytes(array) == data


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=4).flatmap(
        lambda dims: st.tuples(st.just(dims), st.binary(max_size=int(np.prod(dims)) + 3))
    )
)
def test_random_headers_only_raise_format_errors(case: tuple[list[int], bytes]) -> None:
    dims, body = case
    data = struct.pack(f">BBBB{len(dims)}I", 0, 0, 8, len(dims), *dims) + body
    try:
        array = parse_idx(data)
    except DataFormatError:
        assert len(body) != int(np.prod(dims))
        return
    assert array.shape == tuple(dims)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, max_side=8)))
def test_round_trip(array: np.ndarray) -> None:
    data = idx_bytes(array)
    np.testing.assert_array_equal(parse_idx(data), array)
    assert idx_md5(array) == __import__("hashlib").md5(data).hexdigest()
