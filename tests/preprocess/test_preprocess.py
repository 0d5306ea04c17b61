"""MNIST-style preprocessing of anyone's image: formats, modes, orientation, ink, noise, bad input.

Most tests draw a "7" with Pillow (fast, no data needed) and check that every
way of giving the same digit (another format, colour mode, transparency,
rotation with an EXIF tag, inverted, noisy) gives nearly the same 28×28 as the
plain black-on-white drawing, and that the result has MNIST's geometry.
"""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from scipy import ndimage

from mnistlab.errors import ConfigError, ImageInputError
from mnistlab.preprocess import DEFAULT_MAX_PIXELS, open_image, preprocess, to_mnist

SIZE = (200, 200)


def draw_seven(
    size: tuple[int, int] = SIZE, *, ink: int = 0, paper: int = 255, width: int = 14
) -> Image.Image:
    """A black "7" on white paper: asymmetric, so rotations and flips show."""
    w, h = size
    page = Image.new("L", size, paper)
    points = [(0.25 * w, 0.2 * h), (0.75 * w, 0.2 * h), (0.45 * w, 0.85 * h)]
    ImageDraw.Draw(page).line(points, fill=ink, width=width, joint="curve")
    return page


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two 28×28 digits, in grey levels (0-255)."""
    return float(np.abs(a.astype(np.int32) - b.astype(np.int32)).mean())


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return to_mnist(draw_seven())


def ink_box(digit: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(digit.any(axis=1))
    cols = np.flatnonzero(digit.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


# --- MNIST's geometry -------------------------------------------------------------------


def test_result_is_28_by_28_uint8_bright_ink_on_black(reference: np.ndarray) -> None:
    assert reference.shape == (28, 28)
    assert reference.dtype == np.uint8
    assert reference.max() == 255
    # Background is black: most pixels, the corners among them, hold no ink.
    assert (reference == 0).mean() > 0.6
    for corner in (reference[:4, :4], reference[:4, -4:], reference[-4:, :4], reference[-4:, -4:]):
        assert corner.max() == 0


@pytest.mark.parametrize(
    "shape",
    [
        [(40, 30), (160, 30), (100, 180)],  # a "7"-like stroke, off-centre on the page
        [(20, 100), (180, 100)],  # a horizontal bar
        [(150, 10), (150, 190), (60, 120)],
        [(30, 30), (60, 170), (170, 170), (30, 30)],
    ],
)
def test_centre_of_mass_at_centre_and_ink_fits_20_by_20(shape: list) -> None:
    page = Image.new("L", SIZE, 255)
    ImageDraw.Draw(page).line(shape, fill=0, width=12, joint="curve")
    digit = to_mnist(page)
    height, width = ink_box(digit)
    assert max(height, width) <= 20
    assert max(height, width) >= 19
    row, col = ndimage.center_of_mass(digit.astype(np.float64))
    assert abs(row - 14.0) <= 0.5 and abs(col - 14.0) <= 0.5


@pytest.mark.parametrize(("w", "h"), [(60, 180), (180, 60), (90, 180), (120, 120)])
def test_aspect_ratio_is_kept(w: int, h: int) -> None:
    page = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(page).rectangle([(50, 70), (50 + w - 1, 70 + h - 1)], fill=0)
    height, width = ink_box(to_mnist(page))
    assert max(height, width) == 20
    # The shorter side is the same fraction of 20 as on the page, to the pixel.
    assert abs(min(height, width) - 20 * min(w, h) / max(w, h)) <= 1


def test_real_mnist_digits_come_back_nearly_unchanged(mnist) -> None:
    # A genuine MNIST digit is already MNIST-like: preprocessing it again
    # (given as a 28×28 PNG) must give nearly the same image.
    for index in range(20):
        original = mnist.X_test[index].reshape(28, 28)
        again = preprocess(encode(Image.fromarray(original), "PNG"))
        assert difference(again, original) < 12, index


# --- formats, paths, files ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("PNG", {}),
        ("JPEG", {"quality": 90}),
        ("GIF", {}),
        ("BMP", {}),
        ("WEBP", {"quality": 90}),
        ("TIFF", {}),
        ("TIFF", {"compression": "tiff_lzw"}),
        ("PPM", {}),
        ("TGA", {}),
    ],
)
def test_every_format_gives_the_same_digit(fmt: str, options: dict, reference) -> None:
    digit = preprocess(encode(draw_seven(), fmt, **options))
    assert difference(digit, reference) < 4


def test_multi_picture_jpeg_from_a_phone(reference) -> None:
    page = draw_seven().convert("RGB")
    data = encode(page, "MPO", save_all=True, append_images=[page])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert difference(preprocess(data), reference) < 4


def test_path_str_and_open_file_are_read(tmp_path: Path, reference) -> None:
    path = tmp_path / "seven.png"
    draw_seven().save(path)
    for source in (path, str(path)):
        assert difference(preprocess(source), reference) == 0
    with path.open("rb") as handle:
        assert difference(preprocess(handle), reference) == 0


def test_open_image_returns_a_decoded_image_detached_from_its_file(tmp_path: Path) -> None:
    path = tmp_path / "seven.png"
    draw_seven().save(path)
    image = open_image(path)
    path.unlink()  # the image must not need the file any more
    assert image.size == SIZE
    assert np.asarray(image).shape == (200, 200)


def test_animated_gif_uses_its_first_frame(reference) -> None:
    first = draw_seven().convert("P")
    second = Image.new("L", SIZE, 255)
    ImageDraw.Draw(second).rectangle([(20, 90), (180, 110)], fill=0)
    data = encode(first, "GIF", save_all=True, append_images=[second.convert("P")], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert difference(preprocess(data), reference) < 4


def test_multipage_tiff_uses_its_first_page(reference) -> None:
    blank = Image.new("L", SIZE, 255)
    data = encode(draw_seven(), "TIFF", save_all=True, append_images=[blank])
    assert difference(preprocess(data), reference) < 4


# --- colour modes and bit depths ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "CMYK", "YCbCr", "I", "F", "HSV", "LAB"])
def test_every_colour_mode_gives_the_same_digit(mode: str, reference) -> None:
    image = draw_seven().convert("RGB").convert(mode) if mode in ("HSV", "LAB") else None
    if image is None:
        image = draw_seven().convert(mode)
    assert difference(to_mnist(image), reference) < 4


def test_coloured_ink_on_coloured_paper(reference) -> None:
    page = Image.new("RGB", SIZE, (250, 240, 200))  # yellowish paper
    w, h = SIZE
    points = [(0.25 * w, 0.2 * h), (0.75 * w, 0.2 * h), (0.45 * w, 0.85 * h)]
    ImageDraw.Draw(page).line(points, fill=(20, 40, 160), width=14, joint="curve")  # blue pen
    assert difference(preprocess(encode(page, "JPEG", quality=85)), reference) < 5


def test_sixteen_bit_png(reference) -> None:
    grey16 = (np.asarray(draw_seven(), dtype=np.uint16) * 257).astype(np.uint16)
    data = encode(Image.fromarray(grey16), "PNG")
    image = Image.open(io.BytesIO(data))
    assert image.mode.startswith("I;16")
    assert difference(preprocess(data), reference) < 4


def test_sixteen_bit_with_a_narrow_range_is_not_mistaken_for_eight_bit(reference) -> None:
    # 16-bit values from 60,000 (ink) to 65,535 (paper): dark ink on light.
    grey = np.asarray(draw_seven(), dtype=np.float64) / 255.0
    grey16 = (60_000 + grey * 5_535).astype(np.uint16)
    assert difference(preprocess(encode(Image.fromarray(grey16), "PNG")), reference) < 4


def test_cmyk_jpeg_file(reference) -> None:
    data = encode(draw_seven().convert("CMYK"), "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    assert difference(preprocess(data), reference) < 5


# --- transparency ---------------------------------------------------------------------------


def strokes_on_transparent_canvas(colour: tuple[int, int, int]) -> Image.Image:
    """What a drawing canvas exports: strokes in ``colour``, alpha 0 elsewhere."""
    alpha = Image.eval(draw_seven(), lambda v: 255 - v)  # the strokes, anti-aliased
    canvas = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    canvas.paste(Image.new("RGBA", SIZE, (*colour, 255)), mask=alpha)
    return canvas


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (200, 30, 30), (40, 40, 255)])
def test_strokes_on_a_transparent_canvas_in_any_colour(colour, reference) -> None:
    canvas = strokes_on_transparent_canvas(colour)
    # The colour of transparent pixels is often black: a naive conversion to
    # grey would see nothing for dark strokes.
    assert np.asarray(canvas.convert("L")).std() < 1 or colour != (0, 0, 0)
    assert difference(preprocess(encode(canvas, "PNG")), reference) < 4
    assert difference(preprocess(encode(canvas, "WEBP", lossless=True)), reference) < 4


def test_grey_and_alpha_and_premultiplied_modes(reference) -> None:
    canvas = strokes_on_transparent_canvas((0, 0, 0))
    images = {
        "LA": canvas.convert("LA"),
        "RGBa": canvas.convert("RGBa"),
        "La": canvas.convert("LA").convert("La"),
        "PA": canvas.convert("PA"),
    }
    for mode, image in images.items():
        assert image.mode == mode
        assert difference(to_mnist(image), reference) < 5, mode


def test_opaque_paper_with_a_transparent_margin(reference) -> None:
    # A photo of paper pasted on a larger transparent sheet: the margin is
    # more paper, not ink, whatever colour its invisible pixels hold.
    sheet = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    sheet.paste(draw_seven().convert("RGBA"), (50, 50))
    assert difference(preprocess(encode(sheet, "PNG")), reference) < 4


def test_palette_gif_with_a_transparent_background(reference) -> None:
    canvas = strokes_on_transparent_canvas((0, 0, 0))
    data = encode(canvas, "GIF")
    opened = Image.open(io.BytesIO(data))
    assert opened.mode == "P" and "transparency" in opened.info
    assert difference(preprocess(data), reference) < 6


# --- EXIF orientation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orientation", "stored"),
    [
        (3, lambda im: im.transpose(Image.Transpose.ROTATE_180)),
        (6, lambda im: im.transpose(Image.Transpose.ROTATE_90)),
        (8, lambda im: im.transpose(Image.Transpose.ROTATE_270)),
        (2, lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
    ],
)
def test_exif_orientation_is_honoured(orientation: int, stored, reference) -> None:
    # A camera stores the pixels as the sensor saw them and says in the EXIF
    # tag how to turn them upright.
    exif = Image.Exif()
    exif[0x0112] = orientation
    sideways = stored(draw_seven(size=(200, 160)))
    data = encode(sideways, "JPEG", quality=95, exif=exif)
    upright = preprocess(data)
    assert difference(upright, to_mnist(draw_seven(size=(200, 160)))) < 5
    # Without the tag the same pixels give a different digit: the tag mattered.
    assert difference(preprocess(encode(sideways, "JPEG", quality=95)), upright) > 15


# --- ink: polarity, background, noise ----------------------------------------------------------


def test_light_ink_on_dark_is_not_inverted(reference) -> None:
    assert difference(to_mnist(draw_seven(ink=255, paper=0)), reference) == 0


@pytest.mark.parametrize(("ink", "paper"), [(90, 140), (150, 100), (0, 60), (200, 255)])
def test_any_contrast_and_paper_shade(ink: int, paper: int, reference) -> None:
    assert difference(to_mnist(draw_seven(ink=ink, paper=paper)), reference) < 4


def test_uneven_light_across_a_photo(reference) -> None:
    # Paper lit from one side: 250 on the left falling to 150 on the right,
    # darker than the ink's contrast at the far end would allow a flat threshold.
    ramp = np.linspace(250, 150, SIZE[0])[None, :] * np.ones((SIZE[1], 1))
    ink = np.asarray(draw_seven(), dtype=np.float64) / 255.0  # 1 paper, 0 ink
    photo = ramp * (0.35 + 0.65 * ink)
    image = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8))
    assert difference(preprocess(encode(image, "JPEG", quality=85)), reference) < 6


def test_light_background_noise_and_specks_are_removed(reference) -> None:
    rng = np.random.default_rng(0)
    page = np.asarray(draw_seven(), dtype=np.float64)
    page = page + rng.normal(0, 20, page.shape)  # grainy paper
    for r, c in [(5, 5), (190, 12), (15, 185), (185, 190), (100, 8)]:  # dust specks
        page[r : r + 2, c : c + 2] = 0
    image = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))
    digit = preprocess(encode(image, "PNG"))
    assert difference(digit, reference) < 5
    assert ink_box(digit) == ink_box(reference)


def test_thin_faint_strokes_are_kept() -> None:
    # A light pencil line 2 pixels wide in grainy paper: faint, but the digit.
    rng = np.random.default_rng(1)
    page = Image.new("L", (300, 300), 235)
    ImageDraw.Draw(page).line([(150, 40), (150, 260)], fill=170, width=2)
    pixels = np.asarray(page, dtype=np.float64) + rng.normal(0, 4, (300, 300))
    digit = to_mnist(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))
    height, width = ink_box(digit)
    assert height == 20 and width <= 4
    assert digit.max() > 200  # widened to MNIST's stroke width, not a faint trace


def test_thin_strokes_are_widened_to_mnist_width() -> None:
    thin = to_mnist(draw_seven(size=(400, 400), width=2))
    bold = to_mnist(draw_seven(size=(400, 400), width=28))
    # Both end up with MNIST-like strokes: similar amounts of ink.
    assert 0.6 < thin.sum() / bold.sum() < 1.4


def test_large_photo_is_reduced_and_still_read(reference) -> None:
    big = draw_seven(size=(4000, 3000), width=200)
    data = encode(big.convert("RGB"), "JPEG", quality=90)
    started = time.perf_counter()
    digit = preprocess(data)
    assert time.perf_counter() - started < 5
    assert difference(digit, to_mnist(draw_seven(size=(400, 300), width=20))) < 6


# --- no ink -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        Image.new("L", SIZE, 255),
        Image.new("L", SIZE, 0),
        Image.new("RGB", SIZE, (120, 130, 140)),
        Image.new("RGBA", SIZE, (0, 0, 0, 0)),
        Image.new("1", (1, 1), 1),
        Image.new("F", SIZE, 3.5),
    ],
    ids=["white", "black", "grey", "transparent", "one-pixel", "float"],
)
def test_blank_image_is_no_ink_found(image: Image.Image) -> None:
    with pytest.raises(ImageInputError, match="no ink found"):
        to_mnist(image)


def test_noise_only_is_no_ink_found() -> None:
    rng = np.random.default_rng(2)
    paper = np.clip(rng.normal(240, 5, (200, 200)), 0, 255).astype(np.uint8)
    with pytest.raises(ImageInputError, match="no ink found"):
        preprocess(encode(Image.fromarray(paper), "JPEG", quality=75))


# --- bad input -----------------------------------------------------------------------------------


def png_bomb(width: int, height: int) -> bytes:
    """A valid bilevel PNG of ``width``×``height`` white pixels: huge, but tiny on disk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_bomb(20_000, 20_000)  # 400 million pixels
    assert len(bomb) < 100_000
    started = time.perf_counter()
    with pytest.raises(ImageInputError, match="too large"):
        preprocess(bomb)
    assert time.perf_counter() - started < 1.0


def test_our_own_limit_is_checked_from_the_header() -> None:
    # Under Pillow's own limit but over ours: the refusal names the size
    # read from the header, before any decoding.
    data = png_bomb(8_000, 7_000)
    with pytest.raises(ImageInputError, match="8,000×7,000 pixels"):
        open_image(data)
    with pytest.raises(ImageInputError, match="too large"):
        preprocess(encode(draw_seven(), "PNG"), max_pixels=10_000)
    # The file itself is a real image: with a larger limit it decodes.
    assert open_image(data, max_pixels=DEFAULT_MAX_PIXELS * 2).size == (8_000, 7_000)


def test_bad_max_pixels_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="max_pixels"):
        open_image(encode(draw_seven(), "PNG"), max_pixels=0)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "TIFF", "BMP"])
def test_truncated_file_is_refused(fmt: str) -> None:
    rng = np.random.default_rng(3)
    noisy = Image.fromarray(rng.integers(0, 256, (200, 200), dtype=np.uint8))
    data = encode(noisy, fmt)
    with pytest.raises(ImageInputError, match=r"damaged or truncated|not an image"):
        preprocess(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"hello, this is not an image\n", "not an image"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not an image"),
        (b"\x89PNG\r\n\x1a\n", "not an image"),
    ],
    ids=["empty", "text", "eps", "svg", "png-signature-only"],
)
def test_not_an_image(data: bytes, message: str) -> None:
    with pytest.raises(ImageInputError, match=message):
        preprocess(data)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ImageInputError, match="no such file"):
        preprocess(tmp_path / "missing.png")
    with pytest.raises(ImageInputError, match="is a directory"):
        preprocess(tmp_path)


def test_error_messages_are_one_line() -> None:
    for data in (b"junk", png_bomb(20_000, 20_000), encode(draw_seven(), "PNG")[:300]):
        with pytest.raises(ImageInputError) as caught:
            preprocess(data)
        assert "\n" not in str(caught.value)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000))
def test_random_bytes_give_only_image_input_errors(data: bytes) -> None:
    try:
        digit = preprocess(data)
    except ImageInputError:
        return
    assert digit.shape == (28, 28)  # pragma: no cover - random bytes are never an image


_VALID = {fmt: encode(draw_seven(size=(64, 64), width=6), fmt) for fmt in ("PNG", "JPEG", "GIF")}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(_VALID)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(8, 10_000),
)
def test_damaged_real_files_give_a_digit_or_an_image_input_error(
    fmt: str, changes: list[tuple[int, int]], keep: int
) -> None:
    data = bytearray(_VALID[fmt][:keep])
    for position, value in changes:
        data[position % len(data)] = value
    try:
        digit = preprocess(bytes(data))
    except ImageInputError:
        return
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
