"""The classical models' files: compressed skops archives, written atomically, read warily."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.pipeline import Pipeline

from mnistlab.errors import ModelFileError, brief
from mnistlab.files import atomic_write
from mnistlab.models.base import N_CLASSES, DigitClassifier
from mnistlab.models.classical.archive import types_to_trust
from mnistlab.models.classical.byte_knn import ByteKNeighborsClassifier
from mnistlab.models.classical.pipelines import check_settings

__all__ = ["FILE_SUFFIX", "load", "save"]

FILE_SUFFIX = ".skops"


def save(model: DigitClassifier, path: Path) -> None:
    """Write ``model`` to ``path`` as a compressed skops archive, atomically.

    Raises
    ------
    ModelFileError
        If ``model`` is not a pipeline this package trains.
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

    kind = check_settings(settings)
    what = f"the model file {path}"
    trusted = types_to_trust(Path(path), what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            model = skops.io.load(path, trusted=trusted)
    except InconsistentVersionWarning as exc:
        raise ModelFileError(
            f"{what} was written by scikit-learn {exc.original_sklearn_version}; "
            "train the model again with this version"
        ) from None
    except Exception as exc:
        raise ModelFileError(f"{what} could not be loaded ({brief(exc)})") from None
    _check_model(model, source=what, kind=kind)
    return model


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
