"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnistlab.config import CACHE_DIR_ENV, DATA_DIR_ENV, MODELS_DIR_ENV, Settings

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help=f"Directory of IDX files (the four *-ubyte.gz files). Env: {DATA_DIR_ENV}.",
        show_default=False,
    ),
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        help=f"Where verified data and results are cached. Env: {CACHE_DIR_ENV}.",
        show_default=False,
    ),
]
ModelsDirOption = Annotated[
    Path | None,
    typer.Option(
        "--models-dir",
        help=f"Where trained models are kept. Env: {MODELS_DIR_ENV}.",
        show_default=False,
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
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
    typer.Option("--dataset", "-d", help="Data set name: mnist, fashion-mnist, ..."),
]


def build_settings(
    data_dir: Path | None, cache_dir: Path | None, models_dir: Path | None = None
) -> Settings:
    """Build the one settings object of a command from its options and the environment."""
    return Settings.resolve(data_dir=data_dir, cache_dir=cache_dir, models_dir=models_dir)
