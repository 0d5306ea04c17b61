"""The 15 corruptions of MNIST-C (Mu & Gilmer, 2019), written from the paper's description.

Each corruption is a function ``(images, rng, severity) -> images``: uint8 rows
of 784 pixels in, the same shape and type out, every image corrupted on its own
draw. ``rng`` is a seed or a ``numpy.random.Generator``; the same seed gives
the same bytes. ``severity`` runs from 1 (mild) to 5 (harsh), with the
parameters of each level in the function's table; MNIST-C uses one fixed
severity per corruption, chosen so that the digit stays recognisable to a
person while models trained on clean MNIST stumble, and that level is each
function's default (``Corruption.severity``).

Example
-------
>>> from mnistlab.robustness.corruptions import CORRUPTIONS, corrupt
>>> rows = np.zeros((2, 784), np.uint8); rows[:, 300:320] = 255
>>> corrupt("shot_noise", rows, seed=0).shape
(2, 784)
>>> [c.name for c in CORRUPTIONS][:3]
['shot_noise', 'impulse_noise', 'glass_blur']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from mnistlab.errors import ConfigError, lookup
from mnistlab.models.base import check_images
from mnistlab.robustness.geometry import SIDE, as_batch, as_rows, warp
from mnistlab.robustness.marks import canny_edges as _canny
from mnistlab.robustness.marks import line_strength, plasma_fractal, segment_distance

__all__ = [
    "CORRUPTIONS",
    "CORRUPTION_NAMES",
    "Corruption",
    "brightness",
    "canny_edges",
    "corrupt",
    "dotted_line",
    "fog",
    "get_corruption",
    "glass_blur",
    "impulse_noise",
    "motion_blur",
    "rotate",
    "scale",
    "shear",
    "shot_noise",
    "spatter",
    "stripe",
    "translate",
    "zigzag",
]

Images = NDArray[np.uint8]
Seed = int | np.random.Generator
SEVERITIES = (1, 2, 3, 4, 5)
T = TypeVar("T")


def _generator(rng: Seed) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _level(severity: int, table: Sequence[T], name: str) -> T:
    if isinstance(severity, bool) or severity not in SEVERITIES:
        raise ConfigError(f"{name}: severity must be 1 to 5, got {severity!r}")
    return table[severity - 1]


def _signs(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    return rng.choice(np.array([-1.0, 1.0]), size=n)


# --- noise ----------------------------------------------------------------------------------

SHOT_PHOTONS = (60, 25, 12, 5, 3)


def shot_noise(images: Images, rng: Seed = 0, severity: int = 5) -> Images:
    """Photon noise: each pixel counts Poisson photons, fewer for a dimmer pixel.

    A pixel of brightness ``x`` becomes ``Poisson(x · c) / c``; ``c`` is the
    photons of full ink: 60, 25, 12, 5, 3 by severity. MNIST-C uses 3 (severity
    5): strokes break into speckles, the background stays black.

    Example
    -------
    >>> shot_noise(np.full((1, 784), 255, np.uint8), 0).std() > 50
    np.True_
    """
    c = float(_level(severity, SHOT_PHOTONS, "shot_noise"))
    x = as_batch(check_images(images))
    return as_rows(_generator(rng).poisson(x * c) / c)


IMPULSE_AMOUNT = (0.03, 0.06, 0.09, 0.17, 0.27)


def impulse_noise(images: Images, rng: Seed = 0, severity: int = 4) -> Images:
    """Salt and pepper: a fraction of the pixels set to white or black, half each.

    The fraction is 3, 6, 9, 17, 27% by severity; MNIST-C uses 17% (severity 4).

    Example
    -------
    >>> out = impulse_noise(np.zeros((1, 784), np.uint8), 0)
    >>> 0.05 < (out == 255).mean() < 0.12
    np.True_
    """
    amount = float(_level(severity, IMPULSE_AMOUNT, "impulse_noise"))
    generator = _generator(rng)
    x = as_batch(check_images(images))
    hit = generator.random(x.shape) < amount
    salt = generator.random(x.shape) < 0.5
    return as_rows(np.where(hit, salt.astype(np.float64), x))


# --- blur -----------------------------------------------------------------------------------

GLASS = ((0.7, 1, 2), (0.9, 2, 1), (1.0, 2, 3), (1.1, 3, 2), (1.5, 4, 2))


def _gaussian(x: NDArray[np.float64], sigma: float) -> NDArray[np.float64]:
    return ndimage.gaussian_filter(x, sigma=(0, sigma, sigma), mode="nearest")


def glass_blur(images: Images, rng: Seed = 0, severity: int = 1) -> Images:
    """Frosted glass: blur, shuffle pixels locally, blur again.

    Gaussian blur of ``sigma``; then ``rounds`` passes over the image from the
    bottom-right corner, each pixel swapped, with probability ½, with one at
    most ``delta`` rows and columns away; then the same blur. (sigma, delta,
    rounds) by severity: (0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2),
    (1.5, 4, 2). MNIST-C uses (0.7, 1, 2) (severity 1): a digit this small
    dissolves at any stronger level.

    Example
    -------
    >>> glass_blur(np.zeros((3, 784), np.uint8), 0).shape
    (3, 784)
    """
    sigma, delta, rounds = _level(severity, GLASS, "glass_blur")
    generator = _generator(rng)
    x = np.rint(_gaussian(as_batch(check_images(images)), sigma) * 255.0) / 255.0
    n = len(x)
    for _ in range(rounds):
        for row in range(SIDE - 1 - delta, delta - 1, -1):
            for col in range(SIDE - 1 - delta, delta - 1, -1):
                chosen = np.flatnonzero(generator.random(n) < 0.5)
                dr, dc = generator.integers(-delta, delta + 1, size=(2, n))
                if chosen.size == 0:
                    continue
                to_row, to_col = row + dr[chosen], col + dc[chosen]
                here = x[chosen, row, col].copy()
                x[chosen, row, col] = x[chosen, to_row, to_col]
                x[chosen, to_row, to_col] = here
    return as_rows(_gaussian(x, sigma))


MOTION = ((10, 3.0), (15, 5.0), (15, 8.0), (15, 12.0), (20, 15.0))
MOTION_MAX_ANGLE = 45.0


def motion_blur(images: Images, rng: Seed = 0, severity: int = 1) -> Images:
    """A camera that moved: each image smeared along one direction, to one side.

    The image is averaged with copies of itself moved 0, 1, ... ``radius``
    pixels along an angle drawn from ±45° of horizontal, weighted by a
    one-sided Gaussian of ``sigma`` (ImageMagick's motion blur). (radius,
    sigma) by severity: (10, 3), (15, 5), (15, 8), (15, 12), (20, 15); MNIST-C
    uses (10, 3) (severity 1): a smear of about 3 to 6 pixels.

    Example
    -------
    >>> motion_blur(np.zeros((2, 784), np.uint8), 0).shape
    (2, 784)
    """
    radius, sigma = _level(severity, MOTION, "motion_blur")
    x = as_batch(check_images(images))
    angle = np.deg2rad(_generator(rng).uniform(-MOTION_MAX_ANGLE, MOTION_MAX_ANGLE, len(x)))
    taps = np.arange(2 * radius + 1, dtype=np.float64)
    weights = np.exp(-(taps**2) / (2.0 * sigma**2))
    keep = weights >= 1e-3 * weights[0]
    taps, weights = taps[keep], weights[keep] / weights[keep].sum()
    direction = np.stack([np.sin(angle), np.cos(angle)], axis=1)  # (row, column)
    return as_rows(_smear(x, direction, taps, weights))


def _smear(
    x: NDArray[np.float64],
    direction: NDArray[np.float64],
    taps: NDArray[np.float64],
    weights: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Sum of each image's copies moved ``tap · direction`` (bilinear), weighted; 0 outside."""
    n = len(x)
    reach = int(np.ceil(taps.max())) + 1
    padded = np.pad(x, ((0, 0), (reach, reach), (reach, reach)))
    images = np.arange(n)[:, None, None]
    rows = np.arange(SIDE)[None, :, None] + reach
    cols = np.arange(SIDE)[None, None, :] + reach
    out = np.zeros_like(x)
    for tap, weight in zip(taps, weights, strict=True):
        where = tap * direction
        low = np.floor(where).astype(int)
        frac = where - low
        for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):
            share = (frac[:, 0] if dr else 1 - frac[:, 0]) * (frac[:, 1] if dc else 1 - frac[:, 1])
            source_rows = rows - (low[:, 0] + dr)[:, None, None]
            source_cols = cols - (low[:, 1] + dc)[:, None, None]
            out += (weight * share)[:, None, None] * padded[images, source_rows, source_cols]
    return out


# --- geometry -------------------------------------------------------------------------------

SHEAR = (0.2, 0.4, 0.6, 0.8, 1.0)


def shear(images: Images, rng: Seed = 0, severity: int = 2) -> Images:
    """Slanted writing: a horizontal shear about the centre, to the left or the right.

    The shear angle is 0.2, 0.4, 0.6, 0.8, 1.0 radians by severity, its sign
    drawn per image; as in scikit-image's ``AffineTransform(shear=a)``, a row
    ``r`` below the centre moves by ``sin(a)·r`` and the height shrinks by
    ``cos(a)``. MNIST-C uses 0.4 (severity 2), about 23°.

    Example
    -------
    >>> shear(np.zeros((2, 784), np.uint8), 0).dtype
    dtype('uint8')
    """
    angle = float(_level(severity, SHEAR, "shear"))
    x = as_batch(check_images(images))
    a = angle * _signs(_generator(rng), len(x))
    matrices = np.zeros((len(x), 2, 2))
    matrices[:, 0, 0] = np.cos(a)
    matrices[:, 1, 0] = -np.sin(a)
    matrices[:, 1, 1] = 1.0
    return as_rows(warp(x, matrices))


SCALE = (0.9, 0.8, 0.7, 0.6, 0.5)


def scale(images: Images, rng: Seed = 0, severity: int = 3) -> Images:
    """A smaller digit: shrunk about the centre of the image.

    To 90, 80, 70, 60, 50% of its size by severity; MNIST-C uses 70% (severity
    3). Nothing is random; ``rng`` is accepted like every corruption's.

    Example
    -------
    >>> scale(np.zeros((1, 784), np.uint8)).shape
    (1, 784)
    """
    factor = float(_level(severity, SCALE, "scale"))
    x = as_batch(check_images(images))
    return as_rows(warp(x, np.eye(2) / factor))


ROTATE = (0.2, 0.4, 0.6, 0.8, 1.0)


def rotate(images: Images, rng: Seed = 0, severity: int = 2) -> Images:
    """A turned page: rotation about the centre, clockwise or counter-clockwise.

    By 0.2, 0.4, 0.6, 0.8, 1.0 radians by severity, the direction drawn per
    image; MNIST-C uses 0.4 (severity 2), about 23°.

    Example
    -------
    >>> rotate(np.zeros((1, 784), np.uint8), 0).shape
    (1, 784)
    """
    angle = float(_level(severity, ROTATE, "rotate"))
    x = as_batch(check_images(images))
    a = angle * _signs(_generator(rng), len(x))
    cos, sin = np.cos(a), np.sin(a)
    matrices = np.stack([np.stack([cos, -sin], axis=1), np.stack([sin, cos], axis=1)], axis=1)
    return as_rows(warp(x, matrices))


TRANSLATE = (1, 2, 3, 4, 5)


def translate(images: Images, rng: Seed = 0, severity: int = 3) -> Images:
    """A digit off-centre: moved the same number of pixels along both axes.

    By 1, 2, 3, 4, 5 pixels by severity, up or down and left or right drawn per
    image; MNIST-C uses 3 (severity 3), so the digit's centre moves about 4.2
    pixels and some digits lose a part over the edge.

    Example
    -------
    >>> rows = np.zeros((1, 784), np.uint8); rows[0, 14 * 28 + 14] = 255
    >>> int(np.abs(np.argwhere(translate(rows, 0).reshape(28, 28)) - 14).max())
    3
    """
    pixels = float(_level(severity, TRANSLATE, "translate"))
    generator = _generator(rng)
    x = as_batch(check_images(images))
    offsets = pixels * np.stack([_signs(generator, len(x)), _signs(generator, len(x))], axis=1)
    return as_rows(warp(x, np.eye(2), offsets))


# --- light and marks ------------------------------------------------------------------------

BRIGHTNESS = (0.1, 0.2, 0.3, 0.4, 0.5)


def brightness(images: Images, rng: Seed = 0, severity: int = 5) -> Images:
    """An over-exposed picture: every pixel made brighter by the same amount.

    ``0.1 ... 0.5`` of full brightness added by severity (HSV value, which for
    a grey image is the grey itself); MNIST-C uses 0.5 (severity 5): the
    background turns mid-grey. Nothing is random.

    Example
    -------
    >>> int(brightness(np.zeros((1, 784), np.uint8)).max())
    128
    """
    amount = float(_level(severity, BRIGHTNESS, "brightness"))
    return as_rows(as_batch(check_images(images)) + amount)


STRIPE = (3, 5, 7, 9, 11)


def stripe(images: Images, rng: Seed = 0, severity: int = 3) -> Images:
    """A photocopy with dark margins: the columns at both sides inverted.

    ``w`` columns at the left and at the right: 3, 5, 7, 9, 11 by severity;
    MNIST-C inverts 7 (severity 3), a quarter of the image at each side.
    Nothing is random.

    Example
    -------
    >>> out = stripe(np.zeros((1, 784), np.uint8)).reshape(28, 28)
    >>> int(out[0, 6]), int(out[0, 7]), int(out[0, 21])
    (255, 0, 255)
    """
    width = int(_level(severity, STRIPE, "stripe"))
    x = as_batch(check_images(images))
    x[:, :, :width] = 1.0 - x[:, :, :width]
    x[:, :, SIDE - width :] = 1.0 - x[:, :, SIDE - width :]
    return as_rows(x)


FOG = ((1.5, 2.0), (2.0, 2.0), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4))
#: The fog's mean density is drawn from this range, and it varies this much around it.
FOG_LEVEL, FOG_SPREAD = (0.35, 0.65), 0.3


def fog(images: Images, rng: Seed = 0, severity: int = 5) -> Images:
    """Haze: a cloudy grey field added over the digit, then the contrast lowered to make room.

    The field is a plasma fractal (diamond-square) with a mean density drawn
    from 0.35–0.65 and a cloudy variation of ±0.15 around it (MNIST-C crops a
    28×28 corner of a 256×256 fractal, which looks like this); it is added
    with ``strength`` and the result scaled by ``max / (max + strength)``, so
    the ink keeps its place above the haze. (strength, wibble decay) by
    severity: (1.5, 2), (2, 2), (2.5, 1.7), (2.5, 1.5), (3, 1.4); MNIST-C uses
    (3, 1.4) (severity 5): the ink stands only a quarter of the range above
    the haze.

    Example
    -------
    >>> rows = np.zeros((1, 784), np.uint8); rows[0, 300:320] = 255
    >>> bool(fog(rows, 0).min() > 0)
    True
    """
    strength, decay = _level(severity, FOG, "fog")
    generator = _generator(rng)
    x = as_batch(check_images(images))
    n = len(x)
    clouds = plasma_fractal(n, generator, decay=decay**2)[:, :SIDE, :SIDE]
    level = generator.uniform(*FOG_LEVEL, size=(n, 1, 1))
    density = np.clip(level + FOG_SPREAD * (clouds - 0.5), 0.0, 1.0)
    peak = x.max(axis=(1, 2), keepdims=True)
    return as_rows((x + strength * density) * peak / (peak + strength))


SPATTER = (
    (0.65, 0.3, 4.0, 0.69, 0.6),
    (0.65, 0.3, 3.0, 0.68, 0.6),
    (0.65, 0.3, 2.0, 0.68, 0.5),
    (0.65, 0.3, 1.0, 0.65, 1.5),
    (0.67, 0.4, 1.0, 0.65, 1.5),
)
MUD = 63 / 255


def spatter(images: Images, rng: Seed = 0, severity: int = 4) -> Images:
    """Mud splashes: dark-grey blobs (63 of 255) that cover part of the image.

    Gaussian noise (mean, std) is smoothed with ``sigma``; where it is above
    ``threshold`` the mud is, its mask smoothed with ``sigma2`` and kept where
    that is at least 0.8. (mean, std, sigma, threshold, sigma2) by severity:
    (0.65, 0.3, 4, 0.69, 0.6), (0.65, 0.3, 3, 0.68, 0.6), (0.65, 0.3, 2, 0.68,
    0.5), (0.65, 0.3, 1, 0.65, 1.5), (0.67, 0.4, 1, 0.65, 1.5); MNIST-C uses
    severity 4: several blobs a few pixels across.

    Example
    -------
    >>> out = spatter(np.zeros((4, 784), np.uint8), 0)
    >>> bool(out.max() <= 63), bool((out > 40).any())
    (True, True)
    """
    mean, std, sigma, threshold, sigma2 = _level(severity, SPATTER, "spatter")
    generator = _generator(rng)
    x = as_batch(check_images(images))
    liquid = _gaussian(generator.normal(mean, std, size=x.shape), sigma)
    mask = _gaussian((liquid > threshold).astype(np.float64), sigma2)
    mask[mask < 0.8] = 0.0
    return as_rows(x * (1.0 - mask) + MUD * mask)


DOTTED_LINES = (1, 2, 3, 4, 5)


def dotted_line(images: Images, rng: Seed = 0, severity: int = 1) -> Images:
    """A dotted line across the image, as on a form: dashes of 2 pixels, 2 apart.

    Each line runs from the left edge to the right edge between rows drawn at
    random, with a pen stroke's soft edge (:func:`~mnistlab.robustness.marks.line_strength`);
    the columns 0–1, 4–5, 8–9, ... are left out. Lines by severity: 1 to 5;
    MNIST-C draws one.

    Example
    -------
    >>> (dotted_line(np.zeros((2, 784), np.uint8), 0) == 255).any(axis=1).all()
    np.True_
    """
    count = int(_level(severity, DOTTED_LINES, "dotted_line"))
    generator = _generator(rng)
    x = as_batch(check_images(images))
    n = len(x)
    gaps = (np.arange(SIDE) // 2) % 2 == 0
    for _ in range(count):
        ends = generator.integers(0, SIDE - 1, size=(2, n)).astype(np.float64)
        start = np.stack([ends[0], np.zeros(n)], axis=1)
        end = np.stack([ends[1], np.full(n, SIDE - 1.0)], axis=1)
        ink = line_strength(segment_distance(start, end))
        ink[:, :, gaps] = 0.0
        x = x + ink
    return as_rows(x)


ZIGZAGS = (1, 2, 3, 4, 5)
#: Half a zigzag's period and its amplitude (pixels), as in MNIST-C.
ZIGZAG_STEP, ZIGZAG_AMPLITUDE = 2.0, 2.0


def _zigzag_points(start: NDArray[np.float64], end: NDArray[np.float64]) -> NDArray[np.float64]:
    """The corners of a zigzag along each segment ``start``→``end``: (n, k, 2) (row, column)."""
    vector = end - start
    length = np.hypot(vector[:, 0], vector[:, 1])
    along = vector / length[:, None]
    across = np.stack([along[:, 1], -along[:, 0]], axis=1)
    k = int(np.ceil(length.max() / (2 * ZIGZAG_STEP))) + 2
    steps = np.concatenate([[0.0], (2 * np.arange(k) + 1) * ZIGZAG_STEP])  # 0, a, 3a, 5a ...
    sides = np.concatenate([[0.0], ZIGZAG_AMPLITUDE * (-1.0) ** np.arange(k)])
    t = np.minimum(steps[None, :], length[:, None])  # past the end, the corners sit on it
    offset = np.where(steps[None, :] < length[:, None], sides[None, :], 0.0)
    return (
        start[:, None, :]
        + t[:, :, None] * along[:, None, :]
        + offset[:, :, None] * across[:, None, :]
    )


def zigzag(images: Images, rng: Seed = 0, severity: int = 1) -> Images:
    """A zigzag scribble across the image.

    Each zigzag runs from column 2 to column 25, from a row drawn at random to
    a row up to 5 above or below it, its strokes 2 pixels out to each side and
    4 pixels apart along it, with a pen stroke's soft edge. Zigzags by
    severity: 1 to 5; MNIST-C draws one.

    Example
    -------
    >>> (zigzag(np.zeros((2, 784), np.uint8), 0) == 255).any(axis=1).all()
    np.True_
    """
    count = int(_level(severity, ZIGZAGS, "zigzag"))
    generator = _generator(rng)
    x = as_batch(check_images(images))
    n = len(x)
    for _ in range(count):
        first = generator.integers(0, SIDE - 1, size=n).astype(np.float64)
        last = first + generator.integers(-5, 5, size=n)
        start = np.stack([first, np.full(n, 2.0)], axis=1)
        end = np.stack([last, np.full(n, 25.0)], axis=1)
        corners = _zigzag_points(start, end)
        for i in range(corners.shape[1] - 1):
            x = np.minimum(x + line_strength(segment_distance(corners[:, i], corners[:, i + 1])), 1)
    return as_rows(x)


CANNY_SIGMA = (1.0, 1.5, 2.0, 2.5, 3.0)


def canny_edges(images: Images, rng: Seed = 0, severity: int = 1) -> Images:
    """Only the outlines: Canny's edge detector, white edges on black.

    Gaussian smoothing of ``sigma`` before the gradient: 1, 1.5, 2, 2.5, 3 by
    severity; MNIST-C uses scikit-image's default, 1 (severity 1). A stroke
    becomes two thin lines, one at each side. Nothing is random.

    Example
    -------
    >>> canny_edges(np.zeros((1, 784), np.uint8)).max()
    np.uint8(0)
    """
    sigma = float(_level(severity, CANNY_SIGMA, "canny_edges"))
    return as_rows(_canny(as_batch(check_images(images)), sigma=sigma))


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Corruption:
    """One corruption of the benchmark.

    Attributes
    ----------
    name : str
        As in MNIST-C: ``shot_noise``, ``glass_blur``, ...
    function : callable
        ``(images, rng, severity) -> images``.
    severity : int
        The level MNIST-C uses, the function's default.
    parameter : str
        What that level means, in a few words, for tables and documents.
    """

    name: str
    function: Callable[[Images, Seed, int], Images]
    severity: int
    parameter: str

    def __call__(self, images: Images, rng: Seed = 0, severity: int | None = None) -> Images:
        """Corrupt ``images`` at ``severity`` (default: MNIST-C's)."""
        return self.function(images, rng, self.severity if severity is None else severity)


CORRUPTIONS: tuple[Corruption, ...] = (
    Corruption("shot_noise", shot_noise, 5, "Poisson noise, 3 photons for full ink"),
    Corruption("impulse_noise", impulse_noise, 4, "17% of pixels set white or black"),
    Corruption("glass_blur", glass_blur, 1, "blur σ 0.7, pixels swapped ±1, 2 rounds"),
    Corruption("motion_blur", motion_blur, 1, "one-sided smear, radius 10, σ 3, ±45°"),
    Corruption("shear", shear, 2, "shear of ±0.4 rad"),
    Corruption("scale", scale, 3, "shrunk to 70%"),
    Corruption("rotate", rotate, 2, "turned ±0.4 rad (±23°)"),
    Corruption("brightness", brightness, 5, "+0.5 brightness: grey background"),
    Corruption("translate", translate, 3, "moved ±3 pixels on both axes"),
    Corruption("stripe", stripe, 3, "7 columns at each side inverted"),
    Corruption("fog", fog, 5, "plasma haze at strength 3"),
    Corruption("spatter", spatter, 4, "grey mud blobs"),
    Corruption("dotted_line", dotted_line, 1, "one dotted line edge to edge"),
    Corruption("zigzag", zigzag, 1, "one zigzag scribble"),
    Corruption("canny_edges", canny_edges, 1, "Canny edges, σ 1"),
)
CORRUPTION_NAMES: tuple[str, ...] = tuple(c.name for c in CORRUPTIONS)
_BY_NAME = {c.name: c for c in CORRUPTIONS}


def get_corruption(name: str) -> Corruption:
    """Return the corruption called ``name``.

    Raises
    ------
    ConfigError
        If there is none; the message lists the names there are.

    Example
    -------
    >>> get_corruption("fog").severity
    5
    """
    return lookup(_BY_NAME, name, what="corruption")


def corrupt(name: str, images: Images, seed: Seed = 0, severity: int | None = None) -> Images:
    """Apply the corruption ``name`` to ``images`` (uint8 rows of 784), seeded.

    Example
    -------
    >>> corrupt("rotate", np.zeros((1, 784), np.uint8), seed=1).shape
    (1, 784)
    """
    return get_corruption(name)(images, seed, severity)
