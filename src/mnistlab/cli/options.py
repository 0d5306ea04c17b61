"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnistlab.config import CACHE_DIR_ENV, DATA_DIR_ENV, MODELS_DIR_ENV, Locations
from mnistlab.data.registry import builtin_dataset_names

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        metavar="DIR",
        help=(
            "Directory of the four IDX files (*-ubyte.gz or uncompressed), tried before any "
            f"other source. Env: {DATA_DIR_ENV}. A directory that does not exist is an error; "
            "one without IDX files gets a note on stderr naming the source that served instead."
        ),
        show_default=False,
    ),
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        metavar="DIR",
        help=f"Where verified data and results are cached. Env: {CACHE_DIR_ENV}.",
        show_default=False,
    ),
]
ModelsDirOption = Annotated[
    Path | None,
    typer.Option(
        "--models-dir",
        metavar="DIR",
        help=(
            f"Where trained models are kept. Env: {MODELS_DIR_ENV}. When named, it must be an "
            "existing directory for the commands that read models."
        ),
        show_default=False,
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="local|tcp://HOST:PORT",
        help=(
            "Run the parallel work on Dask: 'local' (a LocalCluster on this machine, stopped "
            "after) or tcp://HOST:PORT of a running 'dask scheduler'. Same results. "
            "Default: this machine's processes."
        ),
        show_default=False,
    ),
]
DatasetOption = Annotated[
    str,
    typer.Option(
        "--dataset",
        "-d",
        metavar="NAME",
        help=f"Data set: {', '.join(builtin_dataset_names())}, "
        "or one added with `mnistlab data add`.",
    ),
]


def build_locations(
    data_dir: Path | None, cache_dir: Path | None, models_dir: Path | None = None
) -> Locations:
    """Build the one locations object of a command from its options and the environment."""
    return Locations.resolve(data_dir=data_dir, cache_dir=cache_dir, models_dir=models_dir)
