"""Figures of the data's images: one image, a mosaic, the class-pair grid, denoising, mistakes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from mnistlab.plots._axes import axes_or_new, new_figure

IMAGE_SIDE = 28
#: A mistake's label longer than this many characters breaks after its arrow.
MISTAKE_LINE = 12


def plot_digit(image: np.ndarray, *, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Draw one 784-pixel image as 28×28 in the binary colormap, without axes.

    Parameters
    ----------
    image : array of 784 pixel values (or 28×28)
    title : str, optional
    ax : Axes, optional
        Drawn on a new Figure when omitted.

    Returns
    -------
    Axes

    Example
    -------
    >>> ax = plot_digit(data.X_train[0], title="5")   # doctest: +SKIP
    """
    ax = axes_or_new(ax, figsize=(3.0, 3.0))
    return _show(ax, np.asarray(image).reshape(IMAGE_SIDE, IMAGE_SIDE), title)


def _show(ax: Axes, picture: np.ndarray, title: str | None) -> Axes:
    # A picture of images without axes, in the binary colormap, titled if asked.
    ax.imshow(picture, cmap="binary")
    ax.axis("off")
    if title is not None:
        ax.set_title(title)
    return ax


def mosaic_rows(n_images: int, n_cols: int) -> int:
    """Rows of a :func:`mosaic` of ``n_images`` images, ``n_cols`` per row (at least one)."""
    return max(1, -(-n_images // n_cols))


def misclassified_figsize(n_images: int, n_cols: int) -> tuple[float, float]:
    """Size in inches of the figure :func:`plot_misclassified` draws ``n_images`` images on."""
    return 1.1 * n_cols, 1.25 * mosaic_rows(n_images, n_cols) + 0.4


def mosaic(images: np.ndarray, *, n_cols: int) -> np.ndarray:
    """Tile images (n, 784) into one 2-D array, ``n_cols`` per row, blank-padded."""
    stack = np.asarray(images, dtype=np.float64).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    n_rows = mosaic_rows(len(stack), n_cols)
    padded = np.zeros((n_rows * n_cols, IMAGE_SIDE, IMAGE_SIDE))
    padded[: len(stack)] = stack
    blocks = padded.reshape(n_rows, n_cols, IMAGE_SIDE, IMAGE_SIDE)
    return blocks.transpose(0, 2, 1, 3).reshape(n_rows * IMAGE_SIDE, n_cols * IMAGE_SIDE)


def plot_digits(
    images: np.ndarray,
    *,
    n_cols: int = 10,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw images as one mosaic, ``n_cols`` per row (the first 100 images: a 10×10 grid).

    Returns
    -------
    Axes
        Holding one image (the mosaic).

    Example
    -------
    >>> ax = plot_digits(data.X_train[:100])   # doctest: +SKIP
    """
    ax = axes_or_new(ax, figsize=(7.0, 7.0))
    return _show(ax, mosaic(images, n_cols=n_cols), title)


def plot_class_pair_grid(
    cells: Mapping[tuple[int, int], np.ndarray],
    *,
    pair: tuple[int, int],
    class_names: Sequence[str],
    n_cols: int = 5,
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """Draw the error-analysis grid: true class × predicted class, a mosaic per cell.

    Parameters
    ----------
    cells : mapping of (true, predicted) to images (n, 784)
        Up to 25 images for each of the four (true, predicted) combinations.
    pair : (a, b)
        The two classes; rows are the true class, columns the predicted one.
    class_names : sequence of str
        Names of the class labels.
    n_cols : int, default=5
        Images per row of each mosaic.
    axes : array of Axes, shape (2, 2), optional
        A new Figure with a 2×2 grid of Axes when omitted.

    Returns
    -------
    array of Axes, shape (2, 2)

    Example
    -------
    >>> axes = plot_class_pair_grid(cells, pair=(3, 5), class_names=names)   # doctest: +SKIP
    """
    if axes is None:
        axes = new_figure((8.0, 8.0)).subplots(2, 2)
    for i, true in enumerate(pair):
        for j, pred in enumerate(pair):
            ax = axes[i, j]
            ax.imshow(mosaic(cells[(true, pred)], n_cols=n_cols), cmap="binary")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"true {class_names[true]}, predicted {class_names[pred]}")
    return axes


def plot_denoising(
    noisy: np.ndarray,
    clean: np.ndarray,
    cleaned: np.ndarray,
    *,
    titles: Sequence[str] = ("noisy input", "original", "cleaned by KNN"),
    axes: Sequence[Axes] | None = None,
) -> list[Axes]:
    """Draw a noisy image, its clean original and the model's cleaned version side by side.

    Parameters
    ----------
    noisy, clean, cleaned : array of 784 pixel values
    titles : sequence of three str
    axes : sequence of three Axes, optional
        A new Figure with one row of three Axes when omitted.

    Returns
    -------
    list of Axes
        One per image.

    Example
    -------
    >>> axes = plot_denoising(noisy, clean, cleaned)   # doctest: +SKIP
    """
    if axes is None:
        axes = list(new_figure((9.0, 3.2)).subplots(1, 3))
    for ax, image, title in zip(axes, (noisy, clean, cleaned), titles, strict=True):
        plot_digit(image, title=title, ax=ax)
    return list(axes)


def _mistake_label(
    true: int, predicted: int, probability: float, class_names: Sequence[str] | None
) -> str:
    # "9→7 0.98"; with long class names "Ankle boot→" over "Sneaker 0.98".
    def name(label: int) -> str:
        return str(label) if class_names is None else str(class_names[int(label)])

    line = f"{name(true)}→{name(predicted)} {probability:.2f}"
    if len(line) <= MISTAKE_LINE:
        return line
    return f"{name(true)}→\n{name(predicted)} {probability:.2f}"


def plot_misclassified(
    images: np.ndarray,
    *,
    true: Sequence[int],
    predicted: Sequence[int],
    probability: Sequence[float],
    n_cols: int = 10,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw images a model gets wrong, each labelled "true→predicted" and its probability.

    Parameters
    ----------
    images : array, shape (n, 784)
        The misclassified images.
    true, predicted : sequence of int
        The right class label and the model's answer, per image.
    probability : sequence of float
        The probability the model gave its (wrong) answer.
    n_cols : int, default 10
    class_names : sequence of str, optional
        The names of the class labels; the labels themselves when omitted. A
        label too long for its image breaks after the arrow.
    title : str, optional
    ax : Axes, optional
        Drawn on a new Figure when omitted.

    Returns
    -------
    Axes
        One image (the mosaic) and one text label per image.

    Example
    -------
    >>> ax = plot_misclassified(X_test[wrong], true=y_test[wrong], predicted=y_pred[wrong],
    ...                         probability=p[wrong])   # doctest: +SKIP
    """
    n = len(images)
    if not len(true) == len(predicted) == len(probability) == n:
        raise ValueError("images, true, predicted and probability must have the same length")
    n_rows = mosaic_rows(n, n_cols)
    ax = axes_or_new(ax, figsize=misclassified_figsize(n, n_cols))
    ax.imshow(mosaic(images, n_cols=n_cols), cmap="binary")
    for i in range(n):
        row, col = divmod(i, n_cols)
        ax.text(
            col * IMAGE_SIDE + 1,
            row * IMAGE_SIDE + 1,
            _mistake_label(true[i], predicted[i], probability[i], class_names),
            fontsize=6.5,
            color="#b3261e",
            va="top",
            ha="left",
        )
    ax.set_xticks([IMAGE_SIDE * c for c in range(1, n_cols)], minor=True)
    ax.set_yticks([IMAGE_SIDE * r for r in range(1, n_rows)], minor=True)
    ax.grid(which="minor", color="#dde2e7", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is not None:
        ax.set_title(title)
    return ax
