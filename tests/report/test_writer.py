"""``write_report`` on a real study run: contents, self-containment, atomicity."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import pytest

from mnistlab.book import BOOK, BookComparison, compare_with_book
from mnistlab.errors import ConfigError
from mnistlab.report import write_report
from mnistlab.report import writer as writer_module
from mnistlab.study import StudyData, StudyResults
from tests.report.conftest import QUICK_STEPS


@pytest.fixture(scope="module")
def report(
    small_results: StudyResults, small_data: StudyData, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("report") / "report"
    index = write_report(small_results, small_data, out, source="local")
    assert index == out.resolve() / "index.html"
    return out


def test_results_json_has_every_step_and_fact(report: Path, small_results: StudyResults) -> None:
    doc = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert list(doc["steps"]) == list(QUICK_STEPS)
    for name, step in doc["steps"].items():
        assert step["values"] == json.loads(json.dumps(small_results.steps[name].values))
        assert isinstance(step["seconds"], float)
        assert isinstance(step["cached"], bool)
    assert doc["data"]["name"] == "mnist"
    assert doc["data"]["checksum"] == small_results.checksum
    assert doc["data"]["n_train"] == 3000 and doc["data"]["n_test"] == 500
    assert doc["data"]["class_names"] == [str(d) for d in range(10)]
    assert doc["source"] == "local"
    assert {"python", "numpy", "scikit-learn", "mnistlab"} <= set(doc["versions"])
    assert doc["settings"]["positive_class"] == 5
    assert doc["settings"]["class_pair"] == [3, 5]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["generated_at"])
    assert doc["total_seconds"] >= 0
    # The numbers of the chapter, as scikit-learn computes them on this subset.
    assert doc["steps"]["confusion"]["values"]["confusion_matrix"] == [[2657, 69], [65, 209]]


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


def test_index_shows_summary_tables_and_class_names(report: Path) -> None:
    page = (report / "index.html").read_text(encoding="utf-8")
    assert "MNIST classification study" in page
    assert "Best test accuracy" not in page  # step 14 did not run: no test accuracy
    assert "Library versions" in page and "scikit-learn" in page
    assert "3,000" in page  # training images of the subset
    # The binary confusion matrix, with readable headers.
    assert '<th scope="col">not 5</th>' in page
    assert "2,657" in page
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
    assert f"<p>{html.escape(book['summary'])}</p>" in page
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
    assert html.escape(doc["book"]["summary"]) in page
    assert "for no known reason" in doc["book"]["summary"]
    assert page.count("Beside the book</caption>") == len({n["step"] for n in numbers})
    assert page.count("✗ differs, unexplained") == doc["book"]["counts"]["differs, unexplained"]
    section = page[page.index('id="step-03-cross_validation"') : page.index('id="step-04')]
    assert "3-fold accuracy by hand, fold 3" in section and ">0.9604</td>" in section
