"""Open an image that anyone gives us, safely: size checked before decoding, errors made clear.

An image file is untrusted input. Three things can go wrong and each must end
as one :class:`~mnistlab.errors.ImageInputError` line, never a traceback:

* it is not an image at all, or in a format we do not read;
* it is damaged or truncated, so decoding fails half-way;
* it is a decompression bomb: a small file whose header claims so many pixels
  that decoding it would exhaust memory.

``Image.open`` is lazy: it parses the header (so the size is known) but decodes
nothing until ``load()``. That is where the bomb is refused. Pillow's own
global limit (``Image.MAX_IMAGE_PIXELS``) is left alone: changing it would
change every other user of Pillow in the process, and it is not thread-safe.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps

from mnistlab.errors import ConfigError, ImageInputError

__all__ = ["DEFAULT_MAX_PIXELS", "SUPPORTED_FORMATS", "ImageSource", "open_image"]

DEFAULT_MAX_PIXELS = 50_000_000
"""The largest image accepted by default: 50 megapixels, more than an ordinary phone photo."""

# The formats we let Pillow try. Not every format Pillow knows: EPS would start
# Ghostscript, and the scientific and legacy formats (FITS, GRIB, PSD, ...) add
# parsers to the attack surface without adding anything a person uses for a
# photo, scan or drawing of a digit. MPO (multi-picture JPEG from phones) is
# read by the JPEG plugin.
SUPPORTED_FORMATS: tuple[str, ...] = (
    "PNG",
    "JPEG",
    "GIF",
    "BMP",
    "DIB",
    "WEBP",
    "TIFF",
    "AVIF",
    "JPEG2000",
    "PPM",
    "TGA",
    "ICO",
    "QOI",
)
_FORMAT_LIST = "PNG, JPEG, GIF, BMP, WebP, TIFF, AVIF, JPEG 2000, PPM, TGA, ICO, QOI"

ImageSource = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO
"""What :func:`open_image` reads: the file's bytes, a path, or a binary file object."""


def open_image(
    source: ImageSource,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    draft_side: int | None = None,
) -> Image.Image:
    """Read an image, refusing bombs before decoding; return it decoded and upright.

    Parameters
    ----------
    source : bytes, path or binary file
        The image file's content, its path, or an open binary file.
    max_pixels : int, default DEFAULT_MAX_PIXELS
        Refuse images whose header declares more pixels than this, before any
        pixel is decoded.
    draft_side : int, optional
        Let the JPEG decoder decode at a reduced scale (1/2, 1/4 or 1/8) as long
        as both sides stay at least this long: much faster for large photos. No
        effect on other formats; ``None`` (default) decodes at full size.

    Returns
    -------
    PIL.Image.Image
        The first frame (of an animated GIF, a multi-page TIFF, ...), fully
        decoded, rotated and flipped as its EXIF orientation says, detached
        from any file.

    Raises
    ------
    ImageInputError
        If the source is missing, empty, not an image in a supported format,
        damaged or truncated, or larger than ``max_pixels``.
    ConfigError
        If ``max_pixels`` is not a positive whole number.

    Example
    -------
    >>> image = open_image("digit.png")  # doctest: +SKIP
    >>> image.size  # doctest: +SKIP
    (200, 200)
    """
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
        raise ConfigError(f"max_pixels must be a positive whole number, got {max_pixels!r}")
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) == 0:
            raise ImageInputError("the image is empty (0 bytes); give an image file")
        return _decode(io.BytesIO(bytes(source)), max_pixels, draft_side)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise ImageInputError(f"no such file: {path}") from None
        except IsADirectoryError:
            raise ImageInputError(f"{path} is a directory, not an image file") from None
        except OSError as exc:
            raise ImageInputError(f"cannot read {path}: {exc.strerror or exc}") from None
        with handle:
            return _decode(handle, max_pixels, draft_side)
    return _decode(source, max_pixels, draft_side)


def _decode(handle: BinaryIO, max_pixels: int, draft_side: int | None) -> Image.Image:
    """Open lazily, check the declared size, then decode the first frame."""
    try:
        image = Image.open(handle, formats=SUPPORTED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageInputError(_too_large_message(None, max_pixels)) from None
    except Image.UnidentifiedImageError:
        raise ImageInputError(
            f"not an image, or not in a format read here ({_FORMAT_LIST}); "
            "save it as PNG or JPEG and try again"
        ) from None
    except Exception as exc:
        # Pillow's parsers raise anything from OSError to struct.error and
        # IndexError on crafted input; at this trust boundary every one of them
        # means the same to the user: this is not an image we can read.
        raise ImageInputError(
            f"not an image, or not in a format read here ({_FORMAT_LIST}): {_reason(exc)}; "
            "save it as PNG or JPEG and try again"
        ) from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageInputError(_too_large_message((width, height), max_pixels))
        if width < 1 or height < 1:
            raise ImageInputError(f"the image has no pixels ({width}×{height})")
        try:
            if draft_side is not None and image.format in ("JPEG", "MPO"):
                image.draft(image.mode, (draft_side, draft_side))
            image.load()
            # exif_transpose returns a new image (a copy when nothing is to be
            # turned), so the result no longer depends on the file.
            upright = ImageOps.exif_transpose(image)
        except Image.DecompressionBombError:
            raise ImageInputError(_too_large_message(None, max_pixels)) from None
        except Exception as exc:
            # As above: decoders fail in many ways on damaged data.
            raise ImageInputError(
                f"the {image.format or 'image'} file is damaged or truncated: {_reason(exc)}; "
                "save the image again and retry"
            ) from None
    if upright is None:  # pragma: no cover - only with in_place=True
        raise ImageInputError("the image could not be turned upright")
    return upright


def _too_large_message(size: tuple[int, int] | None, max_pixels: int) -> str:
    what = f"{size[0]:,}×{size[1]:,} pixels" if size else "larger than Pillow's safety limit"
    return (
        f"the image is too large ({what}; at most {max_pixels:,} pixels are accepted, "
        "checked before decoding to refuse decompression bombs); "
        "shrink it, a digit needs no more than about 1000×1000"
    )


_OBJECT_REPR = re.compile(r"<[^<>]* at 0x[0-9a-fA-F]+>")


def _reason(exc: BaseException) -> str:
    # Pillow names the file object it was given ("<_io.BytesIO object at 0x…>"):
    # of no use to a person, and not for the web app's clients to see.
    text = _OBJECT_REPR.sub("the image data", " ".join(str(exc).split()))
    return text[:200] if text else type(exc).__name__
