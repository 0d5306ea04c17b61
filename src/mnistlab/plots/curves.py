"""Precision/recall and ROC figures, drawn through scikit-learn's Display objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay

from mnistlab.plots._axes import axes_or_new

#: The chapter's x range for precision and recall against the threshold.
THRESHOLD_XLIM = (-50_000.0, 50_000.0)


def plot_precision_recall_vs_threshold(
    precisions: np.ndarray,
    recalls: np.ndarray,
    thresholds: np.ndarray,
    *,
    threshold: float | None = None,
    xlim: tuple[float, float] = THRESHOLD_XLIM,
    ax: Axes | None = None,
) -> Axes:
    """Draw precision and recall against the decision threshold, the threshold marked.

    Parameters
    ----------
    precisions, recalls, thresholds : ndarray
        As ``precision_recall_curve`` returns them (one more precision and
        recall than thresholds; the last pair is dropped).
    threshold : float, optional
        Marked by a vertical line and a dot on each curve.
    xlim : (float, float), default=(-50000, 50000)
    ax : Axes, optional

    Returns
    -------
    Axes

    Example
    -------
    >>> ax = plot_precision_recall_vs_threshold(p, r, t, threshold=3370.0)   # doctest: +SKIP
    """
    ax = axes_or_new(ax, figsize=(8.0, 4.0))
    ax.plot(thresholds, precisions[:-1], "b--", label="Precision", linewidth=2)
    ax.plot(thresholds, recalls[:-1], "g-", label="Recall", linewidth=2)
    if threshold is not None:
        ax.axvline(threshold, color="k", linestyle="dotted", label="threshold")
        idx = min(int(np.searchsorted(thresholds, threshold)), len(thresholds) - 1)
        ax.plot([thresholds[idx]] * 2, [precisions[idx], recalls[idx]], "ko")
    ax.set_xlim(*xlim)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("Threshold")
    return _grid_and_legend(ax, loc="center right")


def plot_precision_vs_recall(
    precisions: np.ndarray,
    recalls: np.ndarray,
    *,
    point: tuple[float, float] | None = None,
    name: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw precision against recall, with the (recall, precision) ``point`` marked.

    Returns
    -------
    Axes

    Example
    -------
    >>> ax = plot_precision_vs_recall(p, r, point=(0.48, 0.90), name="SGD")   # doctest: +SKIP
    """
    return plot_precision_recall_curves(
        [(name or "classifier", precisions, recalls)], points=[point], ax=ax
    )


def plot_precision_recall_curves(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray]],
    *,
    points: Sequence[tuple[float, float] | None] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw several precision/recall curves on one Axes (e.g. SGD against the forest).

    Parameters
    ----------
    curves : sequence of (name, precisions, recalls)
    points : sequence of (recall, precision) or None, optional
        A marked point per curve.
    ax : Axes, optional

    Returns
    -------
    Axes

    Example
    -------
    >>> curves = [("SGD", p1, r1), ("Random forest", p2, r2)]   # doctest: +SKIP
    >>> ax = plot_precision_recall_curves(curves)                 # doctest: +SKIP
    """
    ax = axes_or_new(ax, figsize=(6.0, 5.0))
    points = list(points) if points is not None else [None] * len(curves)
    for (name, precisions, recalls), point in zip(curves, points, strict=True):
        PrecisionRecallDisplay(precision=precisions, recall=recalls, name=name).plot(ax=ax)
        _mark_point(ax, point, label=f"{name} at threshold")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    return _grid_and_legend(ax, loc="lower left")


def plot_roc_curve(
    fpr: np.ndarray,
    tpr: np.ndarray,
    *,
    roc_auc: float | None = None,
    point: tuple[float, float] | None = None,
    name: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw a ROC curve with the chance diagonal and the (fpr, tpr) ``point`` marked.

    Returns
    -------
    Axes

    Example
    -------
    >>> ax = plot_roc_curve(fpr, tpr, roc_auc=0.96, point=(0.005, 0.48))   # doctest: +SKIP
    """
    ax = axes_or_new(ax, figsize=(6.0, 5.0))
    RocCurveDisplay(fpr=fpr, tpr=tpr, roc_auc=roc_auc, name=name).plot(
        ax=ax, plot_chance_level=True
    )
    _mark_point(ax, point, label="threshold for target precision")
    return _grid_and_legend(ax, loc="lower right")


def _mark_point(ax: Axes, point: tuple[float, float] | None, *, label: str) -> None:
    # The chosen threshold's point on a curve: a black dot, named in the legend.
    if point is not None:
        ax.plot([point[0]], [point[1]], "ko", label=label)


def _grid_and_legend(
    ax: Axes, *, loc: Literal["center right", "lower left", "lower right"]
) -> Axes:
    # Every curve figure ends with a grid and the legend at ``loc``.
    ax.grid(True)
    ax.legend(loc=loc)
    return ax
