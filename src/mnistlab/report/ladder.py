"""The report's section past the chapter: the leaderboard and the best model's mistakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mnistlab.models.leaderboard import LeaderboardRow, leaderboard
from mnistlab.models.records import ModelRecord
from mnistlab.models.store import ModelStore
from mnistlab.report.formats import format_seconds
from mnistlab.report.tables import Cell, Row, Table

#: How many of the best model's mistakes the report shows.
GALLERY_SIZE = 60


@dataclass(frozen=True)
class LadderReport:
    """What the report shows of the trained models.

    Attributes
    ----------
    rows : sequence of LeaderboardRow
        The evaluated models, best first.
    best : ModelRecord
        The record of the best one, whose misclassified test images are shown.
    """

    rows: Sequence[LeaderboardRow]
    best: ModelRecord

    @classmethod
    def from_store(cls, store: ModelStore, *, data_checksum: str) -> LadderReport | None:
        """Collect the models evaluated on the data with ``data_checksum``; ``None`` if none."""
        records = {r.name: r for r in store.records() if r.data_checksum == data_checksum}
        rows = [
            row
            for row in leaderboard(store)
            if row.name in records and row.rank is not None and records[row.name].n_train > 0
        ]
        if not rows:
            return None
        return cls(rows=rows, best=records[rows[0].name])

    def gallery_items(self, limit: int = GALLERY_SIZE) -> list[dict[str, float]]:
        """The best model's mistakes to draw: the most confident ones first."""
        items = list(self.best.metrics.get("misclassified", []))
        items.sort(key=lambda m: (-float(m["probability"]), int(m["index"])))
        return items[:limit]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def leaderboard_table(rows: Sequence[LeaderboardRow]) -> Table:
    """The leaderboard: rank, model, test accuracy, errors and times, best first.

    Example
    -------
    >>> leaderboard_table([]).columns[:3]
    ('#', 'Model', 'Test accuracy')
    """
    body = tuple(
        Row(
            cells=(
                Cell(str(row.rank), css="num"),
                Cell(row.name, code=True),
                Cell(_pct(row.test_accuracy), css="num"),
                Cell(str(row.n_errors), css="num"),
                Cell(format_seconds(row.train_seconds), css="num"),
                Cell(
                    "—"
                    if row.predict_seconds_batch is None
                    else f"{row.predict_seconds_batch:.2f} s",
                    css="num",
                ),
                Cell(
                    "—" if row.predict_ms_single is None else f"{row.predict_ms_single:.1f} ms",
                    css="num",
                ),
            ),
            title=row.summary,
        )
        for row in rows
    )
    return Table(
        # "wide" lays the step out with the gallery below the table, full width.
        css="leaderboard matrix wide",
        rows=body,
        caption="Leaderboard: the 10,000 test images",
        columns=("#", "Model", "Test accuracy", "Errors", "Training", "Test set", "One image"),
    )


def ladder_paragraphs(ladder: LadderReport) -> list[str]:
    """The paragraphs above the leaderboard, as plain text (code in backticks)."""
    best = ladder.rows[0]
    shown = len(ladder.gallery_items())
    errors = best.n_errors or 0
    mistakes = (
        f"; below are the {shown} it is surest of, each marked true→predicted and "
        "the probability it gave its answer."
        if shown
        else "."
    )
    return [
        "The chapter stops at its tuned KNN. These are the models trained past it with "
        "`mnistlab train` on the 60,000 training images and scored on the "
        "10,000 test images by `mnistlab evaluate`.",
        f"The best, `{best.name}`, gets {_pct(best.test_accuracy)} right and {errors} test "
        f"images wrong{mistakes}",
    ]


def ladder_json(ladder: LadderReport, figures: list[dict[str, str]]) -> dict[str, Any]:
    """What ``results.json`` holds of the ladder: the leaderboard and the gallery.

    Parameters
    ----------
    ladder : LadderReport
    figures : list of dict
        The gallery's figure records (:func:`mnistlab.report.results_json.figure_record`).

    Example
    -------
    >>> ladder_json(ladder, [])["gallery"]["model"]   # doctest: +SKIP
    'knn-tuned'
    """
    return {
        "leaderboard": [row.as_dict() for row in ladder.rows],
        "gallery": {
            "model": ladder.best.name,
            "items": ladder.gallery_items(),
            "figures": figures,
        },
    }
