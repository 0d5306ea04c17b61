"""Cross-validating a classical model over a typed grid of its settings: ``search_grid``."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np
from joblib import effective_n_jobs
from numpy.typing import NDArray
from sklearn.model_selection import GridSearchCV

from mnistlab.errors import ConfigError
from mnistlab.models.classical.pipelines import check_settings
from mnistlab.models.classical.training import check_training_data
from mnistlab.models.grid import TUNABLE_SETTINGS
from mnistlab.models.tuning.batches import feature_groups, grid_points, in_calls
from mnistlab.models.tuning.estimators import ESTIMATORS, image_features
from mnistlab.models.tuning.folds import stratified_folds
from mnistlab.models.tuning.results import TuneRow
from mnistlab.progress import ProgressCallback, ignore_progress
from mnistlab.scheduling import Engine

__all__ = ["search_grid"]


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
    kind = check_settings(settings)
    unknown = sorted(set(grid) - set(TUNABLE_SETTINGS[kind]))
    if unknown:
        raise ConfigError(
            f"grid keys {unknown} unknown; a {kind} search takes {list(TUNABLE_SETTINGS[kind])}"
        )
    y = check_training_data(images, labels)
    splits = stratified_folds(y, folds)
    dask = engine is not None and engine.client is not None
    slots = (engine.n_threads if engine is not None and dask else None) or effective_n_jobs(n_jobs)
    points = grid_points(grid)
    model_class = ESTIMATORS[kind]
    total = len(points) * folds
    scored: dict[int, TuneRow] = {}
    for members in feature_groups(kind, grid, points):
        merged = {**settings, **points[members[0]]}
        progress(f"features ({_describe_features(kind, merged)})", len(scored) * folds, total)
        transform = image_features(kind, merged)
        X = images if transform is None else transform.fit_transform(images)
        for i in members:
            _check_point({**settings, **points[i]}, min(len(t) for t, _ in splits), X.shape[1])
        base = model_class(**{key: merged[key] for key in model_class().get_params()})
        model_keys = [key for key in grid if key in base.get_params()]
        shared = [X, y, *itertools.chain.from_iterable(splits)]
        with engine.broadcast(*shared) if engine is not None else nullcontext():
            for batch in in_calls(members, slots=slots, folds=folds):
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


def _check_point(point: Mapping[str, Any], n_fit: int, n_features: int) -> None:
    # scikit-learn would fail in the middle of the search with its own error.
    limits = {"n_neighbors": n_fit, "n_components": min(n_fit, n_features)}
    for key, limit in limits.items():
        if key in point and int(point[key]) > limit:
            raise ConfigError(
                f"{key}={point[key]} is more than the {limit} the search allows (training "
                "folds of the subset, or features); use a smaller value or a larger n_subset"
            )


def _describe_features(kind: str, settings: Mapping[str, Any]) -> str:
    parts = ["deskewed" if settings.get("deskew") else "as drawn"]
    if kind == "svc":
        parts.append(str(settings.get("features", "pixels")))
    return ", ".join(parts)
