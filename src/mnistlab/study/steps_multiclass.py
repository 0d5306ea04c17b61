"""Steps 10–14: multiclass, error analysis, multilabel, multioutput and tuning."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score

from mnistlab.study.context import StudyContext
from mnistlab.study.steps_binary import Entries, StepOutput

#: Images per cell of the error-analysis grid (a 5×5 block).
GRID_CELL_SIZE = 25


def multiclass(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 10: SVC, one-versus-rest SVC and 10-class SGD, raw and scaled."""
    values = dict(entries["svc"].values)
    sgd = entries["multiclass_sgd"].values
    values.update(
        {
            "sgd_prediction": sgd["prediction"],
            "sgd_decision_scores": sgd["decision_scores"],
            "sgd_cv_accuracies": sgd["cv_accuracies"],
            "sgd_scaled_cv_accuracies": sgd["scaled_cv_accuracies"],
        }
    )
    return values, {}


def error_analysis(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 11: confusion matrices of the scaled SGD and the class-pair image grid."""
    y, y_pred = ctx.y_train, entries["multiclass_sgd"].arrays["scaled_oof_predict"]
    labels = list(range(10))
    errors = y_pred != y
    cm = confusion_matrix(y, y_pred, labels=labels)
    cm_true = confusion_matrix(y, y_pred, labels=labels, normalize="true")
    cm_err_true = confusion_matrix(y, y_pred, labels=labels, sample_weight=errors, normalize="true")
    cm_err_pred = confusion_matrix(y, y_pred, labels=labels, sample_weight=errors, normalize="pred")
    a, b = ctx.settings.class_pair
    cells: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for true in (a, b):
        for pred in (a, b):
            # "true a, predicted b" images: the first 25 in training-set order.
            rows = np.flatnonzero((y == true) & (y_pred == pred))
            key = f"pair_{true}_{pred}"
            cells[key] = rows[:GRID_CELL_SIZE]
            counts[key] = len(rows)
    return {
        "confusion_matrix": cm.tolist(),
        "normalized_by_true": cm_true.tolist(),
        "errors_normalized_by_true": cm_err_true.tolist(),
        "errors_normalized_by_pred": cm_err_pred.tolist(),
        "accuracy": float(np.average(~errors)),
        "class_pair": [a, b],
        "pair_counts": counts,
    }, {"y_pred": y_pred, **cells}


def multilabel(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 12: two labels per image; F1 of the 3-fold predictions, macro and weighted."""
    entry = entries["multilabel"]
    y, y_pred = entry.arrays["y_multilabel"], entry.arrays["oof_predict"]
    return {
        "labels": ["large (digit >= 7)", "odd"],
        "prediction": entry.values["prediction"],
        "f1_macro": float(f1_score(y, y_pred, average="macro")),
        "f1_weighted": float(f1_score(y, y_pred, average="weighted")),
    }, {}


def denoising(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 13: a noisy test image, its clean original and the KNN's cleaned version."""
    arrays = entries["denoising"].arrays
    cleaned, clean = arrays["cleaned"], arrays["clean"]
    return {
        "index": entries["denoising"].values["index"],
        "label": int(ctx.y_test[entries["denoising"].values["index"]]),
        "mean_abs_error_noisy": float(np.mean(np.abs(arrays["noisy"] - clean))),
        "mean_abs_error_cleaned": float(np.mean(np.abs(cleaned - clean))),
    }, dict(arrays)


def tuning(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 14: default KNN test accuracy, the grid search, the tuned KNN's test accuracy."""
    grid = entries["grid_search"].values
    test = entries["knn_test"].values
    return {
        "default_test_accuracy": test["default_accuracy"],
        "grid_train_size": grid["train_size"],
        "candidates": grid["candidates"],
        "mean_test_scores": grid["mean_test_scores"],
        "split_scores": grid["split_scores"],
        "best_params": grid["best_params"],
        "best_score": grid["best_score"],
        "tuned_test_accuracy": test["tuned_accuracy"],
    }, {}
