"""Table primitives of the report: readable labels, number formats, HTML tables.

Every cell is escaped. A cell shows a rounded number and the exact one on
hover; the exact values are also in ``results.json``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

# Words that a plain ``capitalize()`` would spell wrong.
_WORDS = {
    "roc": "ROC",
    "auc": "AUC",
    "f1": "F1",
    "sgd": "SGD",
    "svc": "SVC",
    "knn": "KNN",
    "cv": "CV",
    "ovr": "one-vs-rest",
    "ovo": "one-vs-one",
    "tpr": "TPR",
    "fpr": "FPR",
    "idx": "index",
    "n": "number of",
    "pred": "prediction",
    "proba": "probability",
    "probas": "probabilities",
}
# Labels for keys the study produces; anything else is spelled from its key.
LABELS = {
    "some_digit_index": "Index of the first image",
    "some_digit_label": "Label of the first image",
    "some_digit_name": "Class of the first image",
    "n_pixels": "Pixels per image",
    "pixel_min": "Smallest pixel value",
    "pixel_max": "Largest pixel value",
    "train_class_counts": "Training images per class",
    "n_train": "Training images",
    "n_test": "Test images",
    "n_positive_train": "Positive training images",
    "n_positive_test": "Positive test images",
    "prediction": "Prediction for the first image",
    "mean_accuracy": "Mean 3-fold accuracy",
    "agree": "By hand equals cross_val_score",
    "decision_score": "Decision score of the first image",
    "prediction_at_0": "Prediction at threshold 0",
    "raised_threshold": "Raised threshold",
    "prediction_at_raised": "Prediction at the raised threshold",
    "target_precision": "Target precision",
    "threshold": "Lowest threshold reaching the target precision",
    "n_thresholds": "Number of thresholds",
    "threshold_index": "Index of that threshold on the ROC curve",
    "fpr_at_threshold": "False-positive rate at that threshold",
    "tpr_at_threshold": "True-positive rate (recall) at that threshold",
    "probability_threshold": "Probability threshold",
    "roc_auc": "ROC AUC",
    "sgd_roc_auc": "SGD ROC AUC",
    "train_size": "Training images for the SVCs",
    "svc_prediction": "SVC prediction",
    "svc_argmax": "Index of the highest SVC score",
    "svc_class_of_argmax": "Class of the highest SVC score",
    "svc_classes": "SVC classes_",
    "svc_decision_shape": "SVC decision_function_shape",
    "ovr_prediction": "One-vs-rest prediction",
    "ovr_n_estimators": "One-vs-rest: number of estimators",
    "sgd_prediction": "SGD prediction",
    "normalized_by_true": "Normalised by true class (rows)",
    "errors_normalized_by_true": "Errors only, normalised by row (true class)",
    "errors_normalized_by_pred": "Errors only, normalised by column (predicted class)",
    "accuracy": "Out-of-fold accuracy",
    "f1_macro": "F1 (macro average)",
    "f1_weighted": "F1 (weighted average)",
    "index": "Test image shown",
    "label": "Its label",
    "mean_abs_error_noisy": "Mean absolute pixel error, noisy",
    "mean_abs_error_cleaned": "Mean absolute pixel error, cleaned",
    "default_test_accuracy": "Test accuracy, default KNN",
    "grid_train_size": "Training images for the grid search",
    "best_params": "Best parameters",
    "best_score": "Best 5-fold CV accuracy",
    "tuned_test_accuracy": "Test accuracy, tuned KNN refitted on all training images",
}
# Labels that differ by step: in step 9 the bare metrics are the forest's.
STEP_LABELS = {
    "forest": {
        "f1": "Forest F1",
        "precision": "Forest precision",
        "recall": "Forest recall",
        "roc_auc": "Forest ROC AUC",
    },
    "tradeoff": {"precision": "Precision at that threshold", "recall": "Recall at that threshold"},
    "confusion": {"confusion_matrix": "Confusion matrix (out-of-fold)"},
    "error_analysis": {"confusion_matrix": "Confusion matrix (counts)"},
}


def label_for(key: str, step: str = "") -> str:
    """Return a readable label for a value's key.

    Example
    -------
    >>> label_for("sgd_roc_auc"), label_for("knn_f1_mean")
    ('SGD ROC AUC', 'KNN F1 mean')
    """
    if key in STEP_LABELS.get(step, {}):
        return STEP_LABELS[step][key]
    if key in LABELS:
        return LABELS[key]
    words = [_WORDS.get(w, w) for w in key.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else key


def format_number(value: Any, *, percent: bool = False) -> str:
    """Format one value for a table cell (rounded; the exact value is in the JSON).

    Example
    -------
    >>> format_number(0.956543), format_number(2164.2201), format_number(0.5, percent=True)
    ('0.9565', '2,164.22', '50.0%')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if percent:
            return f"{value:.1%}"
        if value == 0:
            return "0"
        if abs(value) >= 1e7 or abs(value) < 1e-3:
            return f"{value:.4g}"
        if abs(value) >= 100:
            return f"{value:,.2f}"
        return f"{value:.4f}"
    return str(value)


def _cell(value: Any, *, percent: bool = False, tag: str = "td") -> str:
    text = html.escape(format_number(value, percent=percent))
    exact = ""
    if isinstance(value, float) and not isinstance(value, bool):
        exact = f' title="{html.escape(repr(value))}"'
    cls = ' class="num"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
    return f"<{tag}{cls}{exact}>{text}</{tag}>"


def _header(text: str) -> str:
    return f'<th scope="col">{html.escape(text)}</th>'


def scalar_table(rows: Sequence[tuple[str, str, Any]]) -> str:
    """Render ``(label, text, exact)`` rows as a two-column key/value table.

    ``exact`` is shown on hover when it is a float.

    Example
    -------
    >>> "ROC AUC" in scalar_table([("ROC AUC", "0.9605", 0.96048)])
    True
    """
    if not rows:
        return ""
    body = []
    for label, text, exact in rows:
        title = f' title="{html.escape(repr(exact))}"' if isinstance(exact, float) else ""
        body.append(
            f'<tr><th scope="row">{html.escape(label)}</th>'
            f'<td class="num"{title}>{html.escape(text)}</td></tr>'
        )
    return '<table class="kv">\n' + "\n".join(body) + "\n</table>"


def matrix_table(
    matrix: Sequence[Sequence[Any]],
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    caption: str,
    percent: bool = False,
    corner: str = "true \\ predicted",
    diagonal: bool = True,
    highlight_row: int | None = None,
) -> str:
    """Render a matrix with labelled rows and columns.

    The diagonal of a square matrix (the right answers of a confusion matrix)
    is highlighted unless ``diagonal`` is false; so is ``highlight_row``.

    Example
    -------
    >>> "<caption>CM</caption>" in matrix_table([[1, 2], [3, 4]], row_labels=["a", "b"],
    ...                                        col_labels=["a", "b"], caption="CM")
    True
    """
    head = f'<th scope="col" class="corner">{html.escape(corner)}</th>' + "".join(
        _header(c) for c in col_labels
    )
    square = diagonal and len(row_labels) == len(col_labels)
    rows = []
    for i, (label, row) in enumerate(zip(row_labels, matrix, strict=False)):
        cells = []
        for j, value in enumerate(row):
            cell = _cell(value, percent=percent)
            if (square and i == j) or i == highlight_row:
                cell = cell.replace("<td", '<td data-diag="1"', 1)
            cells.append(cell)
        rows.append(f'<tr><th scope="row">{html.escape(label)}</th>{"".join(cells)}</tr>')
    # Wide tables make the step lay its figures out below the numbers, not beside them.
    cls = "matrix wide" if len(col_labels) >= 6 else "matrix"
    return (
        f'<table class="{cls}"><caption>{html.escape(caption)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def vector_table(values: Sequence[Any], *, labels: Sequence[str], caption: str) -> str:
    """Render a vector as a small table, ten columns to a row, labels above values.

    Example
    -------
    >>> "<th" in vector_table([0.1, 0.9], labels=["no", "yes"], caption="p")
    True
    """
    chunks = []
    for start in range(0, len(values), 10):
        heads = "".join(_header(str(x)) for x in labels[start : start + 10])
        cells = "".join(_cell(v) for v in values[start : start + 10])
        chunks.append(f"<tr>{heads}</tr>\n<tr>{cells}</tr>")
    return (
        f'<table class="vector"><caption>{html.escape(caption)}</caption>\n'
        + "\n".join(chunks)
        + "\n</table>"
    )
