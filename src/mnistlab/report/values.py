"""A step's numbers as tables, laid out by their shape and the kind the study declared.

The study hands over each step's numbers as a JSON-able dict whose numbers
declare their kind (:mod:`mnistlab.study.quantities`). Values are placed by
shape: scalars go into one table of labels and values; a 10×10 matrix is a
confusion matrix with class names on both axes; a 2×2 matrix is the binary
detector's (not positive / positive); rows of probabilities and vectors of
per-class values become small tables with class names as headers. A few
groups of values read better together (the grid search's candidates and their
scores, the three folds of two methods, the decision scores of two models);
:mod:`mnistlab.report.step_tables` lays those out first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mnistlab.report.formats import format_number
from mnistlab.report.labels import label_for
from mnistlab.report.step_tables import step_tables
from mnistlab.report.tables import Block, Group, key_value_table, matrix_table, vector_table
from mnistlab.study.quantities import Probability

__all__ = ["MAX_VECTOR", "values_tables"]

#: Longer vectors are not shown, only counted (they are in ``results.json``).
MAX_VECTOR = 100
#: Inline lists of up to this many values fit one cell.
MAX_INLINE = 5


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list | tuple) and value:
        depth += 1
        value = value[0]
    return depth


def _single_row(value: Any) -> Any:
    """A (1, k) list such as ``predict([digit])`` of a multilabel model, as its one row."""
    if isinstance(value, list | tuple) and _depth(value) == 2 and len(value) == 1:
        return value[0]
    return value


def _inline(value: Any, class_names: Sequence[str]) -> str | None:
    """Return the text of a value that fits one cell, or ``None``."""
    if _is_scalar(value):
        return format_number(value, class_names=class_names)
    if isinstance(value, Mapping) and all(_is_scalar(v) for v in value.values()):
        return ", ".join(f"{k} = {format_number(v)}" for k, v in value.items())
    value = _single_row(value)
    if isinstance(value, list | tuple) and _depth(value) == 1 and len(value) <= MAX_INLINE:
        return ", ".join(format_number(v, class_names=class_names) for v in value)
    return None


def _binary_labels(positive: str) -> list[str]:
    return [f"not {positive}", positive]


def _is_probability_rows(matrix: Sequence[Sequence[Any]]) -> bool:
    return all(isinstance(v, Probability) for row in matrix for v in row)


def _matrix_block(
    matrix: Sequence[Sequence[Any]], label: str, names: Sequence[str], positive: str
) -> Block | None:
    """The table of a matrix, or ``None`` when its shape has no table."""
    n_rows, n_cols = len(matrix), len(matrix[0])
    images = [f"image {i + 1}" for i in range(n_rows)]
    if n_cols == 2 and _is_probability_rows(matrix):
        return matrix_table(
            matrix,
            row_labels=images,
            col_labels=[f"P({c})" for c in _binary_labels(positive)],
            caption=label,
            corner="",
            diagonal=False,
        )
    if n_rows == n_cols == len(names):
        return matrix_table(matrix, row_labels=names, col_labels=names, caption=label)
    if n_rows == n_cols == 2:
        labels = _binary_labels(positive)
        return matrix_table(matrix, row_labels=labels, col_labels=labels, caption=label)
    if n_rows <= 20 and n_cols in (2, len(names)):
        cols = _binary_labels(positive) if n_cols == 2 else names
        return matrix_table(
            matrix, row_labels=images, col_labels=cols, caption=label, corner="", diagonal=False
        )
    return None


def values_tables(
    values: Mapping[str, Any],
    *,
    class_names: Sequence[str],
    positive_class: int = 5,
    step: str = "",
) -> list[Block]:
    """Lay out a step's numbers: one table of labels and values, then matrices and vectors.

    Parameters
    ----------
    values : mapping
        The step's JSON-able numbers, each of its declared kind.
    class_names : sequence of str
        Names of the ten classes, used for headers and class labels.
    positive_class : int
        The binary detector's class; names the rows of 2×2 matrices.
    step : str
        The step's name: some steps group their values into purpose-made tables
        (see :mod:`mnistlab.report.step_tables`).

    Returns
    -------
    list of Table or Group
        Empty when there is nothing to show.

    Example
    -------
    >>> from mnistlab.study.quantities import Integer, Number, each
    >>> blocks = values_tables({"roc_auc": Number(0.96),
    ...                         "confusion_matrix": each(Integer, [[5, 1], [2, 3]])},
    ...                        class_names=[str(i) for i in range(10)])
    >>> [block.css for block in blocks], blocks[1].columns
    (['kv', 'matrix'], ('not 5', '5'))
    """
    names = [str(c) for c in class_names]
    positive = names[positive_class]
    rows: list[tuple[str, str, Any]] = []
    special, consumed = step_tables(step, values, class_names=names)
    blocks: list[Block] = []
    for key, value in values.items():
        if key in consumed:
            continue
        label = label_for(key, step)
        text = _inline(value, names)
        if text is not None:
            rows.append((label, text, value))
            continue
        if isinstance(value, Mapping):
            inner = values_tables(
                value, class_names=names, positive_class=positive_class, step=step
            )
            blocks.append(Group(heading=label, blocks=tuple(inner)))
            continue
        if not isinstance(value, list | tuple):
            rows.append((label, str(value), None))
            continue
        value = _single_row(value)
        if _depth(value) == 1:
            if len(value) > MAX_VECTOR:
                rows.append((label, f"{len(value):,} values (in results.json)", None))
            elif len(value) == len(names):
                blocks.append(vector_table(value, labels=names, caption=label))
            else:
                indices = [str(i) for i in range(len(value))]
                blocks.append(vector_table(value, labels=indices, caption=label))
            continue
        if _depth(value) != 2:
            rows.append((label, "nested values (in results.json)", None))
            continue
        block = _matrix_block(value, label, names, positive)
        if block is None:
            shape = f"{len(value)} × {len(value[0])} values (in results.json)"
            rows.append((label, shape, None))
        else:
            blocks.append(block)
    scalars: list[Block] = [key_value_table(rows)] if rows else []
    return [*scalars, *special, *blocks]
