"""Steps 1–9: the data, the 5-detector, its evaluation and the random forest.

Each step function turns the cached computations it needs into the step's
values and arrays; everything here is cheap, so warm runs are fast.
"""

from __future__ import annotations

from typing import Any

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

from mnistlab.study.cache import CacheEntry
from mnistlab.study.context import SOME_DIGIT_INDEX, StudyContext
from mnistlab.study.threshold import threshold_for_precision

StepOutput = tuple[dict[str, Any], dict[str, np.ndarray]]
Entries = dict[str, CacheEntry]

#: The second decision threshold the chapter tries on ``some_digit``.
RAISED_THRESHOLD = 3000.0
#: The probability threshold of the forest's F1, precision and recall.
FOREST_THRESHOLD = 0.5


def look(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 1: shapes and the first labels (figures draw the images from the data)."""
    data = ctx.data
    return {
        "n_train": len(data.X_train),
        "n_test": len(data.X_test),
        "n_pixels": int(data.X_train.shape[1]),
        "pixel_min": int(data.X_train.min()),
        "pixel_max": int(data.X_train.max()),
        "some_digit_index": SOME_DIGIT_INDEX,
        "some_digit_label": int(data.y_train[SOME_DIGIT_INDEX]),
        "some_digit_name": data.class_names[int(data.y_train[SOME_DIGIT_INDEX])],
        "first_100_labels": [int(v) for v in data.y_train[:100]],
        "train_class_counts": np.bincount(ctx.y_train, minlength=10).tolist(),
    }, {}


def binary(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 2: the SGD 5-detector's answer for ``some_digit``."""
    sgd = entries["binary_sgd"].values
    return {
        "positive_class": ctx.settings.positive_class,
        "n_positive_train": int(ctx.y_train_positive.sum()),
        "n_positive_test": int(ctx.y_test_positive.sum()),
        "prediction": sgd["prediction"],
    }, {}


def cross_validation(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 3: 3-fold accuracies, by ``cross_val_score`` and by hand."""
    sgd = entries["binary_sgd"].values
    return {
        "cv_accuracies": sgd["cv_accuracies"],
        "manual_accuracies": sgd["manual_accuracies"],
        "mean_accuracy": float(np.mean(sgd["cv_accuracies"])),
        "agree": sgd["cv_accuracies"] == sgd["manual_accuracies"],
    }, {}


def confusion(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 4: confusion matrix of the out-of-fold predictions."""
    y_pred = entries["binary_sgd"].arrays["oof_predict"]
    cm = confusion_matrix(ctx.y_train_positive, y_pred)
    return {"confusion_matrix": cm.tolist()}, {}


def precision_recall(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 5: precision, recall and F1 of the out-of-fold predictions."""
    y, y_pred = ctx.y_train_positive, entries["binary_sgd"].arrays["oof_predict"]
    return {
        "precision": float(precision_score(y, y_pred)),
        "recall": float(recall_score(y, y_pred)),
        "f1": float(f1_score(y, y_pred)),
    }, {}


def decision_threshold(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 6: the decision score of ``some_digit`` at thresholds 0 and 3,000."""
    score = entries["binary_sgd"].values["decision_score"]
    return {
        "decision_score": score,
        "prediction_at_0": bool(score > 0),
        "raised_threshold": RAISED_THRESHOLD,
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
        "target_precision": target,
        "threshold": threshold,
        "precision": float(precision_score(y, y_pred)),
        "recall": float(recall_score(y, y_pred)),
        "n_thresholds": len(thresholds),
    }, {"precisions": precisions, "recalls": recalls, "thresholds": thresholds}


def roc(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 8: ROC curve, the point of the target-precision threshold, ROC AUC."""
    y, scores = ctx.y_train_positive, entries["binary_sgd"].arrays["oof_scores"]
    fpr, tpr, thresholds = roc_curve(y, scores)
    threshold = threshold_for_precision(y, scores, target_precision=ctx.settings.target_precision)
    idx = int((thresholds <= threshold).argmax())
    return {
        "threshold": threshold,
        "threshold_index": idx,
        "fpr_at_threshold": float(fpr[idx]),
        "tpr_at_threshold": float(tpr[idx]),
        "roc_auc": float(roc_auc_score(y, scores)),
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
        "first_probabilities": proba[:2].tolist(),
        "probability_threshold": FOREST_THRESHOLD,
        "f1": float(f1_score(y, y_pred)),
        "precision": float(precision_score(y, y_pred)),
        "recall": float(recall_score(y, y_pred)),
        "roc_auc": float(roc_auc_score(y, scores_forest)),
        "sgd_roc_auc": float(roc_auc_score(y, sgd_scores)),
    }, {
        "precisions": precisions,
        "recalls": recalls,
        "thresholds": thresholds,
        "sgd_precisions": sgd_p,
        "sgd_recalls": sgd_r,
        "sgd_thresholds": sgd_t,
    }
