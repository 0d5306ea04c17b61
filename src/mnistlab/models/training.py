"""Train a named model on a data set's training images and save it in the store."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError
from mnistlab.models.base import DigitClassifier
from mnistlab.models.records import ModelRecord
from mnistlab.models.registry import MODELS, get_model_spec
from mnistlab.models.store import ModelStore
from mnistlab.progress import ProgressCallback, ignore_progress
from mnistlab.system import cpu_count
from mnistlab.versions import current_versions

if TYPE_CHECKING:
    from mnistlab.scheduling import Engine


def training_size(data: Dataset, n_train: int | None) -> int:
    """Return how many training images to use; ``ConfigError`` if ``n_train`` is out of range."""
    total = len(data.X_train)
    if n_train is not None and not 1 <= n_train <= total:
        raise ConfigError(f"n_train must be between 1 and {total}, got {n_train}")
    return total if n_train is None else n_train


def parallel_work(name: str) -> str | None:
    """Say what of model ``name``'s training runs on a Dask cluster, or ``None`` if nothing does.

    The ensemble's members train one per task; the RBF SVC's calibration folds
    are fitted through joblib's Dask backend (the final fit on all images
    follows them, here). The other models have no independent pieces of work.

    Example
    -------
    >>> parallel_work("ensemble")
    '5 members, one Dask task each'
    >>> parallel_work("knn-tuned") is None
    True
    """
    spec = get_model_spec(name)
    if spec.family == "ensemble":
        return f"{spec.settings.get('members', 5)} members, one Dask task each"
    if spec.family == "classical" and spec.settings.get("kind") == "svc":
        return f"{spec.settings.get('calibration_folds', 3)} calibration folds"
    return None


def local_workers(name: str) -> int:
    """Workers of a LocalCluster that train model ``name`` without oversubscribing the CPUs.

    An ensemble member uses the registry's torch ``threads``, so a machine of
    ``c`` CPUs runs ``c // threads`` members at once; calibration folds run
    one per CPU, at most one per fold.

    Example
    -------
    >>> local_workers("ensemble") >= 1
    True
    """
    spec = get_model_spec(name)
    cpus = cpu_count()
    if spec.family == "ensemble":
        return max(1, cpus // int(spec.settings.get("threads", 1)))
    return max(1, min(cpus, int(spec.settings.get("calibration_folds", cpus))))


def check_scheduler_use(name: str, scheduler: str | None) -> None:
    """Refuse a scheduler for a model with no parallel work, before any cluster starts.

    Raises
    ------
    ConfigError
        If ``scheduler`` is given and ``parallel_work(name)`` is ``None``.
    """
    if scheduler is not None and parallel_work(name) is None:
        distributable = ", ".join(s.name for s in MODELS if parallel_work(s.name) is not None)
        raise ConfigError(
            f"model {name!r} has no parallel work to run on Dask (only {distributable} "
            "have); train it without --scheduler"
        )


def train_model(
    name: str,
    data: Dataset,
    *,
    store: ModelStore,
    n_train: int | None = None,
    progress: ProgressCallback | None = None,
    engine: Engine | None = None,
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
    engine : Engine, optional
        The engine of :func:`mnistlab.scheduling.dask_engine` to train inside:
        with a Dask client, the model's parallel work (``parallel_work``) runs
        on the cluster. The model is the same either way.

    Returns
    -------
    ModelRecord
        The committed record (without test metrics yet).

    Raises
    ------
    UnknownModelError, ConfigError
        For an unknown name, a bad ``n_train``, a missing optional extra, or a
        Dask engine for a model that has no parallel work.

    Example
    -------
    >>> record = train_model("knn-tuned", load("mnist"), store=ModelStore(dir))  # doctest: +SKIP
    >>> with dask_engine("local", n_workers=local_workers("ensemble")) as engine:  # doctest: +SKIP
    ...     train_model("ensemble", load("mnist"), store=ModelStore(dir), engine=engine)
    """
    spec = get_model_spec(name)
    family = spec.family_module()
    client = None if engine is None else engine.client
    if engine is not None and client is not None:
        check_scheduler_use(name, engine.scheduler)
    count = training_size(data, n_train)
    report = ignore_progress if progress is None else progress
    images, labels = data.X_train[:count], data.y_train[:count]
    started = time.perf_counter()
    classifier: DigitClassifier
    if client is not None and spec.family == "ensemble":
        from mnistlab.models import ensemble

        classifier = ensemble.train(spec.settings, images, labels, report, client=client)
    else:
        # Inside dask_engine, the calibration folds' joblib calls already go to Dask.
        classifier = family.train(spec.settings, images, labels, report)
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
