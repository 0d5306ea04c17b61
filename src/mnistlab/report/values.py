"""A step's numbers as HTML tables, chosen by their shape and meaning.

The study hands over each step's numbers as a JSON-able dict. Most values are
placed by shape: scalars go into one key/value table with readable labels; a
10×10 matrix is a confusion matrix with class names on both axes; a 2×2 matrix
is the binary detector's (not positive / positive); rows of probabilities and
vectors of per-class values become small tables with class names as headers.
A few groups of values read better together (the grid search's candidates and
their scores, the three folds of two methods, the decision scores of two
models), and :func:`special_tables` lays those out first.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from mnistlab.report.tables import (
    format_number,
    label_for,
    matrix_table,
    scalar_table,
    vector_table,
)

# Keys whose integer values are class labels, shown with the class name.
_CLASS_HINTS = ("predict", "class", "label", "argmax")
# Matrices whose values are shares, shown as percentages.
_PERCENT_HINTS = ("normal", "percent", "_true", "_pred", "row", "col", "errors")

MAX_VECTOR = 100


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list | tuple) and value:
        depth += 1
        value = value[0]
    return depth


def _class_text(key: str, value: Any, class_names: Sequence[str]) -> str | None:
    """Name the class of an integer or digit-string label, when the key says it is one."""
    if not any(h in key for h in _CLASS_HINTS) or isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and 0 <= value < len(class_names):
        name = class_names[value]
        return str(value) if name == str(value) else f"{value} ({name})"
    return None


def _inline(key: str, value: Any, class_names: Sequence[str]) -> str | None:
    """Return the text of a value that fits one cell, or ``None``."""
    if _is_scalar(value):
        named = _class_text(key, value, class_names)
        return named if named is not None else format_number(value)
    if isinstance(value, Mapping) and all(_is_scalar(v) for v in value.values()):
        return ", ".join(f"{k} = {format_number(v)}" for k, v in value.items())
    if isinstance(value, list | tuple) and _depth(value) == 2 and len(value) == 1:
        value = value[0]  # a (1, k) row such as ``predict([digit])`` of a multilabel model
    if isinstance(value, list | tuple) and _depth(value) == 1 and len(value) <= 5:
        parts = [_class_text(key, v, class_names) or format_number(v) for v in value]
        return ", ".join(parts)
    return None


def _percent_like(key: str, matrix: Sequence[Sequence[Any]]) -> bool:
    flat = [v for row in matrix for v in row]
    if not flat or not all(isinstance(v, float) for v in flat):
        return False
    return all(0.0 <= v <= 1.0 for v in flat) and (
        any(h in key for h in _PERCENT_HINTS) or all(v != int(v) for v in flat if v)
    )


def _binary_labels(positive: str) -> list[str]:
    return [f"not {positive}", positive]


def values_html(
    values: Mapping[str, Any],
    *,
    class_names: Sequence[str],
    positive_class: int = 5,
    step: str = "",
) -> str:
    """Render a step's numbers: one key/value table, then matrices and vectors.

    Parameters
    ----------
    values : mapping
        The step's JSON-able numbers.
    step : str
        The step's name: some steps group their values into purpose-made tables
        (see :mod:`mnistlab.report.step_tables`).
    class_names : sequence of str
        Names of the ten classes, used for headers and predicted labels.
    positive_class : int
        The binary detector's class; names the rows of 2×2 matrices.

    Returns
    -------
    str
        HTML (empty when there is nothing to show).

    Example
    -------
    >>> out = values_html({"roc_auc": 0.96, "confusion_matrix": [[5, 1], [2, 3]]},
    ...                   class_names=[str(i) for i in range(10)])
    >>> "ROC AUC" in out and "not 5" in out
    True
    """
    positive = str(class_names[positive_class])
    names = [str(c) for c in class_names]
    rows: list[tuple[str, str, Any]] = []
    special, consumed = special_tables(step, values, class_names=names, positive=positive)
    blocks: list[str] = []
    for key, value in values.items():
        if key in consumed:
            continue
        label = label_for(key, step)
        text = _inline(key, value, names)
        if text is not None:
            rows.append((label, text, value if isinstance(value, float) else None))
            continue
        if isinstance(value, Mapping):
            inner = values_html(
                value, class_names=class_names, positive_class=positive_class, step=step
            )
            blocks.append(f'<div class="group"><h4>{html.escape(label)}</h4>{inner}</div>')
            continue
        if not isinstance(value, list | tuple):
            rows.append((label, str(value), None))
            continue
        if _depth(value) == 2 and len(value) == 1:
            value = value[0]
        if _depth(value) == 1:
            if len(value) > MAX_VECTOR:
                rows.append((label, f"{len(value):,} values (in results.json)", None))
            elif len(value) == len(names):
                blocks.append(vector_table(value, labels=names, caption=label))
            else:
                idx = [str(i) for i in range(len(value))]
                blocks.append(vector_table(value, labels=idx, caption=label))
            continue
        if _depth(value) != 2:
            rows.append((label, "nested values (in results.json)", None))
            continue
        n_rows, n_cols = len(value), len(value[0])
        percent = _percent_like(key, value)
        if "prob" in key and n_cols == 2:
            blocks.append(
                matrix_table(
                    value,
                    row_labels=[f"image {i + 1}" for i in range(n_rows)],
                    col_labels=[f"P({c})" for c in _binary_labels(positive)],
                    caption=label,
                    corner="",
                    diagonal=False,
                )
            )
        elif n_rows == n_cols == len(names):
            blocks.append(
                matrix_table(
                    value, row_labels=names, col_labels=names, caption=label, percent=percent
                )
            )
        elif n_rows == n_cols == 2:
            labels = _binary_labels(positive)
            blocks.append(
                matrix_table(
                    value, row_labels=labels, col_labels=labels, caption=label, percent=percent
                )
            )
        elif n_rows <= 20 and n_cols in (2, len(names)):
            cols = _binary_labels(positive) if n_cols == 2 else names
            blocks.append(
                matrix_table(
                    value,
                    row_labels=[f"image {i + 1}" for i in range(n_rows)],
                    col_labels=cols,
                    caption=label,
                    corner="",
                    diagonal=False,
                )
            )
        else:
            rows.append((label, f"{n_rows} × {n_cols} values (in results.json)", None))
    return "\n".join(part for part in [scalar_table(rows), *special, *blocks] if part)


def _folds(rows: Sequence[tuple[str, Sequence[Any]]], caption: str) -> str:
    n = max(len(v) for _, v in rows)
    return matrix_table(
        [list(v) for _, v in rows],
        row_labels=[label for label, _ in rows],
        col_labels=[f"fold {i + 1}" for i in range(n)],
        caption=caption,
        corner="",
        diagonal=False,
    )


def special_tables(
    step: str, values: Mapping[str, Any], *, class_names: Sequence[str], positive: str
) -> tuple[list[str], set[str]]:
    """Lay out the groups of values that read better as one table.

    Parameters
    ----------
    step : str
        The step's name.
    values : mapping
        The step's numbers.
    class_names : sequence of str
        Names of the ten classes.
    positive : str
        Name of the positive class.

    Returns
    -------
    blocks : list of str
        HTML tables.
    consumed : set of str
        The keys those tables show, left out of the generic layout.

    Example
    -------
    >>> blocks, used = special_tables("cross_validation",
    ...     {"cv_accuracies": [0.9, 0.9, 0.9], "manual_accuracies": [0.9, 0.9, 0.9]},
    ...     class_names=[str(i) for i in range(10)], positive="5")
    >>> sorted(used)
    ['cv_accuracies', 'manual_accuracies']
    """
    v = dict(values)
    blocks: list[str] = []
    used: set[str] = set()

    def have(*keys: str) -> bool:
        return all(k in v for k in keys)

    if step == "look" and isinstance(v.get("first_100_labels"), list):
        labels = v["first_100_labels"]
        grid = [labels[i : i + 10] for i in range(0, len(labels), 10)]
        blocks.append(
            matrix_table(
                grid,
                row_labels=[f"row {i + 1}" for i in range(len(grid))],
                col_labels=[str(i + 1) for i in range(max(len(r) for r in grid))],
                caption="Labels of the first 100 training images, as in the grid",
                corner="",
                diagonal=False,
            )
        )
        used.add("first_100_labels")
    if step == "cross_validation" and have("cv_accuracies", "manual_accuracies"):
        rows = [("cross_val_score", v["cv_accuracies"]), ("by hand", v["manual_accuracies"])]
        blocks.append(_folds(rows, "3-fold accuracy"))
        used |= {"cv_accuracies", "manual_accuracies"}
    if step == "multiclass":
        scores = [
            (label, v[key])
            for label, key in (("SVC", "svc_decision_scores"), ("SGD", "sgd_decision_scores"))
            if isinstance(v.get(key), list) and len(v[key]) == len(class_names)
        ]
        if scores:
            blocks.append(
                matrix_table(
                    [s for _, s in scores],
                    row_labels=[label for label, _ in scores],
                    col_labels=list(class_names),
                    caption="Decision scores of the first image, one per class",
                    corner="",
                    diagonal=False,
                )
            )
            used |= {"svc_decision_scores", "sgd_decision_scores"} & set(v)
        if have("sgd_cv_accuracies", "sgd_scaled_cv_accuracies"):
            rows = [
                ("SGD", v["sgd_cv_accuracies"]),
                ("SGD, standardised", v["sgd_scaled_cv_accuracies"]),
            ]
            blocks.append(_folds(rows, "3-fold accuracy of the ten-class SGD"))
            used |= {"sgd_cv_accuracies", "sgd_scaled_cv_accuracies"}
        if isinstance(v.get("svc_classes"), list):
            used.add("svc_classes")
            blocks.append(
                scalar_table([("SVC classes_", ", ".join(str(c) for c in v["svc_classes"]), None)])
            )
    if step == "error_analysis" and isinstance(v.get("pair_counts"), Mapping):
        pair = v.get("class_pair", [])
        counts = v["pair_counts"]
        if len(pair) == 2 and all(f"pair_{a}_{b}" in counts for a in pair for b in pair):
            names = [class_names[int(c)] for c in pair]
            blocks.append(
                matrix_table(
                    [[counts[f"pair_{a}_{b}"] for b in pair] for a in pair],
                    row_labels=names,
                    col_labels=names,
                    caption="Training images of the pair, by true and predicted class",
                )
            )
            used |= {"pair_counts", "class_pair"}
    if step == "multilabel" and have("labels", "prediction"):
        blocks.append(
            matrix_table(
                [v["prediction"]],
                row_labels=["first image"],
                col_labels=[str(x) for x in v["labels"]],
                caption="Predicted labels of the first image",
                corner="",
                diagonal=False,
            )
        )
        used |= {"labels", "prediction"}
    if step == "tuning" and have("candidates", "mean_test_scores"):
        blocks.append(_grid_table(v))
        used |= {"candidates", "mean_test_scores", "split_scores"}
    return blocks, used


def _grid_table(v: Mapping[str, Any]) -> str:
    candidates = v["candidates"]
    params = sorted({p for c in candidates for p in c})
    splits = v.get("split_scores") or [[] for _ in candidates]
    rows = [
        [*(c.get(p) for p in params), mean, *folds]
        for c, mean, folds in zip(candidates, v["mean_test_scores"], splits, strict=False)
    ]
    n_folds = max((len(f) for f in splits), default=0)
    means = list(v["mean_test_scores"])
    # The best candidate is GridSearchCV's: the first of the highest mean scores.
    best = means.index(max(means)) if means else None
    return matrix_table(
        rows,
        row_labels=[str(i + 1) for i in range(len(rows))],
        col_labels=[*params, "mean CV accuracy", *(f"fold {i + 1}" for i in range(n_folds))],
        caption="Grid search: every candidate, its mean and per-fold accuracy",
        corner="#",
        diagonal=False,
        highlight_row=best,
    )
