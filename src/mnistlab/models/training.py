"""Train a named model on a data set's training images and save it in the store."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError
from mnistlab.models.registry import get_model_spec
from mnistlab.models.store import ModelRecord, ModelStore
from mnistlab.models.versions import current_versions
from mnistlab.progress import ProgressCallback, ignore_progress


def training_size(data: Dataset, n_train: int | None) -> int:
    """Return how many training images to use; ``ConfigError`` if ``n_train`` is out of range."""
    total = len(data.X_train)
    if n_train is not None and not 1 <= n_train <= total:
        raise ConfigError(f"n_train must be between 1 and {total}, got {n_train}")
    return total if n_train is None else n_train


def train_model(
    name: str,
    data: Dataset,
    *,
    store: ModelStore,
    n_train: int | None = None,
    progress: ProgressCallback | None = None,
) -> ModelRecord:
    """Train the registry model ``name`` and save it with its metadata record.

    Only training images are used; the test images are for ``evaluate_model``.

    Parameters
    ----------
    name : str
        A registry name, e.g. ``"knn-shift"``.
    data : Dataset
        The verified data set to train on.
    store : ModelStore
        Where the model file and its record are written (atomically).
    n_train : int, optional
        Train on the first ``n_train`` training images only (quick trials,
        tests); the record says how many were used. All of them by default.
    progress : callable, optional
        Receives the family's progress reports.

    Returns
    -------
    ModelRecord
        The committed record (without test metrics yet).

    Raises
    ------
    UnknownModelError, ConfigError
        For an unknown name, a bad ``n_train`` or a missing optional extra.

    Example
    -------
    >>> record = train_model("knn-tuned", load("mnist"), store=ModelStore(dir))  # doctest: +SKIP
    """
    spec = get_model_spec(name)
    family = spec.family_module()
    count = training_size(data, n_train)
    started = time.perf_counter()
    classifier = family.train(
        spec.settings,
        data.X_train[:count],
        data.y_train[:count],
        ignore_progress if progress is None else progress,
    )
    seconds = time.perf_counter() - started
    record = ModelRecord(
        name=spec.name,
        family=spec.family,
        settings=dict(spec.settings),
        dataset=data.name,
        data_checksum=data.checksum,
        n_train=count,
        file="",
        sha256="",
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        train_seconds=round(seconds, 3),
        versions=current_versions(),
    )
    return store.save(classifier, record)
