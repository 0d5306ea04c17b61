"""Load a data set for a command, with a progress bar on stderr; shared by every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, TaskID, TextColumn, TimeElapsedColumn

from mnistlab.cli.checks import check_data_dir
from mnistlab.cli.options import build_locations
from mnistlab.cli.output import note, progress_bar, stderr_console
from mnistlab.config import DATA_DIR_ENV
from mnistlab.data import Dataset, load
from mnistlab.data.sources import SOURCE_NAMES
from mnistlab.errors import ConfigError

SourceOption = Annotated[
    str,
    typer.Option(
        "--source",
        metavar="SOURCE",
        help=f"Where to get the data: {', '.join(SOURCE_NAMES)}. 'auto' reads the cache first, "
        "then tries the others in the order listed.",
    ),
]


def load_with_progress(
    dataset: str,
    *,
    data_dir: Path | None,
    cache_dir: Path | None,
    source: str,
) -> Dataset:
    """Load ``dataset`` as the options say, drawing each fetch step as a bar on stderr.

    A data directory (``--data-dir`` or the environment) that holds no IDX
    files is not an error, as the data may come from the cache or another
    source, but a note on stderr says so and names the source that served.

    Raises
    ------
    ConfigError
        If ``source`` is not a known source name, ``local`` is asked for
        without a data directory, or the data directory does not exist.
    """
    if source not in SOURCE_NAMES:
        raise ConfigError(f"unknown --source {source!r}; choose one of: {', '.join(SOURCE_NAMES)}")
    locations = build_locations(data_dir, cache_dir)
    empty = check_data_dir(data_dir)
    if source == "local" and locations.data_dir is None:
        raise ConfigError(f"--source local needs --data-dir DIR (or {DATA_DIR_ENV})")
    console = stderr_console()
    with progress_bar(
        console,
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(task: str, completed: float, total: float | None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=completed, total=total)

        data = load(dataset, locations=locations, source=source, progress=report)
        # Sources that do not know their size report no total; close every bar anyway.
        for task_id in tasks.values():
            total = bar.tasks[task_id].total or 1
            bar.update(task_id, total=total, completed=total)
    if empty is not None:
        note(
            console,
            f"note: the data directory {empty} holds no IDX files; {data.name} came from "
            f"{data.source}",
        )
    return data
