"""Real handwriting that no one here wrote, rendered as a person's scan of it would look.

MNIST's test digits are handwriting by people we never met. Scaled up to
200×200, turned into dark ink on lighter paper, moved off-centre, with mild
sensor noise and saved as PNG or JPEG, they are what ``predict`` gets from a
scanner or a phone, and we know the right answer for every one.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

SCAN_SIDE = 200


def _move_within(page: np.ndarray, rng: np.random.Generator, margin: int = 3) -> np.ndarray:
    """Move the ink to a random place on the page, keeping all of it on the page."""
    rows = np.flatnonzero(page.max(axis=1) > 0.01)
    cols = np.flatnonzero(page.max(axis=0) > 0.01)
    height, width = page.shape
    dy = int(rng.integers(margin - rows[0], height - margin - rows[-1]))
    dx = int(rng.integers(margin - cols[0], width - margin - cols[-1]))
    moved = np.zeros_like(page)
    src_rows = slice(max(0, -dy), min(height, height - dy))
    src_cols = slice(max(0, -dx), min(width, width - dx))
    dst_rows = slice(max(0, dy), min(height, height + dy))
    dst_cols = slice(max(0, dx), min(width, width + dx))
    moved[dst_rows, dst_cols] = page[src_rows, src_cols]
    return moved


def render_scan(pixels: np.ndarray, rng: np.random.Generator, fmt: str = "PNG") -> bytes:
    """Render one MNIST digit (784 uint8) as a scanned page, encoded as ``fmt``.

    Scaled up to 200×200 (bicubic), ink darkness 0–20% and paper 85–100%
    white, moved off-centre, Gaussian noise of 6 grey levels, JPEG quality 85.
    """
    big = Image.fromarray(pixels.reshape(28, 28)).resize(
        (SCAN_SIDE, SCAN_SIDE), Image.Resampling.BICUBIC
    )
    ink = _move_within(np.asarray(big, dtype=np.float64) / 255.0, rng)
    paper, dark = rng.uniform(0.85, 1.0), rng.uniform(0.0, 0.2)
    page = paper - (paper - dark) * ink + rng.normal(0.0, 6 / 255, ink.shape)
    image = Image.fromarray(np.clip(np.rint(page * 255), 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buffer.getvalue()
