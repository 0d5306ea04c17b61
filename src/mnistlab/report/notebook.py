"""The study in a notebook: a step or a whole run as compact HTML, and a step's figures.

Jupyter shows a :class:`~mnistlab.study.StepResult` or
:class:`~mnistlab.study.StudyResults` through their ``_repr_html_``, which
calls :func:`step_html` or :func:`study_html`. Both lay out the same tables as
the report (:func:`mnistlab.report.sections.step_section`), with the book's
printed numbers beside ours, and the same figures
(:func:`mnistlab.report.figures.draw_step_figures`) embedded as PNG data, in
one block of HTML whose styles apply to it alone. Nothing is written to disk.

Example
-------
>>> from mnistlab.report.notebook import step_figures
>>> figure = step_figures(run_step("roc", data))[0]   # doctest: +SKIP
>>> figure.savefig("roc.svg")                         # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from mnistlab.book import BookComparison
from mnistlab.data.registry import get_dataset_spec
from mnistlab.errors import ConfigError, UnknownDatasetError
from mnistlab.report.book import book_comparison
from mnistlab.report.figure_files import png_size
from mnistlab.report.figures import FigureSpec, draw_step_figures
from mnistlab.report.formats import format_percent, format_seconds
from mnistlab.report.page import FigureEmbed, StepSection, template_environment
from mnistlab.report.prose import ProseContext
from mnistlab.report.sections import step_section
from mnistlab.report.summary import dataset_title, prose_sizes, subset_banner
from mnistlab.study.data import StudyData
from mnistlab.study.results import StepResult, StudyResults
from mnistlab.study.settings import StudySettings

__all__ = ["IMAGE_STEPS", "NOTEBOOK_DPI", "step_figures", "step_html", "study_html"]

#: Resolution of the embedded figures: smaller than the report's, as a notebook is narrower.
NOTEBOOK_DPI = 72
#: The steps whose figures are made of the data's images, not of the step's numbers.
IMAGE_STEPS = frozenset({"look", "error_analysis"})

_NEEDS_DATA = (
    "Its figures show images of the data: run it with mnistlab.study.run_step, "
    "or give the study its data with results.with_data(data)."
)


@dataclass(frozen=True)
class _Summary:
    """The facts above the steps of a whole run."""

    title: str
    rows: Sequence[tuple[str, str]]
    lines: Sequence[str]


def step_figures(result: StepResult, data: StudyData | None = None) -> list[Figure]:
    """Return a step's figures, as the report draws them, as matplotlib Figures.

    A notebook shows a Figure inline when it is a cell's last value (or given
    to ``display``); ``figure.savefig`` writes it to a file.

    Parameters
    ----------
    result : StepResult
        The step, from :func:`mnistlab.study.run_step` or :func:`mnistlab.study.run_study`.
    data : StudyData, optional
        The data the step ran on; needed by the steps whose figures are images
        (``look`` and ``error_analysis``).

    Returns
    -------
    list of Figure
        Empty for a step without figures.

    Raises
    ------
    ConfigError
        If the step draws images of the data and ``data`` is not given.

    Example
    -------
    >>> roc_figure, = step_figures(run_step("roc", data))   # doctest: +SKIP
    """
    return [spec.figure for spec in _figure_specs(result, data)]


def _figure_specs(result: StepResult, data: StudyData | None) -> list[FigureSpec]:
    if result.spec.name in IMAGE_STEPS and data is None:
        raise ConfigError(
            f"the figures of step {result.spec.name!r} are images of the data; "
            "pass the data: step_figures(result, data)"
        )
    # Only the image steps read the data, and they were given it above.
    return draw_step_figures(result, data)  # type: ignore[arg-type]


def _embed(spec: FigureSpec) -> FigureEmbed:
    buffer = io.BytesIO()
    try:
        spec.figure.savefig(buffer, format="png", dpi=NOTEBOOK_DPI, bbox_inches="tight")
    finally:
        spec.figure.clear()
    png = buffer.getvalue()
    width, height = png_size(png)
    return FigureEmbed(slug=spec.slug, caption=spec.caption, png=png, width=width, height=height)


def _class_names(data_name: str, data: StudyData | None) -> list[str]:
    if data is not None:
        return [str(c) for c in data.class_names]
    try:
        return [str(c) for c in get_dataset_spec(data_name).class_names]
    except UnknownDatasetError:
        return [str(c) for c in range(10)]


def _section(
    result: StepResult,
    *,
    data: StudyData | None,
    settings: StudySettings,
    class_names: list[str],
    data_name: str,
    book: BookComparison | None,
    study: StudyResults | None,
) -> tuple[StepSection, str]:
    needs_data = result.spec.name in IMAGE_STEPS and data is None
    figures = [] if needs_data else [_embed(spec) for spec in _figure_specs(result, data)]
    positive, pair = settings.chosen_classes()
    context = ProseContext.from_names(
        class_names,
        dataset=dataset_title(data_name),
        positive_class=positive,
        class_pair=pair,
        target_precision=settings.target_precision,
        **({} if study is None else prose_sizes(study)),
    )
    section = step_section(
        result,
        context=context,
        class_names=class_names,
        positive_class=positive,
        book_rows=() if book is None else book.for_step(result.spec.name),
        figures=figures,
        banner="" if study is None else subset_banner(study),
    )
    return section, _NEEDS_DATA if needs_data else ""


def _render(summary: _Summary | None, steps: Sequence[tuple[StepSection, str]]) -> str:
    template = template_environment().get_template("notebook.html")
    return template.render(summary=summary, steps=steps)


def step_html(
    result: StepResult, *, data: StudyData | None = None, study: StudyResults | None = None
) -> str:
    """Return one step as compact HTML: its tables, the book's numbers, its figures.

    Parameters
    ----------
    result : StepResult
    data : StudyData, optional
        The data it ran on: its figures of images and its class names.
    study : StudyResults, optional
        The run it belongs to: its settings, and with ``data`` the book's numbers.

    Returns
    -------
    str
        One ``<div>`` with its own styles; figures embedded as PNG data.

    Example
    -------
    >>> html = step_html(results.steps["roc"], data=data, study=results)  # doctest: +SKIP
    """
    data_name = study.data_name if study is not None else "" if data is None else data.name
    book = book_comparison(study, data) if study is not None and data is not None else None
    section = _section(
        result,
        data=data,
        settings=study.settings if study is not None else StudySettings(),
        class_names=_class_names(data_name, data),
        data_name=data_name,
        book=book,
        study=study,
    )
    return _render(None, [section])


def _summary(
    results: StudyResults, data: StudyData | None, book: BookComparison | None
) -> _Summary:
    title = dataset_title(results.data_name)
    rows = [("Data set", title)]
    if data is not None:
        rows += [
            ("Training images", f"{len(data.y_train):,}"),
            ("Test images", f"{len(data.y_test):,}"),
        ]
    rows.append(("Steps", ", ".join(str(s.spec.number) for s in results.steps.values()) or "—"))
    best = results.best_test_accuracy()
    if best is not None:
        rows.append(("Best test accuracy", format_percent(best)))
    rows.append(("Total time", format_seconds(results.seconds)))
    lines = (
        [f"Beside the book: {book.summary}"]
        if book is not None
        else [
            "Give the study its data (results.with_data(data)) to see the figures of "
            "images and the book's numbers beside ours."
        ]
    )
    banner = subset_banner(results)
    lines = [banner, *lines] if banner else lines
    return _Summary(title=f"{title} classification study", rows=rows, lines=lines)


def study_html(results: StudyResults, *, data: StudyData | None = None) -> str:
    """Return a whole run as compact HTML: a summary, then each step as :func:`step_html`.

    Parameters
    ----------
    results : StudyResults
    data : StudyData, optional
        The data it ran on: without it, the figures of images and the book's
        numbers are left out, and a line says so.

    Returns
    -------
    str

    Example
    -------
    >>> html = study_html(results, data=data)   # doctest: +SKIP
    """
    book = book_comparison(results, data) if data is not None else None
    class_names = _class_names(results.data_name, data)
    ordered = sorted(results.steps.values(), key=lambda r: r.spec.number)
    sections = [
        _section(
            result,
            data=data,
            settings=results.settings,
            class_names=class_names,
            data_name=results.data_name,
            book=book,
            study=results,
        )
        for result in ordered
    ]
    return _render(_summary(results, data, book), sections)
