"""Load a data set for a command, with a progress bar; shared by every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from mnistlab.cli.options import build_settings
from mnistlab.data import Dataset, load
from mnistlab.data.sources import SOURCE_NAMES
from mnistlab.errors import ConfigError

SourceOption = Annotated[
    str,
    typer.Option(
        "--source",
        help=f"Where to get the data: {'|'.join(SOURCE_NAMES)}. 'auto' uses the cache first.",
    ),
]


def load_with_progress(
    dataset: str,
    *,
    data_dir: Path | None,
    cache_dir: Path | None,
    source: str,
    console: Console,
) -> Dataset:
    """Load ``dataset`` as the options say, drawing each fetch step as a rich bar.

    Raises
    ------
    ConfigError
        If ``source`` is not a known source name.
    """
    if source not in SOURCE_NAMES:
        raise ConfigError(f"unknown --source {source!r}; choose one of: {', '.join(SOURCE_NAMES)}")
    settings = build_settings(data_dir, cache_dir)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(task: str, completed: float, total: float | None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=completed, total=total)

        data = load(dataset, settings=settings, source=source, progress=report)
        # Sources that do not know their size report no total; close every bar anyway.
        for task_id in tasks.values():
            total = bar.tasks[task_id].total or 1
            bar.update(task_id, total=total, completed=total)
    return data
