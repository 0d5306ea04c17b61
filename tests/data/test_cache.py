"""The cache is verified on every load, written atomically and shared safely."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset, get_dataset_spec, load
from mnistlab.data.cache import DatasetCache
from mnistlab.data.registry import DatasetSpec
from mnistlab.data.sources import LocalSource
from mnistlab.progress import ProgressCallback, ignore_progress

MNIST = get_dataset_spec("mnist")


@dataclass
class CountingSource:
    """A real local source that counts how often it is asked (no mock involved)."""

    directory: Path
    name: str = "local"
    calls: list[int] = field(default_factory=list)

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback = ignore_progress
    ) -> tuple[np.ndarray, np.ndarray]:
        self.calls.append(1)
        return LocalSource(self.directory).fetch(spec, progress=progress)


def fresh(tmp_path: Path) -> Locations:
    return Locations(data_dir=None, cache_dir=tmp_path / "cache")


def test_second_load_comes_from_the_cache(tmp_path: Path, mnist_dir: Path) -> None:
    source = CountingSource(mnist_dir)
    first = load("mnist", locations=fresh(tmp_path), sources=[source])
    second = load("mnist", locations=fresh(tmp_path), sources=[source])
    assert first.source == "local"
    assert second.source == "cache (first from local)"
    assert second.cache_path == tmp_path / "cache" / "datasets" / "mnist.npz"
    assert len(source.calls) == 1
    np.testing.assert_array_equal(first.images, second.images)


@pytest.mark.parametrize(
    "damage",
    ["garbage", *(pytest.param(d, marks=pytest.mark.slow) for d in ("flipped-bytes", "one-pixel"))],
)
def test_bad_entry_is_discarded_and_fetched_again(
    tmp_path: Path, mnist_dir: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    source = CountingSource(mnist_dir)
    data = load("mnist", locations=fresh(tmp_path), sources=[source])
    assert data.cache_path is not None
    if damage == "garbage":
        data.cache_path.write_bytes(b"PK\x03\x04 not really a zip file")
    elif damage == "flipped-bytes":
        # Damage inside the compressed stream: the zip directory still reads,
        # the zlib stream does not.
        raw = bytearray(data.cache_path.read_bytes())
        raw[1000:1008] = b"garbage!"
        data.cache_path.write_bytes(bytes(raw))
    else:
        images = data.images.copy()
        images[0, 0] ^= 1
        DatasetCache(data.cache_path.parent).write(MNIST, images, data.labels, "local")
    with caplog.at_level(logging.WARNING, logger="mnistlab.data.cache"):
        again = load("mnist", locations=fresh(tmp_path), sources=[source])
    assert "discarding cache entry" in caplog.text
    assert again.source == "local"
    assert len(source.calls) == 2
    np.testing.assert_array_equal(again.images, data.images)
    # The re-fetched entry is good again.
    assert load("mnist", locations=fresh(tmp_path), sources=[source]).source.startswith("cache")


def test_entry_with_unexpected_content_is_discarded(
    tmp_path: Path, mnist_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = DatasetCache(tmp_path / "cache" / "datasets")
    cache.root.mkdir(parents=True)
    np.savez(cache.path(MNIST), images=np.zeros(3, np.uint8))
    with caplog.at_level(logging.WARNING):
        assert cache.read(MNIST) is None
    assert "expected ['images', 'labels', 'source']" in caplog.text
    assert not cache.path(MNIST).exists()


def test_concurrent_loads_fetch_once(tmp_path: Path, mnist_dir: Path) -> None:
    source = CountingSource(mnist_dir)
    results: list[Dataset] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(load("mnist", locations=fresh(tmp_path), sources=[source]))
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 2
    assert len(source.calls) == 1
    assert sorted(r.source for r in results) == ["cache (first from local)", "local"]
    np.testing.assert_array_equal(results[0].images, results[1].images)
    np.testing.assert_array_equal(results[0].labels, results[1].labels)
    leftovers = [p.name for p in (tmp_path / "cache" / "datasets").iterdir()]
    assert not [name for name in leftovers if name.endswith(".tmp")]
    assert "mnist.npz" in leftovers


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    cache = DatasetCache(tmp_path)
    objects = np.array([object()], dtype=object)
    with pytest.raises(ValueError, match="pickle"):
        cache.write(MNIST, objects, np.zeros(3, np.uint8), "local")
    assert list(tmp_path.iterdir()) == []
