"""Draw the pictures of docs/robustness.md: one digit under every corruption and every photo.

Writes ``docs/robustness/corruptions.png`` (a test digit, clean and under each
of MNIST-C's 15 corruptions), ``docs/robustness/photo-path.png`` (the same
digit photographed in every variant, each photo above the 28×28 image the
model sees after ``predict``'s preprocessing) and ``docs/robustness/training.png``
(training digits as ``cnn-robust`` learns from them: each damage family, and the
writing styles). Run from the repository root::

    .venv/bin/python scripts/robustness_pictures.py [--index 0] [--seed 0] [--out docs/robustness]
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image

from mnistlab.config import Locations
from mnistlab.data import load
from mnistlab.errors import ImageInputError
from mnistlab.files import atomic_write
from mnistlab.robustness import CORRUPTIONS, PHOTO_VARIANTS, photograph
from mnistlab.robustness.paper import seen_by_model

COLUMNS = 8


def _show(ax: Axes, image: np.ndarray, title: str, *, grey: bool = True) -> Axes:
    ax.imshow(image, cmap="gray" if grey else None, vmin=0, vmax=255, interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def corruptions_figure(digit: np.ndarray, seed: int) -> Figure:
    """The digit as it is and under every corruption, 8 to a row.

    Example
    -------
    >>> corruptions_figure(data.X_test[0], seed=0).savefig("c.png")  # doctest: +SKIP
    """
    panels = [("clean", digit)] + [
        (c.name, c(digit.reshape(1, 784), np.random.default_rng([seed, i]))[0])
        for i, c in enumerate(CORRUPTIONS)
    ]
    rows = -(-len(panels) // COLUMNS)
    figure = Figure(figsize=(1.3 * COLUMNS, 1.45 * rows), layout="constrained")
    axes = figure.subplots(rows, COLUMNS, squeeze=False)
    for ax, (name, pixels) in zip(axes.flat, panels, strict=False):
        _show(ax, pixels.reshape(28, 28), name)
    for ax in axes.flat[len(panels) :]:
        ax.set_axis_off()
    return figure


def photo_path_figure(digit: np.ndarray, seed: int) -> Figure:
    """Each photo variant of the digit, above what the model sees after preprocessing.

    Example
    -------
    >>> photo_path_figure(data.X_test[0], seed=0).savefig("p.png")  # doctest: +SKIP
    """
    blocks = -(-len(PHOTO_VARIANTS) // COLUMNS)
    figure = Figure(figsize=(1.5 * COLUMNS, 3.1 * blocks), layout="constrained")
    axes = figure.subplots(2 * blocks, COLUMNS, squeeze=False)
    for i, variant in enumerate(PHOTO_VARIANTS):
        row, col = 2 * (i // COLUMNS), i % COLUMNS
        top, bottom = axes[row, col], axes[row + 1, col]
        photo = photograph(variant, digit, np.random.default_rng([seed, i]))
        # The photo as its file decodes (JPEG artefacts included).
        decoded = np.asarray(Image.open(io.BytesIO(photo.encode())).convert("RGB"))
        _show(top, decoded, variant.name, grey=False)
        try:
            _show(bottom, seen_by_model(photo), "model sees")
        except ImageInputError:
            bottom.set_axis_off()
            bottom.set_title("no digit found", fontsize=8)
    for ax in axes.flat:
        if not ax.has_data() and not ax.get_title():
            ax.set_axis_off()
    return figure


def training_figure(images: np.ndarray, labels: np.ndarray, seed: int) -> Figure:
    """Training digits under each damage family of ``cnn-robust``, then in other styles.

    Example
    -------
    >>> training_figure(data.X_train, data.y_train, seed=0).savefig("t.png")  # doctest: +SKIP
    """
    import torch

    from mnistlab.models.styles import Styles, style_batch
    from mnistlab.models.wear import FAMILIES

    generator = torch.Generator().manual_seed(seed)
    batch = torch.from_numpy(images[:COLUMNS].astype(np.float32) / 255).view(-1, 1, 28, 28)
    rows = [("as written", batch)]
    rows += [(name, damage(batch, generator).clamp(0, 1)) for name, damage in FAMILIES.items()]
    picked = np.flatnonzero(np.isin(labels, (1, 4, 7)))[:COLUMNS]
    digits = torch.from_numpy(labels[picked].astype(np.int64))
    plain = torch.from_numpy(images[picked].astype(np.float32) / 255).view(-1, 1, 28, 28)
    rows += [
        ("1, 4, 7", plain),
        ("styles", style_batch(plain, digits, Styles(1.0), generator=generator)),
    ]
    figure = Figure(figsize=(1.1 * COLUMNS, 1.15 * len(rows)), layout="constrained")
    axes = figure.subplots(len(rows), COLUMNS, squeeze=False)
    for (name, row), line in zip(rows, axes, strict=True):
        for col, ax in enumerate(line):
            _show(ax, (row[col, 0].numpy() * 255).round(), name if col == 0 else "")
    return figure


def _save(figure: Figure, path: Path) -> None:
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=int, default=0, help="Test image to draw.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("docs/robustness"))
    args = parser.parse_args()
    data = load("mnist", locations=Locations.resolve())
    digit = data.X_test[args.index]
    args.out.mkdir(parents=True, exist_ok=True)
    _save(corruptions_figure(digit, args.seed), args.out / "corruptions.png")
    _save(photo_path_figure(digit, args.seed), args.out / "photo-path.png")
    _save(training_figure(data.X_train, data.y_train, args.seed), args.out / "training.png")


if __name__ == "__main__":
    main()
