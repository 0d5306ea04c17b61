"""Writing styles MNIST's writers rarely used, drawn onto training digits.

MNIST's digits come from American census staff and students. Much of the
world writes a 1 with a flag and a base, a 4 with a closed top and a 7 with a
bar across its stem; a network that never saw them reads such a 1 as a 7, 4
or 9 and such a 4 as a 9. This module draws those strokes onto a share of the
training images of those digits, where the digit's own ink says they belong:

* a 1 gets a flag (from its top, down and to the left), a base (a short
  horizontal stroke under its foot), or both;
* a 4 gets its top closed: a stroke joining the tops of its two arms;
* a 7 gets a bar across the middle of its stem.

The pen is as wide as MNIST's strokes (1.5 to 2.8 pixels). Randomness comes
only from the ``torch.Generator`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mnistlab.models.strokes import InkBox, polyline_ink

__all__ = ["Styles", "style_batch"]


@dataclass(frozen=True)
class Styles:
    """How often a 1, 4 or 7 is redrawn in another style.

    Parameters
    ----------
    probability : float
        Share of the training images of those three digits given their other
        style; ``0`` turns it off.

    Example
    -------
    >>> Styles(probability=0.3).to_dict()
    {'probability': 0.3}
    """

    probability: float = 0.0

    def to_dict(self) -> dict[str, float]:
        """Return the parameters as a plain dict (for settings and metadata)."""
        return {"probability": self.probability}


def _uniform(n: int, low: float, high: float, g: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=g)


def _segment(
    x0: torch.Tensor, y0: torch.Tensor, x1: torch.Tensor, y1: torch.Tensor
) -> torch.Tensor:
    return torch.stack([torch.stack([x0, y0], dim=1), torch.stack([x1, y1], dim=1)], dim=1)


def _one(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """A 1 with a flag, a base, or both."""
    n, side = len(x), x.shape[-1]
    box = InkBox(x)
    h = box.height
    width = _uniform(n, 1.5, 2.8, g)
    top_x = box.column_at(box.top)
    foot_x = box.column_at(box.bottom)
    flag = _segment(
        top_x,
        box.top,
        top_x - h * _uniform(n, 0.2, 0.35, g),
        box.top + h * _uniform(n, 0.15, 0.3, g),
    )
    half = h * _uniform(n, 0.18, 0.3, g)
    base = _segment(foot_x - half, box.bottom, foot_x + half, box.bottom)
    kind = torch.randint(3, (n,), generator=g).reshape(-1, 1, 1, 1)  # 0 flag, 1 base, 2 both
    flag_ink = polyline_ink(flag, width, side) * (kind != 1)
    base_ink = polyline_ink(base, width, side) * (kind != 0)
    return torch.maximum(x, torch.maximum(flag_ink, base_ink))


def _four(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """A 4 whose two arms are joined at the top."""
    n, side = len(x), x.shape[-1]
    box = InkBox(x)
    middle = (box.left + box.right) / 2.0
    left_x, left_y = box.top_in(box.left, middle - 1.0)
    right_x, right_y = box.top_in(middle + 1.0, box.right)
    ink = polyline_ink(_segment(left_x, left_y, right_x, right_y), _uniform(n, 1.5, 2.8, g), side)
    return torch.maximum(x, ink)


def _seven(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """A 7 with a bar across the middle of its stem."""
    n, side = len(x), x.shape[-1]
    box = InkBox(x)
    h = box.height
    row = box.top + h * _uniform(n, 0.45, 0.6, g)
    stem = box.column_at(row)
    half = h * _uniform(n, 0.15, 0.25, g)
    tilt = h * _uniform(n, -0.05, 0.05, g)
    bar = _segment(stem - half, row + tilt, stem + half, row - tilt)
    return torch.maximum(x, polyline_ink(bar, _uniform(n, 1.5, 2.8, g), side))


_BY_DIGIT = {1: _one, 4: _four, 7: _seven}


def style_batch(
    x: torch.Tensor, labels: torch.Tensor, styles: Styles, *, generator: torch.Generator
) -> torch.Tensor:
    """Return a copy of a batch in which a share of the 1s, 4s and 7s is redrawn.

    Parameters
    ----------
    x : Tensor of float, shape (n, 1, side, side)
        Pixels in [0, 1], ink bright on dark.
    labels : Tensor of int, shape (n,)
        The digit of each image; only 1, 4 and 7 change.
    styles : Styles
    generator : torch.Generator
        The only source of randomness.

    Returns
    -------
    Tensor, same shape
        Each image still shows its digit, in a style MNIST rarely has.

    Example
    -------
    >>> g = torch.Generator().manual_seed(0)
    >>> style_batch(torch.zeros(4, 1, 28, 28), torch.tensor([1, 4, 7, 0]), Styles(1.0),
    ...             generator=g).shape
    torch.Size([4, 1, 28, 28])
    """
    if styles.probability <= 0 or len(x) == 0:
        return x
    chosen = torch.rand(len(x), generator=generator) < styles.probability
    out = x.clone()
    for digit, redraw in _BY_DIGIT.items():
        rows = (chosen & (labels == digit)).nonzero().flatten()
        if len(rows):
            out[rows] = redraw(x[rows], generator).clamp(0.0, 1.0).to(x.dtype)
    return out
