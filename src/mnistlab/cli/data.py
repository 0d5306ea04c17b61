"""``mnistlab data``: fetch, describe and draw a data set.

Each command parses its options, calls one library function and prints the
result; errors travel up as ``MnistlabError`` for the root app to print as one
line with exit code 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from mnistlab.cli.checks import check_dataset, check_writable_file
from mnistlab.cli.loading import SourceOption, load_with_progress
from mnistlab.cli.options import CacheDirOption, DataDirOption, DatasetOption
from mnistlab.data import check_arrays, get_dataset_spec
from mnistlab.errors import ConfigError
from mnistlab.files import atomic_write

__all__ = ["app"]

app = typer.Typer(
    help="Get, verify, describe and draw the data set (MNIST, Fashion-MNIST).",
    no_args_is_help=True,
)


@app.command()
def fetch(
    dataset: DatasetOption = "mnist",
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    source: SourceOption = "auto",
) -> None:
    """Get the data set, verify it by checksum and cache it; say which source served it."""
    console = Console(highlight=False)
    data = load_with_progress(
        dataset, data_dir=data_dir, cache_dir=cache_dir, source=source, console=console
    )
    console.print(f"{data.name}: {data.images.shape[0]:,} images, verified")
    console.print(f"source: {data.source}", soft_wrap=True)
    console.print(f"cache: {data.cache_path}", soft_wrap=True)


@app.command()
def info(
    dataset: DatasetOption = "mnist",
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    source: SourceOption = "auto",
) -> None:
    """Show shape, per-class counts, checksum status, source and cache path."""
    console = Console(highlight=False)
    data = load_with_progress(
        dataset, data_dir=data_dir, cache_dir=cache_dir, source=source, console=console
    )
    spec = get_dataset_spec(data.name)
    console.print(
        f"{data.name}: {data.images.shape[0]:,} images of {spec.image_shape[0]}×"
        f"{spec.image_shape[1]} pixels ({data.n_train:,} train, "
        f"{data.images.shape[0] - data.n_train:,} test), images {data.images.dtype} "
        f"{data.images.shape}"
    )
    counts = Table(title="Images per class")
    counts.add_column("label", justify="right")
    counts.add_column("class")
    counts.add_column("train", justify="right")
    counts.add_column("test", justify="right")
    n_classes = len(data.class_names)
    train = np.bincount(data.y_train, minlength=n_classes)
    test = np.bincount(data.y_test, minlength=n_classes)
    for label, name in enumerate(data.class_names):
        counts.add_row(str(label), name, str(train[label]), str(test[label]))
    console.print(counts)
    checks = Table(title="Checksums (MD5 of each IDX file)")
    checks.add_column("file")
    checks.add_column("MD5")
    checks.add_column("status")
    for check in check_arrays(spec, data.images, data.labels):
        checks.add_row(check.key, check.seen, "OK" if check.ok else "MISMATCH")
    console.print(checks)
    console.print(f"checksum: {data.checksum}")
    console.print(f"source: {data.source}", soft_wrap=True)
    console.print(f"cache: {data.cache_path}", soft_wrap=True)


def _mosaic(images: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Lay out flattened images on a near-square grid, one pixel of gap between them."""
    count = images.shape[0]
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    height, width = shape
    canvas = np.zeros((rows * (height + 1) - 1, cols * (width + 1) - 1), dtype=np.uint8)
    for index in range(count):
        row, col = divmod(index, cols)
        top, left = row * (height + 1), col * (width + 1)
        canvas[top : top + height, left : left + width] = images[index].reshape(shape)
    return canvas


def _save_png(picture: np.ndarray, out: Path, title: str) -> None:
    from matplotlib.figure import Figure  # heavy import, only for this command

    inches = max(2.0, picture.shape[1] / 40)
    figure = Figure(figsize=(inches, inches * picture.shape[0] / picture.shape[1]), dpi=100)
    ax = figure.add_subplot()
    ax.imshow(picture, cmap="binary", interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()
    figure.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so an interrupted run leaves no half PNG.
    with atomic_write(out, suffix=".png") as handle:
        figure.savefig(handle, format="png")


@app.command()
def show(
    dataset: DatasetOption = "mnist",
    index: Annotated[
        int | None, typer.Option("--index", help="Draw the image at this index (0-based).")
    ] = None,
    grid: Annotated[
        int | None, typer.Option("--grid", help="Draw the first N images as a grid.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="PNG file to write [default: <dataset>-<what>.png]."),
    ] = None,
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    source: SourceOption = "auto",
) -> None:
    """Draw one image (--index) or the first N (--grid) to a PNG file; print its path."""
    if index is not None and grid is not None:
        raise ConfigError("give --index or --grid, not both")
    if out is not None:
        if out.suffix.lower() != ".png":
            raise ConfigError(f"--out must name a .png file, got {out}")
        check_writable_file(out, option="--out")
    check_dataset(dataset)
    console = Console(highlight=False)
    data = load_with_progress(
        dataset, data_dir=data_dir, cache_dir=cache_dir, source=source, console=console
    )
    spec = get_dataset_spec(data.name)
    n_images = data.images.shape[0]
    if grid is not None:
        if not 1 <= grid <= min(n_images, 2500):
            raise ConfigError(f"--grid must be from 1 to {min(n_images, 2500)}, got {grid}")
        picture = _mosaic(data.images[:grid], spec.image_shape)
        title = f"first {grid} images of {data.name}"
        default_out = Path(f"{data.name}-grid-{grid}.png")
    else:
        index = 0 if index is None else index
        if not 0 <= index < n_images:
            raise ConfigError(f"--index must be from 0 to {n_images - 1}, got {index}")
        picture = data.images[index].reshape(spec.image_shape)
        title = f"#{index}: {data.class_names[data.labels[index]]}"
        default_out = Path(f"{data.name}-{index}.png")
    target = out if out is not None else default_out
    _save_png(picture, target, title)
    console.print(str(target), soft_wrap=True)
