"""Steps 10–14: multiclass, error analysis, multilabel, multioutput and tuning.

Every number is declared as the kind it is (:mod:`mnistlab.study.quantities`).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score

from mnistlab.study.context import StudyContext
from mnistlab.study.quantities import ClassLabel, Integer, Number, Percent, TestAccuracy, each
from mnistlab.study.results import Entries, StepOutput

#: Images per cell of the error-analysis grid (a 5×5 block).
GRID_CELL_SIZE = 25
#: The two labels of step 12 where the class labels are the digits, as the chapter names them.
DIGIT_LABELS = ("large (digit >= 7)", "odd")
#: The same two labels where the classes have names (the label is a class's number).
CLASS_LABELS = ("label >= 7", "odd label")


def multilabel_names(class_names: tuple[str, ...]) -> list[str]:
    """The names of the two labels of step 12, in the words of the data set's classes.

    Example
    -------
    >>> multilabel_names(tuple(str(d) for d in range(10)))
    ['large (digit >= 7)', 'odd']
    >>> multilabel_names(("T-shirt/top", "Trouser"))
    ['label >= 7', 'odd label']
    """
    digits = class_names == tuple(str(d) for d in range(10))
    return list(DIGIT_LABELS if digits else CLASS_LABELS)


def multiclass(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 10: SVC, one-versus-rest SVC and multiclass SGD, raw and scaled (3 classes or more)."""
    svc, sgd = entries["svc"].values, entries["multiclass_sgd"].values
    return {
        "train_size": Integer(svc["train_size"]),
        "svc_prediction": ClassLabel(svc["svc_prediction"]),
        "svc_decision_scores": each(Number, svc["svc_decision_scores"]),
        # The position of the highest score in ``classes_``, not a class label itself.
        "svc_argmax": Integer(svc["svc_argmax"]),
        "svc_classes": each(ClassLabel, svc["svc_classes"]),
        "svc_decision_shape": svc["svc_decision_shape"],
        "ovr_prediction": ClassLabel(svc["ovr_prediction"]),
        "ovr_n_estimators": Integer(svc["ovr_n_estimators"]),
        "sgd_prediction": ClassLabel(sgd["prediction"]),
        "sgd_decision_scores": each(Number, sgd["decision_scores"]),
        "sgd_cv_accuracies": each(Number, sgd["cv_accuracies"]),
        "sgd_scaled_cv_accuracies": each(Number, sgd["scaled_cv_accuracies"]),
    }, {}


def error_analysis(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 11: confusion matrices of the scaled SGD and the class-pair image grid."""
    y, y_pred = ctx.y_train, entries["multiclass_sgd"].arrays["scaled_oof_predict"]
    labels = list(range(ctx.n_classes))
    errors = y_pred != y
    cm = confusion_matrix(y, y_pred, labels=labels)
    cm_true = confusion_matrix(y, y_pred, labels=labels, normalize="true")
    cm_err_true = confusion_matrix(y, y_pred, labels=labels, sample_weight=errors, normalize="true")
    cm_err_pred = confusion_matrix(y, y_pred, labels=labels, sample_weight=errors, normalize="pred")
    a, b = ctx.class_pair
    cells: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for true in (a, b):
        for pred in (a, b):
            # "true a, predicted b" images: the first 25 in training-set order.
            rows = np.flatnonzero((y == true) & (y_pred == pred))
            key = f"pair_{true}_{pred}"
            cells[key] = rows[:GRID_CELL_SIZE]
            counts[key] = Integer(len(rows))
    return {
        "confusion_matrix": each(Integer, cm.tolist()),
        "normalized_by_true": each(Percent, cm_true.tolist()),
        "errors_normalized_by_true": each(Percent, cm_err_true.tolist()),
        "errors_normalized_by_pred": each(Percent, cm_err_pred.tolist()),
        "accuracy": Number(np.average(~errors)),
        "class_pair": each(ClassLabel, [a, b]),
        "pair_counts": counts,
    }, {"y_pred": y_pred, **cells}


def multilabel(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 12: two labels per image; F1 of the 3-fold predictions, macro and weighted."""
    entry = entries["multilabel"]
    y, y_pred = entry.arrays["y_multilabel"], entry.arrays["oof_predict"]
    return {
        "labels": multilabel_names(tuple(str(c) for c in ctx.data.class_names)),
        "prediction": entry.values["prediction"],
        "f1_macro": Number(f1_score(y, y_pred, average="macro")),
        "f1_weighted": Number(f1_score(y, y_pred, average="weighted")),
    }, {}


def denoising(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 13: a noisy test image, its clean original and the KNN's cleaned version."""
    arrays = entries["denoising"].arrays
    cleaned, clean = arrays["cleaned"], arrays["clean"]
    index = entries["denoising"].values["index"]
    return {
        "index": Integer(index),
        "label": ClassLabel(ctx.y_test[index]),
        "mean_abs_error_noisy": Number(np.mean(np.abs(arrays["noisy"] - clean))),
        "mean_abs_error_cleaned": Number(np.mean(np.abs(cleaned - clean))),
    }, dict(arrays)


def tuning(ctx: StudyContext, entries: Entries) -> StepOutput:
    """Step 14: default KNN test accuracy, the grid search, the tuned KNN's test accuracy."""
    grid = entries["grid_search"].values
    test = entries["knn_test"].values
    return {
        "default_test_accuracy": TestAccuracy(test["default_accuracy"]),
        "grid_train_size": Integer(grid["train_size"]),
        # The grid's parameters, as given to GridSearchCV.
        "candidates": grid["candidates"],
        "mean_test_scores": each(Number, grid["mean_test_scores"]),
        "split_scores": each(Number, grid["split_scores"]),
        "best_params": grid["best_params"],
        "best_score": Number(grid["best_score"]),
        "tuned_test_accuracy": TestAccuracy(test["tuned_accuracy"]),
    }, {}
