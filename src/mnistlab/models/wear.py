"""Training augmentation from the families of real-world damage: noise, blur, light, marks.

A network trained only on clean, moved digits reads a digit on grey paper, a
blurred one or one crossed by a ruled line poorly (see docs/robustness.md).
This module gives a share of each training batch one kind of damage, drawn
from the same families as MNIST-C's corruptions (Mu & Gilmer, 2019) and the
photo path: noise, blur, a changed background, stripes, marks and lines,
outlines only, strokes of another width, stronger geometry. Each family is
implemented here from its description with its own random strengths; none
uses the benchmark's images, seeds or code, so the benchmark measures what the
network learned, not what it memorised.

Randomness comes only from the ``torch.Generator`` passed in: a seeded
generator gives the same batches on the same machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from mnistlab.models.augment import affine_matrices, warp
from mnistlab.models.strokes import polyline_ink

__all__ = ["FAMILIES", "Wear", "wear_batch"]


@dataclass(frozen=True)
class Wear:
    """How often training images are damaged.

    Parameters
    ----------
    probability : float
        Share of the images given one kind of damage (a family drawn uniformly
        from :data:`FAMILIES`); the others stay as the affine augmentation left them.
        ``0`` turns it off.

    Example
    -------
    >>> Wear(probability=0.5).to_dict()
    {'probability': 0.5}
    """

    probability: float = 0.0

    def to_dict(self) -> dict[str, float]:
        """Return the parameters as a plain dict (for settings and metadata)."""
        return {"probability": self.probability}


_Family = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def _per_image(values: torch.Tensor) -> torch.Tensor:
    return values.reshape(-1, 1, 1, 1)


def _gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Blur each image with its own sigma (pixels), separably, edges reflected."""
    radius = 4
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernels = torch.exp(-0.5 * (offsets[None, :] / sigma[:, None].clamp_min(1e-3)) ** 2)
    kernels = kernels / kernels.sum(dim=1, keepdim=True)
    n, _, side, _ = x.shape
    grouped = x.reshape(1, n, side, side)
    rows = F.conv2d(
        F.pad(grouped, (radius, radius, 0, 0), mode="reflect"), kernels.view(n, 1, 1, -1), groups=n
    )
    both = F.conv2d(
        F.pad(rows, (0, 0, radius, radius), mode="reflect"), kernels.view(n, 1, -1, 1), groups=n
    )
    return both.reshape(n, 1, side, side)


def _noise(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Photon noise, sensor noise, or salt and pepper."""
    n = len(x)
    kind = torch.randint(3, (n,), generator=g)
    photons = _per_image(_uniform(n, 2.0, 12.0, g))
    shot = torch.poisson(x * photons, generator=g) / photons
    gauss = x + torch.randn(x.shape, generator=g) * _per_image(_uniform(n, 0.05, 0.3, g))
    flip = torch.rand(x.shape, generator=g)
    share = _per_image(_uniform(n, 0.02, 0.2, g))
    salt = torch.where(flip < share / 2, 1.0, torch.where(flip < share, 0.0, x))
    k = _per_image(kind)
    return torch.where(k == 0, shot, torch.where(k == 1, gauss, salt))


def _blur(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Out of focus (Gaussian) or moved (a one-sided smear along a direction)."""
    n = len(x)
    focus = _gaussian_blur(x, _uniform(n, 0.5, 1.4, g))
    angle = _uniform(n, -math.pi, math.pi, g)
    length = _uniform(n, 2.0, 6.0, g)
    smear = torch.zeros_like(x)
    steps = 7
    for i in range(steps):
        t = length * (i / (steps - 1))
        shift = torch.stack([t * torch.cos(angle), t * torch.sin(angle)], dim=1)
        theta = affine_matrices(torch.zeros(n), torch.ones(n), shift, side=x.shape[-1])
        smear = smear + warp(x, theta)
    smear = smear / steps
    return torch.where(_per_image(torch.rand(n, generator=g) < 0.5), focus, smear)


def _background(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """A lighter background: uniform (brightness) or a cloudy haze (fog), low contrast."""
    n, side = len(x), x.shape[-1]
    level = _per_image(_uniform(n, 0.15, 0.6, g))
    coarse = torch.rand((n, 1, 4, 4), generator=g)
    haze = F.interpolate(coarse, size=(side, side), mode="bicubic", align_corners=False)
    haze = haze.clamp(0.0, 1.0) * level * 1.6
    fog = torch.where(_per_image(torch.rand(n, generator=g) < 0.5), level, haze)
    out = x + fog
    return out / out.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1.0)


def _stripes(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Bands of columns (or rows) at the sides inverted, as a bad scan or MNIST-C's stripe."""
    n, side = len(x), x.shape[-1]
    width = torch.randint(2, 9, (n,), generator=g).reshape(-1, 1, 1, 1)
    index = torch.arange(side).reshape(1, 1, 1, -1)
    band = (index < width) | (index >= side - width)
    rows = _per_image(torch.rand(n, generator=g) < 0.3)
    band = torch.where(rows, band.transpose(2, 3), band)
    return torch.where(band, 1.0 - x, x)


def _marks(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Spatter: a few grey blobs, drawn as thresholded smooth noise."""
    n, side = len(x), x.shape[-1]
    noise = _gaussian_blur(torch.rand((n, 1, side, side), generator=g), torch.full((n,), 1.5))
    ordered = noise.reshape(n, -1).sort(dim=1).values
    share = _uniform(n, 0.9, 0.98, g)
    at = (share * (ordered.shape[1] - 1)).long()[:, None]
    cut = ordered.gather(1, at).reshape(-1, 1, 1, 1)
    grey = _per_image(_uniform(n, 0.15, 0.5, g))
    return torch.maximum(x, (noise > cut).float() * grey)


def _lines(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """A line across the image (solid or dotted) or a zigzag scribble."""
    n, side = len(x), x.shape[-1]
    k = 6
    xs = torch.linspace(0.0, side - 1.0, k).expand(n, k)
    start = _uniform(n, 2.0, side - 3.0, g)[:, None]
    slope = _uniform(n, -0.6, 0.6, g)[:, None]
    straight = start + slope * (xs - side / 2)
    zigzag = _uniform(n * k, 3.0, side - 4.0, g).reshape(n, k)
    is_zigzag = (torch.rand(n, generator=g) < 0.4)[:, None]
    ys = torch.where(is_zigzag, zigzag, straight)
    ink = polyline_ink(torch.stack([xs, ys], dim=2), _uniform(n, 1.0, 2.5, g), side)
    period = _per_image(_uniform(n, 2.5, 5.0, g))
    column = torch.arange(side, dtype=torch.float32).reshape(1, 1, 1, -1)
    dots = (torch.sin(2 * math.pi * column / period) > 0).float()
    dotted = _per_image((torch.rand(n, generator=g) < 0.5) & ~is_zigzag[:, 0])
    ink = torch.where(dotted, ink * dots, ink) * _per_image(_uniform(n, 0.6, 1.0, g))
    return torch.maximum(x, ink)


def _outline(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Only the strokes' edges, as an edge detector leaves them: each stroke hollow."""
    stroke = x > _per_image(_uniform(len(x), 0.3, 0.6, g))
    grown = F.max_pool2d(stroke.float(), 3, stride=1, padding=1) > 0
    return (grown & ~stroke).float()


def _width(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Strokes of another pen: thicker (a marker) or thinner (a fine liner)."""
    n = len(x)
    grown = F.max_pool2d(x, 3, stride=1, padding=1)
    grown2 = F.max_pool2d(grown, 3, stride=1, padding=1)
    thick = torch.where(_per_image(torch.rand(n, generator=g) < 0.6), grown, grown2)
    thin = torch.maximum(-F.max_pool2d(-x, 3, stride=1, padding=1), 0.5 * x)
    thin = thin / thin.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-6)
    return torch.where(_per_image(torch.rand(n, generator=g) < 0.7), thick, thin)


def _geometry(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Larger moves than the affine augmentation: shrunk, sheared, turned, shifted far."""
    n, side = len(x), x.shape[-1]
    theta = affine_matrices(
        _uniform(n, -25.0, 25.0, g),
        _uniform(n, 0.6, 1.1, g),
        _uniform(2 * n, -4.5, 4.5, g).reshape(n, 2),
        side=side,
    )
    shear = _uniform(n, -0.45, 0.45, g)
    sheared = theta.clone()
    # Each output pixel reads at x + shear·y: the y row of the map, times shear, added to the x row.
    sheared[:, 0, 1] = theta[:, 0, 1] + shear * theta[:, 1, 1]
    sheared[:, 0, 0] = theta[:, 0, 0] + shear * theta[:, 1, 0]
    sheared[:, 0, 2] = theta[:, 0, 2] + shear * theta[:, 1, 2]
    return warp(x, sheared)


#: The damage families, by name: each maps a batch (n, 1, 28, 28) in [0, 1] to a new one.
FAMILIES: dict[str, _Family] = {
    "noise": _noise,
    "blur": _blur,
    "background": _background,
    "stripes": _stripes,
    "marks": _marks,
    "lines": _lines,
    "outline": _outline,
    "width": _width,
    "geometry": _geometry,
}


def wear_batch(x: torch.Tensor, wear: Wear, *, generator: torch.Generator) -> torch.Tensor:
    """Return a copy of a batch in which a share of the images has one kind of damage.

    Parameters
    ----------
    x : Tensor of float, shape (n, 1, side, side)
        Pixels in [0, 1], ink bright on dark.
    wear : Wear
    generator : torch.Generator
        The only source of randomness.

    Returns
    -------
    Tensor, same shape, pixels in [0, 1]
        Each image still shows the same digit.

    Example
    -------
    >>> g = torch.Generator().manual_seed(0)
    >>> wear_batch(torch.zeros(8, 1, 28, 28), Wear(0.5), generator=g).shape
    torch.Size([8, 1, 28, 28])
    """
    if wear.probability <= 0 or len(x) == 0:
        return x
    n = len(x)
    chosen = torch.rand(n, generator=generator) < wear.probability
    family = torch.randint(len(FAMILIES), (n,), generator=generator)
    out = x.clone()
    for index, damage in enumerate(FAMILIES.values()):
        rows = (chosen & (family == index)).nonzero().flatten()
        if len(rows):
            out[rows] = damage(x[rows], generator).clamp(0.0, 1.0).to(x.dtype)
    return out
