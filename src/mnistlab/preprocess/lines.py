"""Printed lines under the ink: the rules of ruled paper and the grid of squared paper.

A ruled line is thin, straight, nearly horizontal (a grid's lines also
vertical) and crosses the whole page; a stroke of a digit is none of these at
once. A grey opening of the ink map by a long segment (a minimum, then a
maximum, along it) keeps exactly the structures at least that long: the
lines. A little slope (a tilted camera) is allowed by first spreading the ink
across the segment by a few pixels. Lines printed as dark as the pen (the
opening close to full ink: a long ``1``) are not lines and stay.

Where a stroke crosses a line the pen covers the print, so a pixel is the
line's shade mixed with the pen's, and the pen's share ``(ink - line) / (1 -
line)`` is what is kept: a full-ink stroke stays full ink across the line.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

__all__ = ["LINE_SPAN", "remove_lines"]

LINE_SPAN = 0.5
"""A line is straight over at least this fraction of the image's width (height for vertical)."""
SLOPE = 0.06
"""The steepest line still found, in pixels across per pixel along (a camera's tilt)."""
MAX_LINE_INK = 0.65
"""Straight structures darker than this (of full ink) are strokes, not printed lines."""
MIN_LENGTH = 12
"""Images narrower than this many pixels (per direction) are not searched for lines."""


def remove_lines(ink: NDArray[np.float32]) -> NDArray[np.float32]:
    """Take long, straight, light horizontal and vertical lines out of an ink map.

    Parameters
    ----------
    ink : ndarray of float32, shape (height, width)
        Ink strength in [0, 1] (1 is the darkest ink of the image).

    Returns
    -------
    ndarray of float32, same shape
        The pen's share of each pixel with the printed lines taken out.

    Example
    -------
    >>> page = np.zeros((60, 80), np.float32)
    >>> page[::15] = 0.3  # ruled lines
    >>> page[10:50, 38:42] = 1.0  # a stroke across them
    >>> clean = remove_lines(page)
    >>> float(clean[::15, :30].max()), float(clean[10:50, 38:42].min())
    (0.0, 1.0)
    """
    line = np.zeros_like(ink)
    for along in (1, 0):  # horizontal lines (along the rows), then vertical ones
        length = round(LINE_SPAN * ink.shape[along])
        if length < MIN_LENGTH:
            continue
        across = 1 - along
        spread = 1 + 2 * math.ceil(SLOPE * length / 2)
        widened = ndimage.maximum_filter1d(ink, spread, axis=across, mode="nearest")
        shortest = ndimage.minimum_filter1d(widened, length, axis=along, mode="nearest")
        opened = ndimage.maximum_filter1d(shortest, length, axis=along, mode="nearest")
        opened[opened > MAX_LINE_INK] = 0.0
        np.maximum(line, np.minimum(ink, opened), out=line)
    if not line.any():
        return ink
    return np.clip((ink - line) / (1.0 - line), 0.0, 1.0).astype(np.float32)
