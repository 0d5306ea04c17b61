"""The classical (non-neural) models of the ladder: nearest neighbours and an RBF SVC.

Every model is a fitted scikit-learn ``Pipeline`` that takes uint8 images in the
MNIST layout and has ``predict_proba`` (columns: digits 0–9). The settings of
a registry entry choose the model:

``{"kind": "knn", "n_neighbors", "weights", "shift": 0 | 1, "deskew": bool}``
    ``[Deskew] → PixelScaler → ByteKNeighborsClassifier``. ``shift=d`` also
    trains on every (deskewed) training image moved ``d`` pixels up, down, left
    and right. Nearest neighbours have no randomness, so no seed. Without
    deskewing or shifts the model is exactly the chapter's
    ``KNeighborsClassifier(...).fit(X_train.astype(float64), y_train)``.
``{"kind": "svc", "deskew", "features": "hog" | "pixels", "n_components", "C", "gamma",``
``"calibration_folds"}``
    ``[Deskew] → HogFeatures | PixelScaler(1/255) → PCA → CalibratedClassifierCV(SVC)``.
    Probabilities are the SVC's decision values under temperature scaling
    (one temperature fitted on ``calibration_folds``-fold out-of-fold decision
    values, then the SVC refitted on all images: scikit-learn's replacement for
    ``SVC(probability=True)``); a single temperature keeps the SVC's arg-max.
    Nothing here is random (PCA by eigendecomposition of the covariance,
    libsvm without its probability CV, unshuffled folds), so no seed.

How ``svc-rbf`` was chosen (training images only; the test set was not used):

* Features, on a stratified 50,000/10,000 split of the training set
  (deskewed, PCA 60–100, C=10, gamma near the "scale" value): scaled pixels
  99.01–99.07% validation accuracy; HOG of the deskewed images 99.29–99.40%;
  HOG with pixels appended no better (99.23–99.40%). HOG won.
* A 3-fold stratified CV on a stratified subset of 20,000 training images
  (seed 42), today ``mnistlab tune svc-rbf --n-subset 20000 --grid
  n_components=50,100,150 --grid C=1,5,25 --grid gamma=0.03,0.06,0.12,0.24``
  (36 points, 15 minutes on two busy cores). Won: 100 components, C=5,
  gamma=0.12, 98.86% ± 0.05 (C=25 tied: the margin is hard either way). The
  winner is inside the grid on every axis and the top twelve points lie
  within 0.1 points of it.

Measured once on the 10,000 test images, trained on all 60,000 training
images: knn-tuned 97.14% (the chapter's number, prediction for prediction),
knn-shift 97.63%, knn-deskew 98.43%, svc-rbf 99.28%.

The files are skops archives (``skops.io``), which hold no code. ``load``
refuses any file that names a type outside ``ALLOWED_TYPES`` (every type in
the file is checked, not only those skops distrusts) and turns every parse
error into ``ModelFileError``.
"""

from __future__ import annotations

import json
import math
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.decomposition import PCA
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from mnistlab.errors import ConfigError, ModelFileError
from mnistlab.files import atomic_write
from mnistlab.knn import FastKNeighborsClassifier
from mnistlab.models.base import N_CLASSES, DigitClassifier
from mnistlab.models.transforms import (
    Deskew,
    HogFeatures,
    PixelScaler,
    augment_with_shifts,
    deskew,
)
from mnistlab.progress import ProgressCallback

__all__ = [
    "ALLOWED_TYPES",
    "FILE_SUFFIX",
    "ByteKNeighborsClassifier",
    "build_svc",
    "load",
    "save",
    "train",
]

FILE_SUFFIX = ".skops"

_REQUIRED = {"knn": {"n_neighbors", "weights"}, "svc": {"features", "n_components", "C", "gamma"}}
_OPTIONAL = {"knn": {"kind", "shift", "deskew"}, "svc": {"kind", "deskew", "calibration_folds"}}

# What an archive may expand to. The largest model, knn-shift on all 60,000
# images, unpacks to about 240 MB, its schema to about 20 kB.
_SCHEMA = "schema.json"
_MAX_SCHEMA_BYTES = 16 << 20
_MAX_UNPACKED_BYTES = 4 << 30
# Deflate turns at most 258 bytes into one ~2-bit code: no member expands more.
_MAX_DEFLATE_RATIO = 1032

# Every type a file written by ``save`` may name, as "module.qualname" the way
# skops writes it. Anything else (a function such as os.system, a class from
# elsewhere) means the file is not ours, and it is refused before it is loaded.
ALLOWED_TYPES: frozenset[str] = frozenset(
    [f"builtins.{t}" for t in ("NoneType", "bool", "dict", "float", "int", "list", "str", "tuple")]
    + ["numpy.float64", "numpy.int64", "numpy.ndarray"]
    + ["mnistlab.models.classical.ByteKNeighborsClassifier"]
    + [f"mnistlab.models.transforms.{t}" for t in ("Deskew", "HogFeatures", "PixelScaler")]
    + [f"sklearn.calibration.{t}" for t in ("CalibratedClassifierCV", "_CalibratedClassifier")]
    + ["sklearn.calibration._TemperatureScaling", "sklearn.decomposition._pca.PCA"]
    + ["sklearn.pipeline.Pipeline", "sklearn.svm._classes.SVC"]
)


class ByteKNeighborsClassifier(KNeighborsClassifier):
    """``KNeighborsClassifier`` that predicts by the exact fast search, stored as bytes.

    A nearest-neighbour model keeps its training set: 300,000 shifted images
    are 1.9 GB as float64. When every training value is a whole number 0–255
    (pixels, deskewed pixels), ``__getstate__`` writes them as uint8 and
    ``__setstate__`` turns them back into float64. Both conversions are exact,
    so the restored ``_fit_X`` is bit for bit the one that was fitted.

    Fitting is scikit-learn's own. Predictions come from
    :class:`mnistlab.knn.FastKNeighborsClassifier`, built on first use from the
    same training rows: it returns exactly what scikit-learn's search and vote
    return (ties included; see its module), several times faster, and needs no
    more than a few milliseconds for one image. It is not stored in files.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_fast_", None)
        fit_x = state.get("_fit_X")
        if isinstance(fit_x, np.ndarray) and fit_x.dtype == np.float64:
            as_bytes = _as_bytes(fit_x)
            if as_bytes is not None:
                state["_fit_X"] = as_bytes
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        fit_x = state.get("_fit_X")
        if isinstance(fit_x, np.ndarray) and fit_x.dtype == np.uint8:
            state = {**state, "_fit_X": fit_x.astype(np.float64)}
        super().__setstate__(state)

    def _fast(self) -> FastKNeighborsClassifier | None:
        # Built once per fitted model; None where the exact screen does not apply
        # (values that are not whole numbers), and scikit-learn predicts instead.
        if "_fast_" not in self.__dict__:
            try:
                fast: FastKNeighborsClassifier | None = FastKNeighborsClassifier(
                    self.n_neighbors, weights=self.weights
                ).fit(self._fit_X, self.classes_[self._y])
            except ConfigError:
                fast = None
            self.__dict__["_fast_"] = fast
        return self.__dict__["_fast_"]

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict like ``KNeighborsClassifier.predict``, by the exact fast search."""
        fast = self._fast() if self.weights in ("uniform", "distance") else None
        return super().predict(X) if fast is None else fast.predict(X)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Class probabilities like ``KNeighborsClassifier.predict_proba``, by the fast search."""
        fast = self._fast() if self.weights in ("uniform", "distance") else None
        return super().predict_proba(X) if fast is None else fast.predict_proba(X)


def _as_bytes(values: NDArray[np.float64]) -> NDArray[np.uint8] | None:
    """Return ``values`` as uint8 if that holds them exactly, else ``None``."""
    # The range check comes first: casting a value outside 0–255 (or NaN) to
    # uint8 is undefined. Inside it, the cast truncates, and the comparison
    # catches any value it changed.
    if values.size and not (values.min() >= 0.0 and values.max() <= 255.0):
        return None
    as_bytes = values.astype(np.uint8)
    return as_bytes if np.array_equal(as_bytes, values) else None


def _check_settings(settings: Mapping[str, Any]) -> str:
    kind = settings.get("kind")
    if kind not in _REQUIRED:
        raise ConfigError(f"classical model settings need kind 'knn' or 'svc', got {kind!r}")
    missing = sorted(_REQUIRED[kind] - set(settings))
    unknown = sorted(set(settings) - _REQUIRED[kind] - _OPTIONAL[kind])
    if missing or unknown:
        raise ConfigError(
            f"settings of a {kind} model: missing {missing or 'none'}, unknown "
            f"{unknown or 'none'}; they take {', '.join(sorted(_REQUIRED[kind] | _OPTIONAL[kind]))}"
        )
    return str(kind)


def _check_training_data(
    images: NDArray[np.uint8], labels: NDArray[Any]
) -> NDArray[np.integer[Any]]:
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ConfigError(f"got {len(images)} images but labels of shape {labels.shape}")
    if not np.array_equal(np.unique(labels), np.arange(N_CLASSES)):
        raise ConfigError(
            f"training labels must include every digit 0–9, got {np.unique(labels).tolist()}; "
            "train on more images"
        )
    return labels.astype(np.int64)


def build_svc(settings: Mapping[str, Any]) -> Pipeline:
    """Return the unfitted PCA → SVC pipeline of an ``svc`` model (its features come first)."""
    return Pipeline(
        [
            # The eigenvectors of the 1296×1296 covariance: exact, deterministic, and
            # much faster than the randomised solver for many more rows than columns.
            (
                "pca",
                PCA(n_components=int(settings["n_components"]), svd_solver="covariance_eigh"),
            ),
            ("svc", SVC(C=float(settings["C"]), gamma=settings["gamma"], cache_size=500)),
        ]
    )


def _feature_steps(settings: Mapping[str, Any]) -> list[tuple[str, Any]]:
    steps: list[tuple[str, Any]] = [("deskew", Deskew())] if settings.get("deskew") else []
    features = settings.get("features", "pixels")
    if features == "hog":
        steps.append(("hog", HogFeatures()))
    elif features == "pixels":
        steps.append(("scale", PixelScaler(scale=1.0 / 255.0)))
    else:
        raise ConfigError(f"svc features must be 'hog' or 'pixels', got {features!r}")
    return steps


def train(
    settings: Mapping[str, Any],
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    progress: ProgressCallback,
) -> DigitClassifier:
    """Train the classical model that ``settings`` describe.

    Parameters
    ----------
    settings : mapping
        A registry entry's settings (see the module docstring).
    images : ndarray of uint8, shape (n, 784)
        Training images.
    labels : ndarray of int, shape (n,)
        Their digits; every digit 0–9 must occur.
    progress : callable
        Told when each stage starts and when training ends.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Fitted; ``predict_proba(uint8 (n, 784))`` gives float64 (n, 10).

    Raises
    ------
    ConfigError
        For missing or unknown settings, or labels that miss a digit.
    ImageInputError
        If ``images`` is not uint8 of shape (n, 784).

    Example
    -------
    >>> model = train(get_model_spec("knn-tuned").settings, X, y, ignore_progress)  # doctest: +SKIP
    """
    kind = _check_settings(settings)
    y = _check_training_data(images, labels)
    if kind == "svc":
        progress("fit SVC (calibration folds, then all images)", 0, 1)
        template = build_svc(settings)
        # The PCA is fitted once, on all training images, before the calibration
        # folds: it sees no labels, so the folds learn nothing through it that
        # could bias the one temperature they fit, and training does one
        # eigendecomposition instead of four.
        calibrated = CalibratedClassifierCV(
            template["svc"],
            method="temperature",
            cv=int(settings.get("calibration_folds", 3)),
            ensemble=False,
        )
        model = Pipeline(
            [*_feature_steps(settings), ("pca", template["pca"]), ("calibrated", calibrated)]
        ).fit(images, y)
        _settle_layouts(model)
        progress("fit SVC (calibration folds, then all images)", 1, 1)
        return model
    progress("deskew or shift training images", 0, 2)
    steps: list[tuple[str, Any]] = []
    x = images
    if settings.get("deskew"):
        steps.append(("deskew", Deskew().fit(x)))
        x = deskew(x)
    shift = int(settings.get("shift", 0))
    if shift:
        x, y = augment_with_shifts(x, y, distance=shift)
    progress("fit nearest neighbours", 1, 2)
    scaler = PixelScaler().fit(x)
    knn = ByteKNeighborsClassifier(
        n_neighbors=int(settings["n_neighbors"]), weights=settings["weights"]
    ).fit(scaler.transform(x), y)
    progress("fit nearest neighbours", 2, 2)
    return Pipeline([*steps, ("scale", scaler), ("knn", knn)])


def _settle_layouts(obj: Any, depth: int = 0) -> None:
    """Give every array of a fitted model the memory layout it will have after loading.

    A fitted PCA keeps ``components_`` as a strided view; written and read
    back it is a contiguous array, BLAS multiplies it along another path, and
    the last bit of a probability can change. Copying such views now makes the
    model in memory and the model read from its file compute alike, bit for bit.
    """
    if depth > 20:
        return
    if isinstance(obj, list | tuple):
        for item in obj:
            _settle_layouts(item, depth + 1)
        return
    if f"{type(obj).__module__}.{type(obj).__qualname__}" not in ALLOWED_TYPES:
        return
    for name, value in list(getattr(obj, "__dict__", {}).items()):
        if isinstance(value, np.ndarray):
            if not (value.flags.c_contiguous or value.flags.f_contiguous):
                setattr(obj, name, np.ascontiguousarray(value))
        else:
            _settle_layouts(value, depth + 1)


def save(model: DigitClassifier, path: Path) -> None:
    """Write ``model`` to ``path`` as a compressed skops archive, atomically.

    Raises
    ------
    ModelFileError
        If ``model`` is not a pipeline this module trains.
    """
    import skops.io

    _check_model(model, source="the model to save")
    with atomic_write(path) as f:
        # Level 1: pixel rows compress about 4x at once; higher levels
        # gain a few percent for several times the time.
        skops.io.dump(model, f, compression=zipfile.ZIP_DEFLATED, compresslevel=1)


def load(path: Path, settings: Mapping[str, Any]) -> DigitClassifier:
    """Read a model written by ``save``, refusing anything else.

    Parameters
    ----------
    path : Path
        The skops file.
    settings : mapping
        The settings the model was trained with; its kind must match the file.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Raises
    ------
    ModelFileError
        If the file is not a readable skops archive, names any type outside
        ``ALLOWED_TYPES``, was written by another scikit-learn version, or
        holds something other than a model of ``settings``' kind.
    """
    import skops.io

    kind = _check_settings(settings)
    what = f"the model file {path}"
    try:
        _check_archive(Path(path), what)
        named = _types_named_in(Path(path))
        untrusted = skops.io.get_untrusted_types(file=path)
    except ModelFileError:
        raise
    except OSError as exc:
        raise ModelFileError(f"cannot read {what} ({exc.strerror or exc})") from None
    except Exception as exc:
        # A damaged or foreign archive can fail anywhere in zipfile, json or
        # skops's schema walk; whatever the exception, the answer is the same.
        raise ModelFileError(f"{what} is not a readable skops archive ({_brief(exc)})") from None
    refused = sorted((named | set(untrusted)) - ALLOWED_TYPES)
    if refused:
        raise ModelFileError(
            f"{what} names types mnistlab does not load ({', '.join(refused[:3])}); "
            "it was not written by mnistlab: delete it and train the model again"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            model = skops.io.load(path, trusted=untrusted)
    except InconsistentVersionWarning as exc:
        raise ModelFileError(
            f"{what} was written by scikit-learn {exc.original_sklearn_version}; "
            "train the model again with this version"
        ) from None
    except Exception as exc:
        raise ModelFileError(f"{what} could not be loaded ({_brief(exc)})") from None
    _check_model(model, source=what, kind=kind)
    return model


def _check_archive(path: Path, what: str) -> None:
    """Refuse an archive that would expand or allocate more than it holds, before skops reads it.

    skops reads each member whole and numpy allocates each array as its
    ``.npy`` header says, so a few kilobytes could ask for terabytes. The
    zip's directory declares every member's size and each array's header its
    shape: both are checked against each other and against what deflate can
    produce from the member's compressed bytes, reading only the headers.
    """
    total = 0
    with zipfile.ZipFile(path) as archive:
        if _SCHEMA not in archive.namelist():
            raise ModelFileError(f"{what} is not a readable skops archive (no {_SCHEMA} in it)")
        for info in archive.infolist():
            size, packed = info.file_size, info.compress_size
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ModelFileError(f"{what} uses a compression mnistlab does not write")
            limit = (
                packed if info.compress_type == zipfile.ZIP_STORED else _MAX_DEFLATE_RATIO * packed
            )
            if size > limit + 64 or (info.filename == _SCHEMA and size > _MAX_SCHEMA_BYTES):
                raise ModelFileError(
                    f"{what}: member {info.filename[:60]!r} expands to {size:,} bytes from "
                    f"{packed:,}; it is damaged or hostile: delete it and train the model again"
                )
            total += size
            if info.filename.endswith(".npy"):
                with archive.open(info) as member:
                    _check_array_header(member, size, what)
    if total > _MAX_UNPACKED_BYTES:
        raise ModelFileError(
            f"{what} expands to {total:,} bytes, more than any mnistlab model "
            f"({_MAX_UNPACKED_BYTES:,}); delete it and train the model again"
        )


def _check_array_header(member: IO[bytes], size: int, what: str) -> None:
    """Refuse an ``.npy`` member whose header declares other than the bytes it holds."""
    version = np.lib.format.read_magic(member)
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    shape, _, dtype = read_header(member)
    if dtype.hasobject:
        raise ModelFileError(f"{what} holds an array of Python objects (a pickle); delete it")
    needed = math.prod(shape) * dtype.itemsize
    held = size - member.tell()
    if needed != held:
        raise ModelFileError(
            f"{what} declares an array of {shape} {dtype} ({needed:,} bytes) in a member "
            f"holding {held:,}; it is damaged: delete it and train the model again"
        )


def _types_named_in(path: Path) -> set[str]:
    """Return every "module.class" that the archive's schema names, reading JSON only."""
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read(_SCHEMA))
    return {f"{node['__module__']}.{node['__class__']}" for node in _nodes(schema)}


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    # Over-collecting is safe (a false "type" is refused, never trusted), so
    # every dict with both keys counts, wherever it sits.
    if isinstance(tree, dict):
        if isinstance(tree.get("__module__"), str) and isinstance(tree.get("__class__"), str):
            yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _brief(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _check_model(model: Any, *, source: str, kind: str | None = None) -> None:
    last = model.steps[-1][1] if isinstance(model, Pipeline) and model.steps else None
    expected = {"knn": ByteKNeighborsClassifier, "svc": CalibratedClassifierCV}
    allowed = (expected[kind],) if kind else tuple(expected.values())
    if not isinstance(last, allowed):
        raise ModelFileError(
            f"{source} is not a classical mnistlab model of kind {kind or 'knn or svc'} "
            f"(found {type(last if last is not None else model).__name__}); "
            "train the model again"
        )
    classes = getattr(last, "classes_", None)
    if classes is None or not np.array_equal(classes, np.arange(N_CLASSES)):
        raise ModelFileError(f"{source} does not predict the ten digits 0–9; train it again")
