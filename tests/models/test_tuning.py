"""``tune_model``: cross-validated searches on real MNIST, on one machine and on Dask.

The main promise of running searches on Dask is checked here: the same
search gives the same result (every fold's score, the best settings) with
``scheduler="local"`` and without it. A worker killed in the middle:
``tests/reliability/test_dask_worker_kill.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, UnknownModelError
from mnistlab.models.grid import parse_grid
from mnistlab.models.transforms import Deskew, PixelScaler
from mnistlab.models.tuning import TuneResult, stratified_subset, tune_model

GRID = {"n_neighbors": [3, 4], "weights": ["uniform", "distance"]}
N_SUBSET = 3000


def same_search(a: TuneResult, b: TuneResult) -> bool:
    """Identical scores, order and best settings (not the time or the place)."""
    return (a.rows, a.best_settings, a.grid, a.data_checksum, a.n_images) == (
        b.rows,
        b.best_settings,
        b.grid,
        b.data_checksum,
        b.n_images,
    )


@pytest.fixture(scope="module")
def in_process(mnist: Dataset) -> TuneResult:
    """The reference: the search in this process, one fit after another."""
    return tune_model("knn-tuned", mnist, grid=GRID, n_subset=N_SUBSET, folds=3, n_workers=1)


def test_the_search_scores_what_scikit_learn_scores(mnist: Dataset, in_process: TuneResult) -> None:
    assert in_process.where == "this machine: 1 process (joblib)"
    assert in_process.model == "knn-tuned" and in_process.n_images == N_SUBSET
    assert in_process.data_checksum == mnist.checksum
    assert len(in_process.rows) == 4 and all(len(r.scores) == 3 for r in in_process.rows)
    means = [row.mean for row in in_process.rows]
    assert means == sorted(means, reverse=True)
    best = in_process.best
    assert in_process.best_settings == {
        "kind": "knn", "shift": 0, "deskew": False, **best.settings
    }  # fmt: skip
    # Every row is plain scikit-learn's cross-validation of the chapter's model
    # on the stratified subset of the training images.
    rows = stratified_subset(mnist.y_train, N_SUBSET, 42)
    X, y = mnist.X_train[rows].astype(np.float64), mnist.y_train[rows]
    for row in in_process.rows:
        with threadpool_limits(limits=1):  # as the search fits (see tuning's docstring)
            expected = cross_val_score(
                KNeighborsClassifier(**row.settings), X, y, cv=StratifiedKFold(3)
            )
        assert row.scores == tuple(expected)
        assert row.mean == pytest.approx(expected.mean(), abs=1e-15)


@pytest.mark.slow
def test_the_same_result_with_a_local_dask_cluster(mnist: Dataset, in_process: TuneResult) -> None:
    on_dask = tune_model(
        "knn-tuned", mnist, grid=GRID, n_subset=N_SUBSET, folds=3, scheduler="local", n_workers=2
    )
    assert on_dask.where == "Dask LocalCluster on this machine: 2 workers, 2 threads"
    assert same_search(on_dask, in_process)


@pytest.mark.slow
def test_an_svc_search_over_features_and_c(mnist: Dataset) -> None:
    grid = {"features": ["pixels", "hog"], "C": ["1", "5"], "n_components": [20]}
    seen: list[tuple[str, float]] = []
    result = tune_model(
        "svc-rbf",
        mnist,
        grid=grid,
        n_subset=900,
        n_workers=1,
        progress=lambda task, done, total: seen.append((task, done)),
    )
    assert {tuple(r.settings.values()) for r in result.rows} == {
        ("pixels", 1.0, 20), ("pixels", 5.0, 20), ("hog", 1.0, 20), ("hog", 5.0, 20)
    }  # fmt: skip
    assert seen[-1] == ("cross-validate", 12) and any("features" in t for t, _ in seen)
    assert result.best_settings["calibration_folds"] == 3 and result.best.mean > 0.8
    # The pixels rows are scikit-learn's own pipeline, scored by its cross-validation.
    rows = stratified_subset(mnist.y_train, 900, 42)
    pixels = next(r for r in result.rows if r.settings == {"features": "pixels", "C": 5.0,
                                                            "n_components": 20})  # fmt: skip
    plain = make_pipeline(
        Deskew(),
        PixelScaler(1 / 255),
        PCA(20, svd_solver="covariance_eigh"),
        SVC(C=5.0, gamma=0.12, cache_size=500),
    )
    with threadpool_limits(limits=1):
        expected = cross_val_score(plain, mnist.X_train[rows], mnist.y_train[rows], cv=3)
    assert pixels.scores == tuple(expected)


@pytest.mark.parametrize(
    ("name", "grid", "match"),
    [
        ("knn-tuned", {}, "the grid is empty"),
        ("knn-tuned", {"n_neighbours": [3]}, r"'n_neighbours' is not a setting .*n_neighbors"),
        ("knn-tuned", {"C": [1]}, "use: n_neighbors, weights, shift, deskew"),
        ("knn-tuned", {"n_neighbors": "three"}, r"'three' is not a whole number ≥ 1"),
        ("knn-tuned", {"n_neighbors": [3.5]}, "not a whole number"),
        ("knn-tuned", {"n_neighbors": [True]}, "not a whole number"),
        ("knn-tuned", {"n_neighbors": "0"}, "not a whole number ≥ 1"),
        ("knn-tuned", {"weights": "closest"}, "uniform or distance"),
        ("knn-shift", {"shift": "9"}, "0–3"),
        ("knn-deskew", {"deskew": "maybe"}, "true or false"),
        ("knn-tuned", {"n_neighbors": ","}, "'' is not a whole number"),
        ("knn-tuned", {"n_neighbors": []}, "no values"),
        ("svc-rbf", {"C": "-1"}, r"'-1' is not a number > 0"),
        ("svc-rbf", {"C": "nan"}, "not a number > 0"),
        ("svc-rbf", {"gamma": "big"}, "scale or auto"),
        ("svc-rbf", {"features": "sift"}, "hog or pixels"),
        ("cnn", {"epochs": [3]}, "tune one of: knn-tuned, knn-shift, knn-deskew, svc-rbf"),
        ("ensemble", {"epochs": [3]}, "cannot be tuned"),
    ],
)
def test_bad_grids_are_refused(name: str, grid: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_grid(name, grid)


def test_grid_values_read_from_text_or_typed() -> None:
    assert parse_grid("svc-rbf", {"C": "1,5,1", "gamma": ["scale", 0.12], "deskew": "no"}) == {
        "C": (1.0, 5.0), "gamma": ("scale", 0.12), "deskew": (False,)
    }  # fmt: skip
    assert parse_grid("knn-tuned", {"n_neighbors": [np.int64(3), 4.0]}) == {"n_neighbors": (3, 4)}


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"folds": 1}, "folds must be at least 2"),
        ({"n_subset": 0}, "n_subset must be ≥ 1"),
        ({"n_subset": 20}, "fewer than the 3 folds"),
        ({"n_subset": 60, "grid": {"n_neighbors": [41]}}, "n_neighbors=41 is more than the 40"),
        ({"scheduler": "udp://x"}, "--scheduler 'udp://x' is not understood"),
        ({"scheduler": "tcp://127.0.0.1:9", "n_workers": 2}, "only for this machine"),
        ({"n_workers": 0}, "give 1 or more"),
    ],
)
def test_bad_options_are_refused(mnist: Dataset, options: dict[str, Any], match: str) -> None:
    arguments: dict[str, Any] = {"grid": {"n_neighbors": [3]}, "n_workers": 1, **options}
    with pytest.raises(ConfigError, match=match):
        tune_model("knn-tuned", mnist, **arguments)


def test_an_unknown_model_is_named() -> None:
    with pytest.raises(UnknownModelError, match="no model called 'knn'"):
        parse_grid("knn", {"n_neighbors": [3]})
