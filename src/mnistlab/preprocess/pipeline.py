"""Any image a person gives to one 28×28 image as a data set's were made: read, then frame.

Two framings: ``digit``, as MNIST was made (find the ink, crop to it, fit
20×20, centre by centre of mass), and ``object``, as Fashion-MNIST was made
from product photos (trim to the object, longest edge to 28, centred,
negated; :mod:`mnistlab.preprocess.objects`). A data set declares which one
its images need (``DatasetSpec.framing``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from mnistlab.errors import lookup
from mnistlab.preprocess.framing import frame_digit
from mnistlab.preprocess.ink import WORK_SIDE, find_ink
from mnistlab.preprocess.objects import frame_object
from mnistlab.preprocess.reading import DEFAULT_MAX_PIXELS, ImageSource, open_image

__all__ = ["FRAMINGS", "Framing", "describe_framing", "preprocess", "to_mnist"]

Framing = Literal["digit", "object"]
"""How an image is framed in 28×28: as MNIST's digits, or as Fashion-MNIST's objects."""

#: The framings, in the order help texts list them.
FRAMINGS: tuple[Framing, ...] = get_args(Framing)

_STEPS: dict[str, str] = {
    "digit": (
        "grey-scale, ink bright on dark, cropped to the ink, scaled to fit 20x20, centred by "
        "centre of mass in 28x28"
    ),
    "object": (
        "as Fashion-MNIST was made: trimmed to the object, longest edge scaled to 28, "
        "sharpened, centred in 28x28, negated to light on black"
    ),
}


def _frame_digit(image: Image.Image) -> NDArray[np.uint8]:
    return frame_digit(find_ink(image))


_FRAMERS: dict[str, Callable[[Image.Image], NDArray[np.uint8]]] = {
    "digit": _frame_digit,
    "object": frame_object,
}


def describe_framing(framing: Framing) -> str:
    """Say in one line what a framing does to an image.

    Raises
    ------
    ConfigError
        If ``framing`` is not one of :data:`FRAMINGS`.

    Example
    -------
    >>> describe_framing("object").split(":")[0]
    'as Fashion-MNIST was made'
    """
    return lookup(_STEPS, framing, what="framing")


def to_mnist(image: Image.Image, *, framing: Framing = "digit") -> NDArray[np.uint8]:
    """Turn a decoded image into a 28×28 image the way MNIST (or Fashion-MNIST) was made.

    With ``framing="digit"`` (default): grey-scale; ink made bright on dark
    (dark-on-light input is detected and inverted; transparency is
    composited so that strokes on a transparent canvas show); light
    background noise removed; cropped to the ink; scaled to fit 20×20 keeping
    the aspect ratio, anti-aliased; placed in 28×28 so that the centre of mass
    is at the centre. With ``framing="object"``: a photo of one item framed as
    Fashion-MNIST's were (:func:`~mnistlab.preprocess.objects.frame_object`).

    Parameters
    ----------
    image : PIL.Image.Image
        Any mode and size, e.g. from :func:`open_image`.
    framing : {"digit", "object"}, default "digit"
        As MNIST's digits or as Fashion-MNIST's objects; a data set's is its
        ``DatasetSpec.framing``.

    Returns
    -------
    ndarray of uint8, shape (28, 28)
        Bright (up to 255) on black (0), as in MNIST. Flatten it with
        ``reshape(1, 784)`` for a model's ``predict_proba``.

    Raises
    ------
    ImageInputError
        If no ink (no object) is found: a blank or nearly uniform image.
    ConfigError
        If ``framing`` is not one of :data:`FRAMINGS`.

    Example
    -------
    >>> from PIL import Image, ImageDraw
    >>> page = Image.new("L", (120, 160), 255)
    >>> ImageDraw.Draw(page).line([(60, 20), (60, 140)], fill=0, width=12)
    >>> digit = to_mnist(page)
    >>> digit.shape, digit.dtype.name
    ((28, 28), 'uint8')
    """
    return lookup(_FRAMERS, framing, what="framing")(image)


def preprocess(
    source: ImageSource, *, framing: Framing = "digit", max_pixels: int = DEFAULT_MAX_PIXELS
) -> NDArray[np.uint8]:
    """Read an image file and turn it into a 28×28 MNIST-style image.

    :func:`open_image` and :func:`to_mnist` in one call; large JPEG photos are
    decoded at a reduced scale, which is all the 28×28 result needs.

    Parameters
    ----------
    source : bytes, path or binary file
        The image: its bytes, its path or an open binary file.
    framing : {"digit", "object"}, default "digit"
        As MNIST's digits or as Fashion-MNIST's objects (see :func:`to_mnist`).
    max_pixels : int, default DEFAULT_MAX_PIXELS
        Refuse larger images before decoding them.

    Returns
    -------
    ndarray of uint8, shape (28, 28)

    Raises
    ------
    ImageInputError
        If the image cannot be read, is too large, or holds no ink (no object).
    ConfigError
        If ``framing`` is not one of :data:`FRAMINGS`.

    Example
    -------
    >>> digit = preprocess("my-seven.jpg")  # doctest: +SKIP
    >>> item = preprocess("my-sneaker.jpg", framing="object")  # doctest: +SKIP
    """
    frame = lookup(_FRAMERS, framing, what="framing")  # before the work of decoding
    return frame(open_image(source, max_pixels=max_pixels, draft_side=WORK_SIDE))
