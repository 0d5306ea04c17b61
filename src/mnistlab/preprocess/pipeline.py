"""Any image a person gives to one MNIST-style 28×28 digit: read, find the ink, frame it."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from mnistlab.preprocess.framing import frame_digit
from mnistlab.preprocess.ink import WORK_SIDE, find_ink
from mnistlab.preprocess.reading import DEFAULT_MAX_PIXELS, ImageSource, open_image

__all__ = ["preprocess", "to_mnist"]


def to_mnist(image: Image.Image) -> NDArray[np.uint8]:
    """Turn a decoded image into a 28×28 digit the way MNIST was made.

    Grey-scale; ink made bright on dark (dark-on-light input is detected and
    inverted; transparency is composited so that strokes on a transparent
    canvas show); light background noise removed; cropped to the ink; scaled
    to fit 20×20 keeping the aspect ratio, anti-aliased; placed in 28×28 so
    that the centre of mass is at the centre.

    Parameters
    ----------
    image : PIL.Image.Image
        Any mode and size, e.g. from :func:`open_image`.

    Returns
    -------
    ndarray of uint8, shape (28, 28)
        Ink bright (up to 255) on black (0), as in MNIST. Flatten it with
        ``reshape(1, 784)`` for a model's ``predict_proba``.

    Raises
    ------
    ImageInputError
        If no ink is found (a blank or nearly uniform image).

    Example
    -------
    >>> from PIL import Image, ImageDraw
    >>> page = Image.new("L", (120, 160), 255)
    >>> ImageDraw.Draw(page).line([(60, 20), (60, 140)], fill=0, width=12)
    >>> digit = to_mnist(page)
    >>> digit.shape, digit.dtype.name
    ((28, 28), 'uint8')
    """
    return frame_digit(find_ink(image))


def preprocess(source: ImageSource, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> NDArray[np.uint8]:
    """Read an image file and turn it into a 28×28 MNIST-style digit.

    :func:`open_image` and :func:`to_mnist` in one call; large JPEG photos are
    decoded at a reduced scale, which is all the 28×28 result needs.

    Parameters
    ----------
    source : bytes, path or binary file
        The image: its bytes, its path or an open binary file.
    max_pixels : int, default DEFAULT_MAX_PIXELS
        Refuse larger images before decoding them.

    Returns
    -------
    ndarray of uint8, shape (28, 28)

    Raises
    ------
    ImageInputError
        If the image cannot be read, is too large, or holds no ink.

    Example
    -------
    >>> digit = preprocess("my-seven.jpg")  # doctest: +SKIP
    """
    return to_mnist(open_image(source, max_pixels=max_pixels, draft_side=WORK_SIDE))
