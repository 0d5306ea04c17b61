"""Load a data set for a command, with a progress bar on stderr; shared by every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnistlab.cli.checks import check_data_dir
from mnistlab.cli.options import build_locations
from mnistlab.cli.output import note, stderr_console, task_bars
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
    # Sources that do not know their size report no total; close every bar anyway.
    with task_bars(console, "{task.percentage:>3.0f}%", close_all=True) as report:
        data = load(dataset, locations=locations, source=source, progress=report)
    if empty is not None:
        note(
            console,
            f"note: the data directory {empty} holds no IDX files; {data.name} came from "
            f"{data.source}",
        )
    return data
