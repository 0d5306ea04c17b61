"""The report's section past the chapter: the leaderboard and the best model's mistakes."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from mnistlab.models.leaderboard import LeaderboardRow, leaderboard
from mnistlab.models.store import ModelRecord, ModelStore
from mnistlab.plots import plot_misclassified
from mnistlab.report.html import format_seconds

GALLERY_SIZE = 60
GALLERY_COLUMNS = 12


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


def draw_gallery(ladder: LadderReport, X_test: np.ndarray) -> Figure | None:
    """Draw the best model's most confident mistakes; ``None`` if it makes none."""
    items = ladder.gallery_items()
    if not items:
        return None
    figure = Figure(figsize=(1.1 * GALLERY_COLUMNS, 1.25 * (-(-len(items) // 12)) + 0.4))
    plot_misclassified(
        X_test[[int(m["index"]) for m in items]],
        true=[int(m["true"]) for m in items],
        predicted=[int(m["predicted"]) for m in items],
        probability=[float(m["probability"]) for m in items],
        n_cols=GALLERY_COLUMNS,
        ax=figure.add_subplot(),
    )
    return figure


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def leaderboard_table(rows: Sequence[LeaderboardRow]) -> str:
    """Render the leaderboard as an HTML table (every cell escaped)."""
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("#", "Model", "Test accuracy", "Errors", "Training", "Test set", "One image")
    )
    body = []
    for row in rows:
        cells = [
            str(row.rank),
            f"<code>{html.escape(row.name)}</code>",
            _pct(row.test_accuracy),
            str(row.n_errors),
            format_seconds(row.train_seconds),
            "—" if row.predict_seconds_batch is None else f"{row.predict_seconds_batch:.2f} s",
            "—" if row.predict_ms_single is None else f"{row.predict_ms_single:.1f} ms",
        ]
        tds = "".join(
            f"<td>{c}</td>" if i == 1 else f'<td class="num">{c}</td>' for i, c in enumerate(cells)
        )
        body.append(f'<tr title="{html.escape(row.summary)}">{tds}</tr>')
    return (
        # "matrix wide" lays the step out with the gallery below the table, full width.
        '<table class="leaderboard matrix wide">'
        "<caption>Leaderboard: the 10,000 test images</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def ladder_prose(ladder: LadderReport) -> str:
    """The paragraphs above the leaderboard."""
    best = ladder.rows[0]
    shown = len(ladder.gallery_items())
    errors = best.n_errors or 0
    return (
        "<p>The chapter stops at its tuned KNN. These are the models trained past it with "
        "<code>mnistlab train</code> on the 60,000 training images and scored on the "
        "10,000 test images by <code>mnistlab evaluate</code>.</p>"
        f"<p>The best, <code>{html.escape(best.name)}</code>, gets "
        f"{_pct(best.test_accuracy)} right and {errors} test images wrong"
        + (
            f"; below are the {shown} it is surest of, each marked true→predicted and "
            "the probability it gave its answer.</p>"
            if shown
            else ".</p>"
        )
    )
