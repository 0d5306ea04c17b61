"""Pen strokes drawn into batches of digit images, and where a digit's ink is.

Training augmentation draws strokes that are not in the data: a line across
the page, a scribble, the flag of a 1. A stroke here is a polyline with a pen
width; each pixel takes the ink of its distance to the nearest segment, with a
one-pixel soft edge, as a scanned pen stroke looks at MNIST's resolution.
Everything works on whole batches of float tensors of shape (n, 1, side, side),
ink bright on dark, in [0, 1].
"""

from __future__ import annotations

import torch

__all__ = ["InkBox", "polyline_ink", "segment_distance"]


def _pixel_centres(side: int) -> tuple[torch.Tensor, torch.Tensor]:
    coords = torch.arange(side, dtype=torch.float32)
    rows, cols = torch.meshgrid(coords, coords, indexing="ij")
    return cols, rows


def segment_distance(start: torch.Tensor, end: torch.Tensor, side: int) -> torch.Tensor:
    """Distance in pixels from every pixel centre to a segment, for a batch of segments.

    Parameters
    ----------
    start, end : Tensor, shape (n, 2)
        The segments' ends as (x, y) pixel coordinates (x to the right, y down).
    side : int

    Returns
    -------
    Tensor of float32, shape (n, side, side)
    """
    x, y = _pixel_centres(side)
    start, end = start.float(), end.float()
    ax, ay = start[:, 0, None, None], start[:, 1, None, None]
    dx, dy = (end - start)[:, 0, None, None], (end - start)[:, 1, None, None]
    length2 = (dx * dx + dy * dy).clamp_min(1e-9)
    t = (((x - ax) * dx + (y - ay) * dy) / length2).clamp(0.0, 1.0)
    return torch.hypot(x - (ax + t * dx), y - (ay + t * dy))


def polyline_ink(points: torch.Tensor, width: torch.Tensor | float, side: int = 28) -> torch.Tensor:
    """The ink of one polyline per image: 1 on the stroke, fading to 0 over one pixel.

    Parameters
    ----------
    points : Tensor, shape (n, k, 2)
        ``k >= 2`` vertices (x, y) of each image's polyline.
    width : float or Tensor of shape (n,)
        Pen width in pixels.
    side : int

    Returns
    -------
    Tensor of float32, shape (n, 1, side, side)

    Example
    -------
    >>> ink = polyline_ink(torch.tensor([[[4.0, 14.0], [24.0, 14.0]]]), 2.0)
    >>> float(ink[0, 0, 14, 14]), float(ink[0, 0, 2, 14])
    (1.0, 0.0)
    """
    n = points.shape[0]
    distance = torch.full((n, side, side), float("inf"))
    for k in range(points.shape[1] - 1):
        distance = torch.minimum(distance, segment_distance(points[:, k], points[:, k + 1], side))
    half = torch.as_tensor(width, dtype=torch.float32).reshape(-1, 1, 1) / 2.0
    return (half + 0.5 - distance).clamp(0.0, 1.0)[:, None]


class InkBox:
    """Where each image's ink is: its bounding box and its middle column at given rows.

    Attributes
    ----------
    top, bottom, left, right : Tensor of float32, shape (n,)
        First and last rows and columns holding ink (pixels above ``threshold``);
        an image without ink gets the whole image.
    """

    def __init__(self, images: torch.Tensor, threshold: float = 0.3) -> None:
        ink = images[:, 0] > threshold
        side = images.shape[-1]
        index = torch.arange(side, dtype=torch.float32)
        has_row, has_col = ink.any(dim=2), ink.any(dim=1)
        big = float(side)
        self.top = torch.where(has_row, index, big).amin(dim=1)
        self.bottom = torch.where(has_row, index, -1.0).amax(dim=1)
        self.left = torch.where(has_col, index, big).amin(dim=1)
        self.right = torch.where(has_col, index, -1.0).amax(dim=1)
        empty = self.bottom < 0
        self.top[empty], self.left[empty] = 0.0, 0.0
        self.bottom[empty], self.right[empty] = side - 1.0, side - 1.0
        self._ink = ink

    @property
    def height(self) -> torch.Tensor:
        """Rows spanned by the ink, at least 1."""
        return (self.bottom - self.top + 1.0).clamp_min(1.0)

    def _band(self, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        side = self._ink.shape[-1]
        index = torch.arange(side, dtype=torch.float32)
        return (index[None, :] >= low[:, None]) & (index[None, :] <= high[:, None])

    def column_at(
        self, rows: torch.Tensor, low: torch.Tensor | None = None, high: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The mean ink column on row ``rows[i]`` of image ``i`` (the box's middle if none).

        ``low`` and ``high`` limit the search to columns ``low[i]..high[i]``.
        """
        n, side = self._ink.shape[0], self._ink.shape[-1]
        picked = rows.round().long().clamp(0, side - 1)
        line = self._ink[torch.arange(n), picked]
        if low is not None and high is not None:
            line = line & self._band(low, high)
        weights = line.float()
        index = torch.arange(side, dtype=torch.float32)
        count = weights.sum(dim=1)
        middle = (self.left + self.right) / 2.0
        return torch.where(count > 0, (weights * index).sum(dim=1) / count.clamp_min(1.0), middle)

    def top_in(self, low: torch.Tensor, high: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(x, y) of the highest ink in columns ``low[i]..high[i]`` (the box's top if none)."""
        side = self._ink.shape[-1]
        ink = self._ink & self._band(low, high)[:, None, :]
        index = torch.arange(side, dtype=torch.float32)
        y = torch.where(ink.any(dim=2), index, float(side)).amin(dim=1)
        y = torch.where(y < side, y, self.top)
        return self.column_at(y, low, high), y
