"""A photo of one object to a 28×28 image framed the way Fashion-MNIST's images were made.

Fashion-MNIST's authors made each image from a product photo on a plain
background (their README, "Get the data"): trim the edges close to the
colour of the corners, resize the longest edge to 28, sharpen, extend the
shorter edge to 28 with the object in the centre, negate, 8-bit grey. The
object keeps its shape and fills the frame along its longest edge; nothing is
cropped to ink or centred by centre of mass, as a digit is (which shrinks a
full-frame item into a 20×20 box and moves it off centre).

Two choices differ from the letter of that recipe, both for photos that are
not Zalando's studio shots:

* The longest edge is resized by averaging each output pixel's area (a box
  filter) instead of skipping rows and columns: skipping keeps JPEG noise
  and stray pixels that averaging evens out, and for a product shot
  enlarged by a whole factor both give the same image.
* "Negate" is taken relative to the background: the corners' grey becomes
  black, and black (white, on a dark backdrop) 255, so a cream or grey backdrop
  ends as Fashion-MNIST's black, and a photo that is light on dark already
  (a Fashion-MNIST image saved as PNG) is not turned dark on light.

Example
-------
>>> from PIL import Image, ImageDraw
>>> photo = Image.new("RGB", (300, 200), "white")
>>> ImageDraw.Draw(photo).rectangle([100, 20, 200, 180], fill=(40, 60, 120))
>>> item = frame_object(photo)
>>> item.shape, int(item[14, 14]) > 150, int(item[14, 1])
((28, 28), True, 0)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

from mnistlab.errors import ImageInputError
from mnistlab.preprocess.ink import WORK_SIDE

__all__ = [
    "SIDE",
    "TRIM_TOLERANCE",
    "background_colour",
    "extend_to_square",
    "fit_longest_edge",
    "frame_object",
    "light_on_black",
    "object_box",
    "on_white",
    "reduce_large",
    "sharpen",
]

SIDE = 28
"""The side of a Fashion-MNIST image."""

TRIM_TOLERANCE = 0.05
"""An edge is trimmed while its pixels are this close to the corners' colour: 5% of the
largest distance in RGB space, as Fashion-MNIST's authors trimmed."""

# Fashion-MNIST was sharpened by a Gaussian of radius and standard deviation 1.0, with
# more effect near outlines: Pillow's unsharp mask of radius 1. Its strength is moderate
# because an image that was sharpened once (a Fashion-MNIST image, upscaled and framed
# again) should change little: half strength keeps such images within about 10 grey
# levels of their originals on average (tests/preprocess/test_objects.py).
_SHARPEN = ImageFilter.UnsharpMask(radius=1.0, percent=50, threshold=2)


def on_white(image: Image.Image) -> Image.Image:
    """Return the image in RGB, transparency composited on white, 16-bit grey made 8-bit.

    A product cut out on a transparent canvas is an object on a white
    background, as in a shop's photo.

    Example
    -------
    >>> on_white(Image.new("LA", (2, 2), (0, 0))).getpixel((0, 0))
    (255, 255, 255)
    """
    if image.mode.startswith("I") or image.mode == "F":
        # Pillow clips these to 0-255 when it converts; 16-bit grey spans 0-65535.
        values = np.asarray(image, dtype=np.float64)
        if values.size and values.max() > 255:
            values = values / 257.0
        image = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("RGB")


def reduce_large(image: Image.Image, side: int = WORK_SIDE) -> Image.Image:
    """Shrink an image larger than about ``side`` by a whole factor, averaging.

    The box of the object is then still found to a fraction of a pixel of the
    28×28 result, with a bounded cost for a photo of many megapixels.

    Example
    -------
    >>> reduce_large(Image.new("RGB", (4000, 3000))).size
    (1334, 1000)
    """
    factor = max(image.size) // side
    return image.reduce(factor) if factor > 1 else image


def background_colour(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Return the colour of the corners: per channel, the median of the four corner pixels.

    ``pixels`` is an RGB (height, width, 3) or grey (height, width) array.

    The median lets one corner touch the object (a bag's strap, a shadow)
    without changing the background.

    Example
    -------
    >>> background_colour(np.full((3, 3, 3), 250, np.uint8)).tolist()
    [250.0, 250.0, 250.0]
    """
    corners = pixels[[0, 0, -1, -1], [0, -1, 0, -1]].astype(np.float64)
    return np.asarray(np.median(corners, axis=0), dtype=np.float64)


def object_box(
    rgb: NDArray[np.uint8], background: NDArray[np.float64]
) -> tuple[int, int, int, int]:
    """Return the box (left, top, right, bottom) of what differs from the background.

    A pixel is part of the object when its distance from ``background`` in RGB
    space is more than :data:`TRIM_TOLERANCE` of the largest distance there is.

    Raises
    ------
    ImageInputError
        If no pixel is: the image is one colour.

    Example
    -------
    >>> page = np.full((10, 10, 3), 255, np.uint8)
    >>> page[2:5, 3:8] = 0
    >>> object_box(page, background_colour(page))
    (3, 2, 8, 5)
    """
    distance = np.sqrt(((rgb.astype(np.float64) - background) ** 2).sum(axis=2))
    differs = distance > TRIM_TOLERANCE * np.sqrt(3 * 255.0**2)
    rows = np.flatnonzero(differs.any(axis=1))
    if rows.size == 0:
        height, width = differs.shape
        raise ImageInputError(
            f"the {width}×{height} image is blank: no object stands out from its background; "
            "give a photo of one item on a plain background"
        )
    cols = np.flatnonzero(differs.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def fit_longest_edge(image: Image.Image, side: int = SIDE) -> Image.Image:
    """Resize a grey image so that its longest edge is ``side``, keeping its aspect ratio.

    Each new pixel is the mean of the area it covers (a box filter).

    Example
    -------
    >>> fit_longest_edge(Image.new("L", (300, 150))).size
    (28, 14)
    """
    width, height = image.size
    scale = side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BOX)


def sharpen(image: Image.Image) -> Image.Image:
    """Sharpen the outlines as Fashion-MNIST's images were (radius 1).

    Example
    -------
    >>> sharpen(Image.new("L", (28, 14), 200)).getpixel((5, 5))
    200
    """
    return image.filter(_SHARPEN)


def extend_to_square(image: Image.Image, fill: int, side: int = SIDE) -> Image.Image:
    """Place the image in the centre of a ``side``×``side`` canvas of grey ``fill``.

    Example
    -------
    >>> square = extend_to_square(Image.new("L", (28, 14), 0), 255)
    >>> square.size, square.getpixel((0, 0)), square.getpixel((0, 7))
    ((28, 28), 255, 0)
    """
    canvas = Image.new("L", (side, side), fill)
    # An odd margin leaves its extra pixel on the left and top, as in Fashion-MNIST
    # (an item 11 pixels wide starts at column 9, not 8).
    canvas.paste(image, ((side - image.width + 1) // 2, (side - image.height + 1) // 2))
    return canvas


def light_on_black(grey: NDArray[np.uint8], background: float) -> NDArray[np.uint8]:
    """Negate relative to the background: the background black, the object light.

    The background grey becomes 0 and the grey farthest from it (black on a
    light background, white on a dark one) 255; a white background gives
    exactly ``255 - grey``.

    Example
    -------
    >>> light_on_black(np.array([[255, 0, 128]], np.uint8), 255.0).tolist()
    [[0, 255, 127]]
    """
    values = grey.astype(np.float64)
    if background >= 128:
        contrast = (background - values) * 255.0 / max(background, 1.0)
    else:
        contrast = (values - background) * 255.0 / max(255.0 - background, 1.0)
    return np.clip(np.rint(contrast), 0, 255).astype(np.uint8)


def frame_object(image: Image.Image) -> NDArray[np.uint8]:
    """Turn a decoded photo of one object into a 28×28 image the way Fashion-MNIST was made.

    Trimmed to what differs from the corners' colour; grey-scale; longest
    edge resized to 28; sharpened; shorter edge extended to 28 with the
    object in the centre; negated so that the background is black and the
    object light, as in Fashion-MNIST.

    Parameters
    ----------
    image : PIL.Image.Image
        Any mode and size, e.g. from :func:`~mnistlab.preprocess.open_image`.

    Returns
    -------
    ndarray of uint8, shape (28, 28)

    Raises
    ------
    ImageInputError
        If the image is blank (one colour, no object).

    Example
    -------
    >>> photo = Image.new("RGB", (90, 30), "white")
    >>> photo.paste((0, 0, 0), (10, 10, 80, 20))
    >>> item = frame_object(photo)
    >>> int(item[14, 0]) > 200, int(item[0, 14])
    (True, 0)
    """
    rgb = np.asarray(reduce_large(on_white(image)), dtype=np.uint8)
    left, top, right, bottom = object_box(rgb, background_colour(rgb))
    grey = np.asarray(Image.fromarray(rgb, "RGB").convert("L"), dtype=np.uint8)
    level = float(background_colour(grey))
    item = Image.fromarray(np.ascontiguousarray(grey[top:bottom, left:right]), "L")
    framed = extend_to_square(sharpen(fit_longest_edge(item)), round(level))
    return light_on_black(np.asarray(framed, dtype=np.uint8), level)
