"""Moving many 28×28 images at once, each by its own affine map, with bilinear sampling.

Every geometric corruption (shear, scale, rotate, translate, and the taps of a
motion blur) is one call of :func:`warp`: for each output pixel it samples the
input at ``matrix @ (pixel - centre) + centre + offset``, so the map given is
the inverse one (output to input), as in image libraries. Pixels that come from
outside the image are background (0).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

__all__ = ["CENTRE", "SIDE", "as_batch", "as_rows", "warp"]

SIDE = 28
CENTRE = (SIDE - 1) / 2.0
"""The centre of a 28×28 image, (13.5, 13.5): geometric corruptions keep it fixed."""


def as_batch(images: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Rows of 784 uint8 pixels to an (n, 28, 28) float array in [0, 1].

    Example
    -------
    >>> as_batch(np.full((2, 784), 255, np.uint8)).shape
    (2, 28, 28)
    """
    return np.asarray(images, dtype=np.float64).reshape(-1, SIDE, SIDE) / 255.0


def as_rows(batch: NDArray[np.floating]) -> NDArray[np.uint8]:
    """An (n, 28, 28) float array in [0, 1] back to rows of 784 uint8 pixels (rounded, clipped).

    Example
    -------
    >>> as_rows(np.full((1, 28, 28), 0.5)).max()
    np.uint8(128)
    """
    scaled = np.rint(np.clip(batch, 0.0, 1.0) * 255.0)
    return scaled.astype(np.uint8).reshape(len(batch), SIDE * SIDE)


def warp(
    batch: NDArray[np.floating],
    matrices: NDArray[np.floating],
    offsets: NDArray[np.floating] | None = None,
) -> NDArray[np.float64]:
    """Sample each image at its own affine map of the output pixels (bilinear, 0 outside).

    Parameters
    ----------
    batch : ndarray, shape (n, 28, 28)
        The images.
    matrices : ndarray, shape (n, 2, 2) or (2, 2)
        For each image, the linear part of the map from output (row, column),
        taken about the centre, to input (row, column).
    offsets : ndarray, shape (n, 2) or (2,), optional
        Added to the input position: ``(1, 0)`` samples one row lower, so the
        content moves one row up.

    Returns
    -------
    ndarray of float64, shape (n, 28, 28)

    Example
    -------
    >>> dot = np.zeros((1, 28, 28)); dot[0, 10, 10] = 1.0
    >>> moved = warp(dot, np.eye(2), np.array([-1.0, 0.0]))
    >>> np.argwhere(moved[0] > 0.5).tolist()
    [[11, 10]]
    """
    n = len(batch)
    linear = np.broadcast_to(np.asarray(matrices, dtype=np.float64), (n, 2, 2))
    shift = np.zeros((n, 2)) if offsets is None else np.asarray(offsets, dtype=np.float64)
    shift = np.broadcast_to(shift, (n, 2))
    rows, cols = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64) - CENTRE
    grid = np.stack([rows.ravel(), cols.ravel()])  # (2, 784)
    sampled = np.einsum("nij,jp->nip", linear, grid) + CENTRE + shift[:, :, None]
    index = np.broadcast_to(np.arange(n, dtype=np.float64)[:, None], (n, SIDE * SIDE))
    coordinates = np.stack([index, sampled[:, 0], sampled[:, 1]])
    values = ndimage.map_coordinates(
        np.asarray(batch, dtype=np.float64), coordinates, order=1, mode="constant", cval=0.0
    )
    return values.reshape(n, SIDE, SIDE)
