"""Plot functions: the right artists with the right data, and pyplot left alone."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mnistlab.data import get_dataset_spec
from mnistlab.plots import (
    plot_class_pair_grid,
    plot_confusion_matrices,
    plot_confusion_matrix,
    plot_denoising,
    plot_digit,
    plot_digits,
    plot_misclassified,
    plot_precision_recall_curves,
    plot_precision_recall_vs_threshold,
    plot_precision_vs_recall,
    plot_roc_curve,
)
from mnistlab.plots.digits import mosaic

FASHION = get_dataset_spec("fashion-mnist").class_names


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_modules_do_not_import_pyplot() -> None:
    import inspect

    import mnistlab.plots.confusion
    import mnistlab.plots.curves
    import mnistlab.plots.digits

    for module in (mnistlab.plots.digits, mnistlab.plots.curves, mnistlab.plots.confusion):
        assert "pyplot" not in inspect.getsource(module)


@pytest.fixture
def images() -> np.ndarray:
    return np.arange(100 * 784, dtype=np.float64).reshape(100, 784) % 256


def test_plot_digit(images: np.ndarray) -> None:
    ax = plot_digit(images[0], title="5")
    assert isinstance(ax, Axes) and isinstance(ax.figure, Figure)
    (image,) = ax.get_images()
    assert np.array_equal(image.get_array(), images[0].reshape(28, 28))
    assert image.get_cmap().name == "binary"
    assert not ax.axison and ax.get_title() == "5"


def test_plot_digit_on_given_axes(images: np.ndarray) -> None:
    figure = Figure()
    ax = figure.add_subplot()
    assert plot_digit(images[0], ax=ax) is ax


def test_plot_digits_tiles_a_10x10_grid(images: np.ndarray) -> None:
    ax = plot_digits(images)
    (image,) = ax.get_images()
    tiled = image.get_array()
    assert tiled.shape == (280, 280)
    assert np.array_equal(tiled[28:56, 56:84], images[12].reshape(28, 28))


def test_mosaic_pads_with_blank() -> None:
    tiled = mosaic(np.ones((7, 784)), n_cols=5)
    assert tiled.shape == (56, 140) and tiled[28:, 56:].sum() == 0


def test_class_pair_grid_uses_class_names(images: np.ndarray) -> None:
    cells = {(t, p): images[:25] for t in (0, 6) for p in (0, 6)}
    axes = plot_class_pair_grid(cells, pair=(0, 6), class_names=FASHION)
    figure = axes[0, 0].figure
    assert isinstance(figure, Figure) and axes.shape == (2, 2) and len(figure.axes) == 4
    assert axes[0, 1].get_title() == "true T-shirt/top, predicted Shirt"
    assert all(ax.get_images()[0].get_array().shape == (140, 140) for ax in axes.flat)


def test_multi_panel_figures_draw_on_given_axes(images: np.ndarray) -> None:
    figure = Figure()
    given = figure.subplots(2, 2)
    cells = {(t, p): images[:25] for t in (0, 6) for p in (0, 6)}
    assert plot_class_pair_grid(cells, pair=(0, 6), class_names=FASHION, axes=given) is given
    row = list(Figure().subplots(1, 3))
    assert plot_denoising(images[0], images[1], images[2], axes=row) == row
    pair = list(Figure().subplots(1, 2))
    cm = np.eye(10, dtype=int)
    drawn = plot_confusion_matrices(
        [cm, cm], class_names=FASHION, titles=["a", "b"], values_formats=["d", "d"], axes=pair
    )
    assert drawn == pair and [ax.get_title() for ax in pair] == ["a", "b"]


def test_denoising(images: np.ndarray) -> None:
    axes = plot_denoising(images[0], images[1], images[2])
    assert [ax.get_title() for ax in axes] == ["noisy input", "original", "cleaned by KNN"]
    assert len(axes[0].figure.axes) == 3
    assert np.array_equal(axes[2].get_images()[0].get_array(), images[2].reshape(28, 28))


@pytest.fixture
def curve() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    thresholds = np.linspace(-60_000, 60_000, 50)
    precisions = np.r_[np.linspace(0.1, 1.0, 50), 1.0]
    recalls = np.r_[np.linspace(1.0, 0.0, 50), 0.0]
    return precisions, recalls, thresholds


def test_precision_recall_vs_threshold(curve) -> None:
    p, r, t = curve
    ax = plot_precision_recall_vs_threshold(p, r, t, threshold=3000.0)
    assert ax.get_xlim() == (-50_000.0, 50_000.0)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert np.array_equal(lines["Precision"].get_xdata(), t)
    assert np.array_equal(lines["Precision"].get_ydata(), p[:-1])
    assert np.array_equal(lines["Recall"].get_ydata(), r[:-1])
    assert lines["threshold"].get_xdata()[0] == 3000.0
    assert ax.get_xlabel() == "Threshold"


def test_precision_vs_recall_marks_the_point(curve) -> None:
    p, r, _ = curve
    ax = plot_precision_vs_recall(p, r, point=(0.4, 0.9), name="SGD")
    lines = {line.get_label(): line for line in ax.get_lines()}
    curve_line = next(
        line
        for label, line in lines.items()
        if label.startswith("SGD") and "threshold" not in label
    )
    assert np.array_equal(curve_line.get_xdata(), r) and np.array_equal(curve_line.get_ydata(), p)
    assert list(lines["SGD at threshold"].get_xydata()[0]) == [0.4, 0.9]


def test_two_pr_curves_on_one_axes(curve) -> None:
    p, r, _ = curve
    ax = plot_precision_recall_curves([("Random forest", p, r), ("SGD", p[::-1], r)])
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("Random forest") for label in labels)
    assert any(label.startswith("SGD") for label in labels)


def test_roc_curve_has_chance_diagonal_and_point() -> None:
    fpr, tpr = np.array([0.0, 0.1, 1.0]), np.array([0.0, 0.8, 1.0])
    ax = plot_roc_curve(fpr, tpr, roc_auc=0.85, point=(0.1, 0.8), name="SGD")
    lines = ax.get_lines()
    assert np.array_equal(lines[0].get_xdata(), fpr) and np.array_equal(lines[0].get_ydata(), tpr)
    assert any(
        np.array_equal(line.get_xdata(), [0, 1]) and np.array_equal(line.get_ydata(), [0, 1])
        for line in lines
    )
    assert any(
        list(line.get_xydata()[0]) == [0.1, 0.8] and len(line.get_xdata()) == 1 for line in lines
    )


def test_confusion_matrix_labels_and_values() -> None:
    cm = np.arange(100).reshape(10, 10)
    ax = plot_confusion_matrix(cm, class_names=FASHION, values_format="d", title="Counts")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(FASHION)
    assert ax.get_title() == "Counts"
    assert np.array_equal(ax.get_images()[0].get_array(), cm)
    assert ax.texts[12].get_text() == "12"


def test_confusion_matrix_slants_class_names_not_digits() -> None:
    cm = np.eye(10, dtype=int)
    named = plot_confusion_matrix(cm, class_names=FASHION)
    assert {(t.get_rotation(), t.get_horizontalalignment()) for t in named.get_xticklabels()} == {
        (40.0, "right")
    }
    digits = plot_confusion_matrix(cm, class_names=[str(i) for i in range(10)])
    assert {t.get_rotation() for t in digits.get_xticklabels()} == {0.0}


def test_misclassified_images_are_labelled_by_class_name(images: np.ndarray) -> None:
    def labels(class_names: tuple[str, ...] | None) -> list[str]:
        ax = plot_misclassified(
            images[:2], true=[9, 1], predicted=[7, 3], probability=[0.981, 0.5],
            n_cols=2, class_names=class_names,
        )  # fmt: skip
        return [t.get_text() for t in ax.texts]

    assert labels(None) == labels(tuple(str(i) for i in range(10))) == ["9→7 0.98", "1→3 0.50"]
    # Too long for one line over a 28-pixel image: broken after the arrow.
    assert labels(FASHION) == ["Ankle boot→\nSneaker 0.98", "Trouser→\nDress 0.50"]


def test_confusion_matrices_two_panels_percent() -> None:
    cm = np.full((10, 10), 0.1)
    axes = plot_confusion_matrices(
        [cm, cm],
        class_names=[str(i) for i in range(10)],
        titles=["a", "b"],
        values_formats=[".0%", ".0%"],
    )
    assert isinstance(axes[0].figure, Figure) and len(axes[0].figure.axes) == 2
    assert axes[1].texts[0].get_text() == "10%"
