"""Checking the options of a search before any data is read or any cluster started."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mnistlab.errors import ConfigError
from mnistlab.models.grid import parse_grid
from mnistlab.scheduling import parse_scheduler

__all__ = ["check_tune_options"]


def check_tune_options(
    name: str,
    grid: Mapping[str, Any],
    *,
    n_subset: int,
    folds: int,
    seed: int,
    scheduler: str | None,
    n_workers: int | None,
) -> tuple[dict[str, tuple[Any, ...]], str | None]:
    """Check the options of ``tune_model`` without data; return the typed grid and scheduler.

    The command line calls it before loading data or starting a cluster.

    Raises
    ------
    UnknownModelError, ConfigError
        As ``tune_model`` does for its options.
    """
    typed = parse_grid(name, grid)
    if folds < 2:
        raise ConfigError(f"folds must be at least 2, got {folds}")
    if n_subset < 1 or seed < 0:
        raise ConfigError(f"n_subset must be ≥ 1 and seed ≥ 0, got {n_subset} and {seed}")
    checked = parse_scheduler(scheduler)
    if n_workers is not None and (n_workers < 1 or checked not in (None, "local")):
        raise ConfigError(
            f"workers={n_workers}: give 1 or more, and only for this machine (no scheduler or "
            "'local'); a cluster has the workers that its 'dask worker' commands started"
        )
    return typed, checked
