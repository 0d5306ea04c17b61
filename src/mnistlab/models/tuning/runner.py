"""Running a search: options checked, subset drawn, fits on this machine or a Dask cluster."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from mnistlab.data import Dataset
from mnistlab.models.registry import get_model_spec
from mnistlab.models.tuning.folds import stratified_subset
from mnistlab.models.tuning.options import check_tune_options
from mnistlab.models.tuning.results import TuneResult
from mnistlab.models.tuning.search import search_grid
from mnistlab.progress import ProgressCallback, ignore_progress
from mnistlab.scheduling import dask_engine
from mnistlab.system import cpu_count

__all__ = ["tune_model"]

logger = logging.getLogger(__name__)


def tune_model(
    name: str,
    data: Dataset,
    *,
    grid: Mapping[str, Any],
    n_subset: int = 10_000,
    folds: int = 3,
    seed: int = 42,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> TuneResult:
    """Search model ``name``'s settings by cross-validation on training images.

    Parameters
    ----------
    name : str
        A model of ``TUNABLE_MODELS`` (the classical models).
    data : Dataset
        The data set; only its training images are read.
    grid : mapping
        Registry setting name -> values to try, e.g.
        ``{"n_neighbors": [3, 4, 5], "weights": ["uniform", "distance"]}``;
        text values such as ``"3,4,5"`` are parsed (see ``parse_grid``).
    n_subset : int, default=10_000
        Images of the stratified subset of the training set (all if more).
    folds : int, default=3
        Stratified folds.
    seed : int, default=42
        Draws the subset; the models themselves have no randomness.
    scheduler : str, optional
        ``None``: this machine's processes; ``"local"``: a Dask LocalCluster
        started for the search; ``"tcp://HOST:PORT"``: a running Dask cluster.
        The result is the same whichever is used.
    n_workers : int, optional
        Processes on this machine: the LocalCluster's workers, or joblib's
        processes without a scheduler. Default: one per CPU.
    progress : callable, optional
        Told about the features and how many fits are done.

    Returns
    -------
    TuneResult

    Raises
    ------
    UnknownModelError
        For an unknown model name.
    ConfigError
        For a model that cannot be tuned, a bad grid, sizes that do not fit,
        an unusable scheduler, or a cluster that fails during the search.

    Example
    -------
    >>> result = tune_model("knn-tuned", data, grid={"n_neighbors": [3, 4, 5]})  # doctest: +SKIP
    >>> result.best_settings["n_neighbors"], result.where                      # doctest: +SKIP
    (4, 'this machine: 2 processes (joblib)')
    """
    started = time.perf_counter()
    typed, scheduler = check_tune_options(
        name,
        grid,
        n_subset=n_subset,
        folds=folds,
        seed=seed,
        scheduler=scheduler,
        n_workers=n_workers,
    )
    spec = get_model_spec(name)
    rows = stratified_subset(data.y_train, n_subset, seed)
    images, labels = data.X_train[rows], data.y_train[rows]
    n_jobs = n_workers or cpu_count()
    local = f"this machine: {n_jobs} process{'es' * (n_jobs != 1)} (joblib)"
    report = progress or ignore_progress
    if scheduler is not None:
        report("start Dask" if scheduler == "local" else f"connect to {scheduler}", 0, None)
    with dask_engine(scheduler, n_workers=n_workers, local_description=local) as engine:
        logger.info("tuning %s over %s on %s", name, typed, engine.description)
        found = search_grid(
            spec.settings,
            images,
            labels,
            grid=typed,
            folds=folds,
            engine=engine,
            n_jobs=n_jobs,
            progress=report,
        )
    return TuneResult(
        model=name,
        dataset=data.name,
        grid=typed,
        rows=tuple(found),
        best_settings={**spec.settings, **found[0].settings},
        where=engine.description,
        data_checksum=data.checksum,
        n_images=len(rows),
        folds=folds,
        seed=seed,
        elapsed_seconds=time.perf_counter() - started,
    )
