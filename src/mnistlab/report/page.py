"""The report page: what it shows, and its rendering from the templates.

The page must open from disk, offline, years from now, attached to an e-mail:
so the style sheet is inline, every figure is embedded as a base64 PNG data
URI, and nothing is loaded from anywhere else (no fonts, no scripts). Links to
the SVG and PNG files beside it are plain relative links, used only when
clicked. The records here hold plain text; the Jinja2 templates in
``templates/`` lay it out and, with autoescaping on, escape every text.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import jinja2

from mnistlab.report.formats import format_percent, format_seconds
from mnistlab.report.prose import Paragraph
from mnistlab.report.tables import Block

__all__ = ["FigureEmbed", "StepSection", "Summary", "render_page"]

#: Figures at least this wide (pixels) have several panels: they take the step's whole width.
WIDE_FIGURE = 760


@dataclass(frozen=True)
class FigureEmbed:
    """One figure as the page shows it.

    Parameters
    ----------
    slug : str
        File stem of ``figures/<slug>.png`` and ``.svg``.
    caption : str
        Plain-text caption.
    png : bytes
        The PNG image, embedded as a data URI.
    width, height : int
        Pixel size of the PNG.
    """

    slug: str
    caption: str
    png: bytes
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    @property
    def wide(self) -> bool:
        """Whether the figure needs the whole width of its step to stay legible."""
        return self.width >= WIDE_FIGURE


@dataclass(frozen=True)
class StepSection:
    """One step of the study as the page shows it.

    Parameters
    ----------
    number : int
    name : str
        The step's slug; with the number it makes the section's anchor.
    title : str
    paragraphs : sequence of Paragraph
        What the step means (:mod:`mnistlab.report.prose`).
    blocks : sequence of Table or Group
        Its numbers (:mod:`mnistlab.report.values`), then the book's beside them.
    figures : sequence of FigureEmbed
    seconds : float or None
        Its wall time; ``None`` for a section that has none.
    cached : bool
        Whether its computations came from the cache.
    chapter_step : bool
        Whether it is one of the chapter's steps (the headline counts those).
    banner : str
        A line shown at the top of the section (what the study ran on, when
        that is not the whole data); empty: none.
    """

    number: int
    name: str
    title: str
    paragraphs: Sequence[Paragraph] = ()
    blocks: Sequence[Block] = ()
    figures: Sequence[FigureEmbed] = ()
    seconds: float | None = 0.0
    cached: bool = False
    chapter_step: bool = True
    banner: str = ""

    @property
    def anchor(self) -> str:
        """The section's id, e.g. ``step-08-roc``."""
        return f"step-{self.number:02d}-{self.name}"

    @property
    def duration(self) -> str:
        """Its wall time for people; empty when it has none."""
        return "" if self.seconds is None else format_seconds(self.seconds)

    @property
    def layout(self) -> str:
        """The classes of its body: numbers beside figures, or stacked, or only one of them."""
        layout = "body"
        # Wide tables or many figures do not fit side by side: numbers first, figures below.
        if any(block.wide for block in self.blocks) or len(self.figures) > 2:
            layout += " stacked"
        if not self.figures:
            layout += " nofig"
        elif not self.blocks:
            layout += " nonum"
        return layout


@dataclass(frozen=True)
class Summary:
    """The facts at the top of the page."""

    title: str
    dataset: str
    n_train: int
    n_test: int
    source: str
    checksum: str
    best_accuracy: float | None
    total_seconds: float
    generated_at: str
    versions: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    #: The comparison with the book's printed numbers in one sentence; empty: no card.
    book_summary: str = ""
    #: The legend of the marks beside the book's numbers; empty when nothing was compared.
    book_legend: str = ""
    #: What the study ran on when it is a subset (the quick study); empty for the whole data.
    subset_banner: str = ""

    @property
    def data_rows(self) -> list[tuple[str, str]]:
        """The data the study ran on, as label and text."""
        return [
            ("Data set", self.dataset),
            ("Training images", f"{self.n_train:,}"),
            ("Test images", f"{self.n_test:,}"),
            ("Source", self.source),
        ]


def _headline(summary: Summary, steps: Sequence[StepSection]) -> list[tuple[str, str]]:
    if summary.best_accuracy is None:
        accuracy = ("Test accuracy", "—")
    else:
        accuracy = ("Best test accuracy", format_percent(summary.best_accuracy))
    return [
        accuracy,
        ("Total time", format_seconds(summary.total_seconds)),
        ("Data set", summary.dataset),
        ("Steps", str(sum(1 for s in steps if s.chapter_step))),
    ]


@cache
def template_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mnistlab.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_page(summary: Summary, steps: Sequence[StepSection]) -> str:
    """Render the whole report page.

    Parameters
    ----------
    summary : Summary
        The facts shown at the top.
    steps : sequence of StepSection
        The sections, in order.

    Returns
    -------
    str
        A complete HTML document that loads nothing from outside itself.

    Example
    -------
    >>> s = Summary("Study", "MNIST", 60000, 10000, "local", "abc", 0.97, 60.0,
    ...             "2025-01-01T00:00:00Z")
    >>> render_page(s, []).startswith("<!doctype html>")
    True
    """
    template = template_environment().get_template("page.html")
    return template.render(summary=summary, steps=steps, headline=_headline(summary, steps))
