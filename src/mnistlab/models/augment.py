"""Training-time augmentation of digit images: small affine moves and elastic distortion.

A network that sees each training digit moved a little — shifted, rotated,
scaled, and bent by a smooth random displacement field as in Simard, Steinkraus
and Platt (2003), "Best practices for convolutional neural networks applied to
visual document analysis" — learns what stays the same when a person writes the
digit again. Everything works on whole batches of float tensors: one sampling
grid per image (the affine map plus the elastic field) and one ``grid_sample``
call, which costs little next to a training step. Randomness comes only from
the ``torch.Generator`` passed in, so a seeded generator gives the same
augmented batches on the same machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = [
    "Augmentation",
    "affine_matrices",
    "augment_batch",
    "elastic_field",
    "warp",
]


@dataclass(frozen=True)
class Augmentation:
    """How far augmentation may move a digit.

    Parameters
    ----------
    max_rotation : float
        Rotation drawn uniformly in ``[-max_rotation, max_rotation]`` degrees.
    max_scale : float
        Scale factor drawn uniformly in ``[1 - max_scale, 1 + max_scale]``.
    max_shift : float
        Shift along each axis drawn uniformly in ``[-max_shift, max_shift]`` pixels.
    elastic_alpha : float
        Strength of the elastic field: the smoothed field is normalised so that
        its largest displacement in the batch is about ``elastic_alpha`` pixels.
        ``0`` turns elastic distortion off.
    elastic_sigma : float
        Standard deviation in pixels of the Gaussian that smooths the field;
        larger bends the stroke more gently.
    elastic_probability : float
        Share of the images that get an elastic field; the others only the affine move.

    Example
    -------
    >>> Augmentation(max_rotation=0.0, max_scale=0.0, max_shift=2.0, elastic_alpha=0.0)
    Augmentation(max_rotation=0.0, max_scale=0.0, max_shift=2.0, elastic_alpha=0.0, ...)
    """

    max_rotation: float = 12.0
    max_scale: float = 0.1
    max_shift: float = 2.5
    elastic_alpha: float = 2.0
    elastic_sigma: float = 4.0
    elastic_probability: float = 0.5

    def to_dict(self) -> dict[str, float]:
        """Return the parameters as a plain dict (for settings and metadata)."""
        return {
            "max_rotation": self.max_rotation,
            "max_scale": self.max_scale,
            "max_shift": self.max_shift,
            "elastic_alpha": self.elastic_alpha,
            "elastic_sigma": self.elastic_sigma,
            "elastic_probability": self.elastic_probability,
        }


def affine_matrices(
    rotation: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, *, side: int = 28
) -> torch.Tensor:
    """Return the sampling matrices that move the ink of each image as asked.

    The ink of image ``i`` is rotated by ``rotation[i]`` degrees (counter-clockwise
    as seen on screen) and scaled by ``scale[i]`` about the image centre, then
    shifted by ``shift[i] = (dx, dy)`` pixels (right and down are positive).
    ``grid_sample`` needs the opposite map — for each output pixel, where to
    read in the input — so the matrices hold the inverse of that move.

    Parameters
    ----------
    rotation, scale : Tensor, shape (n,)
    shift : Tensor, shape (n, 2)
    side : int
        Image side in pixels (normalised coordinates span it with ``[-1, 1]``).

    Returns
    -------
    Tensor, shape (n, 2, 3)
        For ``torch.nn.functional.affine_grid`` with ``align_corners=False``.
    """
    # On screen y points down, so a counter-clockwise turn is a negative angle
    # in (x, y) coordinates.
    angle = -rotation * (math.pi / 180.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # Forward move: p_out = scale * R @ p_in + t. Inverse: p_in = R^T @ (p_out - t) / scale.
    inv = (
        torch.stack([torch.stack([cos, sin], dim=-1), torch.stack([-sin, cos], dim=-1)], dim=-2)
        / scale[:, None, None]
    )
    t = shift * (2.0 / side)
    offset = -(inv @ t[:, :, None])
    return torch.cat([inv, offset], dim=2)


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = max(1, math.ceil(3.0 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def elastic_field(
    n: int, *, alpha: float, sigma: float, generator: torch.Generator, side: int = 28
) -> torch.Tensor:
    """Draw ``n`` smooth random displacement fields, in normalised grid units.

    Each pixel gets a displacement drawn uniformly in ``[-1, 1]`` along x and y;
    the field is smoothed with a Gaussian of ``sigma`` pixels and rescaled so
    that each field's largest displacement is ``alpha`` pixels.

    Parameters
    ----------
    n : int
    alpha, sigma : float
        Strength (pixels) and smoothness (pixels) of the field.
    generator : torch.Generator
    side : int

    Returns
    -------
    Tensor of float32, shape (n, side, side, 2)
        To add to an ``affine_grid`` (last axis is x, y).
    """
    raw = torch.rand((n, 2, side, side), generator=generator) * 2.0 - 1.0
    kernel = _gaussian_kernel(sigma)
    pad = len(kernel) // 2
    channels = raw.reshape(n * 2, 1, side, side)
    smooth = F.conv2d(F.pad(channels, (pad, pad, 0, 0), mode="reflect"), kernel.view(1, 1, 1, -1))
    smooth = F.conv2d(F.pad(smooth, (0, 0, pad, pad), mode="reflect"), kernel.view(1, 1, -1, 1))
    smooth = smooth.reshape(n, 2, side, side)
    # Smoothing shrinks the field by a factor that depends on sigma; normalise
    # each field so that alpha means pixels whatever the sigma.
    peak = smooth.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-6)
    pixels = smooth / peak * alpha
    return (pixels * (2.0 / side)).permute(0, 2, 3, 1).contiguous()


def warp(
    images: torch.Tensor, theta: torch.Tensor, displacement: torch.Tensor | None = None
) -> torch.Tensor:
    """Resample ``images`` through affine matrices and an optional displacement field.

    Parameters
    ----------
    images : Tensor of float, shape (n, 1, side, side)
    theta : Tensor, shape (n, 2, 3)
        From ``affine_matrices``.
    displacement : Tensor, shape (n, side, side, 2), optional
        From ``elastic_field``; where the output pixel reads, moved further.

    Returns
    -------
    Tensor, same shape and dtype as ``images``
        Pixels read from outside the image are 0 (background).
    """
    grid = F.affine_grid(theta.to(images.dtype), list(images.shape), align_corners=False)
    if displacement is not None:
        grid = grid + displacement.to(images.dtype)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def augment_batch(
    images: torch.Tensor, augmentation: Augmentation, *, generator: torch.Generator
) -> torch.Tensor:
    """Return a randomly moved copy of a batch of images.

    Parameters
    ----------
    images : Tensor of float, shape (n, 1, side, side)
        Pixel values, ink bright on dark (any scale; zero is background).
    augmentation : Augmentation
        How far each image may move.
    generator : torch.Generator
        The only source of randomness.

    Returns
    -------
    Tensor, same shape and dtype as ``images``
        The labels of the images are unchanged: each is still the same digit.

    Example
    -------
    >>> g = torch.Generator().manual_seed(0)
    >>> augment_batch(torch.zeros(4, 1, 28, 28), Augmentation(), generator=g).shape
    torch.Size([4, 1, 28, 28])
    """
    n, side = images.shape[0], images.shape[-1]

    def uniform(*shape: int, bound: float) -> torch.Tensor:
        return (torch.rand(shape, generator=generator) * 2.0 - 1.0) * bound

    theta = affine_matrices(
        uniform(n, bound=augmentation.max_rotation),
        1.0 + uniform(n, bound=augmentation.max_scale),
        uniform(n, 2, bound=augmentation.max_shift),
        side=side,
    )
    displacement = None
    if augmentation.elastic_alpha > 0 and augmentation.elastic_probability > 0:
        field = elastic_field(
            n,
            alpha=augmentation.elastic_alpha,
            sigma=augmentation.elastic_sigma,
            generator=generator,
            side=side,
        )
        chosen = torch.rand(n, generator=generator) < augmentation.elastic_probability
        displacement = field * chosen.to(field.dtype)[:, None, None, None]
    return warp(images, theta, displacement)
