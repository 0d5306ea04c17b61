"""The book beside every number: the report's side of :mod:`mnistlab.book`.

Each step's section gets a table of the numbers the chapter printed for that
step, ours beside each and a mark: ✓ same, ≈ same as printed (ours rounds to
the digits the book gave), ✗ differs with the reason, or ✗ differs with no
known reason. The top of the page gets the one-sentence summary, or the line
saying why nothing was compared; ``results.json`` gets all of it under
``book``, apart from the study's own numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mnistlab.book import FULL_SIZES, BookComparison, NumberComparison, Verdict, compare_with_book
from mnistlab.report.tables import Cell, Row, Table

if TYPE_CHECKING:
    from mnistlab.study.data import StudyData
    from mnistlab.study.results import StudyResults

#: The mark and the CSS class of each verdict.
MARKS: dict[Verdict, tuple[str, str]] = {
    Verdict.SAME: ("✓", "v-same"),
    Verdict.AS_PRINTED: ("≈", "v-as-printed"),
    Verdict.KNOWN: ("✗", "v-differs"),
    Verdict.UNEXPLAINED: ("✗", "v-unexplained"),
}

LEGEND = (
    "Each step shows the numbers the book printed beside ours: ✓ same, ≈ same as printed "
    "(ours rounds to the digits the book gave), ✗ differs, with the reason when it is known."
)


def book_comparison(results: StudyResults, data: StudyData) -> BookComparison:
    """Compare a study run with the book, on the data it ran on.

    Example
    -------
    >>> book_comparison(results, data).summary  # doctest: +SKIP
    """
    full = (len(data.y_train), len(data.y_test)) == FULL_SIZES
    return compare_with_book(results, data_name=data.name, full_data=full)


def _row_json(row: NumberComparison) -> dict[str, Any]:
    n = row.number
    return {
        "step": n.step,
        "name": n.name,
        "key": n.key,
        "index": list(n.index),
        "printed": n.printed,
        "printed_text": n.printed_text,
        "decimals": n.decimals,
        "percent": n.percent,
        "ours": row.ours,
        "verdict": str(row.verdict),
        "reason": row.reason,
    }


def book_json(book: BookComparison) -> dict[str, Any]:
    """The comparison as ``results.json`` carries it under ``book``.

    Example
    -------
    >>> book_json(BookComparison(skipped="Not compared."))["compared"]
    False
    """
    return {
        "compared": not book.skipped,
        "summary": book.summary,
        "skipped": book.skipped or None,
        "scikit-learn": book.sklearn_version,
        "counts": {str(v): book.count(v) for v in Verdict},
        "not_run": book.not_run,
        "numbers": [_row_json(row) for row in book.rows],
    }


def _round(value: Any, decimals: int) -> Any:
    if isinstance(value, list):
        return [_round(v, decimals) for v in value]
    return round(value, decimals) if isinstance(value, float) else value


def ours_text(row: NumberComparison) -> str:
    """Our number in the book's form; two decimals finer than it printed, unless the same.

    Example
    -------
    >>> from mnistlab.book import BOOK
    >>> sentence = next(n for n in BOOK if n.percent and n.key == "precision")
    >>> ours_text(NumberComparison(sentence, 0.83708, Verdict.AS_PRINTED))
    '83.708%'
    """
    n = row.number
    if row.ours is None:
        return "—"
    if n.label:
        return f"'{row.ours}'"
    value = n.scaled(row.ours)
    if n.decimals is not None and row.verdict is not Verdict.SAME:
        value = _round(value, n.decimals + 2)
    return f"{value}%" if n.percent else str(value)


def _mark(row: NumberComparison) -> Cell:
    mark, cls = MARKS[row.verdict]
    text = f"{mark} {row.verdict}"
    if row.verdict is Verdict.KNOWN and row.number.known is not None:
        text += f": {row.number.known.reason.short}"
    return Cell(text, css=cls)


def book_table(rows: tuple[NumberComparison, ...]) -> Table | None:
    """The printed numbers of one step beside ours, and the full text of each known reason.

    Returns ``None`` when the book printed nothing for the step.

    Example
    -------
    >>> book_table(()) is None
    True
    """
    if not rows:
        return None
    body = tuple(
        Row(
            cells=(
                Cell(row.number.printed_text, css="num"),
                Cell(ours_text(row), exact=repr(row.ours), css="num"),
                _mark(row),
            ),
            header=row.number.name,
        )
        for row in rows
    )
    reasons = dict.fromkeys(f"✗ {row.reason}" for row in rows if row.reason)
    return Table(
        css="book",
        rows=body,
        caption="Beside the book",
        columns=("Printed number", "Book", "Ours", ""),
        notes=tuple(reasons),
    )


def book_legend(book: BookComparison) -> str:
    """The legend of the marks, shown under the summary; empty when nothing was compared.

    Example
    -------
    >>> book_legend(BookComparison(skipped="Not compared: a subset."))
    ''
    """
    return "" if book.skipped else LEGEND
