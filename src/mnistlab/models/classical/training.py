"""Training a classical model: nearest neighbours on (shifted, deskewed) pixels, or the SVC."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline

from mnistlab.errors import ConfigError
from mnistlab.models.base import N_CLASSES, DigitClassifier
from mnistlab.models.classical.archive import ALLOWED_TYPES
from mnistlab.models.classical.byte_knn import ByteKNeighborsClassifier
from mnistlab.models.classical.pipelines import build_svc, check_settings, feature_steps
from mnistlab.models.transforms import Deskew, PixelScaler, augment_with_shifts, deskew
from mnistlab.progress import ProgressCallback

__all__ = ["check_training_data", "train"]


def check_training_data(
    images: NDArray[np.uint8], labels: NDArray[Any]
) -> NDArray[np.integer[Any]]:
    """Return ``labels`` as int64 if they fit ``images`` and hold every digit 0–9.

    Raises
    ------
    ConfigError
        If there is not one label per image, or a digit is missing.
    """
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ConfigError(f"got {len(images)} images but labels of shape {labels.shape}")
    if not np.array_equal(np.unique(labels), np.arange(N_CLASSES)):
        raise ConfigError(
            f"training labels must include every digit 0–9, got {np.unique(labels).tolist()}; "
            "train on more images"
        )
    return labels.astype(np.int64)


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
        A registry entry's settings (see :mod:`mnistlab.models.classical`).
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
    kind = check_settings(settings)
    y = check_training_data(images, labels)
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
            [*feature_steps(settings), ("pca", template["pca"]), ("calibrated", calibrated)]
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
    Only the types a model file may hold are walked.
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
