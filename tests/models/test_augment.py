"""Augmentation moves ink as asked, keeps shapes and dtypes, and keeps each digit a digit."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from numpy.typing import NDArray
from scipy import ndimage

from mnistlab.data import Dataset
from mnistlab.models.augment import (
    Augmentation,
    affine_matrices,
    augment_batch,
    elastic_field,
    warp,
)

STILL = Augmentation(max_rotation=0, max_scale=0, max_shift=0, elastic_alpha=0)


def _images(mnist: Dataset, start: int, n: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    rows = mnist.X_train[start : start + n].astype(np.float64) / 255.0
    return torch.from_numpy(rows).to(dtype).view(n, 1, 28, 28)


def _move(
    images: torch.Tensor, rotation: float, scale: float, dx: float, dy: float
) -> torch.Tensor:
    n = len(images)
    theta = affine_matrices(
        torch.full((n,), rotation), torch.full((n,), scale), torch.tensor([[dx, dy]] * n)
    )
    return warp(images, theta)


def _centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    ink = images[:, 0].double()
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    total = ink.sum(dim=(1, 2))
    return torch.stack([(ink * xs).sum(dim=(1, 2)), (ink * ys).sum(dim=(1, 2))], 1) / total[:, None]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shapes_dtypes_and_range_are_kept(mnist: Dataset, dtype: torch.dtype) -> None:
    images = _images(mnist, 0, 64, dtype)
    out = augment_batch(images, Augmentation(), generator=torch.Generator().manual_seed(0))
    assert out.shape == images.shape and out.dtype == dtype
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0 + 1e-6
    assert not torch.equal(out, images)


def test_no_movement_is_the_identity(mnist: Dataset) -> None:
    images = _images(mnist, 0, 16)
    out = augment_batch(images, STILL, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, images, atol=1e-5, rtol=0)


def test_whole_pixel_shift_moves_ink_right_and_down(mnist: Dataset) -> None:
    images = _images(mnist, 0, 16)
    out = _move(images, 0.0, 1.0, dx=3.0, dy=-2.0)
    # out[y, x] = in[y + 2, x - 3]; what comes in from the edges is background.
    expected = torch.zeros_like(images)
    expected[:, :, :-2, 3:] = images[:, :, 2:, :-3]
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)


def test_rotation_turns_ink_counter_clockwise(mnist: Dataset) -> None:
    images = _images(mnist, 0, 16)
    out = _move(images, 90.0, 1.0, 0.0, 0.0)
    # np.rot90 turns an image a quarter counter-clockwise as seen on screen.
    expected = torch.rot90(images, k=1, dims=(2, 3))
    torch.testing.assert_close(out, expected, atol=1e-4, rtol=0)


def test_scaling_spreads_ink_about_the_centre() -> None:
    image = torch.zeros(1, 1, 28, 28)
    image[0, 0, 13:15, 9:11] = 1.0  # a blob 4 pixels left of the centre (13.5, 13.5)
    bigger = _move(image, 0.0, 1.5, 0.0, 0.0)
    x, y = _centre_of_mass(bigger)[0].tolist()
    assert x == pytest.approx(13.5 - 4 * 1.5, abs=0.05) and y == pytest.approx(13.5, abs=0.05)
    assert float(bigger.sum()) == pytest.approx(float(image.sum()) * 1.5**2, rel=0.1)


def test_elastic_field_is_smooth_and_as_strong_as_asked() -> None:
    g = torch.Generator().manual_seed(1)
    field = elastic_field(8, alpha=3.0, sigma=4.0, generator=g) * 14.0  # to pixels
    assert field.shape == (8, 28, 28, 2) and field.dtype == torch.float32
    peaks = field.abs().amax(dim=(1, 2, 3))
    torch.testing.assert_close(peaks, torch.full((8,), 3.0))
    # Neighbouring pixels move almost together: a bend, not noise (which would
    # let neighbours differ by up to 2 × 3 pixels).
    for axis in (1, 2):
        step = field.diff(dim=axis).abs().amax()
        assert float(step) < 1.0


def test_elastic_distortion_bends_strokes_locally(mnist: Dataset) -> None:
    images = _images(mnist, 0, 32)
    bend = Augmentation(
        max_rotation=0, max_scale=0, max_shift=0, elastic_alpha=2.0, elastic_probability=1.0
    )
    out = augment_batch(images, bend, generator=torch.Generator().manual_seed(2))
    moved = (_centre_of_mass(out) - _centre_of_mass(images)).norm(dim=1)
    assert float(moved.max()) < 2.0  # no image is moved further than the field's peak
    assert float((out - images).abs().mean()) > 0.01  # but every batch is changed


def test_same_generator_seed_gives_the_same_batch(mnist: Dataset) -> None:
    images = _images(mnist, 0, 32)

    def run(seed: int) -> torch.Tensor:
        return augment_batch(images, Augmentation(), generator=torch.Generator().manual_seed(seed))

    assert torch.equal(run(5), run(5))
    assert not torch.equal(run(5), run(6))


def _centred(images: NDArray[np.float32]) -> NDArray[np.float32]:
    """Each image moved so that its centre of mass is the image centre."""
    out = np.empty_like(images)
    for i, image in enumerate(images):
        cy, cx = ndimage.center_of_mass(image)
        out[i] = ndimage.shift(image, (13.5 - cy, 13.5 - cx), order=1)
    return out


def _nearest_neighbour_accuracy(
    mnist: Dataset, transform: Callable[[torch.Tensor], torch.Tensor]
) -> float:
    """Accuracy of a 1-NN on 10,000 unmoved training digits, read on 1,000 moved others.

    Both sides are centred by centre of mass, so that the pixel distance
    compares shapes rather than positions.
    """
    reference = _centred(mnist.X_train[:10_000].astype(np.float32).reshape(-1, 28, 28) / 255.0)
    moved = transform(_images(mnist, 10_000, 1000))[:, 0].numpy()
    r, q = reference.reshape(len(reference), -1), _centred(moved).reshape(len(moved), -1)
    distances = (q**2).sum(1)[:, None] - 2 * q @ r.T + (r**2).sum(1)[None, :]
    predicted = mnist.y_train[:10_000][distances.argmin(axis=1)]
    return float(np.mean(predicted == mnist.y_train[10_000:11_000]))


@pytest.mark.slow
def test_augmented_digits_keep_their_labels(mnist: Dataset) -> None:
    g = torch.Generator().manual_seed(3)
    strong = Augmentation(elastic_probability=1.0)
    unmoved = _nearest_neighbour_accuracy(mnist, lambda x: x)
    moved = _nearest_neighbour_accuracy(mnist, lambda x: augment_batch(x, strong, generator=g))
    # A 1-NN that never saw a moved digit still reads the moved ones: they keep their labels.
    assert unmoved >= 0.94
    assert moved >= 0.9
    # The check can fail: upside down, a digit is no longer what its label says.
    upside_down = _nearest_neighbour_accuracy(mnist, lambda x: torch.rot90(x, k=2, dims=(2, 3)))
    assert upside_down < 0.5
