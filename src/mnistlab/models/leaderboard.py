"""The leaderboard: every trained model with its test results, best first."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mnistlab.models.registry import get_model_spec
from mnistlab.models.store import ModelRecord, ModelStore


@dataclass(frozen=True)
class LeaderboardRow:
    """One trained model on the leaderboard (metrics are ``None`` before evaluation)."""

    rank: int | None
    name: str
    summary: str
    test_accuracy: float | None
    n_errors: int | None
    train_seconds: float
    predict_seconds_batch: float | None
    predict_ms_single: float | None
    n_train: int
    created: str

    def as_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready values."""
        return asdict(self)


def _row(record: ModelRecord, rank: int | None) -> LeaderboardRow:
    metrics = record.metrics
    return LeaderboardRow(
        rank=rank,
        name=record.name,
        summary=get_model_spec(record.name).summary,
        test_accuracy=record.test_accuracy,
        n_errors=metrics.get("n_errors"),
        train_seconds=record.train_seconds,
        predict_seconds_batch=metrics.get("predict_seconds_batch"),
        predict_ms_single=metrics.get("predict_ms_single"),
        n_train=record.n_train,
        created=record.created,
    )


def leaderboard(store: ModelStore) -> list[LeaderboardRow]:
    """Rank the trained models by test accuracy; models not yet evaluated come last, unranked.

    Example
    -------
    >>> [row.name for row in leaderboard(ModelStore(settings.models_dir))]  # doctest: +SKIP
    ['ensemble', 'cnn', 'svc-rbf', 'knn-deskew', 'knn-shift', 'knn-tuned']
    """
    records = store.records()
    evaluated = sorted(
        (r for r in records if r.test_accuracy is not None),
        key=lambda r: (-(r.test_accuracy or 0.0), r.train_seconds),
    )
    pending = [r for r in records if r.test_accuracy is None]
    return [_row(r, rank) for rank, r in enumerate(evaluated, start=1)] + [
        _row(r, None) for r in pending
    ]


def best_within(store: ModelStore, max_single_ms: float) -> str:
    """Return the most accurate model that classifies one image within ``max_single_ms``.

    For serving people who draw: the page asks again after every stroke, so a
    model slower than that makes everybody wait. Models not yet evaluated have
    no time and do not count; when none qualifies, the store's default (the
    most accurate, else the newest) is returned.

    Raises
    ------
    ModelNotTrainedError
        If no model is trained.

    Example
    -------
    >>> best_within(ModelStore(settings.models_dir), 2.0)     # doctest: +SKIP
    'cnn'
    """
    for row in leaderboard(store):
        if row.predict_ms_single is not None and row.predict_ms_single <= max_single_ms:
            return row.name
    return store.default_name()
