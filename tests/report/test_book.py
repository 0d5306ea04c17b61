"""The book's printed numbers in the report: the tables, the marks, the summary, the JSON."""

from __future__ import annotations

import html
import json
import re

from mnistlab.book import (
    BOOK,
    COLUMN_READ_AS_ROW,
    SGD_STOPPING_RULE,
    BookComparison,
    BookNumber,
    NumberComparison,
    Verdict,
    compare_with_book,
)
from mnistlab.report.book import LEGEND, book_json, book_legend, book_table, ours_text
from mnistlab.report.page import StepSection, Summary, render_page
from mnistlab.report.tables import Table
from tests.test_book import make_results, sklearn_19_values


def _book() -> BookComparison:
    return compare_with_book(
        make_results(sklearn_19_values(), sklearn="1.9.1"), data_name="mnist", full_data=True
    )


def _summary(book: BookComparison | None = None) -> Summary:
    facts = ("Study", "MNIST", 60000, 10000, "local", "abc", 0.97, 60.0, "now")
    if book is None:
        return Summary(*facts)
    return Summary(*facts, book_summary=book.summary, book_legend=book_legend(book))


def _section(table: Table | None) -> str:
    """The HTML of a step's section that shows ``table``."""
    section = StepSection(10, "multiclass", "Multiclass", blocks=[] if table is None else [table])
    page = render_page(_summary(), [section])
    return page[page.index('<section class="step card"') :]


def test_each_step_table_puts_the_book_beside_ours_with_a_mark() -> None:
    book = _book()
    table = book_table(book.for_step("multiclass"))
    assert table is not None and table.caption == "Beside the book"
    assert len(table.rows) == len(book.for_step("multiclass")) == 32
    section = _section(table)
    assert '<table class="book"><caption>Beside the book</caption>' in section
    assert section.count('<tr><th scope="row">') == 32
    # Same: an integer printed and computed; same as printed: an SVC score rounded to 2.
    assert re.search(r"One-vs-rest: number of estimators</th>.*?✓ same</td>", section)
    assert re.search(
        r'SVC score, class 0</th><td class="num">3.79</td>'
        r'<td class="num" title="3.7929782784256636">3.793</td>'
        r'<td class="v-as-printed">≈ same as printed</td>',
        section,
    )
    # Differs, known: the short reason in the row, the whole explanation once below.
    row = (
        r'SGD score, class 1</th><td class="num">-34420</td>'
        r'<td class="num" title="-19047.72">-19047.72</td>'
        r'<td class="v-differs">✗ differs: scikit-learn 1.8 changed SGDClassifier'
    )
    assert re.search(row, section)
    assert table.notes == (f"✗ {SGD_STOPPING_RULE.text}",)
    assert section.count('<p class="note">') == 1
    assert html.unescape(section).count(SGD_STOPPING_RULE.text) == 1
    # The labels the book printed as strings.
    assert [row.cells[0].text for row in table.rows if row.header == "SVC prediction"] == ["'5'"]
    assert '<td class="num">&#39;5&#39;</td>' in section
    assert book_table(book.for_step("look")) is None


def test_an_unexplained_difference_is_marked_and_escaped() -> None:
    number = BookNumber("tuning", "<best> & params", "best_params", {"n": "<4>"})
    row = NumberComparison(number, {"n": "<5>"}, Verdict.UNEXPLAINED)
    section = _section(book_table((row,)))
    assert "<best>" not in section and "&lt;best&gt; &amp; params" in section
    assert "&lt;5&gt;" in section and "<5>" not in section
    assert '<td class="v-unexplained">✗ differs, unexplained</td>' in section
    assert 'class="note"' not in section


def test_ours_is_shown_in_the_books_form() -> None:
    book = _book()
    texts = {(r.number.name, ours_text(r)) for r in book.rows}
    # A percentage of a sentence, two digits finer than the sentence.
    assert ("“correct only 83.7% of the time”", "83.709%") in texts
    # A full-precision float in full; the 56% sentence with the row's share.
    assert ("Precision", "0.8370879772350012") in texts
    assert ("“56% of misclassified 7s are actually 9s”", "35.91%") in texts
    assert ("SGD prediction", "'3'") in texts
    missing = NumberComparison(BOOK[0], None, Verdict.UNEXPLAINED)
    assert ours_text(missing) == "—"


def test_results_json_entry_carries_every_row_and_the_counts() -> None:
    doc = book_json(_book())
    assert doc["compared"] is True and doc["skipped"] is None
    assert doc["scikit-learn"] == "1.9.1"
    assert doc["counts"] == {
        "same": sum(1 for n in doc["numbers"] if n["verdict"] == "same"),
        "same as printed": sum(1 for n in doc["numbers"] if n["verdict"] == "same as printed"),
        "differs": 9,
        "differs, unexplained": 0,
    }
    assert doc["summary"].startswith("56 of 65 printed numbers reproduced exactly; 9 differ")
    first = doc["numbers"][0]
    assert first == {
        "step": "binary",
        "name": "Prediction for the first image",
        "key": "prediction",
        "index": [],
        "printed": True,
        "printed_text": "True",
        "decimals": None,
        "percent": False,
        "ours": True,
        "verdict": "same",
        "reason": "",
    }
    sentence = [n for n in doc["numbers"] if n["key"] == "errors_normalized_by_true"]
    assert sentence[0]["reason"] == COLUMN_READ_AS_ROW.text
    json.dumps(doc, allow_nan=False)  # plain JSON


def test_summary_sits_at_the_top_of_the_page() -> None:
    book = _book()
    page = render_page(_summary(book), [])
    card = page.index('<section class="card" id="book">')
    assert card < page.index('id="summary"')
    text = html.unescape(page)
    assert f"<p>{book.summary}</p>" in text and f'<p class="meta">{LEGEND}</p>' in text


def test_a_skipped_comparison_shows_one_line_and_no_legend() -> None:
    book = BookComparison(skipped="Not compared with the book: <it> ran on fewer.")
    page = render_page(_summary(book), [])
    card = page[page.index('id="book"') : page.index("</section>")]
    assert card.endswith("<p>Not compared with the book: &lt;it&gt; ran on fewer.</p>")
    assert book_legend(book) == "" and 'class="meta"' not in card
    assert book_json(book)["numbers"] == [] and book_json(book)["compared"] is False
    assert 'id="book"' not in render_page(_summary(), [])
