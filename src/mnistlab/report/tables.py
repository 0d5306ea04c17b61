"""The report's tables as data: cells, rows and tables, which the page's templates draw.

Nothing here writes HTML; the templates do, and they escape every text. A cell
shows a rounded number and, on hover, the exact one; the exact values are also
in ``results.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mnistlab.report.formats import exact_text, format_number

__all__ = [
    "Block",
    "Cell",
    "Group",
    "Row",
    "Table",
    "key_value_table",
    "matrix_table",
    "vector_table",
]

#: Tables with at least this many columns take the whole width of their step.
WIDE_COLUMNS = 6


@dataclass(frozen=True)
class Cell:
    """One cell of a table.

    Attributes
    ----------
    text : str
        What the cell shows.
    exact : str or None
        The unrounded value, shown on hover.
    css : str
        The cell's class: ``"num"`` sets numbers right-aligned in a monospaced font.
    heading : bool
        A column heading rather than a value.
    code : bool
        The text is code (a command, a model's name).
    highlight : bool
        Highlighted: a right answer on the diagonal of a confusion matrix, the best row.
    """

    text: str
    exact: str | None = None
    css: str = ""
    heading: bool = False
    code: bool = False
    highlight: bool = False

    @classmethod
    def of(cls, value: Any, *, class_names: Sequence[str] = (), highlight: bool = False) -> Cell:
        """The cell of one value, written as its kind reads (:mod:`mnistlab.report.formats`).

        Example
        -------
        >>> Cell.of(0.96048)
        Cell(text='0.9605', exact='0.96048', css='num', heading=False, code=False, highlight=False)
        """
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        return cls(
            text=format_number(value, class_names=class_names),
            exact=exact_text(value),
            css="num" if numeric else "",
            highlight=highlight,
        )


@dataclass(frozen=True)
class Row:
    """One row: an optional row heading, its cells and an optional text on hover."""

    cells: tuple[Cell, ...]
    header: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Table:
    """A table of the page.

    Attributes
    ----------
    css : str
        Its classes: ``kv`` (labels and values), ``matrix``, ``vector``, ``book``...;
        ``wide`` makes its step lay its figures out below the numbers.
    rows : tuple of Row
    caption : str or None
    columns : tuple of str or None
        The column headings; ``None`` for a table without a heading row.
    corner : str or None
        The heading above the row headings, when the rows have headings.
    notes : tuple of str
        Paragraphs shown below the table.
    """

    css: str
    rows: tuple[Row, ...]
    caption: str | None = None
    columns: tuple[str, ...] | None = None
    corner: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def wide(self) -> bool:
        """Whether the table needs the whole width of its step."""
        return "wide" in self.css.split()


@dataclass(frozen=True)
class Group:
    """Tables under a heading: the values of one nested mapping."""

    heading: str
    blocks: tuple[Block, ...]

    @property
    def wide(self) -> bool:
        """Whether one of its tables needs the whole width of its step."""
        return any(block.wide for block in self.blocks)


#: What a step shows of its numbers: tables, and groups of tables.
Block = Table | Group


def key_value_table(rows: Sequence[tuple[str, str, Any]]) -> Table:
    """A two-column table of ``(label, text, exact)`` rows; ``exact`` shows on hover if a float.

    Example
    -------
    >>> key_value_table([("ROC AUC", "0.9605", 0.96048)]).rows[0].cells[0].exact
    '0.96048'
    """
    return Table(
        css="kv",
        rows=tuple(
            Row(cells=(Cell(text, exact_text(exact), css="num"),), header=label)
            for label, text, exact in rows
        ),
    )


def matrix_table(
    matrix: Sequence[Sequence[Any]],
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    caption: str,
    corner: str = "true \\ predicted",
    diagonal: bool = True,
    highlight_row: int | None = None,
) -> Table:
    """A matrix with labelled rows and columns.

    The diagonal of a square matrix (the right answers of a confusion matrix)
    is highlighted unless ``diagonal`` is false; so is ``highlight_row``.

    Example
    -------
    >>> t = matrix_table([[1, 2], [3, 4]], row_labels=["a", "b"], col_labels=["a", "b"],
    ...                  caption="CM")
    >>> [[c.highlight for c in row.cells] for row in t.rows]
    [[True, False], [False, True]]
    """
    square = diagonal and len(row_labels) == len(col_labels)
    rows = tuple(
        Row(
            cells=tuple(
                Cell.of(value, highlight=(square and i == j) or i == highlight_row)
                for j, value in enumerate(row)
            ),
            header=label,
        )
        for i, (label, row) in enumerate(zip(row_labels, matrix, strict=False))
    )
    return Table(
        css="matrix wide" if len(col_labels) >= WIDE_COLUMNS else "matrix",
        rows=rows,
        caption=caption,
        columns=tuple(col_labels),
        corner=corner,
    )


def vector_table(values: Sequence[Any], *, labels: Sequence[str], caption: str) -> Table:
    """A vector as a small table, ten columns to a row, labels above values.

    Example
    -------
    >>> t = vector_table([0.1, 0.9], labels=["no", "yes"], caption="p")
    >>> [[c.text for c in row.cells] for row in t.rows]
    [['no', 'yes'], ['0.1000', '0.9000']]
    """
    rows: list[Row] = []
    for start in range(0, len(values), 10):
        chunk = slice(start, start + 10)
        rows.append(Row(cells=tuple(Cell(str(x), heading=True) for x in labels[chunk])))
        rows.append(Row(cells=tuple(Cell.of(v) for v in values[chunk])))
    return Table(css="vector", rows=tuple(rows), caption=caption)
