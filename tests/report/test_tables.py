"""The report's tables and prose, from literal values: shapes, labels, formats, escaping."""

from __future__ import annotations

from collections.abc import Sequence

from mnistlab.report.formats import format_number, format_seconds
from mnistlab.report.labels import label_for
from mnistlab.report.page import StepSection, Summary, render_page
from mnistlab.report.prose import Paragraph, ProseContext, paragraph, step_paragraphs
from mnistlab.report.tables import Block, Table
from mnistlab.report.values import values_tables
from mnistlab.study.quantities import ClassLabel, Integer, Number, Percent, Probability, each

DIGITS = [str(d) for d in range(10)]
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]  # fmt: skip
SUMMARY = Summary("Study", "MNIST", 60000, 10000, "local", "abc", None, 1.0, "now")


def rendered(blocks: Sequence[Block] = (), paragraphs: Sequence[Paragraph] = ()) -> str:
    """The page with one section that shows ``blocks`` and ``paragraphs``."""
    section = StepSection(1, "look", "Look", paragraphs=paragraphs, blocks=blocks)
    return render_page(SUMMARY, [section])


def texts(table: Block) -> list[list[str]]:
    assert isinstance(table, Table)
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_ten_class_matrices_use_class_names_and_the_declared_percent() -> None:
    counts = [[int(i == j) * 100 + j for j in range(10)] for i in range(10)]
    shares = [[0.5 if i == j else 0.05 / 9 * 10 for j in range(10)] for i in range(10)]
    blocks = values_tables(
        {"confusion_matrix": each(Integer, counts), "normalized_by_true": each(Percent, shares)},
        class_names=FASHION,
        step="error_analysis",
    )
    out = rendered(blocks)
    assert out.count('<th scope="col">Ankle boot</th>') == 2
    assert '<th scope="row">T-shirt/top</th>' in out
    assert 'data-diag="1"' in out and "Confusion matrix (counts)" in out
    assert texts(blocks[1])[0][:2] == ["50.0%", "5.6%"]
    assert all(block.wide for block in blocks)


def test_the_format_is_the_declared_kind_never_the_key() -> None:
    shares = [[0.5, 0.25], [0.125, 0.0625]]
    (plain,) = values_tables({"normalized_by_true": shares}, class_names=DIGITS)
    (declared,) = values_tables({"anything": each(Percent, shares)}, class_names=DIGITS)
    assert texts(plain)[0] == ["0.5000", "0.2500"]
    assert texts(declared)[0] == ["50.0%", "25.0%"]
    (table,) = values_tables(
        {"sgd_prediction": 5, "label": ClassLabel(5), "svc_argmax": Integer(5)},
        class_names=FASHION,
    )
    assert texts(table) == [["5"], ["5 (Sandal)"], ["5"]]


def test_binary_values_name_the_positive_class() -> None:
    blocks = values_tables(
        {
            "confusion_matrix": each(Integer, [[10, 2], [3, 5]]),
            "first_probabilities": each(Probability, [[0.25, 0.75], [1.0, 0.0]]),
            "prediction": True,
            "roc_auc": Number(0.96048),
        },
        class_names=FASHION,
        positive_class=5,
        step="forest",
    )
    out = rendered(blocks)
    assert '<th scope="col">not Sandal</th>' in out
    assert '<th scope="col">P(Sandal)</th>' in out
    assert '<th scope="row">image 2</th>' in out
    assert "Forest ROC AUC" in out and 'title="0.96048"' in out


def test_grid_search_is_one_table_with_the_best_row_marked() -> None:
    blocks = values_tables(
        {
            "candidates": [{"n_neighbors": 3, "weights": "uniform"}, {"n_neighbors": 4}],
            "mean_test_scores": each(Number, [0.9, 0.95]),
            "split_scores": each(Number, [[0.9, 0.9], [0.95, 0.95]]),
            "best_params": {"n_neighbors": 4},
        },
        class_names=DIGITS,
        step="tuning",
    )
    out = rendered(blocks)
    assert "mean CV accuracy" in out and "fold 2" in out
    assert out.count('data-diag="1"') == 5  # the best row: its 5 cells
    assert "n_neighbors = 4" in out


def test_everything_from_data_is_escaped() -> None:
    blocks = values_tables({"note<script>": "<b>&", "x": ClassLabel(0)}, class_names=["<i>"] * 10)
    out = rendered(blocks, [paragraph("a < b, `x & y`")])
    assert "<script>" not in out and "<b>" not in out and "<i>" not in out
    assert "&lt;b&gt;&amp;" in out and "0 (&lt;i&gt;)" in out
    assert "<p>a &lt; b, <code>x &amp; y</code></p>" in out


def test_long_vectors_are_summarised_not_dumped() -> None:
    (table,) = values_tables({"scores": list(range(1000))}, class_names=DIGITS)
    assert texts(table) == [["1,000 values (in results.json)"]]


def test_prose_reads_right_for_fashion_mnist() -> None:
    ctx = ProseContext.from_names(FASHION, dataset="Fashion-MNIST", class_pair=(0, 6))
    every = " ".join(" ".join(step_paragraphs(n, ctx)) for n in ("binary", "error_analysis"))
    assert "the positive class, “Sandal”" in every
    assert "“T-shirt/top” and “Shirt” images" in every
    assert "digit" not in every.lower()
    spans = paragraph("Use `clone`, then `fit`.")
    assert [(s.text, s.code) for s in spans] == [
        ("Use ", False),
        ("clone", True),
        (", then ", False),
        ("fit", True),
        (".", False),
    ]


def test_labels_and_formats() -> None:
    assert label_for("sgd_roc_auc") == "SGD ROC AUC"
    assert label_for("f1", "forest") == "Forest F1"
    assert format_number(1234567) == "1,234,567"
    assert format_number(float("inf")) == "inf"
    assert format_number(Percent(float("nan"))) == "nan"
    assert format_number(ClassLabel(12), class_names=DIGITS) == "12"
    assert format_number(None) == "—" and format_number(False) == "False"
    assert format_seconds(3725) == "1 h 2 min"
