"""A user's own data set, from a folder of images, four IDX files or an ``.npz``.

:func:`add_dataset` reads what the user has, checks it, makes every image
MNIST-like (or checks that it is 28×28 grey-scale already), splits it into
training and test images when the user did not, and stores it with
:func:`~mnistlab.data.userdata.store_user_dataset`. Every problem with the
input is an error of :mod:`mnistlab.errors` with a one-line message, raised
before anything is written.

The data layer does not know how to make an image MNIST-like: that is
:mod:`mnistlab.preprocess`, a layer beside it. The caller hands the functions
in as a :class:`Preprocessing` (the command line passes the ones ``predict``
uses), so a notebook can add a data set the same way. The data set's framing
(``digit`` or ``object``) is stored with it and given to each call of those
functions, so its images are framed as ``predict`` will frame a user's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from mnistlab.config import Locations
from mnistlab.data.idx import read_idx
from mnistlab.data.registry import builtin_dataset_names
from mnistlab.data.spec import IDX_FILES, DatasetSpec
from mnistlab.data.userdata import (
    MAX_CLASSES,
    MIN_CLASSES,
    check_name_free,
    check_new_name,
    store_user_dataset,
)
from mnistlab.data.verify import whole_numbers_uint8
from mnistlab.errors import (
    ConfigError,
    DataFormatError,
    DataIntegrityError,
    ImageInputError,
    MnistlabError,
)
from mnistlab.progress import ProgressCallback, ignore_progress

if TYPE_CHECKING:
    from mnistlab.preprocess import Framing

__all__ = ["IMAGE_SUFFIXES", "NPZ_KEYS", "Preprocessing", "add_dataset", "read_source"]

#: The image files an image folder may hold (case-insensitive); other files are ignored.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
#: The arrays an ``.npz`` must hold.
NPZ_KEYS = ("X_train", "y_train", "X_test", "y_test")
#: The side of an MNIST image.
SIDE = 28

_Image = Any  # a PIL image; Pillow is imported only where images are read


class _FromFile(Protocol):
    def __call__(self, path: Path, /, *, framing: Framing = ...) -> np.ndarray: ...


class _FromImage(Protocol):
    def __call__(self, image: _Image, /, *, framing: Framing = ...) -> np.ndarray: ...


@dataclass(frozen=True)
class Preprocessing:
    """How images are made MNIST-like: from a file, and from a decoded image.

    Parameters
    ----------
    from_file : callable
        An image file's path to a 28×28 uint8 array (``mnistlab.preprocess.preprocess``);
        called with the data set's framing as keyword ``framing``.
    from_image : callable
        A PIL image to a 28×28 uint8 array (``mnistlab.preprocess.to_mnist``), also
        called with keyword ``framing``.
    description : str
        What was done, kept in the data set's manifest.

    Example
    -------
    >>> from mnistlab.preprocess import preprocess, to_mnist
    >>> steps = Preprocessing(preprocess, to_mnist, "mnistlab.preprocess")
    """

    from_file: _FromFile
    from_image: _FromImage
    description: str


def _framed(preprocessing: Preprocessing | None, framing: Framing) -> Preprocessing | None:
    """The same steps, each call given the data set's framing."""
    if preprocessing is None:
        return None
    return Preprocessing(
        from_file=partial(preprocessing.from_file, framing=framing),
        from_image=partial(preprocessing.from_image, framing=framing),
        description=preprocessing.description,
    )


@dataclass(frozen=True)
class _Read:
    """What was read: the four arrays, the class names, where from."""

    parts: dict[str, np.ndarray]
    class_names: tuple[str, ...]
    origin: dict[str, Any]


def _image_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )


def _class_folders(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))


def _check_class_count(n_classes: int, where: str) -> None:
    if n_classes < MIN_CLASSES:
        raise DataFormatError(
            f"{where}: {n_classes} class{'es' if n_classes != 1 else ''}; a data set needs at "
            f"least {MIN_CLASSES} (one folder of images per class)"
        )
    if n_classes > MAX_CLASSES:
        raise DataFormatError(f"{where}: {n_classes} classes; at most {MAX_CLASSES} are supported")


def _read_ready(path: Path) -> np.ndarray:
    """An image file that must be 28×28 grey-scale already (``--no-preprocess``)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.size != (SIDE, SIDE) or image.mode != "L":
                width, height = image.size
                raise DataFormatError(
                    f"{path}: a {width}×{height} image of mode {image.mode}, but --no-preprocess "
                    f"needs {SIDE}×{SIDE} grey-scale (mode L) images; leave out --no-preprocess "
                    "to have every image made MNIST-like"
                )
            image.load()
            return np.array(image, dtype=np.uint8)
    except DataFormatError:
        raise
    except Exception as exc:
        # Decoders fail in many ways on damaged files; each means the same here.
        raise ImageInputError(
            f"{path}: cannot be read as an image ({type(exc).__name__}); fix or remove the file"
        ) from None


def _read_image(path: Path, preprocessing: Preprocessing | None) -> np.ndarray:
    if preprocessing is None:
        return _read_ready(path)
    try:
        digit = preprocessing.from_file(path)
    except MnistlabError as exc:
        text = str(exc)
        raise ImageInputError(
            text if str(path) in text else f"{path}: {text}; fix or remove the file"
        ) from None
    return _check_digit(np.asarray(digit), str(path))


def _check_digit(digit: np.ndarray, where: str) -> np.ndarray:
    if digit.shape != (SIDE, SIDE) or digit.dtype != np.uint8:
        raise DataFormatError(
            f"{where}: the preprocessing gave {digit.dtype} {digit.shape}, not uint8 (28, 28)"
        )
    return digit


def _read_class_folders(
    directory: Path,
    preprocessing: Preprocessing | None,
    progress: ProgressCallback,
    class_names: tuple[str, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    folders = _class_folders(directory)
    names = tuple(folder.name for folder in folders)
    _check_class_count(len(names), str(directory))
    if class_names is not None and names != class_names:
        raise DataFormatError(
            f"{directory}: class folders {', '.join(names)} differ from the training "
            f"folders' {', '.join(class_names)}; give both splits the same class folders"
        )
    listed: list[tuple[Path, int]] = []
    for label, folder in enumerate(folders):
        found = _image_files(folder)
        if not found:
            raise DataFormatError(
                f"class folder {folder} holds no images ({', '.join(IMAGE_SUFFIXES)}); "
                "add images or remove the folder"
            )
        listed += [(path, label) for path in found]
    images = np.empty((len(listed), SIDE, SIDE), dtype=np.uint8)
    task = f"read images of {directory.name}"
    for i, (path, _) in enumerate(listed):
        progress(task, i, len(listed))
        images[i] = _read_image(path, preprocessing)
    progress(task, len(listed), len(listed))
    labels = np.array([label for _, label in listed], dtype=np.uint8)
    return images, labels, names


def _split(
    images: np.ndarray, labels: np.ndarray, names: tuple[str, ...], test_size: float, seed: int
) -> dict[str, np.ndarray]:
    from sklearn.model_selection import train_test_split

    counts = np.bincount(labels, minlength=len(names))
    if counts.min() < 2:
        raise DataFormatError(
            f"class {names[int(counts.argmin())]!r} has only {int(counts.min())} image; a "
            "stratified test split needs at least 2 per class"
        )
    try:
        train, test = train_test_split(
            np.arange(len(labels)), test_size=test_size, stratify=labels, random_state=seed
        )
    except ValueError as exc:
        raise DataFormatError(
            f"cannot split {len(labels)} images of {len(names)} classes with --test-size "
            f"{test_size}: {exc}; add images or change --test-size"
        ) from None
    # train_test_split returns the rows in a seeded random order: kept, so that
    # no class sits in one block of rows (the study takes the first rows for some steps).
    return {
        "train-images": images[train],
        "train-labels": labels[train],
        "test-images": images[test],
        "test-labels": labels[test],
    }


def _labels(values: np.ndarray, where: str) -> np.ndarray:
    rule = (
        f"labels must be whole numbers from 0 to n_classes-1 (n_classes from {MIN_CLASSES} "
        f"to {MAX_CLASSES})"
    )
    if values.ndim != 1:
        raise DataFormatError(f"{where}: labels of shape {values.shape}; they must be one list")
    if values.dtype.kind not in "uif":
        raise DataFormatError(f"{where}: labels of type {values.dtype}; {rule}")
    try:
        return whole_numbers_uint8(values, where, high=MAX_CLASSES - 1)
    except DataIntegrityError:
        bad = values[(values < 0) | (values > MAX_CLASSES - 1) | (values != np.round(values))]
        seen = f"; found {bad[0]}" if bad.size else ""
        raise DataFormatError(f"{where}: {rule}{seen}") from None


def _image_array(values: np.ndarray, where: str) -> np.ndarray:
    if values.ndim == 2 and math.isqrt(values.shape[1]) ** 2 == values.shape[1] > 0:
        side = math.isqrt(values.shape[1])
        values = values.reshape(values.shape[0], side, side)
    if values.ndim != 3 or min(values.shape[1:], default=0) < 1:
        raise DataFormatError(
            f"{where}: images of shape {values.shape}; give (n, height, width) or (n, side*side)"
        )
    if values.dtype.kind not in "uif":
        raise DataFormatError(f"{where}: images of type {values.dtype}; give pixel values 0–255")
    try:
        return whole_numbers_uint8(values, where)
    except DataIntegrityError as exc:
        raise DataFormatError(f"{exc}; give pixel values 0–255 (uint8)") from None


def _prepare_arrays(
    images: np.ndarray, where: str, preprocessing: Preprocessing | None, progress: ProgressCallback
) -> np.ndarray:
    if preprocessing is None:
        if images.shape[1:] != (SIDE, SIDE):
            raise DataFormatError(
                f"{where}: images of {images.shape[1]}×{images.shape[2]} pixels, but "
                f"--no-preprocess needs {SIDE}×{SIDE}; leave out --no-preprocess to have every "
                "image made MNIST-like"
            )
        return images
    from PIL import Image

    out = np.empty((images.shape[0], SIDE, SIDE), dtype=np.uint8)
    task = f"preprocess {where}"
    for i, image in enumerate(images):
        progress(task, i, len(images))
        try:
            digit = preprocessing.from_image(Image.fromarray(image, mode="L"))
        except MnistlabError as exc:
            raise ImageInputError(f"{where}[{i}]: {exc}") from None
        out[i] = _check_digit(np.asarray(digit), f"{where}[{i}]")
    progress(task, len(images), len(images))
    return out


def _finish_arrays(
    arrays: dict[str, np.ndarray],
    names: dict[str, str],
    class_names: Sequence[str] | None,
    preprocessing: Preprocessing | None,
    progress: ProgressCallback,
) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
    """Check the four arrays of IDX files or an npz; return them MNIST-like, and the classes."""
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"{split}-images"]), len(arrays[f"{split}-labels"])
        if n_images != n_labels:
            raise DataFormatError(
                f"{names[split + '-images']} holds {n_images} images but "
                f"{names[split + '-labels']} {n_labels} labels; they must be as many"
            )
        if n_images == 0:
            raise DataFormatError(f"{names[split + '-images']} holds no images")
    top = int(max(arrays["train-labels"].max(), arrays["test-labels"].max()))
    if class_names is None:
        n_classes = top + 1
        chosen = tuple(str(label) for label in range(n_classes))
    else:
        chosen = tuple(class_names)
        n_classes = len(chosen)
    _check_class_count(n_classes, "the labels" if class_names is None else "--classes")
    if top >= n_classes:
        raise DataFormatError(
            f"label {top} is out of range for {n_classes} classes; labels must be 0 to "
            f"{n_classes - 1}"
        )
    parts = {
        "train-images": _prepare_arrays(
            arrays["train-images"], names["train-images"], preprocessing, progress
        ),
        "train-labels": arrays["train-labels"],
        "test-images": _prepare_arrays(
            arrays["test-images"], names["test-images"], preprocessing, progress
        ),
        "test-labels": arrays["test-labels"],
    }
    return parts, chosen


def _idx_path(directory: Path, filename: str) -> Path | None:
    for candidate in (directory / (filename + ".gz"), directory / filename):
        if candidate.is_file():
            return candidate
    return None


def _read_idx_dir(
    directory: Path,
    class_names: Sequence[str] | None,
    preprocessing: Preprocessing | None,
    progress: ProgressCallback,
) -> _Read:
    arrays: dict[str, np.ndarray] = {}
    names: dict[str, str] = {}
    for f in IDX_FILES:
        path = _idx_path(directory, f.filename)
        assert path is not None  # the caller checked that all four are there
        names[f.key] = path.name
        values = read_idx(path)
        if f.kind == "images":
            if values.ndim != 3:
                raise DataFormatError(f"{path}: shape {values.shape}; images must be (n, h, w)")
            arrays[f.key] = values
        else:
            arrays[f.key] = _labels(values, path.name)
    parts, chosen = _finish_arrays(arrays, names, class_names, preprocessing, progress)
    return _Read(parts, chosen, {"kind": "idx"})


def _read_npz(
    path: Path,
    class_names: Sequence[str] | None,
    preprocessing: Preprocessing | None,
    progress: ProgressCallback,
) -> _Read:
    try:
        # allow_pickle=False: an npz is data, it must not be able to run code.
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise DataFormatError(
                    f"{path}: no {', '.join(missing)}; an .npz must hold {', '.join(NPZ_KEYS)}"
                )
            raw = {key: archive[key] for key in NPZ_KEYS}
    except DataFormatError:
        raise
    except Exception as exc:
        raise DataFormatError(
            f"{path}: cannot be read as an .npz of plain arrays ({type(exc).__name__}: {exc})"
        ) from None
    arrays = {
        "train-images": _image_array(raw["X_train"], "X_train"),
        "train-labels": _labels(raw["y_train"], "y_train"),
        "test-images": _image_array(raw["X_test"], "X_test"),
        "test-labels": _labels(raw["y_test"], "y_test"),
    }
    names = {
        "train-images": "X_train",
        "train-labels": "y_train",
        "test-images": "X_test",
        "test-labels": "y_test",
    }
    parts, chosen = _finish_arrays(arrays, names, class_names, preprocessing, progress)
    return _Read(parts, chosen, {"kind": "npz"})


def read_source(
    path: Path,
    *,
    preprocessing: Preprocessing | None,
    framing: Framing = "digit",
    test_size: float = 0.2,
    seed: int = 0,
    class_names: Sequence[str] | None = None,
    progress: ProgressCallback = ignore_progress,
) -> tuple[dict[str, np.ndarray], tuple[str, ...], dict[str, Any]]:
    """Read and check a user's data at ``path``; return it as the four MNIST-form arrays.

    Parameters
    ----------
    path : Path
        An ``.npz`` (``X_train``, ``y_train``, ``X_test``, ``y_test``); a
        directory of the four IDX files (MNIST's names, ``.gz`` or not); a
        directory of class folders of images (``PATH/<class>/*.png``), split
        here; or ``PATH/train/<class>/...`` and ``PATH/test/<class>/...``.
    preprocessing : Preprocessing or None
        How to make images MNIST-like; ``None`` when they are 28×28
        grey-scale already (anything else is then an error).
    framing : {"digit", "object"}, default "digit"
        Given to each call of ``preprocessing``: frame images as MNIST's
        digits or as Fashion-MNIST's objects.
    test_size : float, default 0.2
        The share of each class of an unsplit image folder kept for testing.
    seed : int, default 0
        Seed of that stratified split and of the order of an image folder's rows:
        they are stored shuffled, never class after class.
    class_names : sequence of str, optional
        Names of labels 0, 1, ... of IDX files or an ``.npz`` (default: the
        label values); an image folder's classes are its folders' names, sorted.
    progress : ProgressCallback, optional

    Returns
    -------
    parts : dict of str to ndarray
        Keyed by ``IdxFile.key``: images uint8 (n, 28, 28), labels uint8 (n,).
    class_names : tuple of str
    origin : dict
        What was read (``kind``, ``path``, and the split's settings).

    Raises
    ------
    ConfigError
        If ``path`` does not exist or holds none of these, or ``test_size`` is not in (0, 1).
    DataFormatError
        If the data breaks a rule (an empty class folder, one class, images of
        another size with no preprocessing, labels out of range, missing keys,
        mismatched lengths).
    ImageInputError
        If an image cannot be read or holds no ink.

    Example
    -------
    >>> parts, classes, origin = read_source(Path("scans"), preprocessing=None)  # doctest: +SKIP
    >>> parts["train-images"].shape[1:], origin["kind"]  # doctest: +SKIP
    ((28, 28), 'image-folder')
    """
    if not path.exists():
        raise ConfigError(
            f"{path}: no such file or directory; give a folder of class folders of images, "
            "a folder of the four IDX files or an .npz"
        )
    if not 0 < test_size < 1:
        raise ConfigError(f"--test-size must be between 0 and 1 (exclusive), got {test_size}")
    preprocessing = _framed(preprocessing, framing)
    where = {"path": os.path.abspath(path)}
    if path.is_file():
        if path.suffix.lower() != ".npz":
            raise ConfigError(
                f"{path}: a file that is not an .npz; give a folder of class folders of images, "
                "a folder of the four IDX files or an .npz"
            )
        read = _read_npz(path, class_names, preprocessing, progress)
        return read.parts, read.class_names, {**read.origin, **where}
    if all(_idx_path(path, f.filename) is not None for f in IDX_FILES):
        read = _read_idx_dir(path, class_names, preprocessing, progress)
        return read.parts, read.class_names, {**read.origin, **where}
    if class_names is not None:
        raise ConfigError(
            "--classes is for IDX files and .npz; an image folder's classes are its folders"
        )
    train_dir, test_dir = path / "train", path / "test"
    if train_dir.is_dir() and test_dir.is_dir():
        images, labels, names = _read_class_folders(train_dir, preprocessing, progress)
        test_images, test_labels, _ = _read_class_folders(test_dir, preprocessing, progress, names)
        rng = np.random.default_rng(seed)
        train_order, test_order = rng.permutation(len(labels)), rng.permutation(len(test_labels))
        parts = {
            "train-images": images[train_order],
            "train-labels": labels[train_order],
            "test-images": test_images[test_order],
            "test-labels": test_labels[test_order],
        }
        return parts, names, {"kind": "image-folders (train, test)", **where, "seed": seed}
    images, labels, names = _read_class_folders(path, preprocessing, progress)
    parts = _split(images, labels, names, test_size, seed)
    return parts, names, {"kind": "image-folder", **where, "test_size": test_size, "seed": seed}


def add_dataset(
    name: str,
    path: str | os.PathLike[str],
    *,
    preprocessing: Preprocessing | None,
    framing: Framing = "digit",
    locations: Locations | None = None,
    test_size: float = 0.2,
    seed: int = 0,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> DatasetSpec:
    """Add a user's data set under ``name``, checked and stored whole; return its record.

    From then on ``load(name)``, ``get_dataset_spec(name)`` and every command's
    ``-d NAME`` use it. See :func:`read_source` for what ``path`` may be.

    Parameters
    ----------
    name : str
        The new data set's name: lower-case letters, digits and hyphens; not
        a built-in name, not one taken already.
    path : path-like
        The data (image folder, IDX files or ``.npz``).
    preprocessing : Preprocessing or None
        How to make images MNIST-like (``None``: they are 28×28 grey-scale already).
    framing : {"digit", "object"}, default "digit"
        The data set's framing, stored with it: its images are framed so
        (unless ``preprocessing`` is ``None``), and so are the images
        ``predict`` and ``serve`` are given for it. ``object`` for photos of
        items, as Fashion-MNIST.
    locations : Locations, optional
        Where added data sets are kept (``datasets_dir``); ``Locations.resolve()`` when omitted.
    test_size, seed : float, int
        The stratified test split of an unsplit image folder.
    title : str, optional
        How reports name it (default: ``name``).
    class_names : sequence of str, optional
        Names of the labels of IDX files or an ``.npz``.
    progress : ProgressCallback, optional

    Returns
    -------
    DatasetSpec

    Raises
    ------
    ConfigError
        If the name is not valid, built in or taken, or ``path`` is not usable.
    DataFormatError, ImageInputError
        If the data breaks a rule; nothing is written.
    OSError
        If the files cannot be written; nothing is left behind.

    Example
    -------
    >>> from mnistlab.preprocess import preprocess, to_mnist
    >>> steps = Preprocessing(preprocess, to_mnist, "mnistlab.preprocess")
    >>> spec = add_dataset("my-digits", "scans/", preprocessing=steps)  # doctest: +SKIP
    >>> load("my-digits").X_train.shape  # doctest: +SKIP
    (80, 784)
    >>> add_dataset("my-shoes", "photos/", preprocessing=steps, framing="object")  # doctest: +SKIP
    """
    locations = Locations.resolve() if locations is None else locations
    report = ignore_progress if progress is None else progress
    wanted = check_new_name(name, builtin_dataset_names())
    check_name_free(locations.datasets_dir, wanted)
    parts, names, origin = read_source(
        Path(path),
        preprocessing=preprocessing,
        framing=framing,
        test_size=test_size,
        seed=seed,
        class_names=class_names,
        progress=report,
    )
    return store_user_dataset(
        locations.datasets_dir,
        wanted,
        parts,
        title=title or wanted,
        class_names=names,
        origin=origin,
        preprocessing=None if preprocessing is None else preprocessing.description,
        framing=framing,
    )
