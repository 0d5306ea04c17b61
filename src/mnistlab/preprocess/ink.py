"""Where the ink is: any image to a map of ink strength, bright ink on a dark background.

MNIST's digits are bright ink on black; people give us dark ink on white paper,
photos with grey paper and uneven light, canvas drawings on a transparent
background. This module turns each into one float map, 0 for background and 1
for full ink, and removes light background noise on the way:

1. grey-scale (ITU-R 601 luminance, as Pillow's ``"L"``), compositing any
   transparency over a background of the right shade;
2. the background is estimated from the image's border (a robust plane fit, so
   a gradient of light across a photo is taken out too);
3. the ink is whatever differs most from it: darker (then the image is
   inverted) or brighter;
4. light noise is removed by hysteresis, as in edge detection: a faint pixel is
   kept only if it is connected to clearly inked pixels, so thin or faint parts
   of a stroke survive while noise that never reaches ink strength goes; small
   specks apart from the digit go too.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

from mnistlab.errors import ImageInputError
from mnistlab.preprocess.background import paper_light
from mnistlab.preprocess.lines import remove_lines

__all__ = ["NO_INK_MESSAGE", "WORK_SIDE", "find_ink"]

NO_INK_MESSAGE = (
    "no ink found in the image; give an image with one digit written on it "
    "(dark on light or light on dark)"
)

WORK_SIDE = 1024
"""Larger images are first reduced (by whole factors, averaging) to about this side."""

MIN_CONTRAST = 0.08
"""The faintest ink accepted, as a fraction of the full grey range (about 20 of 255)."""

WEAK_INK = 0.1
STRONG_INK = 0.5
FULL_INK = 0.7
SPECK_FRACTION = 0.02
NEAR_FRACTION = 0.5
"""Ink further from the main group than this fraction of its size is another mark."""

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def find_ink(image: Image.Image) -> NDArray[np.float32]:
    """Return the ink strength of every pixel: 0 background, 1 full ink.

    Parameters
    ----------
    image : PIL.Image.Image
        Any mode (1, L, P, RGB, RGBA, LA, CMYK, I;16, I, F, ...), any size.
        Images larger than ``WORK_SIDE`` are reduced first.

    Returns
    -------
    ndarray of float32, shape (height, width)
        Ink strength in [0, 1], light background noise and stray specks set to 0.

    Raises
    ------
    ImageInputError
        If the image holds no ink: uniform, or nothing stands out from the
        background by at least ``MIN_CONTRAST``.

    Example
    -------
    >>> ink = find_ink(Image.new("L", (50, 50), 255))  # doctest: +SKIP
    Traceback (most recent call last):
    ImageInputError: no ink found in the image; ...
    """
    grey, alpha = _grey_and_alpha(image)
    if alpha is not None:
        grey = _composite(grey, alpha)
    if grey.size == 0:
        raise ImageInputError(NO_INK_MESSAGE)
    difference = grey - _background(grey)
    darkest, brightest = _extremes(difference)
    contrast = max(darkest, brightest)
    if contrast < MIN_CONTRAST:
        raise ImageInputError(NO_INK_MESSAGE)
    dark_ink = darkest > brightest
    if _one_shade_border(grey):
        # A drawing on a canvas or a clean scan: the plane is the background.
        ink = (-difference if dark_ink else difference) / np.float32(contrast)
        return _remove_noise(np.clip(ink, 0.0, 1.0, dtype=np.float32))
    # A photo: shadows and printed lines are taken out before the ink is measured.
    # Which way the ink goes is asked again of the paper's own light: against a
    # plane, the lit side of a shadow looks like bright ink.
    dark = 1.0 - grey / np.maximum(paper_light(grey), np.float32(1e-3))
    bright = grey - paper_light(grey, dark_ink=False)
    darkest, brightest = _extremes(dark)[1], _extremes(bright)[1]
    strength, contrast = (dark, darkest) if darkest >= brightest else (bright, brightest)
    ink = np.clip(strength / np.float32(max(contrast, MIN_CONTRAST)), 0.0, 1.0, dtype=np.float32)
    return _remove_noise(remove_lines(ink))


def _extremes(difference: NDArray[np.floating]) -> tuple[float, float]:
    """How far below and above zero the map reaches, on a 3×3 average (one hot pixel is not ink)."""
    smooth = ndimage.uniform_filter(difference, size=3, mode="nearest")
    return -float(smooth.min()), float(smooth.max())


def _one_shade_border(grey: NDArray[np.float32]) -> bool:
    """Whether the border band (see :func:`_background`) is all one grey level."""
    height, width = grey.shape
    band = max(1, round(0.03 * min(height, width)))
    edges = (grey[:band], grey[-band:], grey[:, :band], grey[:, -band:])
    shade = edges[0].flat[0]
    return all(bool((edge == shade).all()) for edge in edges)


def _grey_and_alpha(
    image: Image.Image,
) -> tuple[NDArray[np.float32], NDArray[np.float32] | None]:
    """Grey levels in [0, 1] and the alpha channel in [0, 1] (``None`` if opaque)."""
    mode = image.mode
    if mode.startswith("I;16"):
        image = image.convert("I")
    elif mode == "1":
        image = image.convert("L")
    elif mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "PA":
        # Pillow's PA -> RGBA conversion drops the alpha band; rebuild it.
        alpha_band = image.getchannel("A")
        image = image.convert("RGB")
        image.putalpha(alpha_band)
    elif mode in ("La", "RGBa"):  # premultiplied alpha
        image = image.convert(mode.upper())
    elif mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
        try:
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        except ValueError:
            # Modes without a conversion to RGB (LAB, HSV): the first band is
            # the lightness or value.
            image = image.getchannel(0)
    image = _reduce(image)
    pixels = np.asarray(image)
    if image.mode in ("I", "F"):
        return _scale_wide(pixels.astype(np.float64)), None
    values = pixels.astype(np.float32) / np.float32(255.0)
    if values.ndim == 2:
        return values, None
    colour = values[..., :3] @ _LUMA if values.shape[-1] >= 3 else values[..., 0]
    alpha = values[..., -1] if image.mode in ("LA", "RGBA") else None
    if alpha is not None and float(alpha.min()) >= 1.0:
        alpha = None
    return colour.astype(np.float32), alpha


def _reduce(image: Image.Image) -> Image.Image:
    """Average whole blocks so the longer side is near ``WORK_SIDE`` (cheap, no aliasing)."""
    factor = -(-max(image.size) // WORK_SIDE)
    return image.reduce(factor) if factor > 1 else image


def _scale_wide(values: NDArray[np.float64]) -> NDArray[np.float32]:
    """Map 16- or 32-bit integer or float pixels onto [0, 1]."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape, dtype=np.float32)
    low, high = float(finite.min()), float(finite.max())
    if low >= 0 and high <= 255 and np.all(finite == np.round(finite)):
        scale_low, scale_high = 0.0, 255.0  # 8-bit values in a wide mode
    elif low >= 0 and high <= 65535 and np.all(finite == np.round(finite)):
        scale_low, scale_high = 0.0, 65535.0
    else:
        scale_low, scale_high = low, high if high > low else low + 1.0
    clean = np.nan_to_num(values, nan=scale_low, posinf=scale_high, neginf=scale_low)
    return np.clip((clean - scale_low) / (scale_high - scale_low), 0.0, 1.0).astype(np.float32)


def _composite(grey: NDArray[np.float32], alpha: NDArray[np.float32]) -> NDArray[np.float32]:
    """Put a partly transparent image on a background that makes its content stand out.

    When most of the image is opaque, or the opaque part holds light and dark
    (ink on paper), the transparency is incidental (a margin, a hole): fill it
    with the median shade of the opaque part, so that it reads as more paper.
    Otherwise the opaque part is the drawing (strokes of one colour on a
    transparent canvas): put it on white if it is dark, on black if it is
    light, so that it shows whatever colour it was drawn in.
    """
    opaque = alpha >= 0.5
    if not opaque.any():
        raise ImageInputError(NO_INK_MESSAGE)
    shades = grey[opaque]
    shade = float(np.median(shades))
    low, high = np.percentile(shades, [2, 98])
    if opaque.mean() >= 0.5 or high - low >= 2 * MIN_CONTRAST:
        backdrop = shade  # the opaque part is paper (with ink on it)
    else:
        backdrop = 1.0 if shade < 0.5 else 0.0  # the opaque part is the strokes
    return (alpha * grey + (1.0 - alpha) * np.float32(backdrop)).astype(np.float32)


def _background(grey: NDArray[np.float32]) -> NDArray[np.float32]:
    """Estimate the background as a plane fitted robustly to the image's border.

    The border is paper (or canvas) in nearly every picture of a digit, even
    when the digit touches it here and there; a plane takes out a gradient of
    light across a photo. Two rounds of least squares, the second without the
    pixels far from the first fit (ink on the border), keep the fit on paper.
    """
    height, width = grey.shape
    band = max(1, round(0.03 * min(height, width)))
    # A border of one shade (a drawing on a canvas, a clean scan) is fitted
    # exactly by the flat plane of that shade: no least squares needed.
    if _one_shade_border(grey):
        return np.full(grey.shape, grey.flat[0], dtype=np.float32)
    return _fitted_plane(grey, band)


def _fitted_plane(grey: NDArray[np.float32], band: int) -> NDArray[np.float32]:
    """The robust least-squares plane through the ``band`` pixels along the border."""
    height, width = grey.shape
    mask = np.zeros(grey.shape, dtype=bool)
    mask[:band, :] = mask[-band:, :] = mask[:, :band] = mask[:, -band:] = True
    rows, cols = np.nonzero(mask)
    values = grey[mask].astype(np.float64)
    # Coordinates scaled to [-1, 1] keep the least-squares problem well conditioned.
    # The fit and the plane drawn from it must use the same coordinates: a
    # one-pixel-wide image once fitted at x = -1 and drew at x = 0, which put
    # the "background" of a blank white column at half grey.
    y_axis, x_axis = _axis(height), _axis(width)
    y, x = y_axis[rows], x_axis[cols]
    design = np.column_stack([np.ones_like(x), x, y])
    centre = float(np.median(values))
    keep = np.abs(values - centre) <= _spread(values, centre)
    coef: NDArray[np.floating] = np.zeros(3)
    for _ in range(2):
        if keep.sum() < 3:
            return np.full(grey.shape, np.float32(np.median(values)), dtype=np.float32)
        coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
        residual = values - design @ coef
        keep = np.abs(residual) <= _spread(residual)
    # (c₀ + c₁x) + c₂y in float64, rounded once to float32 as it is stored.
    plane = np.empty(grey.shape, dtype=np.float32)
    np.add(coef[0] + coef[1] * x_axis[None, :], coef[2] * y_axis[:, None], out=plane)
    return plane


def _axis(length: int) -> NDArray[np.float64]:
    """Pixel positions along one side, scaled to [-1, 1] (0 for a side of one pixel)."""
    return np.linspace(-1.0, 1.0, length) if length > 1 else np.zeros(1)


def _spread(values: NDArray[np.float64], median: float | None = None) -> float:
    """How far from the median a paper pixel may be: 3 robust standard deviations, at least 0.05."""
    centre = float(np.median(values)) if median is None else median
    mad = float(np.median(np.abs(values - centre)))
    return max(3.0 * 1.4826 * mad, 0.05)


def _remove_noise(ink: NDArray[np.float32]) -> NDArray[np.float32]:
    """Keep ink connected to strong ink, drop small specks apart from the digit, stretch.

    A pixel of at least ``WEAK_INK`` is kept only if its 8-connected region
    reaches ``STRONG_INK`` somewhere. Regions are then grouped with their
    neighbours a little way off (a broken stroke is one group) and a group with
    less than ``SPECK_FRACTION`` of all the ink is dropped: a dust speck, not a
    part of the digit. The kept values are stretched so that ``FULL_INK`` and
    above count as full ink, as in MNIST's bilevel originals.
    """
    eight = np.ones((3, 3), dtype=bool)
    weak = ink >= WEAK_INK
    labels, count = ndimage.label(weak, structure=eight)
    if count == 0:
        raise ImageInputError(NO_INK_MESSAGE)
    strong = np.zeros(count + 1, dtype=bool)
    strong[labels[ink >= STRONG_INK]] = True
    strong[0] = False
    kept = strong[labels]
    if not kept.any():
        raise ImageInputError(NO_INK_MESSAGE)
    reach = max(1, round(0.02 * max(ink.shape)))
    # Within ``reach`` steps of 8-connected growth: a square of side 2·reach + 1,
    # found one axis at a time (binary_dilation iterated ``reach`` times gives
    # the same pixels, several times slower).
    near = ndimage.maximum_filter(kept.view(np.uint8), size=2 * reach + 1, mode="constant")
    groups, n_groups = ndimage.label(near, structure=eight)
    stretched = np.clip((ink - WEAK_INK) / (FULL_INK - WEAK_INK), 0.0, 1.0)
    stretched[~kept] = 0.0
    # The ink of each group (ndimage.sum_labels's own bincount, without its checks).
    mass = np.bincount(groups.ravel(), weights=stretched.ravel(), minlength=n_groups + 1)[1:]
    keep = (mass >= SPECK_FRACTION * float(mass.sum())) & _near_the_digit(groups, mass)
    stretched[~np.concatenate([[False], keep])[groups]] = 0.0
    return stretched.astype(np.float32)


def _near_the_digit(groups: NDArray[np.integer], mass: NDArray[np.number]) -> NDArray[np.bool_]:
    """Which groups belong to the digit: the one with the most ink, and those close to it.

    A group is close when the gap between its box and the main group's is at
    most ``NEAR_FRACTION`` of the main group's longer side: the detached bar
    of a 5 or a 4 is, a mark or a word elsewhere on the page is not.
    """
    boxes = ndimage.find_objects(groups)
    main = int(np.argmax(mass))
    top, left = boxes[main][0].start, boxes[main][1].start
    bottom, right = boxes[main][0].stop, boxes[main][1].stop
    reach = NEAR_FRACTION * max(bottom - top, right - left)
    near = np.zeros(len(mass), dtype=bool)
    for index, box in enumerate(boxes):
        if box is None:
            continue
        gap_rows = max(box[0].start - bottom, top - box[0].stop, 0)
        gap_cols = max(box[1].start - right, left - box[1].stop, 0)
        near[index] = max(gap_rows, gap_cols) <= reach
    return near
