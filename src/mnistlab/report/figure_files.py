"""A figure written beside the page: ``figures/<slug>.png`` and ``.svg``, read back to embed."""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from mnistlab.report.page import FigureEmbed

__all__ = ["PNG_DPI", "png_size", "save_figure"]

PNG_DPI = 100
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """The width and height of a PNG image, in pixels, from its header.

    The IHDR chunk always comes first, right after the 8-byte signature: its
    width and height are bytes 16–24 of the file.

    Raises
    ------
    ValueError
        If ``png`` does not start like a PNG file.

    Example
    -------
    >>> header = b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00\\x00\\x00\\rIHDR" + (640).to_bytes(4, "big")
    >>> png_size(header + (480).to_bytes(4, "big"))
    (640, 480)
    """
    if not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR" or len(png) < 24:
        raise ValueError("not a PNG image: no PNG signature and IHDR header")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def save_figure(figure: Figure, slug: str, caption: str, directory: Path) -> FigureEmbed:
    """Write ``figure`` as ``<slug>.png`` and ``<slug>.svg`` into ``directory``; free it.

    Returns
    -------
    FigureEmbed
        The PNG and its size, to embed in the page.

    Example
    -------
    >>> embed = save_figure(figure, "roc_curve", "ROC curve.", report / "figures")  # doctest: +SKIP
    """
    png_path, svg_path = directory / f"{slug}.png", directory / f"{slug}.svg"
    try:
        # A fixed hash salt makes SVG element ids, and so the files, reproducible.
        with matplotlib.rc_context({"svg.hashsalt": "mnistlab"}):
            figure.savefig(png_path, format="png", dpi=PNG_DPI, bbox_inches="tight")
            figure.savefig(svg_path, format="svg", bbox_inches="tight")
    finally:
        # The figures are not pyplot's, so nothing else holds them: clearing frees
        # their artists now rather than at the next garbage collection.
        figure.clear()
    png = png_path.read_bytes()
    width, height = png_size(png)
    return FigureEmbed(slug=slug, caption=caption, png=png, width=width, height=height)
