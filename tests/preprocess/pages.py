"""MNIST test digits written on the pages people photograph: ruled, squared, shadowed, large.

Each page is drawn here, apart from the benchmark's own photos
(``mnistlab.robustness.paper``), with other colours, spacings, slopes and
light, so that the preprocessing is checked on pages it was not tuned on.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

DIGIT_SIDE = 96
"""The digit's 28×28 box, in page pixels."""


def _ink(pixels: np.ndarray, side: int) -> np.ndarray:
    """The digit as an ink map of ``side``×``side`` page pixels (bicubic), in [0, 1]."""
    small = Image.fromarray(pixels.reshape(28, 28).astype(np.float32) / 255.0, "F")
    return np.clip(np.asarray(small.resize((side, side), Image.Resampling.BICUBIC)), 0.0, 1.0)


def _lines(shape: tuple[int, int], rng: np.random.Generator, *, grid: bool) -> np.ndarray:
    """Printed lines 0 to 1: rules about 3 per digit height, slightly tilted; a grid if ``grid``."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    spacing = DIGIT_SIDE / rng.uniform(2.5, 3.5)
    slope = rng.uniform(-0.02, 0.02)

    def profile(position: np.ndarray) -> np.ndarray:
        offset = np.mod(position, spacing)
        return np.clip(1.5 - np.minimum(offset, spacing - offset), 0.0, 1.0)

    lines = profile(rows + slope * cols + rng.uniform(0, spacing))
    if grid:
        lines = np.maximum(lines, profile(cols - slope * rows + rng.uniform(0, spacing)))
    return lines


def _shadow(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Light over the page: a soft-edged shadow darkening a side by 40–60%, in any direction."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    turn = rng.uniform(0, 2 * np.pi)
    side = np.cos(turn) * (cols / shape[1] - 0.5) + np.sin(turn) * (rows / shape[0] - 0.5)
    side -= rng.uniform(-0.2, 0.2)
    return 1.0 - rng.uniform(0.4, 0.6) / (1.0 + np.exp(-side / 0.05))


def render_page(pixels: np.ndarray, rng: np.random.Generator, kind: str) -> bytes:
    """One digit (784 uint8) written on a page of ``kind``, as a PNG file.

    ``kind`` is ``ruled`` (blue or grey rules), ``squared`` (a grid), ``shadow``
    (a soft shadow across the page), ``small`` (a 30-pixel digit at any place
    of a 900×700 page) or ``faint`` (pencil 12–18% darker than the paper).
    """
    side = 30 if kind == "small" else DIGIT_SIDE
    width, height = (900, 700) if kind == "small" else (220, 220)
    ink = np.zeros((height, width))
    top, left = int(rng.integers(0, height - side)), int(rng.integers(0, width - side))
    ink[top : top + side, left : left + side] = _ink(pixels, side)
    paper = np.full((height, width, 3), 245.0)
    if kind in ("ruled", "squared"):
        colour = np.array([(135, 170, 220), (170, 170, 175)][int(rng.integers(2))], float)
        lines = _lines((height, width), rng, grid=kind == "squared")[..., None]
        paper = paper * (1 - lines) + colour * lines
    pen = np.full(3, 245.0 * (1 - rng.uniform(0.12, 0.18))) if kind == "faint" else np.full(3, 30.0)
    rgb = paper * (1 - ink[..., None]) + pen * ink[..., None]
    if kind == "shadow":
        rgb *= _shadow((height, width), rng)[..., None]
    rgb += rng.normal(0.0, 3.0, rgb.shape)
    image = Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
