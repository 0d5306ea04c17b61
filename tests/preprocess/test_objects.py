"""The object framing: product photos made into 28×28 images as Fashion-MNIST's were.

Real Fashion-MNIST test images are turned into the photos a shop would show
(dark on white, enlarged six to ten times, on a larger white canvas, some as
JPEG) and framed again: they must come back close to the originals, and a
classifier trained on Fashion-MNIST must read them about as well as the
originals, far better than through the digit framing.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ImageInputError
from mnistlab.preprocess import FRAMINGS, describe_framing, preprocess, to_mnist
from mnistlab.preprocess.framing import frame_digit
from mnistlab.preprocess.ink import find_ink
from mnistlab.preprocess.objects import frame_object

#: How many test images are photographed, and how many training images the classifier sees.
N_PHOTOS, N_TRAIN = 300, 10_000
_RESAMPLING = (Image.Resampling.NEAREST, Image.Resampling.BICUBIC, Image.Resampling.LANCZOS)


def product_photo(pixels: NDArray[np.uint8], variant: int) -> bytes:
    """A Fashion-MNIST image as a shop's photo: dark on white, enlarged, with margins.

    ``variant`` picks the enlargement (×6 to ×10), its filter, the margins and
    the file format (every other photo a JPEG).
    """
    scale = 6 + variant % 5
    side = 28 * scale
    item = Image.fromarray(255 - pixels.reshape(28, 28), "L").convert("RGB")
    item = item.resize((side, side), _RESAMPLING[variant % 3])
    canvas = Image.new("RGB", (side + 40 + 13 * (variant % 7), side + 60), "white")
    canvas.paste(item, (20 + 5 * (variant % 3), 30))
    buffer = io.BytesIO()
    if variant % 2:
        canvas.save(buffer, "JPEG", quality=90)
    else:
        canvas.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photographed(fashion_mnist: Dataset) -> tuple[NDArray[np.intp], list[bytes]]:
    """A stratified-enough random sample of test images, and their product photos."""
    rows = np.random.default_rng(0).choice(len(fashion_mnist.y_test), N_PHOTOS, replace=False)
    photos = [product_photo(fashion_mnist.X_test[row], i) for i, row in enumerate(rows)]
    return rows, photos


def test_product_photos_come_back_close_to_the_originals(
    fashion_mnist: Dataset, photographed: tuple[NDArray[np.intp], list[bytes]]
) -> None:
    rows, photos = photographed
    framed = np.stack([preprocess(photo, framing="object").reshape(784) for photo in photos])
    originals = fashion_mnist.X_test[rows].astype(np.int16)
    difference = np.abs(framed.astype(np.int16) - originals).mean(axis=1)
    # Grey levels of 255, per image: the photos went through a resize up and down,
    # a second sharpening and, half of them, JPEG.
    assert np.median(difference) < 12
    assert np.mean(difference < 25) > 0.9
    assert framed.dtype == np.uint8 and framed.max() > 200
    # Where the originals are background (0), so are the framed images.
    background = originals == 0
    assert np.mean(framed[background] < 20) > 0.95


@pytest.mark.slow
def test_a_classifier_reads_the_photos_through_the_object_framing(
    fashion_mnist: Dataset, photographed: tuple[NDArray[np.intp], list[bytes]]
) -> None:
    rows, photos = photographed
    labels = fashion_mnist.y_test[rows]
    classifier = KNeighborsClassifier(n_neighbors=5).fit(
        fashion_mnist.X_train[:N_TRAIN], fashion_mnist.y_train[:N_TRAIN]
    )

    def accuracy(images: NDArray[np.uint8]) -> float:
        return float(np.mean(classifier.predict(images) == labels))

    untouched = accuracy(fashion_mnist.X_test[rows])
    as_objects = accuracy(np.stack([preprocess(p, framing="object").ravel() for p in photos]))
    as_digits = accuracy(np.stack([preprocess(p, framing="digit").ravel() for p in photos]))
    assert untouched > 0.78
    assert as_objects > untouched - 0.04
    assert as_objects > as_digits + 0.2


def test_an_image_light_on_dark_already_keeps_its_polarity(fashion_mnist: Dataset) -> None:
    # Fashion-MNIST images saved as they are: black background, the item light. Most
    # span the 28 rows or columns already and come back almost as they were; the few
    # that do not are enlarged to, but none is turned dark on light.
    originals = fashion_mnist.X_test[:50].reshape(-1, 28, 28)
    framed = np.stack([to_mnist(Image.fromarray(x, "L"), framing="object") for x in originals])
    difference = np.abs(framed.astype(np.int16) - originals.astype(np.int16)).mean(axis=(1, 2))
    assert np.median(difference) < 6
    assert framed[:, 0, 0].max() == 0 and framed[:, 14, 14].mean() > 100


def test_a_transparent_cut_out_is_an_object_on_white() -> None:
    cut_out = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    cut_out.paste((30, 30, 30, 255), (20, 30, 180, 70))
    on_white = Image.new("RGB", (200, 100), "white")
    on_white.paste((30, 30, 30), (20, 30, 180, 70))
    framed = frame_object(cut_out)
    np.testing.assert_array_equal(framed, frame_object(on_white))
    # 160×40 fills the width, 28×7 in the middle rows.
    rows = np.flatnonzero((framed > 100).any(axis=1))
    assert (framed > 100).any(axis=0).all() and (rows[0], rows[-1]) == (11, 17)


def test_a_large_or_16_bit_photo_is_framed_as_its_8_bit_self(fashion_mnist: Dataset) -> None:
    pixels = 255 - fashion_mnist.X_test[0].reshape(28, 28)
    small = Image.fromarray(pixels, "L").resize((280, 280), Image.Resampling.NEAREST)
    canvas = Image.new("L", (400, 360), 255)
    canvas.paste(small, (60, 40))
    expected = frame_object(canvas)
    deep = Image.fromarray(np.asarray(canvas, dtype=np.uint16) * 257)
    assert deep.mode.startswith("I;16")
    np.testing.assert_array_equal(frame_object(deep), expected)
    # 4,000 pixels wide: reduced by a whole factor first (3, not aligned with the ×10
    # enlargement), to nearly the same 28×28.
    large = canvas.resize((4000, 3600), Image.Resampling.NEAREST)
    difference = np.abs(frame_object(large).astype(np.int16) - expected)
    assert difference.mean() < 2 and difference.max() <= 12


def test_a_grey_backdrop_becomes_black() -> None:
    photo = Image.new("RGB", (120, 120), (205, 205, 200))
    photo.paste((10, 10, 10), (30, 10, 90, 110))
    framed = frame_object(photo)
    assert framed[14, 0] == 0 and framed[0, 0] == 0 and framed[14, 14] > 230


@pytest.mark.parametrize("colour", ["white", "black", (120, 140, 160)])
def test_a_blank_image_is_one_line(colour: object) -> None:
    with pytest.raises(ImageInputError, match=r"the 64×48 image is blank: no object") as raised:
        frame_object(Image.new("RGB", (64, 48), colour))  # type: ignore[arg-type]
    assert "\n" not in str(raised.value)


def test_the_digit_framing_is_unchanged_and_the_default() -> None:
    page = Image.new("L", (90, 120), 255)
    page.paste(0, (40, 20, 52, 100))
    buffer = io.BytesIO()
    page.save(buffer, "PNG")
    expected = frame_digit(find_ink(page))
    np.testing.assert_array_equal(to_mnist(page), expected)
    np.testing.assert_array_equal(to_mnist(page, framing="digit"), expected)
    np.testing.assert_array_equal(preprocess(buffer.getvalue()), expected)
    assert not np.array_equal(preprocess(buffer.getvalue(), framing="object"), expected)


def test_an_unknown_framing_is_refused() -> None:
    assert FRAMINGS == ("digit", "object")
    assert "Fashion-MNIST" in describe_framing("object")
    with pytest.raises(ConfigError, match="no framing called 'photo'; choose one of: digit"):
        to_mnist(Image.new("L", (8, 8)), framing="photo")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no framing called 'photo'"):
        preprocess(b"not even an image", framing="photo")  # type: ignore[arg-type]
