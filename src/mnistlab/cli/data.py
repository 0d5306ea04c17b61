"""``mnistlab data``: fetch, describe and draw a data set; add, list and remove your own.

Each command parses its options, calls one library function and prints the
result on stdout (progress and notes go to stderr); errors travel up for the
root app to print as one line with the exit code of :class:`mnistlab.errors.ExitCode`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.table import Table

from mnistlab.cli.checks import check_dataset, check_writable_file
from mnistlab.cli.json_output import dumps, envelope
from mnistlab.cli.loading import SourceOption, load_with_progress
from mnistlab.cli.options import CacheDirOption, DataDirOption, DatasetOption
from mnistlab.cli.output import stderr_console, stdout_console, task_bars
from mnistlab.config import Locations
from mnistlab.data import (
    Dataset,
    DatasetSpec,
    Preprocessing,
    add_dataset,
    builtin_dataset_names,
    check_arrays,
    get_dataset_spec,
    remove_user_dataset,
    user_dataset_specs,
)
from mnistlab.data.userdata import describe_origin
from mnistlab.errors import ConfigError, lookup
from mnistlab.files import atomic_write

if TYPE_CHECKING:
    from mnistlab.preprocess import Framing

__all__ = ["app"]

#: The most images ``data show --grid`` draws.
MAX_GRID = 2500

app = typer.Typer(
    help="Get, verify, describe and draw a data set (MNIST, Fashion-MNIST); add your own.",
    no_args_is_help=True,
)


@app.command()
def fetch(
    dataset: DatasetOption = "mnist",
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    source: SourceOption = "auto",
) -> None:
    """Get the data set, verify it by checksum and cache it; say which source served it.

    Examples:

      mnistlab data fetch

      mnistlab data fetch -d fashion-mnist --source mirror

      mnistlab data fetch --data-dir ~/mnist --cache-dir /tmp/cache
    """
    data = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source=source)
    console = stdout_console()
    console.print(f"{data.name}: {data.images.shape[0]:,} images, verified")
    console.print(f"source: {data.source}")
    console.print(f"cache: {data.cache_path}")


@app.command()
def info(
    dataset: DatasetOption = "mnist",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (kind data-info, docs/json.md).")
    ] = False,
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
) -> None:
    """Show shape, per-class counts, checksum status, source and cache path.

    It reads the cache when it holds the data set and never rewrites it: to
    fetch again from one source, use `mnistlab data fetch --source NAME`.

    Examples:

      mnistlab data info

      mnistlab data info -d fashion-mnist

      mnistlab data info --json | jq .classes
    """
    data = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source="auto")
    console = stdout_console()
    if as_json:
        console.print(dumps(info_document(data)), markup=False)
        return
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
    console.print(f"source: {data.source}")
    console.print(f"cache: {data.cache_path}")


def info_document(data: Dataset) -> dict[str, object]:
    """What ``data info --json`` prints: the envelope of kind ``data-info``."""
    spec = get_dataset_spec(data.name)
    n_classes = len(data.class_names)
    train = np.bincount(data.y_train, minlength=n_classes)
    test = np.bincount(data.y_test, minlength=n_classes)
    cache = None if data.cache_path is None else str(Path(data.cache_path).resolve())
    return envelope(
        "data-info",
        dataset=data.name,
        n_images=int(data.images.shape[0]),
        n_train=int(data.n_train),
        n_test=int(data.images.shape[0] - data.n_train),
        image_shape=[int(side) for side in spec.image_shape],
        dtype=str(data.images.dtype),
        classes=[
            {"label": label, "name": name, "train": int(train[label]), "test": int(test[label])}
            for label, name in enumerate(data.class_names)
        ],
        files=[
            {"file": check.key, "md5": check.seen, "ok": bool(check.ok)}
            for check in check_arrays(spec, data.images, data.labels)
        ],
        checksum=data.checksum,
        source=data.source,
        cache_path=cache,
    )


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
        int | None,
        typer.Option(
            "--index",
            metavar="N",
            help="Draw the image at this index, 0-based over all images: for MNIST 0–59999 "
            "are training images and 60000–69999 test images. [default: 0]",
            show_default=False,
        ),
    ] = None,
    grid: Annotated[
        int | None,
        typer.Option(
            "--grid",
            metavar="N",
            help=f"Draw the first N images as a grid, N from 1 to {MAX_GRID}.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="PNG file to write. [default: DATASET-INDEX.png, or DATASET-grid-N.png with "
            "--grid, in the current directory]",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    source: SourceOption = "auto",
) -> None:
    """Draw one image (--index) or the first N (--grid) to a PNG file; print its path.

    Standard output holds the path alone, so that a script can keep it.

    Examples:

      mnistlab data show --index 3

      mnistlab data show --grid 100 --out first-100.png

      png=$(mnistlab data show -d fashion-mnist --index 60000)
    """
    if index is not None and grid is not None:
        raise ConfigError("give --index or --grid, not both")
    if out is not None:
        if out.suffix.lower() != ".png":
            raise ConfigError(f"--out must name a .png file, got {out}")
        check_writable_file(out, option="--out")
    check_dataset(dataset)
    data = load_with_progress(dataset, data_dir=data_dir, cache_dir=cache_dir, source=source)
    spec = get_dataset_spec(data.name)
    n_images = data.images.shape[0]
    if grid is not None:
        if not 1 <= grid <= min(n_images, MAX_GRID):
            raise ConfigError(f"--grid must be from 1 to {min(n_images, MAX_GRID)}, got {grid}")
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
    stdout_console().print(str(target), markup=False)


def _preprocessing(framing: Framing) -> Preprocessing:
    """The very functions ``predict`` uses, and what they do with this framing."""
    from mnistlab.preprocess import describe_framing, preprocess, to_mnist

    description = f"mnistlab.preprocess, {framing} framing as for predict: "
    return Preprocessing(
        from_file=preprocess,
        from_image=to_mnist,
        description=description + describe_framing(framing),
    )


def _check_framing(name: str) -> Framing:
    from mnistlab.preprocess import FRAMINGS

    return lookup({str(framing): framing for framing in FRAMINGS}, name, what="framing")


def _with_bars(work: Any) -> Any:
    """Run ``work(report)`` with one progress bar per task on stderr; return what it returns."""
    with task_bars(stderr_console(), "{task.completed}/{task.total}") as progress:
        return work(progress)


@app.command()
def add(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="The new data set's name: lower-case letters, digits and hyphens.",
            show_default=False,
        ),
    ],
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            help="A folder of class folders of images (PATH/<class>/*.png; or PATH/train/<class> "
            "and PATH/test/<class>), a folder of the four IDX files, or an .npz with X_train, "
            "y_train, X_test, y_test.",
            show_default=False,
        ),
    ],
    test_size: Annotated[
        float,
        typer.Option(
            "--test-size",
            metavar="SHARE",
            help="Share of each class of an image folder kept as test images (stratified).",
        ),
    ] = 0.2,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", metavar="N", help="Seed of that test split and of the images' order."
        ),
    ] = 0,
    no_preprocess: Annotated[
        bool,
        typer.Option(
            "--no-preprocess",
            help="Store the images as given: they must all be 28×28 grey-scale already.",
        ),
    ] = False,
    framing: Annotated[
        str,
        typer.Option(
            "--framing",
            metavar="FRAMING",
            help="How each image is made like the data set's: 'digit' (cropped to the ink, "
            "20×20, centred, as MNIST) or 'object' (a photo of one item: trimmed, longest edge "
            "28, centred, light on black, as Fashion-MNIST). predict and serve frame your images "
            "for this data set the same way.",
        ),
    ] = "digit",
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            metavar="TEXT",
            help="How reports name it. [default: NAME]",
            show_default=False,
        ),
    ] = None,
    classes: Annotated[
        str | None,
        typer.Option(
            "--classes",
            metavar="A,B,...",
            help="Names of labels 0, 1, ... of IDX files or an .npz. [default: the label values]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Add your own data set: checked, made MNIST-like, stored; then use it with -d NAME.

    Images of any size (PNG, JPEG, BMP, GIF, WebP, TIFF) are made MNIST-like
    exactly as `mnistlab predict` does, unless --no-preprocess: framed as
    digits, or with --framing object as photos of items are framed for
    Fashion-MNIST; the framing is stored with the data set, and predict and
    serve use it for your images. The data set is
    stored as four IDX files and a manifest in the user data directory (Env:
    MNISTLAB_DATASETS_DIR) and checked by SHA-256 whenever it is loaded. Bad
    data is refused with one line, and nothing is stored.

    Examples:

      mnistlab data add my-digits scans/

      mnistlab data add my-digits scans/ --test-size 0.25 --seed 1

      mnistlab data add letters letters.npz --classes a,b,c --no-preprocess

      mnistlab data add my-shoes photos/ --framing object

      mnistlab study -d my-digits --quick
    """
    class_names = None
    if classes is not None:
        class_names = [part.strip() for part in classes.split(",")]
        if not all(class_names):
            raise ConfigError(f"--classes {classes!r}: give names separated by commas")
    chosen = _check_framing(framing)
    locations = Locations.resolve()
    spec = _with_bars(
        lambda progress: add_dataset(
            name,
            path,
            preprocessing=None if no_preprocess else _preprocessing(chosen),
            framing=chosen,
            locations=locations,
            test_size=test_size,
            seed=seed,
            title=title,
            class_names=class_names,
            progress=progress,
        )
    )
    stdout_console().print(
        f"added {spec.name}: {spec.n_train:,} training and {spec.n_test:,} test images of "
        f"{len(spec.class_names)} classes ({_classes_text(spec)}), "
        f"{_made(no_preprocess, chosen)}; stored in {spec.directory}",
        markup=False,
    )


def _made(no_preprocess: bool, framing: Framing) -> str:
    """How the images were stored, and the framing when it is not the digits'."""
    made = "as given" if no_preprocess else "made MNIST-like"
    return made if framing == "digit" else f"{made}, {framing} framing"


def _classes_text(spec: DatasetSpec, limit: int = 10) -> str:
    names = spec.class_names
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)})" if len(names) > limit else "")


def list_document(locations: Locations) -> dict[str, object]:
    """What ``data list --json`` prints: the envelope of kind ``data-list``."""
    specs = [get_dataset_spec(name) for name in builtin_dataset_names()]
    specs += list(user_dataset_specs(locations))
    return envelope(
        "data-list",
        datasets_dir=str(locations.datasets_dir.resolve()),
        datasets=[
            {
                "name": spec.name,
                "title": spec.title,
                "builtin": spec.builtin,
                "classes": list(spec.class_names),
                "n_train": spec.n_train,
                "n_test": spec.n_test,
                "source": describe_origin(spec),
                "directory": None if spec.directory is None else str(spec.directory.resolve()),
            }
            for spec in specs
        ],
    )


@app.command(name="list")
def list_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (kind data-list, docs/json.md).")
    ] = False,
) -> None:
    """List the data sets: the built-in ones, then those added with `mnistlab data add`.

    Examples:

      mnistlab data list

      mnistlab data list --json | jq '.datasets[].name'
    """
    locations = Locations.resolve()
    document = list_document(locations)
    console = stdout_console()
    if as_json:
        console.print(dumps(document), markup=False)
        return
    table = Table(title="Data sets")
    for column, justify in (
        ("name", "left"),
        ("title", "left"),
        ("classes", "left"),
        ("train", "right"),
        ("test", "right"),
        ("source", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    rows: list[Any] = document["datasets"]  # type: ignore[assignment]
    for row in rows:
        table.add_row(
            row["name"],
            row["title"],
            _classes_text(get_dataset_spec(row["name"], locations)),
            f"{row['n_train']:,}",
            f"{row['n_test']:,}",
            row["source"],
        )
    console.print(table)
    console.print(f"added data sets: {locations.datasets_dir}", markup=False)


@app.command()
def remove(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="A data set added with `mnistlab data add`.", show_default=False
        ),
    ],
) -> None:
    """Remove a data set added with `mnistlab data add` (never a built-in one).

    Examples:

      mnistlab data remove my-digits

      mnistlab data remove my-digits && mnistlab data add my-digits scans/
    """
    directory = remove_user_dataset(Locations.resolve().datasets_dir, name, builtin_dataset_names())
    stdout_console().print(f"removed {directory.name} ({directory})", markup=False)
