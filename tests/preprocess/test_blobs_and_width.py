"""The digit among other marks, and marker strokes brought back to MNIST's width.

Real MNIST test digits, drawn large in dark ink on a white page: a second,
small digit far off on the page is another mark and is dropped; a detached
bar close to the digit is part of it and is kept; strokes as wide as a marker's
are narrowed before framing, so the 28×28 image has the width MNIST's writers
used.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from mnistlab.data import Dataset
from mnistlab.preprocess.framing import BOX_SIDE, MAX_STROKE, frame_digit, stroke_width
from mnistlab.preprocess.ink import find_ink

PAGE = 480
SCALE = 8
DIGITS = range(8)


def _ink_page(ink: np.ndarray) -> Image.Image:
    """Dark ink (1 full) on white paper."""
    return Image.fromarray(np.rint(255.0 * (1.0 - ink)).astype(np.uint8), mode="L")


def _large(pixels: np.ndarray, scale: int = SCALE) -> np.ndarray:
    return np.kron(pixels.reshape(28, 28) / 255.0, np.ones((scale, scale)))


@pytest.mark.parametrize("index", DIGITS)
def test_a_small_mark_far_from_the_digit_is_dropped(mnist: Dataset, index: int) -> None:
    page = np.zeros((PAGE, PAGE))
    page[20:244, 20:244] = _large(mnist.X_test[index])
    other = _large(mnist.X_test[index + 100], scale=3)  # 84 px, far in the opposite corner
    page[PAGE - 100 : PAGE - 16, PAGE - 100 : PAGE - 16] = other
    ink = find_ink(_ink_page(page))
    assert ink[:244, :244].sum() > 0.8 * page[:244, :244].sum()
    assert not ink[PAGE - 100 :, PAGE - 100 :].any()


@pytest.mark.parametrize("index", DIGITS)
def test_a_detached_bar_near_the_digit_is_kept(mnist: Dataset, index: int) -> None:
    page = np.zeros((PAGE, PAGE))
    page[120:344, 120:344] = _large(mnist.X_test[index])
    top = np.flatnonzero(page.any(axis=1))[0]
    bar = (slice(top - 40, top - 28), slice(180, 260))  # 28 px above the digit's top
    page[bar] = 1.0
    ink = find_ink(_ink_page(page))
    assert ink[bar].mean() > 0.9


@pytest.fixture(scope="module")
def widest_mnist(mnist: Dataset) -> float:
    """The stroke width that 99% of MNIST's own training digits stay under, measured alike."""
    widths = [stroke_width(x.reshape(28, 28) / 255.0) for x in mnist.X_train[:2000]]
    return float(np.percentile(widths, 99))


@pytest.mark.parametrize("index", DIGITS)
def test_marker_strokes_are_narrowed_to_mnist_width(
    mnist: Dataset, widest_mnist: float, index: int
) -> None:
    digit = _large(mnist.X_test[index]) >= 0.5
    marker = ndimage.binary_dilation(digit, iterations=20).astype(np.float64)
    page = np.zeros((PAGE, PAGE))
    page[100 : 100 + marker.shape[0], 100 : 100 + marker.shape[1]] = marker
    # The marker's strokes, scaled into the 20×20 box, are wider than MNIST's.
    rows, cols = np.flatnonzero(marker.any(axis=1)), np.flatnonzero(marker.any(axis=0))
    extent = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    in_box = stroke_width(marker) * BOX_SIDE / extent
    assert in_box > MAX_STROKE
    framed = frame_digit(find_ink(_ink_page(page))) / 255.0
    assert stroke_width(framed) <= min(widest_mnist, 0.9 * in_box)
    assert framed.max() == 1.0
