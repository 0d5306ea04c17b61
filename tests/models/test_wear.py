"""Damage for training: seeded, in range, off by default, and each family keeps the digit."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from scipy import ndimage
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.data import Dataset
from mnistlab.models.wear import FAMILIES, Wear, wear_batch

N_TRAIN, N_TEST = 1500, 200
Family = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def _images(rows: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(rows.astype(np.float32) / 255.0).view(-1, 1, 28, 28)


def test_off_returns_the_batch_and_draws_nothing(mnist: Dataset) -> None:
    images = _images(mnist.X_train[:32])
    generator = torch.Generator().manual_seed(0)
    before = generator.get_state()
    assert wear_batch(images, Wear(), generator=generator) is images
    assert torch.equal(generator.get_state(), before)  # the cnn's training is unchanged


def test_same_seed_same_batch_other_seed_other_batch(mnist: Dataset) -> None:
    images = _images(mnist.X_train[:64])

    def worn(seed: int) -> torch.Tensor:
        return wear_batch(images, Wear(0.5), generator=torch.Generator().manual_seed(seed))

    assert torch.equal(worn(1), worn(1))
    assert not torch.equal(worn(1), worn(2))


def test_about_the_share_asked_is_damaged(mnist: Dataset) -> None:
    images = _images(mnist.X_train[:400])
    out = wear_batch(images, Wear(0.5), generator=torch.Generator().manual_seed(0))
    changed = (out - images).abs().amax(dim=(1, 2, 3)) > 1e-6
    assert 0.4 < float(changed.float().mean()) < 0.6
    everything = wear_batch(images, Wear(1.0), generator=torch.Generator().manual_seed(0))
    assert bool(((everything - images).abs().amax(dim=(1, 2, 3)) > 1e-6).all())


@pytest.mark.parametrize("name", list(FAMILIES))
def test_each_family_gives_pixels_in_range_and_changes_the_digit(name: str, mnist: Dataset) -> None:
    images = _images(mnist.X_train[:32])
    out = FAMILIES[name](images, torch.Generator().manual_seed(0)).clamp(0.0, 1.0)
    assert out.shape == images.shape and out.dtype == images.dtype
    assert bool(torch.isfinite(out).all())
    assert float((out - images).abs().mean()) > 0.005


def _soft(images: torch.Tensor) -> np.ndarray:
    """Blurred, then each image centred on its mean and scaled to unit length."""
    pixels = images[:, 0].numpy().astype(np.float64)
    rows = ndimage.gaussian_filter(pixels, (0, 1.5, 1.5)).reshape(len(pixels), -1)
    rows -= rows.mean(axis=1, keepdims=True)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def _read_back(damage: Family, mnist: Dataset) -> float:
    """Accuracy of a 1-NN fitted on damaged training digits, on damaged test digits."""
    train = damage(_images(mnist.X_train[:N_TRAIN]), torch.Generator().manual_seed(1))
    test = damage(_images(mnist.X_test[:N_TEST]), torch.Generator().manual_seed(2))
    model = KNeighborsClassifier(n_neighbors=1).fit(_soft(train), mnist.y_train[:N_TRAIN])
    return float(np.mean(model.predict(_soft(test)) == mnist.y_test[:N_TEST]))


@pytest.mark.parametrize("name", list(FAMILIES))
def test_each_family_keeps_the_digit_readable(name: str, mnist: Dataset) -> None:
    """Read far above chance (10%): the damage leaves the digit's meaning."""
    assert _read_back(FAMILIES[name], mnist) > 0.5


@pytest.mark.parametrize(
    "broken",
    [
        lambda x, g: torch.zeros_like(x),
        lambda x, g: torch.rand(x.shape, generator=g),
        lambda x, g: torch.roll(x, 1, dims=0),  # another image's label
    ],
    ids=["blank", "noise", "shuffled"],
)
def test_the_readability_bound_catches_damage_that_wipes_the_digit(
    broken: Family, mnist: Dataset
) -> None:
    assert _read_back(broken, mnist) < 0.3
