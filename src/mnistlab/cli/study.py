"""``mnistlab study``: run the chapter's study and write the HTML report.

The command parses its options, loads the data, calls
:func:`mnistlab.study.run_study` and :func:`mnistlab.report.write_report`, and
shows progress. Bad options raise :class:`~mnistlab.errors.ConfigError`, which
the root command prints as one line with exit code 2.

For quick checks (tests, trying an option) ``--limit N_TRAIN,N_TEST`` runs the
study on the first rows only; it is hidden from ``--help`` because its numbers
are not the chapter's. Example::

    mnistlab study --steps look,binary --limit 3000,500 --out /tmp/report

``--scheduler local`` runs the parallel fits on a Dask LocalCluster, and
``--scheduler tcp://HOST:PORT`` on a running Dask cluster (docs/scaling.md);
the numbers, and so the cache, are the same wherever they ran.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from mnistlab.cli.checks import (
    check_dataset,
    check_local_workers,
    check_scheduler_reachable,
    check_writable_directory,
)
from mnistlab.cli.loading import SourceOption, load_with_progress
from mnistlab.cli.options import (
    CacheDirOption,
    DataDirOption,
    DatasetOption,
    ModelsDirOption,
    SchedulerOption,
    build_locations,
)
from mnistlab.cli.output import note, progress_bar, stderr_console, stdout_console
from mnistlab.errors import ConfigError

STEP_HELP = (
    "Steps to run: comma-separated names or numbers (1-14), ranges like 2-5; default all. "
    "Names: look, binary, cross_validation, confusion, precision_recall, decision_threshold, "
    "tradeoff, roc, forest, multiclass, error_analysis, multilabel, denoising, tuning."
)


def parse_steps(text: str | None) -> list[str] | None:
    """Turn ``--steps`` into step names in the chapter's order, or ``None`` for all.

    Parameters
    ----------
    text : str or None
        Comma-separated names (``roc``, also ``cross-validation``), numbers (``8``)
        or ranges of numbers (``2-5``).

    Returns
    -------
    list of str or None

    Raises
    ------
    ConfigError
        For an unknown name or a number outside 1–14.

    Example
    -------
    >>> parse_steps("roc,1,3-4")
    ['look', 'cross_validation', 'confusion', 'roc']
    """
    from mnistlab.study import STEPS

    if text is None or not text.strip():
        return None
    by_number = {spec.number: spec.name for spec in STEPS}
    names = [spec.name for spec in STEPS]
    chosen: set[str] = set()
    for raw in text.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        lo, dash, hi = item.partition("-")
        if item.isdigit() and int(item) in by_number:
            chosen.add(by_number[int(item)])
        elif dash and lo.strip().isdigit() and hi.strip().isdigit():
            first, last = int(lo), int(hi)
            if not (first in by_number and last in by_number and first <= last):
                raise ConfigError(f"--steps: bad range {item!r}; steps are numbered 1-14")
            chosen.update(by_number[n] for n in range(first, last + 1))
        elif item.replace("-", "_") in names:
            chosen.add(item.replace("-", "_"))
        else:
            raise ConfigError(
                f"--steps: unknown step {raw.strip()!r}; use numbers 1-14 or names: "
                + ", ".join(names)
            )
    if not chosen:
        raise ConfigError("--steps: no step given; use numbers 1-14 or names: " + ", ".join(names))
    return [name for name in names if name in chosen]


def parse_pair(text: str | None, option: str) -> tuple[int, int] | None:
    """Parse ``"A,B"`` into two integers, or raise a one-line :class:`ConfigError`.

    Example
    -------
    >>> parse_pair("3,5", "--class-pair")
    (3, 5)
    """
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ConfigError(f"{option}: expected two whole numbers like 3,5; got {text!r}")
    return int(parts[0]), int(parts[1])


class StepElapsedColumn(ProgressColumn):
    """The time spent on the current step (the task's ``step_started`` field)."""

    def render(self, task: Task) -> Text:
        started = task.fields.get("step_started")
        if started is None or task.finished:
            return Text("")
        seconds = int(time.monotonic() - started)
        return Text(f"step {seconds // 60}:{seconds % 60:02d}", style="progress.elapsed")


@contextmanager
def _progress(console: Console, *, step_clock: bool = False) -> Iterator[Progress]:
    columns: list[ProgressColumn | str] = [
        TextColumn("[progress.description]{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
    ]
    if step_clock:
        columns.append(StepElapsedColumn())
    columns += ["total", TimeElapsedColumn()]
    with progress_bar(console, *columns) as progress:
        yield progress


def study(
    dataset: DatasetOption = "mnist",
    steps: Annotated[
        str | None, typer.Option("--steps", metavar="STEPS", help=STEP_HELP, show_default=False)
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="DIR", help="Report directory (replaced atomically)."),
    ] = Path("report"),
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Compute every step again (and refresh the cache).")
    ] = False,
    positive_class: Annotated[
        int | None,
        typer.Option(
            "--positive-class",
            metavar="CLASS",
            help="Class of the binary detector, a label 0 to k-1 of the data set's k classes. "
            "Default: automatic (MNIST and Fashion-MNIST: 5, the chapter's; any other data "
            "set: of the two classes confused most, the one more often mistaken).",
            show_default=False,
        ),
    ] = None,
    class_pair: Annotated[
        str | None,
        typer.Option(
            "--class-pair",
            metavar="A,B",
            help="Two classes for the error-analysis grid. Default: automatic (MNIST and "
            "Fashion-MNIST: 3,5, the chapter's; any other data set: the two classes "
            "confused most).",
            show_default=False,
        ),
    ] = None,
    target_precision: Annotated[
        float,
        typer.Option(
            "--target-precision",
            metavar="P",
            help="Precision the decision threshold must reach, from 0 to 1.",
        ),
    ] = 0.9,
    n_jobs: Annotated[
        int | None,
        typer.Option(
            "--n-jobs",
            metavar="N",
            help="Processes on this machine that fit the study's models (joblib's n_jobs), or "
            "the workers of --scheduler local. Default: one per CPU.",
            show_default=False,
        ),
    ] = None,
    scheduler: SchedulerOption = None,
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    models_dir: ModelsDirOption = None,
    source: SourceOption = "auto",
    open_report: Annotated[
        bool,
        typer.Option("--open", help="Open the report in the default web browser when done."),
    ] = False,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="A quick study: every step on a stratified, seeded subset of 10,000 training "
            "and 2,000 test images (SVC and grid-search sizes scaled alike), labelled as such.",
        ),
    ] = False,
    n_train: Annotated[
        int | None,
        typer.Option(
            "--n-train",
            metavar="N",
            help="A subset study on N training images (3,000 to 60,000, stratified); "
            "with --n-test.",
            show_default=False,
        ),
    ] = None,
    n_test: Annotated[
        int | None,
        typer.Option(
            "--n-test",
            metavar="N",
            help="... and N test images (100 to 10,000).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        str | None,
        typer.Option(
            "--limit",
            hidden=True,
            metavar="N_TRAIN,N_TEST",
            help="N_TRAIN,N_TEST: use only the first rows (quick checks, not the chapter).",
        ),
    ] = None,
) -> None:
    """Run the classification study and write the HTML report.

    Loads the data set (verified by checksum), runs the 14 steps of the
    chapter with exactly scikit-learn's numbers (cached, so a second run is
    quick), and writes OUT/index.html, OUT/results.json and OUT/figures/.
    Models trained and evaluated on the same data (`mnistlab train`, `mnistlab
    evaluate`) appear after the chapter: a leaderboard and the best model's mistakes.

    Examples:

      mnistlab study

      mnistlab study --steps 1,2,roc --out /tmp/report --open

      mnistlab study --quick

      mnistlab study -d fashion-mnist --scheduler local
    """
    from mnistlab.report.target import check_report_target
    from mnistlab.scheduling import LOCAL, dask_engine, parse_scheduler

    started = time.perf_counter()
    # Every target is checked before the work (and before the heavy imports): a
    # wrong one must cost seconds, not a study.
    spec = check_dataset(dataset)
    check_report_target(out)
    locations = build_locations(data_dir, cache_dir, models_dir)
    check_writable_directory(locations.cache_dir, option="--cache-dir")
    scheduler = parse_scheduler(scheduler)
    check_local_workers(scheduler, n_jobs, option="--n-jobs")
    check_scheduler_reachable(scheduler)

    from mnistlab.models.store import ModelStore
    from mnistlab.report import write_report
    from mnistlab.report.ladder import LadderReport
    from mnistlab.study import StepSpec, StudyData, StudySettings, run_study
    from mnistlab.study.classes import check_classes

    wanted = parse_steps(steps)
    pair = parse_pair(class_pair, "--class-pair")
    sizes = parse_pair(limit, "--limit")
    if sizes is not None and min(sizes) < 1:
        raise ConfigError(f"--limit: both sizes must be at least 1; got {limit!r}")
    subset = quick or n_train is not None or n_test is not None
    if subset and sizes is not None:
        raise ConfigError("--limit cannot be combined with --quick, --n-train or --n-test")
    if not quick and (n_train is None) != (n_test is None):
        raise ConfigError("--n-train and --n-test go together (or add --quick for the other)")
    # StudySettings validates the values and raises ConfigError with the reason;
    # unset classes are chosen for the data by run_study.
    study_settings = StudySettings(
        positive_class=positive_class,
        class_pair=pair,
        target_precision=target_precision,
        n_jobs=n_jobs,
    )
    # The data set's record knows its classes: a class it lacks costs no loading.
    check_classes(
        study_settings,
        len(spec.class_names),
        spec.name,
        options=("--positive-class", "--class-pair"),
    )
    console = stderr_console()
    out_console = stdout_console()

    ds = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source=source)
    data = StudyData.from_dataset(ds)
    if sizes is not None:
        data = data.head(*sizes)
    elif subset:
        from mnistlab.study.subset import QUICK_N_TEST, QUICK_N_TRAIN

        data = data.stratified(n_train or QUICK_N_TRAIN, n_test or QUICK_N_TEST)
    note(
        console,
        f"data: {ds.name} from {ds.source}, {len(data.y_train):,} training and "
        f"{len(data.y_test):,} test images",
    )

    n_steps = len(wanted) if wanted is not None else 14
    with _progress(console, step_clock=True) as bar:
        task = bar.add_task("study", total=n_steps, step_started=None)

        def on_step(spec: StepSpec, event: str) -> None:
            if event == "start":
                name = f"{spec.number}. {spec.name}"
                bar.update(task, description=name, step_started=time.monotonic())
            else:
                bar.advance(task)

        if scheduler is not None:
            bar.update(task, description="start Dask" if scheduler == LOCAL else "connect")
        with dask_engine(scheduler, n_workers=n_jobs) as engine:
            if scheduler is not None:
                note(console, f"work runs on: {engine.description}")
            results = run_study(
                data,
                study_settings,
                steps=wanted,
                cache_dir=locations.cache_dir,
                use_cache=not no_cache,
                progress=on_step,
            )
        if results.class_choice is not None:
            positive, (first, second) = results.settings.chosen_classes()
            names = data.class_names
            note(
                console,
                f"classes chosen (the two confused most): {names[first]} and {names[second]}, "
                f"positive class {names[positive]}",
            )
        bar.update(task, description="report", step_started=time.monotonic())
        # A shortened test set (--limit, a subset) has no room for the models' test mistakes.
        ladder = (
            LadderReport.from_store(
                ModelStore(locations.models_dir, ds.name), data_checksum=ds.checksum
            )
            if sizes is None and not subset
            else None
        )
        index = write_report(results, data, out, source=ds.source, ladder=ladder, engine=engine)
        bar.update(task, description="done", step_started=None)

    elapsed = time.perf_counter() - started
    out_console.print(f"report: {index.resolve()}", markup=False)
    out_console.print(f"total time: {elapsed:.1f} s (study {results.seconds:.1f} s)")
    if open_report:
        show_in_browser(index, console)


def show_in_browser(index: Path, console: Console) -> None:
    """Open the report in the default browser, or say where it is if there is none.

    A machine without a browser (a server, a container) is not an error: the
    report is written, and its address is the one thing left to say.
    """
    import webbrowser

    uri = index.resolve().as_uri()
    try:
        opened = webbrowser.open(uri)
    except webbrowser.Error:
        opened = False
    if not opened:
        note(console, f"no web browser to open; open {uri} in one")
