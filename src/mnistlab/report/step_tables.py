"""The purpose-made tables of some steps: groups of values that read better as one table.

The three folds of ``cross_val_score`` beside the loop by hand, the decision
scores of two models, the grid search's candidates with their scores, the
labels of the first hundred images as they sit in the figure's grid...
Everything else is laid out by :mod:`mnistlab.report.values`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from mnistlab.report.labels import DatasetWords
from mnistlab.report.tables import Table, key_value_table, matrix_table

__all__ = ["step_tables"]


def _folds(rows: Sequence[tuple[str, Sequence[Any]]], caption: str) -> Table:
    n = max(len(v) for _, v in rows)
    return matrix_table(
        [list(v) for _, v in rows],
        row_labels=[label for label, _ in rows],
        col_labels=[f"fold {i + 1}" for i in range(n)],
        caption=caption,
        corner="",
        diagonal=False,
    )


def _look(v: Mapping[str, Any], class_names: Sequence[str]) -> tuple[list[Table], set[str]]:
    if not isinstance(v.get("first_100_labels"), list):
        return [], set()
    # The bare labels, in the grid of the figure beside: class names would not fit,
    # so a note below names each label (a digit names itself).
    labels = [int(label) for label in v["first_100_labels"]]
    grid = [labels[i : i + 10] for i in range(0, len(labels), 10)]
    table = matrix_table(
        grid,
        row_labels=[f"row {i + 1}" for i in range(len(grid))],
        col_labels=[str(i + 1) for i in range(max(len(r) for r in grid))],
        caption="Labels of the first 100 training images, as in the grid",
        corner="",
        diagonal=False,
    )
    if not DatasetWords.of(class_names).digits:
        legend = ", ".join(f"{i} {name}" for i, name in enumerate(class_names))
        table = dataclasses.replace(table, notes=(f"Labels: {legend}.",))
    return [table], {"first_100_labels"}


def _cross_validation(v: Mapping[str, Any]) -> tuple[list[Table], set[str]]:
    if not ("cv_accuracies" in v and "manual_accuracies" in v):
        return [], set()
    rows = [("cross_val_score", v["cv_accuracies"]), ("by hand", v["manual_accuracies"])]
    return [_folds(rows, "3-fold accuracy")], {"cv_accuracies", "manual_accuracies"}


def _multiclass(v: Mapping[str, Any], class_names: Sequence[str]) -> tuple[list[Table], set[str]]:
    tables: list[Table] = []
    used: set[str] = set()
    scores = [
        (label, v[key])
        for label, key in (("SVC", "svc_decision_scores"), ("SGD", "sgd_decision_scores"))
        if isinstance(v.get(key), list) and len(v[key]) == len(class_names)
    ]
    if scores:
        tables.append(
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
    if "sgd_cv_accuracies" in v and "sgd_scaled_cv_accuracies" in v:
        rows = [
            ("SGD", v["sgd_cv_accuracies"]),
            ("SGD, standardised", v["sgd_scaled_cv_accuracies"]),
        ]
        tables.append(_folds(rows, "3-fold accuracy of the ten-class SGD"))
        used |= {"sgd_cv_accuracies", "sgd_scaled_cv_accuracies"}
    if isinstance(v.get("svc_classes"), list):
        classes = ", ".join(str(int(c)) for c in v["svc_classes"])
        tables.append(key_value_table([("SVC classes_", classes, None)]))
        used.add("svc_classes")
    return tables, used


def _error_analysis(
    v: Mapping[str, Any], class_names: Sequence[str]
) -> tuple[list[Table], set[str]]:
    pair, counts = v.get("class_pair", []), v.get("pair_counts")
    if not isinstance(counts, Mapping) or len(pair) != 2:
        return [], set()
    if not all(f"pair_{a}_{b}" in counts for a in pair for b in pair):
        return [], set()
    names = [class_names[int(c)] for c in pair]
    table = matrix_table(
        [[counts[f"pair_{a}_{b}"] for b in pair] for a in pair],
        row_labels=names,
        col_labels=names,
        caption="Training images of the pair, by true and predicted class",
    )
    return [table], {"pair_counts", "class_pair"}


def _multilabel(v: Mapping[str, Any]) -> tuple[list[Table], set[str]]:
    if not ("labels" in v and "prediction" in v):
        return [], set()
    table = matrix_table(
        [v["prediction"]],
        row_labels=["first image"],
        col_labels=[str(x) for x in v["labels"]],
        caption="Predicted labels of the first image",
        corner="",
        diagonal=False,
    )
    return [table], {"labels", "prediction"}


def _grid_table(v: Mapping[str, Any]) -> Table:
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


def _tuning(v: Mapping[str, Any]) -> tuple[list[Table], set[str]]:
    if not ("candidates" in v and "mean_test_scores" in v):
        return [], set()
    return [_grid_table(v)], {"candidates", "mean_test_scores", "split_scores"}


def step_tables(
    step: str, values: Mapping[str, Any], *, class_names: Sequence[str]
) -> tuple[list[Table], set[str]]:
    """Lay out the groups of values of ``step`` that read better as one table.

    Parameters
    ----------
    step : str
        The step's name.
    values : mapping
        The step's numbers.
    class_names : sequence of str
        Names of the ten classes.

    Returns
    -------
    tables : list of Table
    consumed : set of str
        The keys those tables show, left out of the generic layout.

    Example
    -------
    >>> tables, used = step_tables("cross_validation",
    ...     {"cv_accuracies": [0.9, 0.9, 0.9], "manual_accuracies": [0.9, 0.9, 0.9]},
    ...     class_names=[str(i) for i in range(10)])
    >>> sorted(used)
    ['cv_accuracies', 'manual_accuracies']
    """
    if step == "look":
        return _look(values, class_names)
    if step == "cross_validation":
        return _cross_validation(values)
    if step == "multiclass":
        return _multiclass(values, class_names)
    if step == "error_analysis":
        return _error_analysis(values, class_names)
    if step == "multilabel":
        return _multilabel(values)
    if step == "tuning":
        return _tuning(values)
    return [], set()
