"""The paper under the ink: its brightness at every pixel, shadows and uneven light included.

A photo's paper is not one shade: the light falls off across the page, a hand
or a phone casts a shadow with a soft edge. A plane fitted to the border takes
out a slope of light but not a shadow, whose dark side then reads as ink. Here
the paper is estimated everywhere by a morphological closing (a maximum filter,
then a minimum filter, over a window wider than any stroke): it removes every
dark feature narrower than the window (the strokes) and gives back any light
that only rises or falls across the window (a slope, a shadow's edge) exactly,
because the maximum and the minimum of a monotone profile over the same window
undo each other. Dividing the photo by it gives the paper's reflectance, the
same under the shadow as in full light.

The closing is computed on a reduced, lightly smoothed copy (fast, and sensor
noise does not lift it), and its bias from the maximum over noise is taken out
with the median gap between the estimate and the photo, which is the paper's.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

__all__ = ["WINDOW_FRACTION", "paper_light"]

WINDOW_FRACTION = 0.3
"""The closing's window, as a fraction of the image's longer side: wider than a marker's stroke."""
REDUCED_SIDE = 160
"""The closing runs on a copy whose longer side is about this many pixels."""


def paper_light(grey: NDArray[np.float32], *, dark_ink: bool = True) -> NDArray[np.float32]:
    """Estimate the brightness of the paper (or board) under the ink at every pixel.

    Parameters
    ----------
    grey : ndarray of float32, shape (height, width)
        Grey levels in [0, 1].
    dark_ink : bool, default True
        Dark ink on light paper (a closing lifts the ink away); ``False`` for
        light ink on a dark board (an opening, the same on the inverted image).

    Returns
    -------
    ndarray of float32, same shape
        The background's grey level, smooth, with no trace of strokes narrower
        than ``WINDOW_FRACTION`` of the longer side.

    Example
    -------
    >>> ramp = np.tile(np.linspace(0.4, 1.0, 90, dtype=np.float32), (60, 1))
    >>> ramp[20:40, 30:34] = 0.1  # a stroke
    >>> bool(np.abs(paper_light(ramp) - np.tile(ramp[0], (60, 1))).max() < 0.03)
    True
    """
    height, width = grey.shape
    factor = max(1, round(max(height, width) / REDUCED_SIDE))
    image = grey if dark_ink else 1.0 - grey
    small = np.asarray(
        Image.fromarray(image).reduce(factor) if factor > 1 else image, dtype=np.float32
    )
    small = ndimage.gaussian_filter(small, 1.0, mode="nearest")
    window = max(3, round(WINDOW_FRACTION * max(small.shape)))
    closed = ndimage.grey_closing(small, size=(window, window), mode="nearest")
    # The maximum over noise lifts the estimate a little everywhere; on paper,
    # most of the image, the gap to the photo is that lift and nothing else.
    closed -= np.float32(np.median(closed - small))
    if factor > 1:
        closed = np.asarray(
            Image.fromarray(closed).resize((width, height), Image.Resampling.BILINEAR),
            dtype=np.float32,
        )
    return (closed if dark_ink else 1.0 - closed).astype(np.float32)
