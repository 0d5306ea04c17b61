"""Frame an ink map the way MNIST was made: 20×20 box, centre of mass at the centre of 28×28.

From the MNIST page: "The original black and white (bilevel) images from NIST
were size normalized to fit in a 20x20 pixel box while preserving their aspect
ratio. The resulting images contain grey levels as a result of the
anti-aliasing technique used by the normalization algorithm. The images were
centered in a 28x28 image by computing the center of mass of the pixels, and
translating the image so as to position this point at the center of the 28x28
field."

The translation was by whole pixels: in the first 5,000 training images the centre
of mass lies within half a pixel of (14, 14) (row, column, counted from 0),
uniformly spread (standard deviation 0.289 = 1/sqrt(12) on both axes). We do
the same, so our digits sit where the models expect them.

One step is ours, not MNIST's: NIST's forms were written with pens whose
strokes came out 2 to 4 pixels wide in the 20×20 box, but a person may draw
with a thin pen on a large canvas, or scan a ballpoint at high resolution;
scaled down, such strokes fade to a faint grey trace that no model trained on
MNIST recognises (a nearest-neighbour model falls from 97% to 11% on MNIST
digits redrawn with one-pixel strokes at 200×200). Strokes that would end up
thinner than ``MIN_STROKE`` are widened first, which brings those digits back
to 96%; ordinary strokes are left alone.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

from mnistlab.errors import ImageInputError
from mnistlab.preprocess.ink import NO_INK_MESSAGE

__all__ = ["BOX_SIDE", "CENTRE", "IMAGE_SIDE", "frame_digit"]

IMAGE_SIDE = 28
BOX_SIDE = 20
CENTRE = 14.0
"""Where the centre of mass goes (row and column, from 0), as in MNIST."""
RESAMPLE = Image.Resampling.BILINEAR
MIN_STROKE = 2.0
"""Strokes estimated thinner than this (pixels, in the 20×20 box) are widened ..."""
TARGET_STROKE = 2.5
"""... to this width. MNIST's strokes are 2.1 to 4.4 pixels wide (5th to 95th percentile)."""
MAX_STROKE = 4.5
"""Strokes estimated wider than this (a felt-tip marker) are narrowed ..."""
NARROW_STROKE = 3.5
"""... to this width, well inside MNIST's range."""
SOLID_FILL = 0.75
"""Ink covering more of its box than this is a solid shape, left as it is."""


def frame_digit(ink: NDArray[np.floating]) -> NDArray[np.uint8]:
    """Crop to the ink, scale to fit 20×20 keeping the aspect, centre by mass in 28×28.

    Parameters
    ----------
    ink : ndarray of float, shape (height, width)
        Ink strength in [0, 1], background exactly 0.

    Returns
    -------
    ndarray of uint8, shape (28, 28)
        Bright ink on black. The longer side of the ink spans 20 pixels; the
        centre of mass is within half a pixel of (14, 14) unless that would
        push ink off the image (then the digit touches the edge instead).

    Raises
    ------
    ImageInputError
        If there is no ink.

    Example
    -------
    >>> ink = np.zeros((100, 60)); ink[10:90, 20:40] = 1.0
    >>> frame_digit(ink).shape
    (28, 28)
    """
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        raise ImageInputError(NO_INK_MESSAGE)
    crop = np.ascontiguousarray(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], np.float32)
    small = _fit_box(_narrow(_thicken(crop)))
    total = float(small.sum())
    if total <= 0.0:
        raise ImageInputError(NO_INK_MESSAGE)
    mass_row, mass_col = ndimage.center_of_mass(small)
    height, width = small.shape
    top = min(max(math.floor(CENTRE - mass_row + 0.5), 0), IMAGE_SIDE - height)
    left = min(max(math.floor(CENTRE - mass_col + 0.5), 0), IMAGE_SIDE - width)
    canvas = np.zeros((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32)
    canvas[top : top + height, left : left + width] = small
    return np.rint(canvas * 255.0).astype(np.uint8)


def stroke_width(ink: NDArray[np.floating]) -> float:
    """Estimate the mean stroke width of an ink map, in its own pixels.

    For a stroke of width ``w`` and length ``L``, the ink is ``w * L`` and its
    outline (pixels of the half-ink mask with a background 4-neighbour) is
    about ``2 * L`` pixels long, so ``w = 2 * ink / outline``. A one-pixel line
    reads as 2, which only errs on the side of not thickening.
    """
    solid = ink >= 0.5
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
    outline = int(np.count_nonzero(solid & ~ndimage.binary_erosion(solid, cross)))
    return 2.0 * float(ink.sum()) / outline if outline else 0.0


def _thicken(crop: NDArray[np.float32]) -> NDArray[np.float32]:
    """Widen strokes that would end up thinner than ``MIN_STROKE`` pixels in the 20×20 box."""
    scale = BOX_SIDE / max(crop.shape)
    width = stroke_width(crop)
    if width <= 0.0 or width * scale >= MIN_STROKE:
        return crop
    radius = (TARGET_STROKE / scale - width) / 2.0
    pad = math.ceil(radius) + 1
    padded = np.pad(crop, pad)
    # Distance to the nearest solid ink pixel: a disk dilation in linear time,
    # with a one-pixel soft edge so the widened stroke stays anti-aliased.
    distance = ndimage.distance_transform_edt(padded < 0.5)
    grown = np.maximum(padded, np.clip(radius + 0.5 - distance, 0.0, 1.0)).astype(np.float32)
    rows = np.flatnonzero(grown.any(axis=1))
    cols = np.flatnonzero(grown.any(axis=0))
    return grown[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _narrow(crop: NDArray[np.float32]) -> NDArray[np.float32]:
    """Narrow strokes that would end up wider than ``MAX_STROKE`` pixels in the 20×20 box.

    The ink is eroded by the distance to the stroke's edge, with a one-pixel
    soft edge; a marker's filled loops stay filled, but the strokes come back
    to a width MNIST's writers used.
    """
    scale = BOX_SIDE / max(crop.shape)
    width = stroke_width(crop)
    # A shape that fills its box (a bar, a block) has no strokes to narrow.
    if width * scale <= MAX_STROKE or float(crop.mean()) > SOLID_FILL:
        return crop
    radius = (width - NARROW_STROKE / scale) / 2.0
    depth = ndimage.distance_transform_edt(np.pad(crop >= 0.5, 1))[1:-1, 1:-1]
    narrowed = np.minimum(crop, np.clip(depth - radius, 0.0, 1.0)).astype(np.float32)
    rows = np.flatnonzero(narrowed.any(axis=1))
    cols = np.flatnonzero(narrowed.any(axis=0))
    if rows.size == 0:
        return crop
    return narrowed[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _fit_box(crop: NDArray[np.float32]) -> NDArray[np.float32]:
    """Scale so the longer side is ``BOX_SIDE``, anti-aliased (area-weighted), aspect kept."""
    height, width = crop.shape
    longer = max(height, width)
    size = (
        max(1, round(width * BOX_SIDE / longer)),
        max(1, round(height * BOX_SIDE / longer)),
    )
    # Pillow's resampling of a float image is a true convolution scaled to the
    # reduction, so thin strokes turn grey instead of vanishing.
    scaled = Image.fromarray(crop).resize(size, RESAMPLE)
    return np.clip(np.asarray(scaled, dtype=np.float32), 0.0, 1.0)
