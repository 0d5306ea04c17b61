"""``mnistlab tune MODEL --grid KEY=V1,V2``: a cross-validated search over a model's settings.

The command parses its options, loads the data, calls
:func:`mnistlab.models.tuning.tune_model` (on this machine or on Dask with
``--scheduler``), prints the results table and the best settings, and writes
``OUT/tune-MODEL.csv`` and ``OUT/tune-MODEL.json``, each atomically. Bad
options raise :class:`~mnistlab.errors.ConfigError` before any data is loaded,
which the root command prints as one line with exit code 2. Example::

    mnistlab tune knn-tuned --grid n_neighbors=3,4,5,6 --grid weights=uniform,distance
    mnistlab tune svc-rbf --grid C=1,5,25 --grid gamma=0.06,0.12 --scheduler tcp://10.0.0.5:8786
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mnistlab.cli.checks import check_dataset, check_scheduler_reachable, check_writable_directory
from mnistlab.cli.json_output import dumps, envelope
from mnistlab.cli.loading import SourceOption, load_with_progress
from mnistlab.cli.options import CacheDirOption, DataDirOption, DatasetOption, SchedulerOption
from mnistlab.cli.output import stderr_console, stdout_console, task_bar
from mnistlab.errors import ConfigError
from mnistlab.files import atomic_write
from mnistlab.models.grid import TUNABLE_MODELS, TUNABLE_SETTINGS
from mnistlab.models.registry import MODELS

if TYPE_CHECKING:
    from mnistlab.models.tuning import TuneResult

GRID_HELP = "Values to try for one setting, KEY=V1,V2,...; repeat for more settings. Keys: " + (
    "; ".join(
        f"{'/'.join(s.name for s in MODELS if s.settings.get('kind') == kind)}: {', '.join(keys)}"
        for kind, keys in TUNABLE_SETTINGS.items()
    )
)


def parse_grid_options(items: list[str]) -> dict[str, str]:
    """Turn repeated ``--grid KEY=V1,V2`` options into ``{KEY: "V1,V2"}``.

    A key given twice gets the values of both.

    Raises
    ------
    ConfigError
        For an item without ``=`` or with an empty key, or no item at all.

    Example
    -------
    >>> parse_grid_options(["n_neighbors=3,4", "weights=distance", "n_neighbors=5"])
    {'n_neighbors': '3,4,5', 'weights': 'distance'}
    """
    if not items:
        raise ConfigError(
            "give the values to try with --grid KEY=V1,V2, e.g. --grid n_neighbors=3,4"
        )
    grid: dict[str, str] = {}
    for item in items:
        key, equals, values = item.partition("=")
        if not equals or not key.strip():
            raise ConfigError(f"--grid {item!r}: expected KEY=V1,V2,..., e.g. n_neighbors=3,4,5")
        key = key.strip()
        grid[key] = f"{grid[key]},{values}" if key in grid else values
    return grid


def tune(
    model: Annotated[
        str,
        typer.Argument(
            help=f"Model: {', '.join(TUNABLE_MODELS)}.", metavar="MODEL", show_default=False
        ),
    ],
    grid: Annotated[
        list[str] | None,
        typer.Option("--grid", "-g", metavar="KEY=V1,V2", help=GRID_HELP, show_default=False),
    ] = None,
    n_subset: Annotated[
        int,
        typer.Option("--n-subset", metavar="N", help="Training images in the stratified subset."),
    ] = 10_000,
    folds: Annotated[
        int, typer.Option("--folds", metavar="N", help="Stratified cross-validation folds.")
    ] = 3,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="Seed that draws the subset.")
    ] = 42,
    scheduler: SchedulerOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            metavar="N",
            help="Processes on this machine that score the grid: joblib's processes, or the "
            "workers of --scheduler local (the same as study's --n-jobs). Default: one per CPU.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="DIR", help="Directory for tune-MODEL.csv and .json."),
    ] = Path("."),
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print JSON instead of a table (kind tune, docs/json.md)."),
    ] = False,
    dataset: DatasetOption = "mnist",
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    source: SourceOption = "auto",
) -> None:
    """Search MODEL's settings by cross-validation on training images; write the results.

    Every combination of the --grid values is scored by its mean accuracy over
    --folds stratified folds of a stratified subset of --n-subset training
    images (the test images are not used). Prints the table best first, the
    best settings and where the work ran; writes OUT/tune-MODEL.csv and
    OUT/tune-MODEL.json. The result is the same with or without --scheduler.

    Examples:

      mnistlab tune knn-tuned --grid n_neighbors=3,4,5,6 --grid weights=uniform,distance

      mnistlab tune svc-rbf --grid C=1,5,25 --grid gamma=0.06,0.12 --scheduler local

      mnistlab tune knn-deskew -g n_neighbors=3,4 --n-subset 2000 --json
    """
    from mnistlab.models.tuning import check_tune_options, tune_model
    from mnistlab.versions import current_versions, installed_version

    grid_values = parse_grid_options(grid or [])
    # Every option is checked before the data is loaded or a cluster started.
    _, checked_scheduler = check_tune_options(
        model,
        grid_values,
        n_subset=n_subset,
        folds=folds,
        seed=seed,
        scheduler=scheduler,
        n_workers=workers,
    )
    check_dataset(dataset)
    check_writable_directory(out, option="--out")
    check_scheduler_reachable(checked_scheduler)
    console = stderr_console()
    data = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source=source)
    with task_bar(
        console,
        TextColumn("[bold]{task.fields[model]}[/]"),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("fits"),
        TimeElapsedColumn(),
        starting="starting",
        total=None,
        model=model,
    ) as report:
        result = tune_model(
            model,
            data,
            grid=grid_values,
            n_subset=n_subset,
            folds=folds,
            seed=seed,
            scheduler=scheduler,
            n_workers=workers,
            progress=report,
        )
    versions = current_versions()
    for package in ("joblib", "dask", "distributed"):
        version = installed_version(package)
        if version is not None:
            versions[package] = version
    document = {**result.as_dict(), "versions": versions}
    written = _write(result, document, out)
    stdout = stdout_console()
    if as_json:
        files = {"csv": str(written[0].resolve()), "json": str(written[1].resolve())}
        stdout.print(dumps(envelope("tune", **document, files=files)), markup=False)
        return
    stdout.print(_table(result))
    best = result.best
    stdout.print(
        f"best: {_point(best.settings)}: {100 * best.mean:.2f}% ± {100 * best.std:.2f} "
        f"({result.folds} folds, {result.n_images:,} training images of {result.dataset})"
    )
    stdout.print(f"best settings: {escape(json.dumps(result.best_settings))}")
    stdout.print(f"where: {escape(result.where)}; {result.elapsed_seconds:.1f} s")
    stdout.print(f"written: {written[0].resolve()}, {written[1].resolve()}", markup=False)


def _point(settings: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in settings.items())


def _table(result: TuneResult) -> Table:
    table = Table(title=f"{result.model}: accuracy over {result.folds} folds, best first")
    table.add_column("#", justify="right")
    for key in result.grid:
        table.add_column(key, justify="right")
    table.add_column("mean", justify="right", style="bold")
    table.add_column("± std", justify="right")
    for fold in range(result.folds):
        table.add_column(f"fold {fold + 1}", justify="right")
    for rank, row in enumerate(result.rows, start=1):
        table.add_row(
            str(rank),
            *(str(row.settings[key]) for key in result.grid),
            f"{100 * row.mean:.2f}%",
            f"{100 * row.std:.2f}",
            *(f"{100 * score:.2f}%" for score in row.scores),
        )
    return table


def _csv_text(result: TuneResult) -> str:
    """The results table as CSV: one row per grid point, best first, scores as fractions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    folds = [f"fold_{k + 1}" for k in range(result.folds)]
    writer.writerow(["rank", *result.grid, "mean_accuracy", "std_accuracy", *folds])
    for rank, row in enumerate(result.rows, start=1):
        writer.writerow(
            [rank, *(row.settings[key] for key in result.grid), row.mean, row.std, *row.scores]
        )
    return buffer.getvalue()


def _write(result: TuneResult, document: dict[str, Any], out: Path) -> tuple[Path, Path]:
    table, record = out / f"tune-{result.model}.csv", out / f"tune-{result.model}.json"
    # A refused or full disk is an OSError, which the root command reports in one line;
    # atomic_write leaves no half-written file behind.
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(table) as f:
        f.write(_csv_text(result).encode())
    with atomic_write(record) as f:
        f.write((json.dumps(document, indent=2) + "\n").encode())
    return table, record
