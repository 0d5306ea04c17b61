"""Cross-validated searches over a model's registry settings, on one machine or a Dask cluster.

``tune_model("knn-tuned", data, grid={"n_neighbors": [3, 4, 5], "weights": ["distance"]})``
scores every grid point by stratified k-fold accuracy on a stratified subset
of the *training* images (the test images are never read), through
scikit-learn's ``GridSearchCV``, and returns the points best first with the
full registry settings of the winner. The classical models can be tuned:
``knn-*`` over ``n_neighbors``, ``weights``, ``shift``, ``deskew``; ``svc-rbf``
over ``n_components``, ``C``, ``gamma``, ``deskew``, ``features``.

Why the result does not depend on where it ran
----------------------------------------------
Each fit is seeded or free of randomness, the folds are fixed before the
search, and scikit-learn orders its results by grid point, not by when a fit
ended. What remains is the number of threads: nearest neighbours break ties
between equidistant images by a strategy that scikit-learn picks from its
thread count, and BLAS sums in an order that depends on it. So every fit and
every prediction runs on exactly one thread, in this process, in joblib's
processes or on a Dask worker alike. With ``scheduler`` the fits run on Dask
through joblib's Dask backend; the inputs are copied to every worker first, so
that a worker lost in the middle loses no input and its fits simply run again.

Settings that only change the images a model sees (``deskew``, the SVC's
``features``) are computed once for each of their values, before the folds:
the transforms keep no fitted state, so no fold learns from another's images
through them, and an RBF search does not compute HOG features 2 × k times
per grid point.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import effective_n_jobs
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError
from mnistlab.models import classical
from mnistlab.models.grid import TUNABLE_MODELS, TUNABLE_SETTINGS, parse_grid
from mnistlab.models.registry import get_model_spec
from mnistlab.models.transforms import Deskew
from mnistlab.progress import ProgressCallback, ignore_progress
from mnistlab.scheduling import Engine, dask_engine, parse_scheduler

__all__ = [
    "TUNABLE_MODELS",
    "TuneResult",
    "TuneRow",
    "check_tune_options",
    "parse_grid",
    "search_grid",
    "stratified_subset",
    "tune_model",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TuneRow:
    """One grid point of a search.

    Attributes
    ----------
    settings : dict
        The grid point: the tuned settings only.
    mean, std : float
        Mean and standard deviation of the accuracy over the folds.
    scores : tuple of float
        The accuracy on each fold, in fold order.
    """

    settings: dict[str, Any]
    mean: float
    std: float
    scores: tuple[float, ...]


@dataclass(frozen=True)
class TuneResult:
    """The result of ``tune_model``.

    Attributes
    ----------
    model, dataset : str
        What was tuned, on which data set.
    grid : dict of str to tuple
        The typed grid that was searched.
    rows : tuple of TuneRow
        Every grid point, best first (ties keep the grid's order).
    best_settings : dict
        The model's full registry settings with the best point's values in.
    where : str
        Where the fits ran, in words.
    data_checksum : str
        The data set's checksum.
    n_images, folds, seed : int
        Size of the stratified subset, number of folds, seed of the subset.
    elapsed_seconds : float
        Wall time of the whole search (starting a cluster included).
    """

    model: str
    dataset: str
    grid: dict[str, tuple[Any, ...]]
    rows: tuple[TuneRow, ...]
    best_settings: dict[str, Any]
    where: str
    data_checksum: str
    n_images: int
    folds: int
    seed: int
    elapsed_seconds: float

    @property
    def best(self) -> TuneRow:
        """The best grid point."""
        return self.rows[0]

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready types."""
        return {
            "model": self.model,
            "dataset": self.dataset,
            "data_checksum": self.data_checksum,
            "grid": {key: list(values) for key, values in self.grid.items()},
            "n_images": self.n_images,
            "folds": self.folds,
            "seed": self.seed,
            "where": self.where,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "rows": [
                {"settings": r.settings, "mean": r.mean, "std": r.std, "scores": list(r.scores)}
                for r in self.rows
            ],
            "best_settings": self.best_settings,
        }


class _OneThreadModel(ClassifierMixin, BaseEstimator):
    """A model of the search: fits and predicts on one thread (see the module docstring)."""

    def _build(self, X: NDArray[Any], y: NDArray[np.int64]) -> Any:
        raise NotImplementedError

    def fit(self, X: NDArray[Any], y: NDArray[Any]) -> _OneThreadModel:
        """Fit on one thread and return ``self``."""
        with threadpool_limits(limits=1):
            self.model_ = self._build(X, np.asarray(y, dtype=np.int64))
        self.classes_ = np.arange(10)
        return self

    def predict(self, X: NDArray[Any]) -> NDArray[Any]:
        """Predict on one thread."""
        with threadpool_limits(limits=1):
            return np.asarray(self.model_.predict(X))


class _NeighboursModel(_OneThreadModel):
    """The nearest-neighbour model of ``classical.train``, on images already deskewed or not."""

    def __init__(self, n_neighbors: int = 4, weights: str = "distance", shift: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.shift = shift

    def _build(self, X: NDArray[Any], y: NDArray[np.int64]) -> Any:
        settings = {"kind": "knn", "deskew": False, **self.get_params()}
        return classical.train(settings, X, y, ignore_progress)


class _SvcModel(_OneThreadModel):
    """``classical.build_svc``'s PCA → SVC on features (the calibration keeps its arg-max)."""

    def __init__(self, n_components: int = 100, C: float = 1.0, gamma: float | str = "scale"):
        self.n_components = n_components
        self.C = C
        self.gamma = gamma

    def _build(self, X: NDArray[Any], y: NDArray[np.int64]) -> Any:
        return classical.build_svc(self.get_params()).fit(X, y)


_MODELS: Mapping[str, type[_OneThreadModel]] = {"knn": _NeighboursModel, "svc": _SvcModel}


def _features(kind: str, settings: Mapping[str, Any]) -> Pipeline | None:
    if kind == "svc":
        return Pipeline(classical._feature_steps(settings))
    return Pipeline([("deskew", Deskew())]) if settings.get("deskew") else None


def stratified_subset(labels: NDArray[Any], n_subset: int, seed: int) -> NDArray[np.intp]:
    """Return the sorted rows of a stratified subset of ``n_subset`` labels (all rows if more)."""
    rows = np.arange(len(labels))
    if n_subset >= len(labels):
        return rows
    chosen, _ = train_test_split(rows, train_size=n_subset, stratify=labels, random_state=seed)
    return np.sort(chosen)


_Split = tuple[NDArray[np.intp], NDArray[np.intp]]


def _folds(y: NDArray[np.integer[Any]], folds: int) -> list[_Split]:
    """Return the stratified, unshuffled folds, fixed before any fit."""
    counts = np.bincount(y, minlength=10)
    if counts.min() < folds:
        raise ConfigError(
            f"a subset of {len(y)} images has only {counts.min()} of digit {counts.argmin()}, "
            f"fewer than the {folds} folds; use a larger n_subset or fewer folds"
        )
    return list(StratifiedKFold(folds).split(np.zeros(len(y)), y))


def _check_point(point: Mapping[str, Any], n_fit: int, n_features: int) -> None:
    # scikit-learn would fail in the middle of the search with its own error.
    limits = {"n_neighbors": n_fit, "n_components": min(n_fit, n_features)}
    for key, limit in limits.items():
        if key in point and int(point[key]) > limit:
            raise ConfigError(
                f"{key}={point[key]} is more than the {limit} the search allows (training "
                "folds of the subset, or features); use a smaller value or a larger n_subset"
            )


def search_grid(
    settings: Mapping[str, Any],
    images: NDArray[np.uint8],
    labels: NDArray[Any],
    *,
    grid: Mapping[str, Sequence[Any]],
    folds: int = 3,
    engine: Engine | None = None,
    n_jobs: int | None = None,
    progress: ProgressCallback = ignore_progress,
) -> list[TuneRow]:
    """Cross-validate a classical model over a typed grid of its settings.

    Parameters
    ----------
    settings : mapping
        The model's settings (``kind`` ``knn`` or ``svc``); the grid's values
        replace theirs.
    images, labels : ndarray
        Training images (uint8, (n, 784)) and digits, used whole: draw the
        subset before. Never the test set.
    grid : mapping
        Setting name -> typed values (see ``parse_grid``).
    folds : int, default=3
        Stratified folds, unshuffled.
    engine : Engine, optional
        An engine of ``dask_engine``; with a Dask client the fits run on its
        workers, with their inputs copied to each.
    n_jobs : int, optional
        Processes of joblib when there is no Dask client (default one: this process).
    progress : callable
        Told about the features and how many fits are done.

    Returns
    -------
    list of TuneRow
        Best first; ties keep the grid's order.

    Raises
    ------
    ConfigError
        For a key that is not a setting of the model's kind, or a subset too
        small for the folds or for a grid point.

    Example
    -------
    >>> rows = search_grid(get_model_spec("svc-rbf").settings, X, y,  # doctest: +SKIP
    ...                    grid={"C": (1.0, 5.0), "gamma": (0.06, 0.12)})
    """
    kind = classical._check_settings(settings)
    unknown = sorted(set(grid) - set(TUNABLE_SETTINGS[kind]))
    if unknown:
        raise ConfigError(
            f"grid keys {unknown} unknown; a {kind} search takes {list(TUNABLE_SETTINGS[kind])}"
        )
    y = classical._check_training_data(images, labels)
    splits = _folds(y, folds)
    dask = engine is not None and engine.client is not None
    slots = (engine.n_threads if engine is not None and dask else None) or effective_n_jobs(n_jobs)
    # Grid points per GridSearchCV call: about two fits per worker thread, so
    # the workers stay busy while progress is told call by call.
    per_call = max(1, math.ceil(2 * slots / folds))
    points = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, point in enumerate(points):
        features = tuple(point[k] for k in grid if TUNABLE_SETTINGS[kind][k].feature)
        groups.setdefault(features, []).append(i)
    model_class = _MODELS[kind]
    total = len(points) * folds
    scored: dict[int, TuneRow] = {}
    for members in groups.values():
        merged = {**settings, **points[members[0]]}
        progress(f"features ({_describe_features(kind, merged)})", len(scored) * folds, total)
        transform = _features(kind, merged)
        X = images if transform is None else transform.fit_transform(images)
        for i in members:
            _check_point({**settings, **points[i]}, min(len(t) for t, _ in splits), X.shape[1])
        base = model_class(**{key: merged[key] for key in model_class().get_params()})
        model_keys = [key for key in grid if key in base.get_params()]
        shared = [X, y, *itertools.chain.from_iterable(splits)]
        with engine.broadcast(*shared) if engine is not None else nullcontext():
            for start in range(0, len(members), per_call):
                batch = members[start : start + per_call]
                progress("cross-validate", len(scored) * folds, total)
                results = (
                    GridSearchCV(
                        base,
                        [{key: [points[i][key]] for key in model_keys} for i in batch],
                        cv=splits,
                        n_jobs=-1 if dask else n_jobs,
                        refit=False,
                        error_score="raise",
                    )
                    .fit(X, y)
                    .cv_results_
                )
                for j, i in enumerate(batch):
                    scores = tuple(float(results[f"split{k}_test_score"][j]) for k in range(folds))
                    mean, std = results["mean_test_score"][j], results["std_test_score"][j]
                    scored[i] = TuneRow(points[i], float(mean), float(std), scores)
                progress("cross-validate", len(scored) * folds, total)
    return sorted((scored[i] for i in range(len(points))), key=lambda row: -row.mean)


def _describe_features(kind: str, settings: Mapping[str, Any]) -> str:
    parts = ["deskewed" if settings.get("deskew") else "as drawn"]
    if kind == "svc":
        parts.append(str(settings.get("features", "pixels")))
    return ", ".join(parts)


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
    (4, 'this machine: 2 joblib processes')
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
    n_jobs = n_workers or _cpu_count()
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


def _cpu_count() -> int:
    return max(1, int(effective_n_jobs(-1)))
