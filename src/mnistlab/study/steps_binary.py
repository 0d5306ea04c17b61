"""Steps 1–9: the data, the detector of the positive class, its evaluation and the random forest.

Each step function turns the cached computations it needs into the step's
values and arrays; everything here is cheap, so warm runs are fast. Every
number is declared as the kind it is (:mod:`mnistlab.study.quantities`).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from mnistlab.study.context import SOME_DIGIT_INDEX, StudyContext
from mnistlab.study.quantities import ClassLabel, Integer, Number, Probability, each
from mnistlab.study.results import Entries, StepOutput
from mnistlab.study.threshold import threshold_for_precision

#: The second decision threshold the chapter tries on ``some_digit``.
RAISED_THRESHOLD = 3000.0
#: The probability threshold of the forest's F1, precision and recall.
FOREST_THRESHOLD = 0.5


def look(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 1: shapes and the first labels (figures draw the images from the data)."""
    data = ctx.data
    return {
        "n_train": Integer(len(data.X_train)),
        "n_test": Integer(len(data.X_test)),
        "n_pixels": Integer(data.X_train.shape[1]),
        "pixel_min": Integer(data.X_train.min()),
        "pixel_max": Integer(data.X_train.max()),
        "some_digit_index": Integer(SOME_DIGIT_INDEX),
        "some_digit_label": ClassLabel(data.y_train[SOME_DIGIT_INDEX]),
        "some_digit_name": data.class_names[int(data.y_train[SOME_DIGIT_INDEX])],
        "first_100_labels": each(ClassLabel, data.y_train[:100].tolist()),
        "train_class_counts": each(
            Integer, np.bincount(ctx.y_train, minlength=ctx.n_classes).tolist()
        ),
    }, {}


def binary(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 2: the SGD detector's answer for ``some_digit`` (the chapter's 5-detector)."""
    sgd = entries["binary_sgd"].values
    return {
        "positive_class": ClassLabel(ctx.positive_class),
        "n_positive_train": Integer(ctx.y_train_positive.sum()),
        "n_positive_test": Integer(ctx.y_test_positive.sum()),
        "prediction": sgd["prediction"],
    }, {}


def cross_validation(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 3: 3-fold accuracies, by ``cross_val_score`` and by hand."""
    sgd = entries["binary_sgd"].values
    return {
        "cv_accuracies": each(Number, sgd["cv_accuracies"]),
        "manual_accuracies": each(Number, sgd["manual_accuracies"]),
        "mean_accuracy": Number(np.mean(sgd["cv_accuracies"])),
        "agree": sgd["cv_accuracies"] == sgd["manual_accuracies"],
    }, {}


def confusion(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 4: confusion matrix of the out-of-fold predictions."""
    y_pred = entries["binary_sgd"].arrays["oof_predict"]
    cm = confusion_matrix(ctx.y_train_positive, y_pred)
    return {"confusion_matrix": each(Integer, cm.tolist())}, {}


def precision_recall(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 5: precision, recall and F1 of the out-of-fold predictions."""
    y, y_pred = ctx.y_train_positive, entries["binary_sgd"].arrays["oof_predict"]
    return {
        "precision": Number(precision_score(y, y_pred)),
        "recall": Number(recall_score(y, y_pred)),
        "f1": Number(f1_score(y, y_pred)),
    }, {}


def decision_threshold(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 6: the decision score of ``some_digit`` at thresholds 0 and 3,000."""
    score = entries["binary_sgd"].values["decision_score"]
    return {
        "decision_score": Number(score),
        "prediction_at_0": bool(score > 0),
        "raised_threshold": Number(RAISED_THRESHOLD),
        "prediction_at_raised": bool(score > RAISED_THRESHOLD),
    }, {}


def tradeoff(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 7: precision and recall for every threshold; the target-precision threshold."""
    y, scores = ctx.y_train_positive, entries["binary_sgd"].arrays["oof_scores"]
    precisions, recalls, thresholds = precision_recall_curve(y, scores)
    target = ctx.settings.target_precision
    threshold = threshold_for_precision(y, scores, target_precision=target)
    y_pred = scores >= threshold
    return {
        "target_precision": Number(target),
        "threshold": Number(threshold),
        "precision": Number(precision_score(y, y_pred)),
        "recall": Number(recall_score(y, y_pred)),
        "n_thresholds": Integer(len(thresholds)),
    }, {"precisions": precisions, "recalls": recalls, "thresholds": thresholds}


def roc(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 8: ROC curve, the point of the target-precision threshold, ROC AUC."""
    y, scores = ctx.y_train_positive, entries["binary_sgd"].arrays["oof_scores"]
    fpr, tpr, thresholds = roc_curve(y, scores)
    threshold = threshold_for_precision(y, scores, target_precision=ctx.settings.target_precision)
    idx = int((thresholds <= threshold).argmax())
    return {
        "threshold": Number(threshold),
        "threshold_index": Integer(idx),
        "fpr_at_threshold": Number(fpr[idx]),
        "tpr_at_threshold": Number(tpr[idx]),
        "roc_auc": Number(roc_auc_score(y, scores)),
    }, {"fpr": fpr, "tpr": tpr, "thresholds": thresholds}


def forest(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 9: the random forest's probabilities, PR curve, F1 and ROC AUC, beside SGD's."""
    y = ctx.y_train_positive
    proba = entries["forest"].arrays["oof_proba"]
    scores_forest = proba[:, 1]
    precisions, recalls, thresholds = precision_recall_curve(y, scores_forest)
    y_pred = scores_forest >= FOREST_THRESHOLD
    sgd_scores = entries["binary_sgd"].arrays["oof_scores"]
    sgd_p, sgd_r, sgd_t = precision_recall_curve(y, sgd_scores)
    return {
        "first_probabilities": each(Probability, proba[:2].tolist()),
        "probability_threshold": Probability(FOREST_THRESHOLD),
        "f1": Number(f1_score(y, y_pred)),
        "precision": Number(precision_score(y, y_pred)),
        "recall": Number(recall_score(y, y_pred)),
        "roc_auc": Number(roc_auc_score(y, scores_forest)),
        "sgd_roc_auc": Number(roc_auc_score(y, sgd_scores)),
    }, {
        "precisions": precisions,
        "recalls": recalls,
        "thresholds": thresholds,
        "sgd_precisions": sgd_p,
        "sgd_recalls": sgd_r,
        "sgd_thresholds": sgd_t,
    }
