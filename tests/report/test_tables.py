"""The report's tables and prose, from literal values: shapes, labels, escaping."""

from __future__ import annotations

from mnistlab.report.html import format_seconds
from mnistlab.report.prose import ProseContext, paragraphs_html, step_paragraphs
from mnistlab.report.tables import format_number, label_for
from mnistlab.report.values import values_html

DIGITS = [str(d) for d in range(10)]
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]  # fmt: skip


def test_ten_class_matrices_use_class_names_and_percent() -> None:
    counts = [[int(i == j) * 100 + j for j in range(10)] for i in range(10)]
    shares = [[0.5 if i == j else 0.05 / 9 * 10 for j in range(10)] for i in range(10)]
    out = values_html(
        {"confusion_matrix": counts, "normalized_by_true": shares},
        class_names=FASHION,
        step="error_analysis",
    )
    assert out.count('<th scope="col">Ankle boot</th>') == 2
    assert '<th scope="row">T-shirt/top</th>' in out
    assert "50.0%" in out and 'data-diag="1"' in out
    assert "Confusion matrix (counts)" in out


def test_binary_values_name_the_positive_class() -> None:
    out = values_html(
        {
            "confusion_matrix": [[10, 2], [3, 5]],
            "first_probabilities": [[0.25, 0.75], [1.0, 0.0]],
            "prediction": True,
            "roc_auc": 0.96048,
        },
        class_names=FASHION,
        positive_class=5,
        step="forest",
    )
    assert '<th scope="col">not Sandal</th>' in out
    assert '<th scope="col">P(Sandal)</th>' in out
    assert '<th scope="row">image 2</th>' in out
    assert "Forest ROC AUC" in out and 'title="0.96048"' in out


def test_grid_search_is_one_table_with_the_best_row_marked() -> None:
    out = values_html(
        {
            "candidates": [{"n_neighbors": 3, "weights": "uniform"}, {"n_neighbors": 4}],
            "mean_test_scores": [0.9, 0.95],
            "split_scores": [[0.9, 0.9], [0.95, 0.95]],
            "best_params": {"n_neighbors": 4},
        },
        class_names=DIGITS,
        step="tuning",
    )
    assert "mean CV accuracy" in out and "fold 2" in out
    assert out.count('data-diag="1"') == 5  # the best row: its 5 cells
    assert "n_neighbors = 4" in out


def test_predicted_labels_show_class_names_and_everything_is_escaped() -> None:
    out = values_html(
        {"svc_prediction": 5, "note<script>": "<b>&"}, class_names=FASHION, step="multiclass"
    )
    assert "5 (Sandal)" in out
    assert "<script>" not in out and "&lt;b&gt;&amp;" in out


def test_long_vectors_are_summarised_not_dumped() -> None:
    out = values_html({"scores": list(range(1000))}, class_names=DIGITS)
    assert "1,000 values (in results.json)" in out


def test_prose_reads_right_for_fashion_mnist() -> None:
    ctx = ProseContext.from_names(FASHION, dataset="Fashion-MNIST", class_pair=(0, 6))
    every = " ".join(" ".join(step_paragraphs(n, ctx)) for n in ("binary", "error_analysis"))
    assert "the positive class, “Sandal”" in every
    assert "“T-shirt/top” and “Shirt” images" in every
    assert "digit" not in every.lower()
    assert paragraphs_html(["a < b, `x`"]) == "<p>a &lt; b, <code>x</code></p>"


def test_labels_and_formats() -> None:
    assert label_for("sgd_roc_auc") == "SGD ROC AUC"
    assert label_for("f1", "forest") == "Forest F1"
    assert format_number(1234567) == "1,234,567"
    assert format_number(float("inf")) == "inf"
    assert format_seconds(3725) == "1 h 2 min"
