"""The sections of the page: one per step of the study, and the one past the chapter."""

from __future__ import annotations

from collections.abc import Sequence

from mnistlab.book import NumberComparison
from mnistlab.report.book import book_table
from mnistlab.report.ladder import LadderReport, ladder_paragraphs, leaderboard_table
from mnistlab.report.page import FigureEmbed, StepSection
from mnistlab.report.prose import ProseContext, paragraph, step_paragraphs
from mnistlab.report.values import values_tables
from mnistlab.study.results import StepResult

__all__ = ["LADDER_SECTION_NUMBER", "ladder_section", "step_section"]

#: The number of the section past the chapter's 14 steps.
LADDER_SECTION_NUMBER = 15


def step_section(
    result: StepResult,
    *,
    context: ProseContext,
    class_names: Sequence[str],
    positive_class: int,
    book_rows: tuple[NumberComparison, ...],
    figures: Sequence[FigureEmbed],
    banner: str = "",
) -> StepSection:
    """The section of one step: what it means, its numbers, the book's, its figures.

    A step skipped on this data (``result.skipped``) shows one line instead:
    why it did not run.

    Parameters
    ----------
    result : StepResult
    context : ProseContext
        The names the prose refers to.
    class_names : sequence of str
        Names of the classes.
    positive_class : int
        The binary detector's class.
    book_rows : tuple of NumberComparison
        The numbers the book printed for the step, beside ours.
    figures : sequence of FigureEmbed
        The step's figures, as written beside the page.
    banner : str, optional
        A line at the top of the section: what a subset study ran on
        (:func:`mnistlab.report.summary.subset_banner`).

    Example
    -------
    >>> step_section(results.steps["roc"], context=ctx, class_names=names,
    ...              positive_class=5, book_rows=(), figures=[])   # doctest: +SKIP
    """
    name = result.spec.name
    if result.skipped:
        # In the step's place: why it did not run on this data, and nothing else.
        return StepSection(
            number=result.spec.number,
            name=name,
            title=result.spec.title,
            paragraphs=[paragraph(f"Skipped on this data set: {result.skipped}.")],
            seconds=None,
            banner=banner,
        )
    blocks = values_tables(
        result.values,
        class_names=class_names,
        positive_class=positive_class,
        step=name,
    )
    book = book_table(book_rows)
    return StepSection(
        number=result.spec.number,
        name=name,
        title=result.spec.title,
        paragraphs=[paragraph(text) for text in step_paragraphs(name, context)],
        blocks=[*blocks, *([] if book is None else [book])],
        figures=figures,
        seconds=result.seconds,
        cached=result.cached,
        banner=banner,
    )


def ladder_section(ladder: LadderReport, figures: Sequence[FigureEmbed]) -> StepSection:
    """The section past the chapter: the leaderboard and the gallery of the best model's mistakes.

    Example
    -------
    >>> ladder_section(ladder, [])   # doctest: +SKIP
    """
    return StepSection(
        number=LADDER_SECTION_NUMBER,
        name="ladder",
        title="Past the chapter: the accuracy ladder",
        paragraphs=[paragraph(text) for text in ladder_paragraphs(ladder)],
        blocks=[leaderboard_table(ladder.rows)],
        figures=figures,
        seconds=None,
        chapter_step=False,
    )
