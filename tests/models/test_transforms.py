"""Image transforms: shapes, dtypes and labels kept; ink moves exactly as intended."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import clone

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ImageInputError
from mnistlab.models.transforms import (
    SHIFTS,
    Deskew,
    HogFeatures,
    PixelScaler,
    augment_with_shifts,
    deskew,
    hog_features,
    image_moments,
    shift_images,
)

images_strategy = hnp.arrays(
    np.uint8, st.tuples(st.integers(1, 4), st.just(784)), elements=st.integers(0, 255)
)


def _one_pixel(row: int, col: int, value: int = 200) -> np.ndarray:
    image = np.zeros((1, 784), dtype=np.uint8)
    image[0, row * 28 + col] = value
    return image


def _ink(images: np.ndarray) -> list[tuple[int, int]]:
    rows, cols = np.nonzero(images.reshape(28, 28))
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


@pytest.mark.parametrize(
    ("down", "right", "expected"),
    [(-1, 0, (9, 12)), (1, 0, (11, 12)), (0, -1, (10, 11)), (0, 1, (10, 13))],
)
def test_shift_moves_ink_by_exactly_one_pixel(down: int, right: int, expected: tuple) -> None:
    moved = shift_images(_one_pixel(10, 12), down=down, right=right)
    assert moved.dtype == np.uint8 and moved.shape == (1, 784)
    assert _ink(moved) == [expected]
    assert moved.reshape(28, 28)[expected] == 200


def test_ink_that_leaves_the_frame_is_dropped() -> None:
    assert not shift_images(_one_pixel(0, 5), down=-1, right=0).any()
    assert not shift_images(_one_pixel(5, 27), down=0, right=1).any()
    assert not shift_images(_one_pixel(5, 5), down=0, right=28).any()


@settings(max_examples=60, deadline=None)
@given(images_strategy, st.integers(-3, 3), st.integers(-3, 3))
def test_shift_and_back_keeps_every_pixel_that_stayed_in_the_frame(
    images: np.ndarray, down: int, right: int
) -> None:
    there = shift_images(images, down=down, right=right)
    back = shift_images(there, down=-down, right=-right)
    assert there.dtype == back.dtype == np.uint8 and there.shape == images.shape
    # ink is only ever lost at the frame, never created
    assert there.astype(int).sum() <= images.astype(int).sum()
    rows = slice(max(0, -down), 28 - max(0, down))
    cols = slice(max(0, -right), 28 - max(0, right))
    inside = images.reshape(-1, 28, 28)[:, rows, cols]
    np.testing.assert_array_equal(back.reshape(-1, 28, 28)[:, rows, cols], inside)
    np.testing.assert_array_equal(shift_images(images, down=0, right=0), images)


def test_augmentation_keeps_labels_aligned(mnist: Dataset) -> None:
    images, labels = mnist.X_train[:50], mnist.y_train[:50]
    big, big_labels = augment_with_shifts(images, labels)
    assert big.shape == (250, 784) and big.dtype == np.uint8
    assert big_labels.shape == (250,) and big_labels.dtype == labels.dtype
    np.testing.assert_array_equal(big[:50], images)
    for k, (down, right) in enumerate(SHIFTS, start=1):
        block = slice(50 * k, 50 * (k + 1))
        np.testing.assert_array_equal(big[block], shift_images(images, down=down, right=right))
        np.testing.assert_array_equal(big_labels[block], labels)
    # the first copy is moved up: its centre of mass is one row higher
    before, _ = image_moments(images)
    after, _ = image_moments(big[50:100])
    np.testing.assert_allclose(after[:, 0], before[:, 0] - 1, atol=1e-9)
    np.testing.assert_allclose(after[:, 1], before[:, 1], atol=1e-9)


def test_augmentation_refuses_misaligned_labels(mnist: Dataset) -> None:
    with pytest.raises(ImageInputError, match=r"labels must have shape \(5,\)"):
        augment_with_shifts(mnist.X_train[:5], mnist.y_train[:4])


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((2, 784), dtype=np.float64), "must be uint8"),
        (np.zeros((2, 28, 28), dtype=np.uint8), r"must have shape \(n, 784\)"),
        ([[0] * 784], "must be a numpy array"),
    ],
)
def test_transforms_refuse_images_that_are_not_mnist_rows(images: object, message: str) -> None:
    for transform in (lambda x: shift_images(x, down=1, right=0), deskew, hog_features):
        with pytest.raises(ImageInputError, match=message):
            transform(images)  # type: ignore[arg-type]


def _sheared_stroke(slant: float) -> np.ndarray:
    """A thick straight stroke from row 4 to row 23 whose column moves ``slant`` per row."""
    image = np.zeros((28, 28), dtype=np.uint8)
    for row in range(4, 24):
        centre = 12 + slant * (row - 13.5)
        for col in range(28):
            image[row, col] = int(255 * max(0.0, 1.0 - abs(col - centre) / 2.0))
    return image.reshape(1, 784)


@pytest.mark.parametrize("slant", [-0.5, -0.25, 0.3, 0.6])
def test_deskewing_makes_a_sheared_stroke_upright_and_centred(slant: float) -> None:
    stroke = _sheared_stroke(slant)
    _, cov = image_moments(stroke)
    assert abs(cov[0, 0, 1] / cov[0, 0, 0] - slant) < 0.02  # the slant is what we drew
    upright = deskew(stroke)
    assert upright.dtype == np.uint8 and upright.shape == (1, 784)
    centre, cov = image_moments(upright)
    assert abs(cov[0, 0, 1] / cov[0, 0, 0]) < 0.02
    np.testing.assert_allclose(centre[0], [14.0, 14.0], atol=0.1)
    # every row of the stroke has its ink centred on column 14 (the two end
    # rows, blended with the background by the interpolation, a little less)
    square = upright.reshape(28, 28).astype(float)
    rows = [r for r in range(28) if square[r].sum() > 200]
    centres = np.array([square[r] @ np.arange(28) / square[r].sum() for r in rows])
    assert len(rows) >= 19
    assert np.all(np.abs(centres[1:-1] - 14.0) < 0.2) and np.all(np.abs(centres - 14.0) < 0.6)
    assert abs(upright.astype(int).sum() - stroke.astype(int).sum()) < 0.03 * stroke.sum()


def test_deskewing_real_digits_keeps_shape_and_removes_slant(mnist: Dataset) -> None:
    images = mnist.X_train[:300]
    upright = deskew(images)
    assert upright.shape == images.shape and upright.dtype == np.uint8
    _, before = image_moments(images)
    centres, after = image_moments(upright)
    slant_before = np.abs(before[:, 0, 1] / before[:, 0, 0])
    slant_after = np.abs(after[:, 0, 1] / after[:, 0, 0])
    assert np.median(slant_after) < 0.1 * np.median(slant_before)
    np.testing.assert_allclose(centres, 14.0, atol=0.5)
    np.testing.assert_array_equal(Deskew().fit(images).transform(images), upright)


def test_deskewing_leaves_images_without_slant_information_alone() -> None:
    blank = np.zeros((1, 784), dtype=np.uint8)
    one_row = np.zeros((1, 784), dtype=np.uint8)
    one_row[0, 14 * 28 + 5 : 14 * 28 + 20] = 255
    np.testing.assert_array_equal(deskew(blank), blank)
    np.testing.assert_array_equal(deskew(one_row), one_row)
    centres, cov = image_moments(blank)
    assert np.isnan(centres).all() and np.isnan(cov).all()


def test_image_moments_of_two_pixels() -> None:
    image = np.zeros((1, 784), dtype=np.uint8)
    image[0, 2 * 28 + 4] = 100  # (2, 4)
    image[0, 6 * 28 + 8] = 100  # (6, 8)
    centres, cov = image_moments(image)
    np.testing.assert_allclose(centres[0], [4.0, 6.0])
    np.testing.assert_allclose(cov[0], [[4.0, 4.0], [4.0, 4.0]])


def test_hog_shape_and_block_normalisation(mnist: Dataset) -> None:
    features = hog_features(mnist.X_train[:20])
    assert features.shape == (20, 6 * 6 * 4 * 9) and features.dtype == np.float64
    blocks = features.reshape(20, 36, 36)
    norms = np.linalg.norm(blocks, axis=2)
    assert np.all(norms <= 1.0 + 1e-9)
    assert np.all((norms > 0.99) | (norms == 0.0))  # unit length, or a block without ink
    assert np.all(features >= 0) and np.all(features <= 1.0)
    np.testing.assert_array_equal(
        HogFeatures().fit(mnist.X_train[:20]).transform(mnist.X_train[:20]), features
    )


def test_hog_of_a_horizontal_edge_votes_only_for_the_vertical_gradient_bin() -> None:
    image = np.zeros((28, 28), dtype=np.uint8)
    image[14:, :] = 180  # dark above, bright below: gradients point straight down (90°)
    features = hog_features(image.reshape(1, 784)).reshape(6, 6, 9, 2, 2)
    by_bin = features.sum(axis=(0, 1, 3, 4))
    assert by_bin[4] > 0  # 90° is the centre of bin 4 of 9 (80°–100°)
    assert np.count_nonzero(by_bin) == 1
    # only blocks touching the edge's rows 13 and 14 (cell row 3) see it
    rows_with_ink = np.nonzero(features.sum(axis=(1, 2, 3, 4)))[0]
    np.testing.assert_array_equal(rows_with_ink, [2, 3])


def test_hog_does_not_depend_on_contrast(mnist: Dataset) -> None:
    dim = (mnist.X_train[:10] // 2).astype(np.uint8)
    bright = dim * 2  # exactly twice as bright
    np.testing.assert_allclose(hog_features(dim), hog_features(bright), atol=1e-9)


def test_hog_refuses_a_cell_that_does_not_tile_the_image() -> None:
    with pytest.raises(ConfigError, match="cell side dividing 28"):
        hog_features(np.zeros((1, 784), dtype=np.uint8), cell=5)
    with pytest.raises(ConfigError, match="cell side dividing 28"):
        HogFeatures(block=8).fit(np.zeros((1, 784), dtype=np.uint8))


def test_pixel_scaler_is_exactly_a_float64_conversion(mnist: Dataset) -> None:
    images = mnist.X_train[:100]
    plain = PixelScaler().fit_transform(images)
    assert plain.dtype == np.float64
    np.testing.assert_array_equal(plain, images.astype(np.float64))
    np.testing.assert_allclose(PixelScaler(scale=1 / 255).fit_transform(images), images / 255)
    assert clone(PixelScaler(scale=0.5)).get_params() == {"scale": 0.5}
    assert clone(Deskew(order=3)).get_params() == {"order": 3}
