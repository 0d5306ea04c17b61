"""Write the report directory: ``index.html``, ``results.json`` and ``figures/``.

The report is written whole into a temporary directory beside its target and
only then swapped in by two renames (old away, new in), because a study takes
minutes and people press Ctrl-C: whatever happens while writing, the target
holds either the previous complete report or the new complete one, never a
mix. Renames within one directory are atomic on POSIX and Windows file
systems, which is why the temporary directory sits beside the target rather
than in the system's temp directory (possibly another file system).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnistlab import __version__
from mnistlab.errors import ConfigError
from mnistlab.files import replace_directory
from mnistlab.progress import ProgressCallback, ignore_progress
from mnistlab.report.book import book_comparison, book_json, book_legend
from mnistlab.report.figure_files import save_figure
from mnistlab.report.figures import FigureSpec, draw_gallery, draw_step_figures
from mnistlab.report.ladder import LadderReport, ladder_json
from mnistlab.report.page import FigureEmbed, StepSection, Summary, render_page
from mnistlab.report.prose import ProseContext
from mnistlab.report.results_json import figure_record, results_document, write_results_json
from mnistlab.report.sections import ladder_section, step_section
from mnistlab.report.summary import (
    dataset_title,
    prose_sizes,
    settings_rows,
    subset_banner,
    where_it_ran,
)
from mnistlab.report.target import check_report_target

if TYPE_CHECKING:
    from mnistlab.scheduling import Engine
    from mnistlab.study.data import StudyData
    from mnistlab.study.results import StepResult, StudyResults


def _draw(result: StepResult, data: StudyData) -> list[FigureSpec]:
    # One place that draws a step's figures: tests replace it to make drawing fail on purpose.
    return draw_step_figures(result, data)


def _save_figures(
    specs: Sequence[FigureSpec], figures_dir: Path, taken: set[str], owner: str
) -> list[FigureEmbed]:
    saved = []
    for spec in specs:
        slug = spec.slug
        while slug in taken:  # two sections must never overwrite each other's files
            slug += "-" + owner
        taken.add(slug)
        saved.append(save_figure(spec.figure, slug, spec.caption, figures_dir))
    return saved


def _write_into(
    directory: Path,
    results: StudyResults,
    data: StudyData,
    *,
    source: str,
    progress: ProgressCallback,
    ladder: LadderReport | None,
    engine: Engine | None,
) -> None:
    figures_dir = directory / "figures"
    figures_dir.mkdir()
    # The models past the chapter are scored on the data set's own test images.
    test_images = data.X_test
    data = results.data_of(data)
    names = [str(c) for c in data.class_names]
    title = dataset_title(data.name)
    s = results.settings
    positive, pair = s.chosen_classes()
    context = ProseContext.from_names(
        names,
        dataset=title,
        positive_class=positive,
        class_pair=pair,
        target_precision=s.target_precision,
        **prose_sizes(results),
    )
    banner = subset_banner(results)
    book = book_comparison(results, data)
    sections: list[StepSection] = []
    figure_records: dict[str, list[dict[str, str]]] = {}
    taken: set[str] = set()
    ordered = sorted(results.steps.values(), key=lambda r: r.spec.number)
    for i, result in enumerate(ordered):
        name = result.spec.name
        progress(f"report: {name}", i, len(ordered))
        figures = _save_figures(_draw(result, data), figures_dir, taken, name)
        figure_records[name] = [figure_record(f) for f in figures]
        section = step_section(
            result,
            context=context,
            class_names=names,
            positive_class=positive,
            book_rows=book.for_step(name),
            figures=figures,
            banner=banner,
        )
        sections.append(section)
    extra: dict[str, Any] = {}
    if engine is not None:
        extra["engine"] = where_it_ran(results, engine)
    if ladder is not None:
        progress("report: leaderboard", len(ordered), len(ordered))
        gallery = draw_gallery(ladder, test_images, names)
        figures = _save_figures([] if gallery is None else [gallery], figures_dir, taken, "ladder")
        sections.append(ladder_section(ladder, figures))
        extra.update(ladder_json(ladder, [figure_record(f) for f in figures]))
    extra["book"] = book_json(book)
    progress("report: write", len(ordered), len(ordered))

    generated_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    versions = {"mnistlab": __version__, **results.versions}
    document = results_document(
        results,
        data,
        source=source,
        generated_at=generated_at,
        versions=versions,
        figures=figure_records,
        extra=extra,
    )
    write_results_json(directory / "results.json", document)
    summary = Summary(
        title=f"{title} classification study",
        dataset=title,
        n_train=len(data.y_train),
        n_test=len(data.y_test),
        source=source,
        checksum=data.checksum,
        best_accuracy=results.best_test_accuracy(),
        total_seconds=float(results.seconds),
        generated_at=generated_at,
        versions=versions,
        settings=settings_rows(results, names, engine),
        book_summary=book.summary,
        book_legend=book_legend(book),
        subset_banner=banner,
    )
    (directory / "index.html").write_text(render_page(summary, sections), encoding="utf-8")


def write_report(
    results: StudyResults,
    data: StudyData,
    out_dir: str | os.PathLike[str],
    *,
    source: str,
    progress: ProgressCallback | None = None,
    ladder: LadderReport | None = None,
    engine: Engine | None = None,
) -> Path:
    """Write the HTML report of a study run, replacing any previous one atomically.

    Parameters
    ----------
    results : StudyResults
        What :func:`mnistlab.study.run_study` returned.
    data : StudyData
        The data the study ran on (figures draw images from it; labels use its
        ``class_names``), or, for a study run with ``quick=True`` or
        ``n_train``/``n_test``, the whole data its subset was drawn from.
    out_dir : path-like
        The report directory. An existing report there is replaced only once
        the new one is complete.
    source : str
        Where the data came from (``Dataset.source``), shown in the report.
    progress : ProgressCallback, optional
        Called as ``progress(task, completed, total)`` once per step.
    ladder : LadderReport, optional
        Trained and evaluated models to show after the chapter: the
        leaderboard and the best model's mistakes.
    engine : Engine, optional
        The engine the study ran on (:func:`mnistlab.scheduling.dask_engine`);
        the settings table and ``results.json`` (``"engine"``) say where the
        work ran.

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    ConfigError
        When ``out_dir`` is a file, its parent cannot be created, or it is a
        non-empty directory that is not a mnistlab report.

    Example
    -------
    >>> with dask_engine("local") as engine:                           # doctest: +SKIP
    ...     results = run_study(data, StudySettings(), steps=["binary"])
    >>> write_report(results, data, "report", source="local", engine=engine)  # doctest: +SKIP
    PosixPath('report/index.html')
    """
    # Absolute, so that "." or "report/" still have a name and a parent to swap within.
    out = Path(os.path.abspath(out_dir))
    check_report_target(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the report's parent directory {out.parent}: {exc.strerror or exc}"
        ) from exc
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        # mkdtemp makes the directory private (0o700); a report is meant to be shared.
        tmp.chmod(0o755)
        _write_into(
            tmp,
            results,
            data,
            source=source,
            progress=progress or ignore_progress,
            ladder=ladder,
            engine=engine,
        )
        replace_directory(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and exc.filename is None:
            # A failed write (a full disk) names no file: say which report it was.
            raise OSError(exc.errno, exc.strerror, str(out)) from exc
        raise
    return out / "index.html"
