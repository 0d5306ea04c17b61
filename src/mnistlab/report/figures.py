"""The report's figures: each step's, drawn from its :class:`StepResult` (and the data, for
images), and the gallery of the best model's mistakes.

The only module of the report that draws; it imports matplotlib, which the
study's computations never do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mnistlab.plots.confusion import plot_confusion_matrices, plot_confusion_matrix
from mnistlab.plots.curves import (
    plot_precision_recall_curves,
    plot_precision_recall_vs_threshold,
    plot_precision_vs_recall,
    plot_roc_curve,
)
from mnistlab.plots.digits import (
    misclassified_figsize,
    plot_class_pair_grid,
    plot_denoising,
    plot_digit,
    plot_digits,
    plot_misclassified,
)
from mnistlab.report.labels import DIGIT_NAMES, DatasetWords
from mnistlab.report.ladder import LadderReport
from mnistlab.study.data import StudyData
from mnistlab.study.results import StepResult

#: Columns of the gallery of mistakes.
GALLERY_COLUMNS = 12


class FigureSpec(NamedTuple):
    """A figure of the report: file name stem, caption and the figure itself."""

    slug: str
    caption: str
    figure: Figure


def _figure_of(ax: Axes) -> Figure:
    # Our plot functions always draw on a top-level Figure, never a SubFigure,
    # so ax.figure (public on every matplotlib) is that Figure; the check says
    # so loudly should a SubFigure ever come.
    figure = ax.figure
    if not isinstance(figure, Figure):
        raise TypeError(f"Expected an Axes on a Figure, got {type(figure).__name__}.")
    return figure


def _look(result: StepResult, data: StudyData) -> list[FigureSpec]:
    v = result.values
    first = plot_digit(data.X_train[v["some_digit_index"]], title=None)
    grid = plot_digits(data.X_train[:100], n_cols=10)
    named = DatasetWords.of(data.class_names).a_class(v["some_digit_name"])
    return [
        FigureSpec("some_digit", f"The first training image, {named}.", _figure_of(first)),
        FigureSpec("first_100_digits", "The first 100 training images.", _figure_of(grid)),
    ]


def _tradeoff(result: StepResult, data: StudyData) -> list[FigureSpec]:
    v, a = result.values, result.arrays
    target = f"{v['target_precision']:.0%}"
    vs_threshold = plot_precision_recall_vs_threshold(
        a["precisions"], a["recalls"], a["thresholds"], threshold=v["threshold"]
    )
    vs_recall = plot_precision_vs_recall(
        a["precisions"], a["recalls"], point=(v["recall"], v["precision"]), name="SGD"
    )
    return [
        FigureSpec(
            "precision_recall_vs_threshold",
            f"Precision and recall against the decision threshold; the {target}-precision "
            f"threshold ({v['threshold']:.0f}) is marked.",
            _figure_of(vs_threshold),
        ),
        FigureSpec(
            "precision_vs_recall",
            f"Precision against recall; the point of the {target}-precision threshold is marked.",
            _figure_of(vs_recall),
        ),
    ]


def _roc(result: StepResult, data: StudyData) -> list[FigureSpec]:
    v, a = result.values, result.arrays
    ax = plot_roc_curve(
        a["fpr"],
        a["tpr"],
        roc_auc=v["roc_auc"],
        point=(v["fpr_at_threshold"], v["tpr_at_threshold"]),
        name="SGD",
    )
    caption = (
        "ROC curve of the out-of-fold SGD scores, the chance diagonal and the threshold point."
    )
    return [FigureSpec("roc_curve", caption, _figure_of(ax))]


def _forest(result: StepResult, data: StudyData) -> list[FigureSpec]:
    a = result.arrays
    ax = plot_precision_recall_curves(
        [
            ("Random forest", a["precisions"], a["recalls"]),
            ("SGD", a["sgd_precisions"], a["sgd_recalls"]),
        ],
        points=[(result.values["recall"], result.values["precision"]), None],
    )
    caption = "Precision/recall curves of the random forest and of SGD (forest at 0.5 marked)."
    return [FigureSpec("precision_recall_forest_vs_sgd", caption, _figure_of(ax))]


def _error_analysis(result: StepResult, data: StudyData) -> list[FigureSpec]:
    v, a, names = result.values, result.arrays, data.class_names
    cm = np.array(v["confusion_matrix"])
    cm_true = np.array(v["normalized_by_true"])
    err_true = np.array(v["errors_normalized_by_true"])
    err_pred = np.array(v["errors_normalized_by_pred"])
    first, second = v["class_pair"]
    cells = {
        (t, p): data.X_train[a[f"pair_{t}_{p}"]] for t in (first, second) for p in (first, second)
    }
    raw = plot_confusion_matrix(cm, class_names=names, values_format="d", title="Counts")
    pct = plot_confusion_matrix(
        cm_true, class_names=names, values_format=".0%", title="% of true class"
    )
    return [
        FigureSpec(
            "confusion_matrix", "Confusion matrix of the scaled SGD (counts).", _figure_of(raw)
        ),
        FigureSpec(
            "confusion_matrix_normalized", "Normalised by true class (percent).", _figure_of(pct)
        ),
        _side_by_side(
            "confusion_matrix_raw_and_normalized",
            "Counts beside percentages of each true class.",
            [(cm, "Counts", "d"), (cm_true, "% of true class", ".0%")],
            class_names=names,
        ),
        _side_by_side(
            "confusion_matrix_errors",
            "Errors only, normalised by row (true class) and by column (predicted class).",
            [
                (err_true, "Errors, % of true class", ".0%"),
                (err_pred, "Errors, % of predicted class", ".0%"),
            ],
            class_names=names,
        ),
        FigureSpec(
            f"class_pair_{first}_{second}",
            f"Training images of {names[first]} and {names[second]}: rows are the true class, "
            "columns the predicted class (first 25 of each).",
            _figure_of(plot_class_pair_grid(cells, pair=(first, second), class_names=names)[0, 0]),
        ),
    ]


def _side_by_side(
    slug: str,
    caption: str,
    panels: Sequence[tuple[np.ndarray, str, str]],
    *,
    class_names: Sequence[str],
) -> FigureSpec:
    # Confusion matrices side by side on one figure; a panel is (matrix, title, cell format).
    axes = plot_confusion_matrices(
        [matrix for matrix, _, _ in panels],
        class_names=class_names,
        titles=[title for _, title, _ in panels],
        values_formats=[fmt for _, _, fmt in panels],
    )
    return FigureSpec(slug, caption, _figure_of(axes[0]))


def _denoising(result: StepResult, data: StudyData) -> list[FigureSpec]:
    a = result.arrays
    figure = _figure_of(plot_denoising(a["noisy"], a["clean"], a["cleaned"])[0])
    caption = (
        f"Test image {result.values['index']} with noise, its original, "
        "and the KNN's cleaned version."
    )
    return [FigureSpec("denoising", caption, figure)]


_DRAWERS: dict[str, Callable[[StepResult, StudyData], list[FigureSpec]]] = {
    "look": _look,
    "tradeoff": _tradeoff,
    "roc": _roc,
    "forest": _forest,
    "error_analysis": _error_analysis,
    "denoising": _denoising,
}


def draw_step_figures(result: StepResult, data: StudyData) -> list[FigureSpec]:
    """Return the figures of one step (an empty list for steps without figures or skipped).

    Parameters
    ----------
    result : StepResult
        The step's values and arrays.
    data : StudyData
        The data the step ran on, for the images.

    Returns
    -------
    list of FigureSpec

    Example
    -------
    >>> for spec in draw_step_figures(results.steps["roc"], data):   # doctest: +SKIP
    ...     spec.figure.savefig(f"{spec.slug}.png")
    """
    drawer = _DRAWERS.get(result.spec.name)
    # A skipped step has no numbers to draw.
    return drawer(result, data) if drawer is not None and not result.skipped else []


def draw_gallery(
    ladder: LadderReport, X_test: np.ndarray, class_names: Sequence[str] | None = None
) -> FigureSpec | None:
    """Draw the best model's most confident mistakes; ``None`` if it makes none.

    Parameters
    ----------
    ladder : LadderReport
        The evaluated models; the gallery is the best one's.
    X_test : ndarray, shape (n, 784)
        The test images the mistakes index into.
    class_names : sequence of str, optional
        The names of the class labels, for the images' labels and the caption;
        the digits "0" to "9" when omitted.

    Returns
    -------
    FigureSpec or None

    Example
    -------
    >>> spec = draw_gallery(ladder, data.X_test, data.class_names)   # doctest: +SKIP
    """
    items = ladder.gallery_items()
    if not items:
        return None
    # Sized as plot_misclassified sizes its own figure, without constrained layout.
    figure = Figure(figsize=misclassified_figsize(len(items), GALLERY_COLUMNS))
    plot_misclassified(
        X_test[[int(m["index"]) for m in items]],
        true=[int(m["true"]) for m in items],
        predicted=[int(m["predicted"]) for m in items],
        probability=[float(m["probability"]) for m in items],
        n_cols=GALLERY_COLUMNS,
        class_names=class_names,
        ax=figure.add_subplot(),
    )
    images = DatasetWords.of(DIGIT_NAMES if class_names is None else class_names).images
    caption = (
        f"Test {images} that {ladder.best.name} gets wrong, the most confident first: "
        "true→predicted and the probability of the wrong answer."
    )
    return FigureSpec("misclassified", caption, figure)
