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
from mnistlab.report.book import (
    LEGEND,
    book_json,
    book_summary_html,
    book_table,
    ours_text,
)
from mnistlab.report.html import Summary, render_page
from tests.test_book import make_results, sklearn_19_values


def _book() -> BookComparison:
    return compare_with_book(
        make_results(sklearn_19_values(), sklearn="1.9.1"), data_name="mnist", full_data=True
    )


def _summary(book_html: str) -> Summary:
    facts = ("Study", "MNIST", 60000, 10000, "local", "abc", 0.97, "Test accuracy", 60.0, "now")
    return Summary(*facts, book_html=book_html)


def test_each_step_table_puts_the_book_beside_ours_with_a_mark() -> None:
    book = _book()
    table = book_table(book.for_step("multiclass"))
    assert table.startswith('<table class="book"><caption>Beside the book</caption>')
    assert table.count('<tr><th scope="row">') == len(book.for_step("multiclass")) == 32
    # Same: an integer printed and computed; same as printed: an SVC score rounded to 2.
    assert re.search(r"One-vs-rest: number of estimators</th>.*?✓ same</td>", table)
    assert re.search(
        r'SVC score, class 0</th><td class="num">3.79</td>'
        r'<td class="num" title="3.7929782784256636">3.793</td>'
        r'<td class="v-as-printed">≈ same as printed</td>',
        table,
    )
    # Differs, known: the short reason in the row, the whole explanation once below.
    row = (
        r'SGD score, class 1</th><td class="num">-34420</td>'
        r'<td class="num" title="-19047.72">-19047.72</td>'
        r'<td class="v-differs">✗ differs: scikit-learn 1.8 changed SGDClassifier'
    )
    assert re.search(row, table)
    assert table.count(html.escape(SGD_STOPPING_RULE.text)) == 1
    assert table.count('<p class="book-note">') == 1
    # The labels the book printed as strings.
    assert '<td class="num">&#x27;5&#x27;</td>' in table
    assert book_table(book.for_step("look")) == ""


def test_an_unexplained_difference_is_marked_and_escaped() -> None:
    number = BookNumber("tuning", "<best> & params", "best_params", {"n": "<4>"})
    row = NumberComparison(number, {"n": "<5>"}, Verdict.UNEXPLAINED)
    table = book_table((row,))
    assert "<best>" not in table and "&lt;best&gt; &amp; params" in table
    assert "&lt;5&gt;" in table and "<5>" not in table
    assert '<td class="v-unexplained">✗ differs, unexplained</td>' in table
    assert "book-note" not in table


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
    page = render_page(_summary(book_summary_html(book)), [])
    card = page.index('<section class="card" id="book">')
    assert card < page.index('id="summary"')
    assert html.escape(book.summary) in page and html.escape(LEGEND) in page


def test_a_skipped_comparison_shows_one_line_and_no_legend() -> None:
    book = BookComparison(skipped="Not compared with the book: <it> ran on fewer.")
    part = book_summary_html(book)
    assert part == "<p>Not compared with the book: &lt;it&gt; ran on fewer.</p>"
    assert book_json(book)["numbers"] == [] and book_json(book)["compared"] is False
    assert 'id="book"' not in render_page(_summary(""), [])
