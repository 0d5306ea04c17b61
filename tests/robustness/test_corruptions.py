"""MNIST-C's corruptions: seeded, uint8 rows in and out, and the digit still readable."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import ndimage
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ImageInputError
from mnistlab.robustness.corruptions import (
    CORRUPTION_NAMES,
    CORRUPTIONS,
    Corruption,
    corrupt,
    get_corruption,
)

#: Corruptions that draw nothing at random: the same image whatever the seed.
FIXED = {"scale", "brightness", "stripe", "canny_edges"}
#: Digits a nearest-neighbour vote must still read after a corruption (chance is 10%).
READABLE = 0.5
N_TRAIN, N_TEST = 1500, 200


def test_the_registry_is_mnist_c_in_the_paper_s_order() -> None:
    assert CORRUPTION_NAMES == (
        "shot_noise", "impulse_noise", "glass_blur", "motion_blur", "shear", "scale", "rotate",
        "brightness", "translate", "stripe", "fog", "spatter", "dotted_line", "zigzag",
        "canny_edges",
    )  # fmt: skip
    assert all(1 <= c.severity <= 5 and c.parameter for c in CORRUPTIONS)
    with pytest.raises(ConfigError, match="choose one of: shot_noise"):
        get_corruption("snow")


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=CORRUPTION_NAMES)
def test_same_seed_same_bytes_other_seed_other_bytes(
    corruption: Corruption, mnist: Dataset
) -> None:
    images = mnist.X_test[:20]
    first = corruption(images, 1)
    assert np.array_equal(first, corruption(images, 1))
    assert np.array_equal(first, corruption(images, np.random.default_rng(1)))
    assert np.array_equal(images, mnist.X_test[:20])  # the input is left alone
    if corruption.name not in FIXED:
        assert not np.array_equal(first, corruption(images, 2))
    assert not np.array_equal(first, images)


@pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
def test_every_severity_gives_uint8_rows(severity: int, mnist: Dataset) -> None:
    images = mnist.X_test[:4]
    for corruption in CORRUPTIONS:
        out = corruption(images, 0, severity)
        assert out.dtype == np.uint8 and out.shape == (4, 784), corruption.name


def test_bad_input_is_refused(mnist: Dataset) -> None:
    with pytest.raises(ConfigError, match="severity must be 1 to 5"):
        corrupt("fog", mnist.X_test[:2], 0, severity=6)
    with pytest.raises(ImageInputError, match="shape"):
        corrupt("fog", mnist.X_test[:2].reshape(2, 28, 28), 0)
    assert corrupt("rotate", mnist.X_test[:0], 0).shape == (0, 784)


def test_severity_makes_it_harder(mnist: Dataset) -> None:
    images = mnist.X_test[:50]
    mild = np.abs(corrupt("impulse_noise", images, 0, 1).astype(int) - images).mean()
    harsh = np.abs(corrupt("impulse_noise", images, 0, 5).astype(int) - images).mean()
    assert harsh > 3 * mild


def _read_back(function: Any, mnist: Dataset) -> float:
    """Accuracy of a 1-NN fitted on corrupted training digits, on corrupted test digits.

    Fitting on the corruption itself takes out what a model trained on clean
    digits is not used to, and leaves what the corruption does to the label: a
    corruption that keeps the digit's meaning is read far above chance, one
    that wipes it (noise, a blank) is not. Both sides are blurred a little
    (sigma 1.5 pixels), so that thin lines (edges) a pixel apart still match,
    and set to mean 0 and length 1, so that a haze or a brighter background
    does not decide the distance.
    """
    train = function(mnist.X_train[:N_TRAIN], np.random.default_rng(1), None)
    test = function(mnist.X_test[:N_TEST], np.random.default_rng(2), None)
    model = KNeighborsClassifier(n_neighbors=1).fit(_soft(train), mnist.y_train[:N_TRAIN])
    return float(np.mean(model.predict(_soft(test)) == mnist.y_test[:N_TEST]))


def _soft(images: np.ndarray) -> np.ndarray:
    """Blurred, then each image centred on its mean and scaled to unit length."""
    blurred = ndimage.gaussian_filter(images.reshape(-1, 28, 28).astype(float), (0, 1.5, 1.5))
    rows = blurred.reshape(len(images), -1)
    rows -= rows.mean(axis=1, keepdims=True)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=CORRUPTION_NAMES)
def test_each_corruption_keeps_the_digit_readable(corruption: Corruption, mnist: Dataset) -> None:
    assert _read_back(corruption, mnist) > READABLE


@pytest.mark.parametrize(
    "broken",
    [
        lambda images, rng, severity: np.zeros_like(images),
        lambda images, rng, severity: rng.integers(0, 256, images.shape, dtype=np.uint8),
        lambda images, rng, severity: np.roll(images, 1, axis=0),  # another image's label
    ],
    ids=["blank", "noise", "shuffled"],
)
def test_the_readability_bound_catches_a_broken_corruption(broken: Any, mnist: Dataset) -> None:
    assert _read_back(broken, mnist) < 0.3
