"""Steps 10–14 equal plain scikit-learn with the chapter's settings, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import GridSearchCV, cross_val_predict, cross_val_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from mnistlab.study.results import StudyResults

pytestmark = pytest.mark.slow


def test_svc_and_ovr(small_results: StudyResults, chapter) -> None:
    X, y, some_digit = chapter["X_train"][:2000], chapter["y_train"][:2000], chapter["some_digit"]
    svm_clf = SVC(random_state=42).fit(X, y)
    some_digit_scores = svm_clf.decision_function(some_digit)
    ovr_clf = OneVsRestClassifier(SVC(random_state=42)).fit(X, y)
    v = small_results.steps["multiclass"].values
    assert v["svc_prediction"] == svm_clf.predict(some_digit)[0]
    assert v["svc_decision_scores"] == some_digit_scores[0].tolist()
    assert v["svc_argmax"] == some_digit_scores.argmax()
    assert v["svc_classes"] == svm_clf.classes_.tolist()
    assert v["svc_decision_shape"] == "ovr" and len(v["svc_decision_scores"]) == 10
    assert v["ovr_prediction"] == ovr_clf.predict(some_digit)[0]
    assert v["ovr_n_estimators"] == len(ovr_clf.estimators_) == 10


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multiclass_sgd_and_error_analysis(small_results: StudyResults, chapter) -> None:
    X, y, some_digit = chapter["X_train"], chapter["y_train"], chapter["some_digit"]
    sgd_clf = SGDClassifier(random_state=42).fit(X, y)
    v = small_results.steps["multiclass"].values
    assert v["sgd_prediction"] == sgd_clf.predict(some_digit)[0]
    assert v["sgd_decision_scores"] == sgd_clf.decision_function(some_digit)[0].tolist()
    raw = cross_val_score(SGDClassifier(random_state=42), X, y, cv=3, scoring="accuracy", n_jobs=2)
    assert v["sgd_cv_accuracies"] == raw.tolist()
    X_train_scaled = StandardScaler().fit_transform(X.astype("float64"))
    scaled = cross_val_score(
        SGDClassifier(random_state=42), X_train_scaled, y, cv=3, scoring="accuracy", n_jobs=2
    )
    assert v["sgd_scaled_cv_accuracies"] == scaled.tolist()

    y_train_pred = cross_val_predict(
        SGDClassifier(random_state=42), X_train_scaled, y, cv=3, n_jobs=2
    )
    e = small_results.steps["error_analysis"]
    sample_weight = y_train_pred != y
    assert e.values["confusion_matrix"] == confusion_matrix(y, y_train_pred).tolist()
    assert (
        e.values["normalized_by_true"]
        == confusion_matrix(y, y_train_pred, normalize="true").tolist()
    )
    for norm in ("true", "pred"):
        expected = confusion_matrix(y, y_train_pred, sample_weight=sample_weight, normalize=norm)
        assert e.values[f"errors_normalized_by_{norm}"] == expected.tolist()
    cl_a, cl_b = 3, 5
    X_ab = X[(y == cl_a) & (y_train_pred == cl_b)][:25]
    assert np.array_equal(chapter["X_train"][e.arrays["pair_3_5"]], X_ab)
    assert np.array_equal(e.arrays["y_pred"], y_train_pred)


def test_multilabel(small_results: StudyResults, chapter) -> None:
    X, y = chapter["X_train"], chapter["y_train"]
    y_train_large = y >= 7
    y_train_odd = y % 2 == 1
    y_multilabel = np.c_[y_train_large, y_train_odd]
    knn_clf = KNeighborsClassifier().fit(X, y_multilabel)
    y_train_knn_pred = cross_val_predict(KNeighborsClassifier(), X, y_multilabel, cv=3)
    v = small_results.steps["multilabel"].values
    assert v["prediction"] == knn_clf.predict(chapter["some_digit"])[0].tolist()
    assert v["f1_macro"] == f1_score(y_multilabel, y_train_knn_pred, average="macro")
    assert v["f1_weighted"] == f1_score(y_multilabel, y_train_knn_pred, average="weighted")


def test_denoising_matches_global_seed_recipe(small_results: StudyResults, chapter) -> None:
    X_train, X_test = chapter["X_train"], chapter["X_test"]
    state = np.random.get_state()
    try:
        np.random.seed(42)
        noise = np.random.randint(0, 100, (len(X_train), 784))
        X_train_mod = X_train + noise
        noise = np.random.randint(0, 100, (len(X_test), 784))
        X_test_mod = X_test + noise
    finally:
        np.random.set_state(state)
    knn_clf = KNeighborsClassifier().fit(X_train_mod, X_train)
    clean_digit = knn_clf.predict(X_test_mod[[0]])
    a = small_results.steps["denoising"].arrays
    assert np.array_equal(a["noisy"], X_test_mod[0])
    assert np.array_equal(a["clean"], X_test[0])
    assert np.array_equal(a["cleaned"], clean_digit[0])


def test_tuning(small_results: StudyResults, chapter) -> None:
    X, y, X_test, y_test = (chapter[k] for k in ("X_train", "y_train", "X_test", "y_test"))
    knn_clf = KNeighborsClassifier().fit(X, y)
    baseline_accuracy = knn_clf.score(X_test, y_test)
    param_grid = [{"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5, 6]}]
    grid_search = GridSearchCV(KNeighborsClassifier(), param_grid, cv=5)
    grid_search.fit(X[:10_000], y[:10_000])
    grid_search.best_estimator_.fit(X, y)
    tuned_accuracy = grid_search.score(X_test, y_test)
    v = small_results.steps["tuning"].values
    assert v["default_test_accuracy"] == baseline_accuracy
    assert v["best_params"] == grid_search.best_params_
    assert v["best_score"] == grid_search.best_score_
    assert v["mean_test_scores"] == grid_search.cv_results_["mean_test_score"].tolist()
    assert v["tuned_test_accuracy"] == tuned_accuracy
