"""The real MNIST, as the notebook API gives it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset, dataset_checksum, get_dataset_spec, load, verify_arrays
from mnistlab.errors import ConfigError, DataSourceError, UnknownDatasetError

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_real_mnist(mnist: Dataset) -> None:
    assert mnist.name == "mnist"
    assert mnist.images.shape == (70000, 784) and mnist.images.dtype == np.uint8
    assert mnist.labels.shape == (70000,) and mnist.labels.dtype == np.uint8
    assert mnist.n_train == 60000
    assert np.bincount(mnist.y_train).tolist() == TRAIN_COUNTS
    assert mnist.y_train[0] == 5
    assert mnist.y_test[0] == 7
    assert mnist.class_names == tuple("0123456789")
    assert mnist.checksum == dataset_checksum(get_dataset_spec("mnist"))
    assert len(mnist.checksum) == 64
    assert mnist.cache_path is not None and mnist.cache_path.is_file()


def test_splits_are_views(mnist: Dataset) -> None:
    assert mnist.X_train.shape == (60000, 784) and mnist.X_test.shape == (10000, 784)
    assert mnist.y_test.shape == (10000,)
    assert np.shares_memory(mnist.X_train, mnist.images)
    assert np.shares_memory(mnist.X_test, mnist.images)
    with pytest.raises(ValueError, match="read-only"):
        mnist.X_train[0, 0] = 1


def test_as_openml_matches_fetch_openml(mnist: Dataset) -> None:
    X, y = mnist.as_openml()
    assert X.dtype == np.float64 and X.shape == (70000, 784)
    assert y.dtype == object and y.shape == (70000,)
    assert type(y[0]) is str and y[0] == "5" and y[60000] == "7"
    assert sorted(set(y)) == [str(d) for d in range(10)]
    np.testing.assert_array_equal(X, mnist.images)


def test_verify_arrays_is_public(mnist: Dataset) -> None:
    checks = verify_arrays(get_dataset_spec("mnist"), mnist.images, mnist.labels)
    assert [c.key for c in checks] == ["train-images", "train-labels", "test-images", "test-labels"]
    assert all(c.ok for c in checks)


def test_unknown_data_set(locations: Locations) -> None:
    with pytest.raises(UnknownDatasetError, match="known data sets: mnist, fashion-mnist"):
        load("emnist", locations=locations)


def test_unknown_source(locations: Locations) -> None:
    with pytest.raises(ConfigError, match="unknown source 'ftp'; choose one of: auto, local"):
        load("mnist", locations=locations, source="ftp")


def test_local_source_needs_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="needs a data directory: pass --data-dir"):
        load("mnist", locations=Locations(data_dir=None, cache_dir=tmp_path), source="local")
