"""The fast forms in ``preprocess.ink`` equal the plain ones they replace, pixel for pixel."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

EIGHT = np.ones((3, 3), dtype=bool)


@settings(max_examples=200, deadline=None)
@given(
    kept=arrays(bool, st.tuples(st.integers(1, 40), st.integers(1, 40)), elements=st.booleans()),
    reach=st.integers(1, 6),
)
def test_a_square_maximum_is_iterated_eight_connected_growth(kept: np.ndarray, reach: int) -> None:
    iterated = ndimage.binary_dilation(kept, structure=EIGHT, iterations=reach)
    square = ndimage.maximum_filter(kept.view(np.uint8), size=2 * reach + 1, mode="constant")
    np.testing.assert_array_equal(square.astype(bool), iterated)


@settings(max_examples=200, deadline=None)
@given(
    ink=arrays(np.float32, (30, 30), elements=st.floats(0, 1, width=32)),
    n_groups=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_group_sums_by_bincount_are_sum_labels(ink: np.ndarray, n_groups: int, seed: int) -> None:
    groups = np.random.default_rng(seed).integers(0, n_groups + 1, ink.shape)
    plain = ndimage.sum_labels(ink, groups, index=np.arange(1, n_groups + 1))
    fast = np.bincount(groups.ravel(), weights=ink.ravel(), minlength=n_groups + 1)[1:]
    np.testing.assert_array_equal(fast, plain)


@settings(max_examples=200, deadline=None)
@given(
    shade=st.integers(0, 255),
    height=st.integers(5, 120),
    width=st.integers(5, 120),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_one_shade_border_gives_the_fitted_plane(
    shade: int, height: int, width: int, seed: int
) -> None:
    from mnistlab.preprocess.ink import _background, _fitted_plane

    grey = np.full((height, width), shade, dtype=np.float32) / np.float32(255)
    band = max(1, round(0.03 * min(height, width)))
    inside = grey[band:-band, band:-band]
    inside[...] = np.random.default_rng(seed).random(inside.shape, dtype=np.float32)  # ink
    np.testing.assert_array_equal(_background(grey), _fitted_plane(grey, band))
