"""The book beside every number: the report's side of :mod:`mnistlab.book`.

Each step's section gets a table of the numbers the chapter printed for that
step, ours beside each and a mark: ✓ same, ≈ same as printed (ours rounds to
the digits the book gave), ✗ differs with the reason, or ✗ differs with no
known reason. The top of the page gets the one-sentence summary, or the line
saying why nothing was compared; ``results.json`` gets all of it under
``book``, apart from the study's own numbers. Everything from data is escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from mnistlab.book import FULL_SIZES, BookComparison, NumberComparison, Verdict, compare_with_book

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
    >>> ours_text(NumberComparison(BOOK[7], 0.83708, Verdict.AS_PRINTED))
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


def _mark(row: NumberComparison) -> str:
    mark, cls = MARKS[row.verdict]
    text = f"{mark} {row.verdict}"
    if row.verdict is Verdict.KNOWN and row.number.known is not None:
        text += f": {row.number.known.reason.short}"
    return f'<td class="{cls}">{html.escape(text)}</td>'


def book_table(rows: tuple[NumberComparison, ...]) -> str:
    """The printed numbers of one step beside ours, and the full text of each known reason.

    Returns an empty string when the book printed nothing for the step.

    Example
    -------
    >>> book_table(())
    ''
    """
    if not rows:
        return ""
    body = []
    for row in rows:
        exact = html.escape(repr(row.ours))
        body.append(
            f'<tr><th scope="row">{html.escape(row.number.name)}</th>'
            f'<td class="num">{html.escape(row.number.printed_text)}</td>'
            f'<td class="num" title="{exact}">{html.escape(ours_text(row))}</td>'
            f"{_mark(row)}</tr>"
        )
    reasons = dict.fromkeys(row.reason for row in rows if row.reason)
    notes = "".join(f'<p class="book-note">✗ {html.escape(r)}</p>' for r in reasons)
    head = "".join(f'<th scope="col">{h}</th>' for h in ("Printed number", "Book", "Ours", ""))
    return (
        '<table class="book"><caption>Beside the book</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + f"\n</tbody></table>{notes}"
    )


def book_summary_html(book: BookComparison) -> str:
    """The summary sentence for the top of the page, with the legend of the marks.

    Example
    -------
    >>> book_summary_html(BookComparison(skipped="Not compared: a subset."))
    '<p>Not compared: a subset.</p>'
    """
    summary = f"<p>{html.escape(book.summary)}</p>"
    return summary if book.skipped else f'{summary}<p class="meta">{html.escape(LEGEND)}</p>'
