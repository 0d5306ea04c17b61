"""Confusion-matrix figures through scikit-learn's ConfusionMatrixDisplay."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from sklearn.metrics import ConfusionMatrixDisplay

from mnistlab.plots._axes import axes_or_new, new_figure

#: Tick labels longer than this many characters (class names, not digits) are slanted.
SHORT_TICK = 3


def plot_confusion_matrix(
    matrix: np.ndarray,
    *,
    class_names: Sequence[str],
    values_format: str | None = None,
    title: str | None = None,
    colorbar: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Draw a confusion matrix (counts, or fractions shown with ``values_format=".0%"``).

    Parameters
    ----------
    matrix : array (n_classes, n_classes)
        Rows are true classes, columns predicted classes.
    class_names : sequence of str
        Tick labels. Names longer than a few characters ("T-shirt/top") are
        slanted on the x axis, so that neighbours do not overlap.
    values_format : str, optional
        Format of the cell texts, e.g. ``"d"`` or ``".0%"``.
    title : str, optional
    colorbar : bool, default=False
    ax : Axes, optional

    Returns
    -------
    Axes

    Example
    -------
    >>> ax = plot_confusion_matrix(cm, class_names=[str(i) for i in range(10)])  # doctest: +SKIP
    """
    ax = axes_or_new(ax, figsize=(6.0, 5.5))
    names = [str(name) for name in class_names]
    ConfusionMatrixDisplay(np.asarray(matrix), display_labels=names).plot(
        ax=ax, values_format=values_format, colorbar=colorbar
    )
    if max((len(name) for name in names), default=0) > SHORT_TICK:
        for label in ax.get_xticklabels():
            label.set(rotation=40, horizontalalignment="right", rotation_mode="anchor")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_confusion_matrices(
    matrices: Sequence[np.ndarray],
    *,
    class_names: Sequence[str],
    titles: Sequence[str],
    values_formats: Sequence[str | None],
    axes: Sequence[Axes] | None = None,
) -> list[Axes]:
    """Draw confusion matrices side by side (the chapter's two-panel figures).

    Parameters
    ----------
    matrices : sequence of array (n_classes, n_classes)
    class_names : sequence of str
    titles : sequence of str
        One per matrix.
    values_formats : sequence of str or None
        One per matrix, e.g. ``"d"`` or ``".0%"``.
    axes : sequence of Axes, optional
        One per matrix; a new Figure with one row of Axes when omitted.

    Returns
    -------
    list of Axes
        One per matrix.

    Example
    -------
    >>> axes = plot_confusion_matrices([cm, cm_pct], class_names=names,
    ...                                titles=["counts", "% of true"],
    ...                                values_formats=["d", ".0%"])   # doctest: +SKIP
    """
    if axes is None:
        figure = new_figure((6.0 * len(matrices), 5.5))
        axes = list(figure.subplots(1, len(matrices), squeeze=False)[0])
    for ax, matrix, title, fmt in zip(axes, matrices, titles, values_formats, strict=True):
        plot_confusion_matrix(
            matrix, class_names=class_names, values_format=fmt, title=title, ax=ax
        )
    return list(axes)
