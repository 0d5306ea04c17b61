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

import json
import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from mnistlab import __version__
from mnistlab.errors import ConfigError
from mnistlab.files import replace_directory
from mnistlab.progress import ProgressCallback, ignore_progress
from mnistlab.report.book import book_comparison, book_json, book_summary_html, book_table
from mnistlab.report.html import FigureEmbed, StepSection, Summary, render_page
from mnistlab.report.ladder import LadderReport, draw_gallery, ladder_prose, leaderboard_table
from mnistlab.report.prose import ProseContext, paragraphs_html, step_paragraphs
from mnistlab.report.target import check_report_target
from mnistlab.report.values import values_html

if TYPE_CHECKING:
    from mnistlab.scheduling import Engine
    from mnistlab.study.data import StudyData
    from mnistlab.study.results import FigureSpec, StepResult, StudyResults

PNG_DPI = 100
LADDER_SECTION_NUMBER = 15
_DISPLAY_NAMES = {
    "mnist": "MNIST",
    "fashion-mnist": "Fashion-MNIST",
    "kmnist": "KMNIST",
    "emnist-digits": "EMNIST digits",
}


def display_name(name: str) -> str:
    """Return the usual spelling of a data set's name.

    Example
    -------
    >>> display_name("fashion-mnist")
    'Fashion-MNIST'
    """
    return _DISPLAY_NAMES.get(name, name)


def _draw(result: StepResult, data: StudyData) -> list[FigureSpec]:
    # Imported here so that importing the report does not import the study's plotting;
    # tests replace this function to make drawing fail on purpose.
    from mnistlab.study import draw_step_figures

    return list(draw_step_figures(result, data))


def _jsonable(value: Any) -> Any:
    """Plain JSON: numpy types to Python, non-finite floats to strings.

    JSON has no infinity or NaN; browsers' ``JSON.parse`` rejects Python's
    ``Infinity``, so those become the strings ``"inf"``, ``"-inf"``, ``"nan"``.
    """
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _png_size(png: bytes) -> tuple[int, int]:
    # The IHDR chunk always comes first: width and height are bytes 16–24.
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def best_test_accuracy(results: StudyResults) -> float | None:
    """Return the highest test-set accuracy any step reports, or ``None``.

    Example
    -------
    >>> best_test_accuracy(results)  # doctest: +SKIP
    0.9714
    """
    best: float | None = None
    for name, step in results.steps.items():
        for key, value in step.values.items():
            is_test = "test" in key or name == "tuning"
            if "accuracy" in key and is_test and isinstance(value, float):
                best = value if best is None else max(best, value)
    return best


def where_it_ran(results: StudyResults, engine: Engine) -> str:
    """Say where the study's computations ran, for the report.

    Example
    -------
    >>> where_it_ran(results, engine)  # doctest: +SKIP
    'Dask LocalCluster on this machine: 2 workers, 2 threads'
    """
    if results.steps and all(step.cached for step in results.steps.values()):
        return f"{engine.description}; nothing computed, every step came from the cache"
    return engine.description


def _settings_rows(
    results: StudyResults, class_names: Sequence[str], engine: Engine | None
) -> dict[str, str]:
    s = results.settings

    def named(c: int) -> str:
        name = str(class_names[c])
        return name if name == str(c) else f"{c} ({name})"

    rows = {
        "Positive class": named(s.positive_class),
        "Class pair": " and ".join(named(c) for c in s.class_pair),
        "Target precision": f"{s.target_precision:.0%}",
    }
    # On a Dask cluster the workers decide the parallelism, and the
    # description counts them; n_jobs only sized a LocalCluster.
    if engine is None or engine.client is None:
        rows["Parallel jobs"] = "all CPUs" if s.n_jobs is None else str(s.n_jobs)
    if engine is not None:
        rows["Where the work ran"] = where_it_ran(results, engine)
    return rows


def _save_figure(
    figure: Figure, slug: str, caption: str, figures_dir: Path
) -> tuple[FigureEmbed, dict[str, str]]:
    png_path, svg_path = figures_dir / f"{slug}.png", figures_dir / f"{slug}.svg"
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
    width, height = _png_size(png)
    embed = FigureEmbed(slug=slug, caption=caption, png=png, width=width, height=height)
    record = {
        "slug": slug,
        "caption": caption,
        "png": f"figures/{slug}.png",
        "svg": f"figures/{slug}.svg",
    }
    return embed, record


def _write_figures(
    result: StepResult, data: StudyData, figures_dir: Path, taken: set[str]
) -> list[tuple[FigureEmbed, dict[str, str]]]:
    out = []
    for spec in _draw(result, data):
        slug = spec.slug
        while slug in taken:  # two steps must never overwrite each other's files
            slug += "-" + result.spec.name
        taken.add(slug)
        out.append(_save_figure(spec.figure, slug, spec.caption, figures_dir))
    return out


def _ladder_section(
    ladder: LadderReport, data: StudyData, figures_dir: Path
) -> tuple[StepSection, dict[str, Any]]:
    figure = draw_gallery(ladder, data.X_test)
    drawn = []
    if figure is not None:
        caption = (
            f"Test digits that {ladder.best.name} gets wrong, the most confident first: "
            "true→predicted and the probability of the wrong answer."
        )
        drawn.append(_save_figure(figure, "misclassified", caption, figures_dir))
    section = StepSection(
        number=LADDER_SECTION_NUMBER,
        name="ladder",
        title="Past the chapter: the accuracy ladder",
        prose_html=ladder_prose(ladder),
        numbers_html=leaderboard_table(ladder.rows),
        figures=[embed for embed, _ in drawn],
        seconds=None,
    )
    doc = {
        "leaderboard": [row.as_dict() for row in ladder.rows],
        "gallery": {
            "model": ladder.best.name,
            "items": ladder.gallery_items(),
            "figures": [record for _, record in drawn],
        },
    }
    return section, doc


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
    names = [str(c) for c in data.class_names]
    s = results.settings
    context = ProseContext.from_names(
        names,
        dataset=display_name(data.name),
        positive_class=s.positive_class,
        class_pair=s.class_pair,
        target_precision=s.target_precision,
    )
    sections: list[StepSection] = []
    figure_records: dict[str, list[dict[str, str]]] = {}
    taken: set[str] = set()
    book = book_comparison(results, data)
    ordered = sorted(results.steps.values(), key=lambda r: r.spec.number)
    for i, result in enumerate(ordered):
        progress(f"report: {result.spec.name}", i, len(ordered))
        drawn = _write_figures(result, data, figures_dir, taken)
        figure_records[result.spec.name] = [record for _, record in drawn]
        sections.append(
            StepSection(
                number=result.spec.number,
                name=result.spec.name,
                title=result.spec.title,
                prose_html=paragraphs_html(step_paragraphs(result.spec.name, context)),
                numbers_html=values_html(
                    _jsonable(result.values),
                    class_names=names,
                    positive_class=s.positive_class,
                    step=result.spec.name,
                )
                + book_table(book.for_step(result.spec.name)),
                figures=[embed for embed, _ in drawn],
                seconds=result.seconds,
                cached=result.cached,
            )
        )
    ladder_doc: dict[str, Any] = {}
    if ladder is not None:
        progress("report: leaderboard", len(ordered), len(ordered))
        section, ladder_doc = _ladder_section(ladder, data, figures_dir)
        sections.append(section)
    progress("report: write", len(ordered), len(ordered))

    generated_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    versions = {"mnistlab": __version__, **results.versions}
    doc = results.to_json_dict()
    doc.update(
        {
            "generated_at": generated_at,
            "source": source,
            "data": {
                "name": data.name,
                "checksum": data.checksum,
                "source": source,
                "class_names": names,
                "n_train": len(data.y_train),
                "n_test": len(data.y_test),
            },
            "versions": versions,
            "total_seconds": float(results.seconds),
            "figures": figure_records,
            **({} if engine is None else {"engine": where_it_ran(results, engine)}),
            **ladder_doc,
            "book": book_json(book),
        }
    )
    text = json.dumps(_jsonable(doc), indent=2, allow_nan=False, ensure_ascii=False)
    (directory / "results.json").write_text(text + "\n", encoding="utf-8")

    accuracy = best_test_accuracy(results)
    summary = Summary(
        title=f"{display_name(data.name)} classification study",
        dataset=display_name(data.name),
        n_train=len(data.y_train),
        n_test=len(data.y_test),
        source=source,
        checksum=data.checksum,
        best_accuracy=accuracy,
        best_accuracy_label="Best test accuracy" if accuracy is not None else "Test accuracy",
        total_seconds=float(results.seconds),
        generated_at=generated_at,
        versions=versions,
        settings=_settings_rows(results, names, engine),
        book_html=book_summary_html(book),
    )
    page = render_page(summary, sections)
    (directory / "index.html").write_text(page, encoding="utf-8")


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
        ``class_names``).
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
