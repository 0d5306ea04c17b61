"""The leaderboard: every trained model with its test results, best first."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mnistlab.models.records import ModelRecord, RobustnessRecord
from mnistlab.models.registry import get_model_spec
from mnistlab.models.store import Choice, ModelStatus, ModelStore, preferred


@dataclass(frozen=True)
class LeaderboardRow:
    """One trained model on the leaderboard (metrics are ``None`` before evaluation).

    ``state`` is the file's (:data:`~mnistlab.models.store.TRAINED`, ``FILE_MISSING``,
    ``DAMAGED``); only usable models are ranked. ``robust_accuracy`` is the mean
    accuracy over the robustness benchmark and ``robustness`` its means, test
    images and seed: ``None`` until ``mnistlab robustness`` measures the model
    file the record pins.
    """

    rank: int | None
    name: str
    summary: str
    test_accuracy: float | None
    robust_accuracy: float | None
    n_errors: int | None
    train_seconds: float
    predict_seconds_batch: float | None
    predict_ms_single: float | None
    n_train: int
    created: str
    state: str
    robustness: RobustnessRecord | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready values (``robustness`` without the file's SHA-256)."""
        row = asdict(self)
        if row["robustness"] is not None:
            del row["robustness"]["sha256"]
        return row


def _row(status: ModelStatus, rank: int | None) -> LeaderboardRow:
    record: ModelRecord = status.record
    metrics = record.metrics
    return LeaderboardRow(
        rank=rank,
        name=record.name,
        summary=get_model_spec(record.name).summary,
        test_accuracy=record.test_accuracy,
        robust_accuracy=record.robust_accuracy,
        n_errors=metrics.get("n_errors"),
        train_seconds=record.train_seconds,
        predict_seconds_batch=metrics.get("predict_seconds_batch"),
        predict_ms_single=metrics.get("predict_ms_single"),
        n_train=record.n_train,
        created=record.created,
        state=status.state,
        robustness=record.measured_robustness,
    )


def leaderboard(store: ModelStore) -> list[LeaderboardRow]:
    """Rank the usable models by test accuracy; the others come last, unranked.

    After the ranked models come the usable ones not yet evaluated, then those
    whose file is missing or damaged.

    Example
    -------
    >>> [row.name for row in leaderboard(ModelStore(locations.models_dir))]  # doctest: +SKIP
    ['ensemble', 'cnn', 'svc-rbf', 'knn-deskew', 'knn-shift', 'knn-tuned']
    """
    statuses = store.statuses()
    usable = [s for s in statuses if s.usable]
    evaluated = sorted(
        (s for s in usable if s.record.test_accuracy is not None),
        key=lambda s: (-(s.record.test_accuracy or 0.0), s.record.train_seconds),
    )
    pending = [s for s in usable if s.record.test_accuracy is None]
    broken = [s for s in statuses if not s.usable]
    return [_row(s, rank) for rank, s in enumerate(evaluated, start=1)] + [
        _row(s, None) for s in pending + broken
    ]


def best_within(store: ModelStore, max_single_ms: float) -> str:
    """Return the name :func:`choose_within` chooses."""
    return choose_within(store, max_single_ms).name


def choose_within(store: ModelStore, max_single_ms: float) -> Choice:
    """Choose the preferred usable model that classifies one image within ``max_single_ms``.

    :func:`~mnistlab.models.store.preferred` decides among the fast ones: the
    most robust if accurate enough, else the most accurate. For serving
    people who draw: the page asks again after every stroke, so a model
    slower than that makes everybody wait. Models not yet evaluated have no
    time and do not count; when none qualifies, the store's choice is
    returned. Models whose file is missing or damaged are never chosen; they
    are listed in ``skipped``.

    Raises
    ------
    ModelNotTrainedError
        If no model is usable.

    Example
    -------
    >>> choose_within(ModelStore(locations.models_dir), 2.0).name     # doctest: +SKIP
    'cnn'
    """
    choice = store.choose()
    fast = [
        store.record(row.name)
        for row in leaderboard(store)
        if row.rank is not None  # ranked: usable and evaluated
        and row.predict_ms_single is not None
        and row.predict_ms_single <= max_single_ms
    ]
    if fast:
        return Choice(name=preferred(fast).name, skipped=choice.skipped)
    return choice
