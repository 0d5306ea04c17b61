"""Steps 1–9 equal plain scikit-learn with the chapter's settings, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score

from mnistlab.study.results import StudyResults

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


@pytest.fixture(scope="module")
def sgd_ref(chapter: dict[str, np.ndarray]) -> dict[str, object]:
    X, y5 = chapter["X_train"], chapter["y_train_5"]
    sgd = SGDClassifier(random_state=42).fit(X, y5)
    return {
        "prediction": sgd.predict(chapter["some_digit"]),
        "score": sgd.decision_function(chapter["some_digit"]),
        "cv": cross_val_score(SGDClassifier(random_state=42), X, y5, cv=3, scoring="accuracy"),
        "pred": cross_val_predict(SGDClassifier(random_state=42), X, y5, cv=3),
        "scores": cross_val_predict(
            SGDClassifier(random_state=42), X, y5, cv=3, method="decision_function"
        ),
    }


def test_look(small_results: StudyResults, small) -> None:
    v = small_results.steps["look"].values
    assert v["some_digit_label"] == 5
    assert v["first_100_labels"] == small.y_train[:100].tolist()
    assert (v["n_train"], v["n_test"], v["n_pixels"]) == (2400, 500, 784)


def test_binary_prediction(small_results: StudyResults, sgd_ref) -> None:
    assert small_results.steps["binary"].values["prediction"] == bool(sgd_ref["prediction"][0])


def test_cross_validation_matches_cross_val_score_and_manual_loop(
    small_results: StudyResults, sgd_ref, chapter
) -> None:
    X, y5 = chapter["X_train"], chapter["y_train_5"]
    manual = []
    for train_index, test_index in StratifiedKFold(n_splits=3).split(X, y5):
        clone_clf = clone(SGDClassifier(random_state=42))
        clone_clf.fit(X[train_index], y5[train_index])
        y_pred = clone_clf.predict(X[test_index])
        manual.append(sum(y_pred == y5[test_index]) / len(y_pred))
    v = small_results.steps["cross_validation"].values
    assert v["cv_accuracies"] == sgd_ref["cv"].tolist()
    assert v["manual_accuracies"] == manual
    assert v["agree"] is True


def test_confusion_and_scores(small_results: StudyResults, sgd_ref, chapter) -> None:
    y5, pred = chapter["y_train_5"], sgd_ref["pred"]
    assert small_results.steps["confusion"].values["confusion_matrix"] == (
        confusion_matrix(y5, pred).tolist()
    )
    v = small_results.steps["precision_recall"].values
    assert v["precision"] == precision_score(y5, pred)
    assert v["recall"] == recall_score(y5, pred)
    assert v["f1"] == f1_score(y5, pred)


def test_decision_threshold(small_results: StudyResults, sgd_ref) -> None:
    v = small_results.steps["decision_threshold"].values
    assert v["decision_score"] == sgd_ref["score"][0]
    assert v["prediction_at_0"] == bool(sgd_ref["score"][0] > 0)
    assert v["prediction_at_raised"] == bool(sgd_ref["score"][0] > 3000)


def test_tradeoff(small_results: StudyResults, sgd_ref, chapter) -> None:
    y5, y_scores = chapter["y_train_5"], sgd_ref["scores"]
    precisions, recalls, thresholds = precision_recall_curve(y5, y_scores)
    idx_for_90_precision = (precisions >= 0.90).argmax()
    threshold_for_90_precision = thresholds[idx_for_90_precision]
    y_train_pred_90 = y_scores >= threshold_for_90_precision
    step = small_results.steps["tradeoff"]
    assert step.values["threshold"] == threshold_for_90_precision
    assert step.values["precision"] == precision_score(y5, y_train_pred_90)
    assert step.values["recall"] == recall_score(y5, y_train_pred_90)
    assert np.array_equal(step.arrays["precisions"], precisions)
    assert np.array_equal(step.arrays["recalls"], recalls)
    assert np.array_equal(step.arrays["thresholds"], thresholds)


def test_roc(small_results: StudyResults, sgd_ref, chapter) -> None:
    y5, y_scores = chapter["y_train_5"], sgd_ref["scores"]
    precisions, _, pr_thresholds = precision_recall_curve(y5, y_scores)
    threshold = pr_thresholds[(precisions >= 0.90).argmax()]
    fpr, tpr, thresholds = roc_curve(y5, y_scores)
    idx = (thresholds <= threshold).argmax()
    step = small_results.steps["roc"]
    assert (step.values["tpr_at_threshold"], step.values["fpr_at_threshold"]) == (
        tpr[idx],
        fpr[idx],
    )
    assert step.values["roc_auc"] == roc_auc_score(y5, y_scores)
    assert np.array_equal(step.arrays["fpr"], fpr) and np.array_equal(step.arrays["tpr"], tpr)


def test_forest(small_results: StudyResults, chapter) -> None:
    X, y5 = chapter["X_train"], chapter["y_train_5"]
    y_probas_forest = cross_val_predict(
        RandomForestClassifier(random_state=42), X, y5, cv=3, method="predict_proba"
    )
    y_scores_forest = y_probas_forest[:, 1]
    precisions_forest, recalls_forest, _ = precision_recall_curve(y5, y_scores_forest)
    y_train_pred_forest = y_probas_forest[:, 1] >= 0.5
    step = small_results.steps["forest"]
    assert step.values["first_probabilities"] == y_probas_forest[:2].tolist()
    assert step.values["f1"] == f1_score(y5, y_train_pred_forest)
    assert step.values["precision"] == precision_score(y5, y_train_pred_forest)
    assert step.values["recall"] == recall_score(y5, y_train_pred_forest)
    assert step.values["roc_auc"] == roc_auc_score(y5, y_scores_forest)
    assert np.array_equal(step.arrays["precisions"], precisions_forest)
    assert np.array_equal(step.arrays["recalls"], recalls_forest)
