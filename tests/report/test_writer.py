"""``write_report`` on a real study run: contents, self-containment, atomicity.

The numbers the report must show are computed here again by plain scikit-learn
on the same images, the chapter's way (``cross_val_predict`` and the metrics).
"""

from __future__ import annotations

import base64
import html
import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_auc_score
from sklearn.model_selection import cross_val_predict

from mnistlab.book import BOOK, BookComparison, compare_with_book
from mnistlab.errors import ConfigError
from mnistlab.report import write_report
from mnistlab.report import writer as writer_module
from mnistlab.study import StudyData, StudyResults, StudySettings
from tests.report.conftest import N_TEST, N_TRAIN, QUICK_STEPS


@pytest.fixture(scope="module")
def chapter(small_data: StudyData) -> dict[str, Any]:
    """The 5-detector's numbers, as the chapter computes them on the same images."""
    X = small_data.X_train.astype(np.float64)
    y_5 = small_data.y_train == StudySettings().positive_class
    sgd = SGDClassifier(random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        y_pred = cross_val_predict(sgd, X, y_5, cv=3)
        y_scores = cross_val_predict(sgd, X, y_5, cv=3, method="decision_function")
    precisions, _, thresholds = precision_recall_curve(y_5, y_scores)
    return {
        "n_positive_train": int(y_5.sum()),
        "confusion_matrix": confusion_matrix(y_5, y_pred).tolist(),
        "roc_auc": roc_auc_score(y_5, y_scores),
        "threshold": thresholds[(precisions >= 0.90).argmax()],
    }


@pytest.fixture(scope="module")
def report(
    small_results: StudyResults, small_data: StudyData, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("report") / "report"
    index = write_report(small_results, small_data, out, source="local")
    assert index == out.resolve() / "index.html"
    return out


def test_results_json_has_every_step_and_fact(
    report: Path, small_results: StudyResults, small_data: StudyData, chapter: dict[str, Any]
) -> None:
    doc = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert list(doc["steps"]) == list(QUICK_STEPS)
    for name, step in doc["steps"].items():
        assert step["values"] == json.loads(json.dumps(small_results.steps[name].values))
        assert isinstance(step["seconds"], float)
        assert isinstance(step["cached"], bool)
    assert doc["data"]["name"] == small_data.name == "mnist"
    assert doc["data"]["checksum"] == small_results.checksum
    assert doc["data"]["n_train"] == N_TRAIN and doc["data"]["n_test"] == N_TEST
    assert doc["data"]["class_names"] == list(small_data.class_names)
    assert doc["source"] == "local"
    assert {"python", "numpy", "scikit-learn", "mnistlab"} <= set(doc["versions"])
    assert doc["settings"] == StudySettings().as_dict()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["generated_at"])
    assert doc["total_seconds"] >= 0
    # The numbers of the chapter, as scikit-learn computes them on this subset.
    steps = {name: step["values"] for name, step in doc["steps"].items()}
    assert steps["confusion"]["confusion_matrix"] == chapter["confusion_matrix"]
    assert steps["binary"]["n_positive_train"] == chapter["n_positive_train"]
    assert steps["roc"]["roc_auc"] == chapter["roc_auc"]
    assert steps["tradeoff"]["threshold"] == chapter["threshold"]
    assert steps["look"]["first_100_labels"] == small_data.y_train[:100].tolist()
    # Plain JSON numbers: counts are whole numbers, measures are floats.
    assert all(type(v) is int for row in steps["confusion"]["confusion_matrix"] for v in row)
    assert type(steps["roc"]["roc_auc"]) is float and type(steps["roc"]["threshold_index"]) is int


def test_every_figure_is_written_as_png_and_svg(report: Path) -> None:
    doc = json.loads((report / "results.json").read_text(encoding="utf-8"))
    records = [r for step in doc["figures"].values() for r in step]
    assert {"look", "tradeoff", "roc", "denoising"} <= {k for k, v in doc["figures"].items() if v}
    for record in records:
        png = report / record["png"]
        svg = report / record["svg"]
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    files = sorted(p.name for p in (report / "figures").iterdir())
    assert len(files) == 2 * len(records)


def test_index_is_self_contained_and_embeds_every_figure(report: Path) -> None:
    page = (report / "index.html").read_text(encoding="utf-8")
    # Nothing is fetched: no absolute URL anywhere in an attribute or in the CSS.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(" not in page and "@import" not in page and "<script" not in page
    doc = json.loads((report / "results.json").read_text(encoding="utf-8"))
    for record in (r for step in doc["figures"].values() for r in step):
        png = (report / record["png"]).read_bytes()
        assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in page
        assert f'href="figures/{record["slug"]}.svg"' in page
    for title in ("Look at the data", "ROC curve", "Multioutput denoising"):
        assert title in page


def test_index_shows_summary_tables_and_class_names(report: Path, chapter: dict[str, Any]) -> None:
    page = (report / "index.html").read_text(encoding="utf-8")
    assert "<title>MNIST classification study</title>" in page
    assert "Best test accuracy" not in page  # step 14 did not run: no test accuracy
    assert "Library versions" in page and "scikit-learn" in page
    assert f"<td>{N_TRAIN:,}</td>" in page  # training images of the subset
    # The binary confusion matrix, with readable headers and the counts of scikit-learn.
    assert '<th scope="col">not 5</th>' in page
    (negatives, positives) = chapter["confusion_matrix"]
    cells = [f'<td data-diag="1" class="num">{negatives[0]:,}</td>']
    cells += [f'<td class="num">{negatives[1]:,}</td>', f'<td class="num">{positives[0]:,}</td>']
    cells += [f'<td data-diag="1" class="num">{positives[1]:,}</td>']
    assert "".join(cells[:2]) in page and "".join(cells[2:]) in page
    assert f'<td class="num">{chapter["n_positive_train"]:,}</td>' in page
    # Rounded, with the exact value on hover.
    roc_auc = chapter["roc_auc"]
    assert f'<td class="num" title="{roc_auc!r}">{roc_auc:.4f}</td>' in page
    # The three folds of cross_val_score and of the loop by hand, side by side.
    assert '<th scope="row">by hand</th>' in page


def test_failure_while_writing_keeps_the_previous_report(
    report: Path,
    small_results: StudyResults,
    small_data: StudyData,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.is_file()}
    real_draw = writer_module._draw

    def draw_then_fail(result, data):  # type: ignore[no-untyped-def]
        if result.spec.name == "roc":
            raise RuntimeError("figure failed")
        return real_draw(result, data)

    monkeypatch.setattr(writer_module, "_draw", draw_then_fail)
    with pytest.raises(RuntimeError, match="figure failed"):
        write_report(small_results, small_data, report, source="local")
    after = {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in report.parent.iterdir()) == ["report"]


def test_interrupt_while_writing_leaves_nothing_half_written(
    small_results: StudyResults,
    small_data: StudyData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(result, data):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(writer_module, "_draw", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(small_results, small_data, tmp_path / "out", source="local")
    assert list(tmp_path.iterdir()) == []


def test_parent_that_is_a_file_is_a_config_error(
    small_results: StudyResults, small_data: StudyData, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="is a file, not a directory; choose another"):
        write_report(small_results, small_data, blocker / "report", source="local")
    assert blocker.read_text() == "not a directory"


def test_out_that_is_a_file_is_a_config_error(
    small_results: StudyResults, small_data: StudyData, tmp_path: Path
) -> None:
    target = tmp_path / "report"
    target.write_text("keep me")
    with pytest.raises(ConfigError, match="it is a file"):
        write_report(small_results, small_data, target, source="local")
    assert target.read_text() == "keep me"


def test_directory_of_other_files_is_never_replaced(
    small_results: StudyResults, small_data: StudyData, tmp_path: Path
) -> None:
    (tmp_path / "thesis.tex").write_text("years of work")
    with pytest.raises(ConfigError, match="is not a mnistlab report"):
        write_report(small_results, small_data, tmp_path, source="local")
    assert (tmp_path / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]


def test_book_comparison_is_skipped_on_a_subset(report: Path) -> None:
    doc = json.loads((report / "results.json").read_text(encoding="utf-8"))
    book = doc["book"]
    assert book["compared"] is False and book["numbers"] == []
    assert book["summary"] == book["skipped"]
    assert "this study ran on fewer" in book["summary"]
    page = (report / "index.html").read_text(encoding="utf-8")
    assert f"<p>{book['summary']}</p>" in html.unescape(page)
    assert "Beside the book</caption>" not in page


def test_report_puts_the_book_beside_every_printed_number(
    small_results: StudyResults,
    small_data: StudyData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The subset's numbers are not the book's: compared as if they were the whole
    # data, every printed number of the quick steps is shown, most of them differing.
    def as_if_whole(results: StudyResults, data: StudyData) -> BookComparison:
        return compare_with_book(results, data_name="mnist", full_data=True)

    monkeypatch.setattr(writer_module, "book_comparison", as_if_whole)
    out = tmp_path / "report"
    write_report(small_results, small_data, out, source="local")
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    numbers = doc["book"]["numbers"]
    assert [n["step"] for n in numbers] == [b.step for b in BOOK if b.step in QUICK_STEPS]
    assert doc["book"]["not_run"] == len(BOOK) - len(numbers)
    for n in numbers:
        ours = doc["steps"][n["step"]]["values"][n["key"]]
        for i in n["index"]:
            ours = ours[i]
        assert n["ours"] == ours
    # On 3,000 images no fold can score the printed 0.95035: a difference nobody explains.
    folds = [n for n in numbers if n["key"] == "cv_accuracies"]
    assert {n["verdict"] for n in folds} == {"differs, unexplained"}
    page = (out / "index.html").read_text(encoding="utf-8")
    assert doc["book"]["summary"] in html.unescape(page)
    assert "for no known reason" in doc["book"]["summary"]
    assert page.count("Beside the book</caption>") == len({n["step"] for n in numbers})
    assert page.count("✗ differs, unexplained") == doc["book"]["counts"]["differs, unexplained"]
    section = page[page.index('id="step-03-cross_validation"') : page.index('id="step-04')]
    (fold_3,) = [b for b in BOOK if (b.key, b.index) == ("manual_accuracies", (2,))]
    assert fold_3.name in section and f">{fold_3.printed_text}</td>" in section
