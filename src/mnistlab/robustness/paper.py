"""The path a user's photo takes: a test digit written on simulated paper and photographed.

Each :class:`PhotoVariant` renders a digit of the test set as an RGB photo of a
page (:func:`photograph`), changing one thing from a clean scan (the pen, the
paper, the light, the camera, the file) or, for ``phone-photo``, several at
once. The photo is encoded as a user's file would be (PNG, or JPEG) and read
back by :func:`mnistlab.preprocess.preprocess`, exactly as ``predict`` reads a
user's file (:func:`seen_by_model`). What a variant does is drawn from the
generator it is given: the same seed gives the same bytes.

Example
-------
>>> from mnistlab.robustness.paper import PHOTO_VARIANTS, photograph, seen_by_model
>>> photo = photograph(PHOTO_VARIANTS[0], digit, np.random.default_rng(0))  # doctest: +SKIP
>>> seen_by_model(photo).shape  # doctest: +SKIP
(28, 28)
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter
from scipy import ndimage

from mnistlab.errors import ConfigError, lookup
from mnistlab.preprocess import preprocess

__all__ = [
    "PHOTO_NAMES",
    "PHOTO_VARIANTS",
    "Page",
    "Photo",
    "PhotoVariant",
    "get_photo_variant",
    "photograph",
    "seen_by_model",
]

RGB = tuple[int, int, int]

#: Ballpoint and felt-tip colours people write with: black, blue, red, green, pencil grey.
PEN_COLOURS: tuple[RGB, ...] = (
    (25, 25, 30),
    (30, 55, 165),
    (185, 30, 40),
    (25, 115, 60),
    (105, 105, 110),
)
#: Paper people write on: white, cream, recycled grey, kraft.
PAPER_TONES: tuple[RGB, ...] = ((248, 248, 244), (243, 232, 205), (215, 215, 208), (205, 175, 135))
WHITE_PAPER: RGB = (250, 250, 247)
BLACK_PEN: RGB = (25, 25, 30)
RULING_BLUE: RGB = (140, 175, 225)
GRID_GREY_BLUE: RGB = (160, 185, 210)


@dataclass(frozen=True)
class Page:
    """How one photo of a digit on paper is made; the defaults are a clean scan.

    Attributes
    ----------
    digit_side : int
        Side, in page pixels, of the digit's 28×28 box (the ink spans about 5/7 of it).
    size : (int, int)
        The page's width and height in pixels; the digit is put at a random place on it.
    stroke : {"as written", "hairline", "marker"}
        The pen: the strokes as the writer made them, thinned to one page
        pixel, or widened to a felt-tip marker's.
    ink, paper : RGB or None
        Pen and paper colours; ``None`` draws one of :data:`PEN_COLOURS` or
        :data:`PAPER_TONES` for each photo.
    texture : float
        Paper fibres: the paper's brightness varies by this fraction, in blotches.
    ruling : {"none", "ruled", "squared"}
        Blue ruled lines, or a squared grid, under the ink.
    light : float
        Uneven light: the brightness falls by this fraction across the page, in a
        random direction.
    shadow : float
        A soft shadow (a hand, a phone) darkens part of the page by this fraction.
    perspective : float
        The camera's tilt: each corner of the page moves up to this fraction of its side.
    blur : float
        Out of focus: Gaussian blur of this sigma, in MNIST pixels.
    noise : float
        Sensor noise: its standard deviation in grey levels (of 255).
    jpeg : int or None
        Saved as JPEG of this quality; ``None`` saves PNG (lossless).
    digit_pixels : int or None
        Low resolution: the photo is shrunk so that the digit's box is this many
        pixels high; ``None`` keeps it.
    """

    digit_side: int = 112
    size: tuple[int, int] = (240, 240)
    stroke: str = "as written"
    ink: RGB | None = BLACK_PEN
    paper: RGB | None = WHITE_PAPER
    texture: float = 0.0
    ruling: str = "none"
    light: float = 0.0
    shadow: float = 0.0
    perspective: float = 0.0
    blur: float = 0.0
    noise: float = 0.0
    jpeg: int | None = None
    digit_pixels: int | None = None


@dataclass(frozen=True)
class PhotoVariant:
    """One way a digit reaches ``predict``: a name, what it changes, and its page.

    Example
    -------
    >>> get_photo_variant("jpeg").page.jpeg
    10
    """

    name: str
    parameter: str
    page: Page


@dataclass(frozen=True)
class Photo:
    """A rendered photo: the RGB image and the file format it is saved in."""

    image: Image.Image
    format: str
    quality: int | None = None

    def encode(self) -> bytes:
        """The photo's file, as a user would give it to ``predict``."""
        buffer = io.BytesIO()
        if self.format == "JPEG":
            self.image.save(buffer, "JPEG", quality=self.quality)
        else:
            self.image.save(buffer, "PNG")
        return buffer.getvalue()


# --- the pen ---------------------------------------------------------------------------------


def _upsample(pixels: NDArray[np.uint8], side: int) -> NDArray[np.float64]:
    """A 28×28 digit as an ink map of ``side``×``side`` page pixels (bicubic), in [0, 1]."""
    small = Image.fromarray(np.asarray(pixels, dtype=np.float32).reshape(28, 28) / 255.0, "F")
    big = np.asarray(small.resize((side, side), Image.Resampling.BICUBIC), dtype=np.float64)
    return np.clip(big, 0.0, 1.0)


def _pen(ink: NDArray[np.float64], stroke: str, scale: float) -> NDArray[np.float64]:
    """Redraw the strokes with another pen: one pixel wide, or a marker's width."""
    if stroke == "as written":
        return ink
    solid = ink >= 0.5
    if stroke == "hairline":
        # The middle of each stroke: pixels at least as deep inside it as their neighbours.
        depth = ndimage.distance_transform_edt(solid)
        middle = solid & (depth >= ndimage.maximum_filter(depth, size=3) - 1.0)
        radius = 0.5
    elif stroke == "marker":
        middle, radius = solid, 1.5 * scale  # 1.5 MNIST pixels more at each side
    else:
        raise ConfigError(f"stroke must be 'as written', 'hairline' or 'marker', got {stroke!r}")
    distance = ndimage.distance_transform_edt(~middle)
    return np.clip(radius + 0.5 - distance, 0.0, 1.0)


# --- the paper -------------------------------------------------------------------------------


def _blotches(shape: tuple[int, int], rng: np.random.Generator, sigma: float) -> NDArray:
    """Smooth random variation of mean 0 and standard deviation about 1."""
    field = ndimage.gaussian_filter(rng.normal(size=shape), sigma, mode="wrap")
    return field / max(float(field.std()), 1e-9)


def _ruling(shape: tuple[int, int], kind: str, spacing: float, rng: np.random.Generator) -> NDArray:
    """Where the printed lines are, 0 to 1, for ruled or squared paper."""
    height, width = shape
    lines = np.zeros(shape)
    if kind == "none":
        return lines
    start = rng.uniform(0, spacing)
    rows = np.arange(height)[:, None]
    lines = np.maximum(lines, _line_profile((rows - start) % spacing, spacing))
    if kind == "squared":
        cols = np.arange(width)[None, :]
        lines = np.maximum(lines, _line_profile((cols - start) % spacing, spacing))
    elif kind != "ruled":
        raise ConfigError(f"ruling must be 'none', 'ruled' or 'squared', got {kind!r}")
    return np.broadcast_to(lines, shape)


def _line_profile(offset: NDArray, spacing: float) -> NDArray:
    """A printed line 1.5 pixels wide at every multiple of ``spacing``, soft-edged."""
    distance = np.minimum(offset, spacing - offset)
    return np.clip(1.25 - distance, 0.0, 1.0)


# --- the light and the camera ----------------------------------------------------------------


def _illumination(
    shape: tuple[int, int], light: float, shadow: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Brightness of the light over the page: a slope in a random direction and a soft shadow."""
    height, width = shape
    rows, cols = np.mgrid[0:height, 0:width]
    y, x = rows / max(height - 1, 1) - 0.5, cols / max(width - 1, 1) - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    along = np.cos(angle) * x + np.sin(angle) * y  # from -0.71 to 0.71
    field = 1.0 - light * (along - along.min()) / max(float(np.ptp(along)), 1e-9)
    if shadow > 0:
        turn = rng.uniform(0, 2 * np.pi)
        edge = rng.uniform(-0.3, 0.3)
        side = np.cos(turn) * x + np.sin(turn) * y - edge
        softness = 0.04  # of the page: a shadow close to the page has a soft edge
        field = field * (1.0 - shadow / (1.0 + np.exp(-side / softness)))
    return field


def _tilt(image: Image.Image, amount: float, fill: RGB, rng: np.random.Generator) -> Image.Image:
    """The page seen by a tilted camera: each corner moved up to ``amount`` of the side."""
    width, height = image.size
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    moved = corners + rng.uniform(-amount, amount, size=(4, 2)) * [width, height]
    # Coefficients of the map from output to input pixels (Pillow's PERSPECTIVE).
    system, target = [], []
    for (u, v), (px, py) in zip(moved, corners, strict=True):
        system.append([u, v, 1, 0, 0, 0, -px * u, -px * v])
        system.append([0, 0, 0, u, v, 1, -py * u, -py * v])
        target += [px, py]
    coefficients = np.linalg.solve(np.array(system), np.array(target))
    return image.transform(
        image.size,
        Image.Transform.PERSPECTIVE,
        tuple(float(c) for c in coefficients),
        Image.Resampling.BILINEAR,
        fillcolor=fill,
    )


# --- the photo -------------------------------------------------------------------------------


def _place(ink: NDArray[np.float64], size: tuple[int, int], rng: np.random.Generator) -> NDArray:
    """Put the ink map at a random place of a page of ``size`` (width, height)."""
    width, height = size
    side = ink.shape[0]
    page = np.zeros((height, width))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    page[top : top + side, left : left + side] = ink
    return page


def photograph(variant: PhotoVariant, pixels: NDArray[np.uint8], rng: np.random.Generator) -> Photo:
    """Render one digit (784 or 28×28 uint8, ink bright) as a photo of a page.

    Parameters
    ----------
    variant : PhotoVariant
        What the page, pen, light, camera and file are like.
    pixels : ndarray of uint8
        The digit, as in MNIST.
    rng : numpy.random.Generator
        Draws the random parts: place on the page, colours, light, tilt, noise.

    Returns
    -------
    Photo
        An RGB image and the format it is saved in.

    Example
    -------
    >>> digit = np.zeros(784, np.uint8); digit[200:210] = 255
    >>> photo = photograph(get_photo_variant("clean"), digit, np.random.default_rng(0))
    >>> photo.image.mode, photo.image.size, photo.format
    ('RGB', (240, 240), 'PNG')
    """
    page = variant.page
    scale = page.digit_side / 28.0
    ink = _pen(_upsample(pixels, page.digit_side), page.stroke, scale)
    ink_map = _place(ink, page.size, rng)
    shape = ink_map.shape
    pen = np.array(page.ink if page.ink is not None else _choice(PEN_COLOURS, rng), float)
    paper_rgb = page.paper if page.paper is not None else _choice(PAPER_TONES, rng)
    paper = np.broadcast_to(np.array(paper_rgb, float), (*shape, 3)).copy()
    if page.texture > 0:
        paper *= 1.0 + page.texture * _blotches(shape, rng, sigma=1.5)[..., None]
    if page.ruling != "none":
        lines = _ruling(shape, page.ruling, page.digit_side / 3.0, rng)[..., None]
        colour = RULING_BLUE if page.ruling == "ruled" else GRID_GREY_BLUE
        paper = paper * (1 - lines) + np.array(colour, float) * lines
    rgb = paper * (1.0 - ink_map[..., None]) + pen * ink_map[..., None]
    if page.light > 0 or page.shadow > 0:
        rgb *= _illumination(shape, page.light, page.shadow, rng)[..., None]
    image = Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8), "RGB")
    if page.perspective > 0:
        image = _tilt(image, page.perspective, paper_rgb, rng)
    if page.blur > 0:
        image = image.filter(ImageFilter.GaussianBlur(page.blur * scale))
    if page.noise > 0:
        noisy = np.asarray(image, dtype=np.float64) + rng.normal(0, page.noise, (*shape, 3))
        image = Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8), "RGB")
    if page.digit_pixels is not None:
        factor = page.digit_pixels / page.digit_side
        small = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        image = image.resize(small, Image.Resampling.BOX)
    return Photo(image, "PNG" if page.jpeg is None else "JPEG", page.jpeg)


def _choice(options: tuple[RGB, ...], rng: np.random.Generator) -> RGB:
    return options[int(rng.integers(len(options)))]


def seen_by_model(photo: Photo) -> NDArray[np.uint8]:
    """What ``predict`` makes of the photo's file: the 28×28 digit the model sees.

    Raises
    ------
    ImageInputError
        If preprocessing finds no ink, as ``predict`` would say to a user.
    """
    return preprocess(photo.encode())


# --- the variants ----------------------------------------------------------------------------

_CLEAN = Page()

PHOTO_VARIANTS: tuple[PhotoVariant, ...] = (
    PhotoVariant("clean", "black pen on white paper, digit box 112 px, PNG", _CLEAN),
    PhotoVariant(
        "hairline", "strokes thinned to 1 px (0.25 MNIST px)", replace(_CLEAN, stroke="hairline")
    ),
    PhotoVariant(
        "marker", "strokes 3 MNIST px wider (felt-tip marker)", replace(_CLEAN, stroke="marker")
    ),
    PhotoVariant(
        "pen-colours", "black, blue, red, green or pencil-grey ink", replace(_CLEAN, ink=None)
    ),
    PhotoVariant(
        "paper-tone",
        "white, cream, grey or kraft paper with fibres (±6%)",
        replace(_CLEAN, paper=None, texture=0.06),
    ),
    PhotoVariant("uneven-light", "light falls to 45% across the page", replace(_CLEAN, light=0.55)),
    PhotoVariant(
        "shadow", "a soft shadow darkens part of the page by 50%", replace(_CLEAN, shadow=0.5)
    ),
    PhotoVariant(
        "ruled-paper", "blue ruled lines, 3 per digit height", replace(_CLEAN, ruling="ruled")
    ),
    PhotoVariant(
        "squared-paper",
        "grey-blue grid, 3 squares per digit height",
        replace(_CLEAN, ruling="squared"),
    ),
    PhotoVariant(
        "perspective", "tilted camera: corners moved up to 12%", replace(_CLEAN, perspective=0.12)
    ),
    PhotoVariant("blur", "out of focus: Gaussian σ 1 MNIST px", replace(_CLEAN, blur=1.0)),
    PhotoVariant(
        "sensor-noise", "Gaussian noise σ 25 grey levels per channel", replace(_CLEAN, noise=25.0)
    ),
    PhotoVariant("jpeg", "JPEG quality 10", replace(_CLEAN, jpeg=10)),
    PhotoVariant(
        "low-resolution", "digit box 12 px high in the photo", replace(_CLEAN, digit_pixels=12)
    ),
    PhotoVariant(
        "small-in-page",
        "digit box 32 px on an 800×600 page",
        replace(_CLEAN, digit_side=32, size=(800, 600)),
    ),
    PhotoVariant(
        "phone-photo",
        "all at once, milder: any pen and paper, ruled, light 30%, tilt 6%, "
        "blur 0.5, noise 8, JPEG 60",
        Page(
            ink=None,
            paper=None,
            texture=0.04,
            ruling="ruled",
            light=0.3,
            perspective=0.06,
            blur=0.5,
            noise=8.0,
            jpeg=60,
        ),
    ),
)
PHOTO_NAMES: tuple[str, ...] = tuple(v.name for v in PHOTO_VARIANTS)
_BY_NAME = {v.name: v for v in PHOTO_VARIANTS}


def get_photo_variant(name: str) -> PhotoVariant:
    """Return the photo variant called ``name``.

    Raises
    ------
    ConfigError
        If there is none; the message lists the names there are.

    Example
    -------
    >>> get_photo_variant("blur").page.blur
    1.0
    """
    return lookup(_BY_NAME, name, what="photo variant")
