"""Figures of the study. Every function draws on a given Axes or a new Figure, never pyplot."""

from mnistlab.plots.confusion import plot_confusion_matrices, plot_confusion_matrix
from mnistlab.plots.curves import (
    plot_precision_recall_curves,
    plot_precision_recall_vs_threshold,
    plot_precision_vs_recall,
    plot_roc_curve,
)
from mnistlab.plots.digits import (
    plot_class_pair_grid,
    plot_denoising,
    plot_digit,
    plot_digits,
    plot_misclassified,
)

__all__ = [
    "plot_class_pair_grid",
    "plot_confusion_matrices",
    "plot_confusion_matrix",
    "plot_denoising",
    "plot_digit",
    "plot_digits",
    "plot_misclassified",
    "plot_precision_recall_curves",
    "plot_precision_recall_vs_threshold",
    "plot_precision_vs_recall",
    "plot_roc_curve",
]
