"""A subset study equals plain scikit-learn on the same stratified images, with scaled sizes.

The quick study (10,000/2,000) and this smaller one take the same path,
``run_study(data, n_train=..., n_test=...)``: the stratified draw, then every
step with the SVCs' and the grid search's images scaled to the subset
(100 and 500 here). The reference draws the subset itself with
``train_test_split(..., stratify=y, random_state=42)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import (
    GridSearchCV,
    cross_val_predict,
    cross_val_score,
    train_test_split,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from mnistlab.study import StudyData, StudySettings, run_study
from mnistlab.study.results import StudyResults

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

N_TRAIN, N_TEST = 3_000, 500
SVC_SIZE, GRID_SIZE = 100, 500  # round(2,000 × 3,000 / 60,000), round(10,000 × 3,000 / 60,000)
STEPS = ["binary", "cross_validation", "confusion", "multiclass", "tuning"]


@pytest.fixture(scope="module")
def subset_results(study_data: StudyData, tmp_path_factory: pytest.TempPathFactory) -> StudyResults:
    cache = tmp_path_factory.mktemp("subset-cache")
    return run_study(
        study_data,
        StudySettings(n_jobs=2),
        steps=STEPS,
        cache_dir=cache,
        n_train=N_TRAIN,
        n_test=N_TEST,
    )


@pytest.fixture(scope="module")
def plain(study_data: StudyData) -> dict[str, np.ndarray]:
    """The subset drawn by plain scikit-learn, as the chapter holds its data."""
    drawn = {}
    for split, n in (("train", N_TRAIN), ("test", N_TEST)):
        y = study_data.y_train if split == "train" else study_data.y_test
        X = study_data.X_train if split == "train" else study_data.X_test
        rows, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=42)
        rows = np.sort(rows)
        drawn[f"X_{split}"] = X[rows].astype(np.float64)
        drawn[f"y_{split}"] = y[rows].astype(np.int64)
    return drawn


def test_scaled_sizes_are_reported(subset_results: StudyResults) -> None:
    assert subset_results.subset is not None
    assert subset_results.subset["svc_train_size"] == SVC_SIZE
    assert subset_results.subset["grid_train_size"] == GRID_SIZE
    assert subset_results.steps["multiclass"].values["train_size"] == SVC_SIZE
    assert subset_results.steps["tuning"].values["grid_train_size"] == GRID_SIZE


def test_binary_sgd_and_cross_validation(subset_results: StudyResults, plain) -> None:
    X, y5 = plain["X_train"], plain["y_train"] == 5
    sgd = SGDClassifier(random_state=42).fit(X, y5)
    assert subset_results.steps["binary"].values["prediction"] == bool(sgd.predict(X[:1])[0])
    cv = cross_val_score(SGDClassifier(random_state=42), X, y5, cv=3, scoring="accuracy")
    assert subset_results.steps["cross_validation"].values["cv_accuracies"] == cv.tolist()
    pred = cross_val_predict(SGDClassifier(random_state=42), X, y5, cv=3)
    assert subset_results.steps["confusion"].values["confusion_matrix"] == (
        confusion_matrix(y5, pred).tolist()
    )


def test_svc_on_the_scaled_size(subset_results: StudyResults, plain) -> None:
    X, y = plain["X_train"][:SVC_SIZE], plain["y_train"][:SVC_SIZE]
    svm = SVC(random_state=42).fit(X, y)
    some_digit = plain["X_train"][:1]
    v = subset_results.steps["multiclass"].values
    assert v["svc_decision_scores"] == svm.decision_function(some_digit)[0].tolist()
    assert v["svc_prediction"] == svm.predict(some_digit)[0]
    assert v["svc_classes"] == svm.classes_.tolist()
    ovr = OneVsRestClassifier(SVC(random_state=42)).fit(X, y)
    assert v["ovr_prediction"] == ovr.predict(some_digit)[0]


def test_grid_search_on_the_scaled_size(subset_results: StudyResults, plain) -> None:
    grid = GridSearchCV(
        KNeighborsClassifier(),
        {"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5, 6]},
        cv=5,
    ).fit(plain["X_train"][:GRID_SIZE], plain["y_train"][:GRID_SIZE])
    v = subset_results.steps["tuning"].values
    assert v["best_params"] == grid.best_params_
    assert v["best_score"] == grid.best_score_
    tuned = KNeighborsClassifier(**grid.best_params_).fit(plain["X_train"], plain["y_train"])
    assert v["tuned_test_accuracy"] == tuned.score(plain["X_test"], plain["y_test"])
