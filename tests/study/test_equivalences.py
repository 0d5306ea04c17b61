"""The shortcuts the study relies on, each checked against the chapter's way."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import KFold, ParameterGrid, check_cv
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from mnistlab.study.compute_neighbors import PARAM_GRID, noisy_images
from mnistlab.study.context import StudyContext
from mnistlab.study.settings import StudySettings


def test_local_random_state_draws_the_global_seed_stream(small) -> None:
    ctx = StudyContext(small, StudySettings())
    before = np.random.get_state()
    X_train_mod, X_test_mod = noisy_images(ctx)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1])  # untouched
    try:
        np.random.seed(42)
        expect_train = small.X_train.astype(np.float64) + np.random.randint(
            0, 100, (len(small.X_train), 784)
        )
        expect_test = small.X_test.astype(np.float64) + np.random.randint(
            0, 100, (len(small.X_test), 784)
        )
    finally:
        np.random.set_state(before)
    assert np.array_equal(X_train_mod, expect_train)
    assert np.array_equal(X_test_mod, expect_test)


def test_multilabel_cross_val_predict_splits_with_kfold() -> None:
    y = np.c_[np.arange(30) >= 15, np.arange(30) % 2 == 1]
    assert isinstance(check_cv(3, y, classifier=True), KFold)


def test_param_grid_order() -> None:
    assert [(p["n_neighbors"], p["weights"]) for p in ParameterGrid(PARAM_GRID)] == [
        (3, "uniform"),
        (3, "distance"),
        (4, "uniform"),
        (4, "distance"),
        (5, "uniform"),
        (5, "distance"),
        (6, "uniform"),
        (6, "distance"),
    ]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_string_labels_give_the_same_numbers(study_data) -> None:
    # The chapter's labels are the strings '0'..'9'; the study uses integers.
    X = study_data.X_train[:1000].astype(np.float64)
    y_int = study_data.y_train[:1000].astype(np.int64)
    y_str = y_int.astype(str)
    Xq = study_data.X_test[:200].astype(np.float64)
    for make in (
        lambda: SGDClassifier(random_state=42, max_iter=50),
        lambda: SVC(random_state=42),
        lambda: KNeighborsClassifier(),
        lambda: KNeighborsClassifier(n_neighbors=4, weights="distance"),
        lambda: RandomForestClassifier(n_estimators=10, random_state=42),
    ):
        a, b = make().fit(X, y_int), make().fit(X, y_str)
        assert np.array_equal(a.predict(Xq).astype(str), b.predict(Xq))
        if hasattr(a, "decision_function"):
            assert np.array_equal(a.decision_function(Xq), b.decision_function(Xq))
    y5_int, y5_str = y_int == 5, y_str == "5"
    assert np.array_equal(y5_int, y5_str)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pixels_as_uint8_or_float64_give_the_same_models(study_data) -> None:
    X8 = study_data.X_train[:1000]
    X64 = X8.astype(np.float64)
    y = study_data.y_train[:1000]
    for make in (
        lambda: SGDClassifier(random_state=42, max_iter=50),
        lambda: RandomForestClassifier(n_estimators=10, random_state=42),
    ):
        a, b = make().fit(X8, y), make().fit(X64, y)
        assert np.array_equal(a.predict(X64[:200]), b.predict(X64[:200]))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_n_jobs_does_not_change_sgd_or_forest(study_data) -> None:
    X = study_data.X_train[:1000].astype(np.float64)
    y = study_data.y_train[:1000]
    a = SGDClassifier(random_state=42, max_iter=50, n_jobs=1).fit(X, y)
    b = SGDClassifier(random_state=42, max_iter=50, n_jobs=2).fit(X, y)
    assert np.array_equal(a.coef_, b.coef_)
    f1 = RandomForestClassifier(n_estimators=10, random_state=42, n_jobs=1).fit(X, y == 5)
    f2 = RandomForestClassifier(n_estimators=10, random_state=42, n_jobs=2).fit(X, y == 5)
    assert np.array_equal(f1.predict_proba(X), f2.predict_proba(X))


def test_one_fit_per_fold_equals_cross_val_predict_and_score(study_data) -> None:
    from sklearn.model_selection import cross_val_predict, cross_val_score

    from mnistlab.study.folds import FitJob, collect_folds, run_fits, split_folds

    X = study_data.X_train[:600].astype(np.float64)
    y5 = study_data.y_train[:600] == 5
    rf = RandomForestClassifier(n_estimators=10, random_state=42)
    splits = split_folds(X, y5, cv=3)
    jobs = [FitJob(rf, X, y5, train, test, ("predict", "predict_proba")) for train, test in splits]
    out = collect_folds(splits, run_fits(jobs, n_jobs=2), len(y5))
    assert np.array_equal(
        out.out_of_fold["predict_proba"], cross_val_predict(rf, X, y5, cv=3, method="predict_proba")
    )
    assert np.array_equal(out.out_of_fold["predict"], cross_val_predict(rf, X, y5, cv=3))
    assert out.accuracies.tolist() == cross_val_score(rf, X, y5, cv=3).tolist()
    with pytest.raises(ValueError, match="Unknown fold methods"):
        run_fits([FitJob(rf, X, y5, *splits[0], ("score",))])
