"""What some corruptions draw or compute over a digit: lines, fog, edges.

Each function works on a batch of 28×28 float images in [0, 1] (``(n, 28, 28)``)
and draws with a generator it is given, so that the same seed gives the same
marks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from mnistlab.robustness.geometry import SIDE

__all__ = ["LINE_REACH", "canny_edges", "line_strength", "plasma_fractal", "segment_distance"]

LINE_REACH = 2.3
"""How far (pixels) a drawn line's ink reaches from its centre line, as in MNIST-C."""

# Each image of a batch is labelled alone: neighbours within a slice, never across images.
_WITHIN_IMAGE = np.zeros((3, 3, 3), dtype=bool)
_WITHIN_IMAGE[1] = True


def line_strength(distance: NDArray[np.floating]) -> NDArray[np.float64]:
    """The ink of a drawn line at ``distance`` pixels from its centre line, in [0, 1].

    ``log(1 - d / 2.3) + 1``: full ink on the line, none from about 1.45
    pixels out, a soft edge like a pen stroke scanned at MNIST's size.

    Example
    -------
    >>> line_strength(np.array([0.0, 1.0, 3.0])).round(2).tolist()
    [1.0, 0.43, 0.0]
    """
    d = np.clip(np.asarray(distance, dtype=np.float64), 0.0, LINE_REACH - 1e-9)
    return np.clip(np.log1p(-d / LINE_REACH) + 1.0, 0.0, 1.0)


def segment_distance(start: NDArray[np.floating], end: NDArray[np.floating]) -> NDArray[np.float64]:
    """Distance of every pixel to one segment per image.

    Parameters
    ----------
    start, end : ndarray, shape (n, 2)
        (row, column) of each image's segment ends.

    Returns
    -------
    ndarray of float64, shape (n, 28, 28)

    Example
    -------
    >>> d = segment_distance(np.array([[5.0, 2.0]]), np.array([[5.0, 20.0]]))
    >>> float(d[0, 5, 10]), float(d[0, 8, 10]), float(d[0, 5, 24])
    (0.0, 3.0, 4.0)
    """
    rows, cols = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    a = np.asarray(start, dtype=np.float64)[:, :, None, None]
    direction = (np.asarray(end, dtype=np.float64) - np.asarray(start, dtype=np.float64))[
        :, :, None, None
    ]
    length2 = np.maximum((direction**2).sum(axis=1), 1e-12)
    along = ((rows - a[:, 0]) * direction[:, 0] + (cols - a[:, 1]) * direction[:, 1]) / length2
    t = np.clip(along, 0.0, 1.0)
    return np.hypot(rows - (a[:, 0] + t * direction[:, 0]), cols - (a[:, 1] + t * direction[:, 1]))


def plasma_fractal(
    n: int, rng: np.random.Generator, *, size: int = 32, decay: float = 1.96
) -> NDArray[np.float64]:
    """Cloud-like fields by the diamond-square algorithm, one per image, each scaled to [0, 1].

    The field wraps around at its edges. At each finer level the random
    displacement shrinks by ``decay``: MNIST-C's fog divides its "wibble" by
    1.4 per level on both factors of its displacement, 1.4² = 1.96.

    Parameters
    ----------
    n : int
        How many fields.
    rng : numpy.random.Generator
        Draws the displacements.
    size : int, default 32
        Side of each field, a power of two.
    decay : float, default 1.96
        How much smaller the displacement is at each finer level.

    Returns
    -------
    ndarray of float64, shape (n, size, size)

    Example
    -------
    >>> fields = plasma_fractal(2, np.random.default_rng(0))
    >>> fields.shape, float(fields.min()), float(fields.max())
    ((2, 32, 32), 0.0, 1.0)
    """
    if size < 2 or size & (size - 1):
        raise ValueError(f"size must be a power of two, got {size}")
    field = np.zeros((n, size, size))
    step, amplitude = size, 1.0
    while step >= 2:
        half = step // 2
        corners = field[:, 0:size:step, 0:size:step]
        # Square step: the centre of each square is the mean of its four corners, displaced.
        around = corners + np.roll(corners, -1, axis=1)
        around = around + np.roll(around, -1, axis=2)
        field[:, half:size:step, half:size:step] = around / 4 + amplitude * rng.uniform(
            -1.0, 1.0, around.shape
        )
        # Diamond step: the middle of each edge is the mean of its two corners and the
        # two centres beside it, displaced.
        centres = field[:, half:size:step, half:size:step]
        top = corners + np.roll(corners, -1, axis=2) + centres + np.roll(centres, 1, axis=1)
        field[:, 0:size:step, half:size:step] = top / 4 + amplitude * rng.uniform(
            -1.0, 1.0, top.shape
        )
        left = corners + np.roll(corners, -1, axis=1) + centres + np.roll(centres, 1, axis=2)
        field[:, half:size:step, 0:size:step] = left / 4 + amplitude * rng.uniform(
            -1.0, 1.0, left.shape
        )
        step, amplitude = half, amplitude / decay
    low = field.min(axis=(1, 2), keepdims=True)
    high = field.max(axis=(1, 2), keepdims=True)
    return (field - low) / np.maximum(high - low, 1e-12)


def _sobel(batch: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """Sobel's derivative along ``axis`` within each image (ndimage.sobel mixes images)."""
    other = 2 if axis == 1 else 1
    derivative = ndimage.correlate1d(batch, [-1.0, 0.0, 1.0], axis=axis, mode="nearest")
    return ndimage.correlate1d(derivative, [1.0, 2.0, 1.0], axis=other, mode="nearest")


def canny_edges(
    batch: NDArray[np.floating], *, sigma: float = 1.0, low: float = 0.1, high: float = 0.2
) -> NDArray[np.float64]:
    """Canny's edge detector on each image: 1 on an edge, 0 elsewhere.

    Gaussian smoothing (``sigma``), Sobel gradients, thinning to the local
    maxima of the gradient across the edge (four directions), then hysteresis:
    a pixel above ``low`` is an edge if its connected run of such pixels holds
    one above ``high``. The thresholds are on the gradient of images in [0, 1],
    scikit-image's defaults, which MNIST-C used.

    Example
    -------
    >>> square = np.zeros((1, 28, 28)); square[0, 8:20, 8:20] = 1.0
    >>> edges = canny_edges(square)
    >>> bool(edges[0, 14, 14]), bool(edges[0, 8:20, 7:9].any(axis=1).all())
    (False, True)
    """
    smooth = ndimage.gaussian_filter(
        np.asarray(batch, dtype=np.float64), sigma=(0, sigma, sigma), mode="nearest"
    )
    gy, gx = _sobel(smooth, axis=1), _sobel(smooth, axis=2)
    magnitude = np.hypot(gx, gy)
    # The gradient's direction, folded to 0–180° and rounded to 0, 45, 90 or 135.
    angle = (np.rad2deg(np.arctan2(gy, gx)) + 180.0) % 180.0
    sector = (np.rint(angle / 45.0).astype(int)) % 4
    padded = np.pad(magnitude, ((0, 0), (1, 1), (1, 1)))

    def neighbour(dr: int, dc: int) -> NDArray[np.float64]:
        return padded[:, 1 + dr : SIDE + 1 + dr, 1 + dc : SIDE + 1 + dc]

    # Across the edge: for a gradient along the columns (0°), the pixels left and right.
    steps = {0: (0, 1), 1: (1, 1), 2: (1, 0), 3: (1, -1)}
    peak = np.zeros(magnitude.shape, dtype=bool)
    for index, (dr, dc) in steps.items():
        is_peak = (magnitude >= neighbour(dr, dc)) & (magnitude >= neighbour(-dr, -dc))
        peak |= (sector == index) & is_peak
    candidate = peak & (magnitude >= low)
    labels, count = ndimage.label(candidate, structure=_WITHIN_IMAGE)
    strong = np.zeros(count + 1, dtype=bool)
    strong[labels[candidate & (magnitude >= high)]] = True
    strong[0] = False
    edges = strong[labels]
    # No edges on the image's border, where the smoothing saw beyond it.
    edges[:, [0, -1], :] = False
    edges[:, :, [0, -1]] = False
    return edges.astype(np.float64)
