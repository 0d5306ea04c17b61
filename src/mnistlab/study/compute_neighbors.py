"""The study's k-nearest-neighbour computations (steps 12–14).

Every prediction comes from :class:`mnistlab.knn.NeighborSearch`, which answers
several k and both weightings from one neighbour search and is exact (see
:mod:`mnistlab.knn.search`). Where scikit-learn's private search is not
usable (:mod:`mnistlab.private_apis`), ``NeighborSearch.predict`` asks
``KNeighborsClassifier`` itself about each fold: the same numbers, one plain
search per candidate instead of one per fold.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import KFold, ParameterGrid, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.knn import NeighborSearch
from mnistlab.study.cache import CacheEntry
from mnistlab.study.context import StudyContext

#: The chapter's grid, in the order ParameterGrid enumerates it.
PARAM_GRID: dict[str, list[object]] = {
    "weights": ["uniform", "distance"],
    "n_neighbors": [3, 4, 5, 6],
}
#: Training images the grid search runs on (scaled on a stratified subset).
GRID_TRAIN_SIZE = 10_000
#: The test image the denoising step cleans (the chapter's ``X_test_mod[0]``).
DENOISE_INDEX = 0
#: KNeighborsClassifier's default number of neighbours.
DEFAULT_K = 5


def multilabel(ctx: StudyContext, deps: dict[str, CacheEntry]) -> CacheEntry:
    """KNN on (digit ≥ 7, digit odd): prediction of ``some_digit`` and 3-fold predictions.

    ``cross_val_predict(cv=3)`` splits a multilabel target with ``KFold(3)``
    (stratification needs a binary or multiclass target).
    """
    y = ctx.y_train
    y_multilabel = np.c_[y >= 7, y % 2 == 1]
    knn = KNeighborsClassifier().fit(ctx.X_train, y_multilabel)
    first = knn.predict(ctx.some_digit)[0]
    oof = np.empty_like(y_multilabel)
    for train, test in KFold(n_splits=3).split(ctx.X_train, y_multilabel):
        search = NeighborSearch.run(ctx.X_train[train], ctx.X_train[test], max_k=DEFAULT_K)
        oof[test] = search.predict(y_multilabel[train], k=DEFAULT_K)
    return CacheEntry(
        values={"prediction": [bool(v) for v in first]},
        arrays={"y_multilabel": y_multilabel, "oof_predict": oof},
    )


def noisy_images(ctx: StudyContext) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's noisy training and test images (float64).

    ``np.random.seed(42)`` then two ``np.random.randint`` calls draw the same
    stream as a fresh ``RandomState(42)``; a local one keeps numpy's global
    state untouched.
    """
    rng = np.random.RandomState(42)
    noise_train = rng.randint(0, 100, (len(ctx.X_train), 784))
    noise_test = rng.randint(0, 100, (len(ctx.X_test), 784))
    return ctx.X_train + noise_train, ctx.X_test + noise_test


def denoising(ctx: StudyContext, deps: dict[str, CacheEntry]) -> CacheEntry:
    """KNN from noisy to clean images; the cleaned version of one noisy test image."""
    X_train_mod, X_test_mod = noisy_images(ctx)
    knn = KNeighborsClassifier().fit(X_train_mod, ctx.X_train)
    query = X_test_mod[DENOISE_INDEX : DENOISE_INDEX + 1]
    clean = knn.predict(query)[0]
    return CacheEntry(
        values={"index": DENOISE_INDEX},
        arrays={
            "noisy": query[0],
            "clean": ctx.X_test[DENOISE_INDEX].copy(),
            "cleaned": np.asarray(clean, dtype=np.float64),
        },
    )


def grid_search(ctx: StudyContext, deps: dict[str, CacheEntry]) -> CacheEntry:
    """``GridSearchCV(KNeighborsClassifier(), PARAM_GRID, cv=5)`` on the first 10,000 images.

    One neighbour search per fold answers all eight candidates. The best
    candidate is the first with the highest mean accuracy, as ``best_index_``
    (``rank_test_score.argmin()``) is. On a stratified subset it runs on the
    first ``ctx.scaled_size(GRID_TRAIN_SIZE)`` images.
    """
    n = ctx.scaled_size(GRID_TRAIN_SIZE)
    X, y = ctx.X_train[:n], ctx.y_train[:n]
    candidates = list(ParameterGrid(PARAM_GRID))
    max_k = max(int(c["n_neighbors"]) for c in candidates)
    scores = np.empty((len(candidates), 5), dtype=np.float64)
    for f, (train, test) in enumerate(StratifiedKFold(n_splits=5).split(X, y)):
        search = NeighborSearch.run(X[train], X[test], max_k=max_k)
        for c, params in enumerate(candidates):
            pred = search.predict(
                y[train], k=int(params["n_neighbors"]), weights=str(params["weights"])
            )
            scores[c, f] = float(np.average(pred == y[test]))
    means = np.average(scores, axis=1)
    best = int(np.flatnonzero(means == means.max())[0])
    return CacheEntry(
        values={
            "train_size": len(X),
            "candidates": [
                {"n_neighbors": int(c["n_neighbors"]), "weights": str(c["weights"])}
                for c in candidates
            ],
            "split_scores": scores.tolist(),
            "mean_test_scores": means.tolist(),
            "best_index": best,
            "best_params": {
                "n_neighbors": int(candidates[best]["n_neighbors"]),
                "weights": str(candidates[best]["weights"]),
            },
            "best_score": float(means[best]),
        },
        arrays={},
    )


def knn_test(ctx: StudyContext, deps: dict[str, CacheEntry]) -> CacheEntry:
    """Test accuracy of the default KNN and of the tuned one, both fitted on all images.

    Both predictions come from one search of the test images among the
    training images.
    """
    best = deps["grid_search"].values["best_params"]
    k_best = int(best["n_neighbors"])
    search = NeighborSearch.run(ctx.X_train, ctx.X_test, max_k=max(DEFAULT_K, k_best))
    default_pred = search.predict(ctx.y_train, k=DEFAULT_K, weights="uniform")
    tuned_pred = search.predict(ctx.y_train, k=k_best, weights=str(best["weights"]))
    return CacheEntry(
        values={
            "default_accuracy": float(np.average(default_pred == ctx.y_test)),
            "tuned_accuracy": float(np.average(tuned_pred == ctx.y_test)),
            "tuned_params": {"n_neighbors": k_best, "weights": str(best["weights"])},
        },
        arrays={"default_predict": default_pred, "tuned_predict": tuned_pred},
    )
