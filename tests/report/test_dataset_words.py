"""The report speaks of the data set it ran on: images and class names on Fashion-MNIST,
digits on MNIST.

The Fashion-MNIST study is a small real one (the first 1,000 training and 200
test images) over the steps that name classes: the detector's tables, the
ten-class confusion matrices and the class-pair grid, the multilabel labels.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mnistlab.config import Locations
from mnistlab.data import Dataset, get_dataset_spec
from mnistlab.plots import plot_confusion_matrix
from mnistlab.report import write_report
from mnistlab.report.figures import draw_gallery, draw_step_figures
from mnistlab.report.labels import DIGIT_NAMES, DatasetWords
from mnistlab.report.ladder import LadderReport
from mnistlab.report.notebook import study_html
from mnistlab.study import StudyData, StudyResults, StudySettings, run_study
from mnistlab.study.steps_multiclass import multilabel_names

pytestmark = pytest.mark.slow

STEPS = ["look", "binary", "confusion", "roc", "forest", "error_analysis", "multilabel"]
#: Words of handwritten digits that must not describe pictures of clothes.
FORBIDDEN = re.compile(r"\b(digits?|handwrit\w*|5-detector|five)\b", re.IGNORECASE)
FASHION_TITLE = "Fashion-MNIST"
#: Enough images for every step here; few, as SGD converges slowly on clothes.
N_TRAIN, N_TEST = 1000, 200


@pytest.fixture(scope="module")
def fashion(fashion_mnist: Dataset) -> StudyData:
    return StudyData.from_dataset(fashion_mnist).head(N_TRAIN, N_TEST)


@pytest.fixture(scope="module")
def fashion_results(fashion: StudyData, locations: Locations) -> StudyResults:
    return run_study(fashion, StudySettings(), steps=STEPS, cache_dir=locations.cache_dir)


@pytest.fixture(scope="module")
def fashion_report(
    fashion_results: StudyResults, fashion: StudyData, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("fashion-report") / "report"
    return write_report(fashion_results, fashion, out, source="local")


def readable(page: str) -> str:
    """The page as a reader meets it: no embedded images, entities decoded."""
    return html.unescape(re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page))


def forbidden_words(text: str) -> list[str]:
    return FORBIDDEN.findall(text.replace(FASHION_TITLE, ""))


def section(page: str, name: str) -> str:
    found = re.search(rf'<section class="step card" id="step-\d+-{name}">.*?</section>', page, re.S)
    assert found is not None, name
    return found.group(0)


def texts(figure: Figure) -> list[str]:
    """Every text a figure draws: titles, axis labels, tick labels, texts, legends."""
    out: list[str] = []
    for ax in figure.axes:
        assert isinstance(ax, Axes)
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels(), *ax.texts)]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def test_the_words_follow_the_class_names() -> None:
    digits = DatasetWords.of(DIGIT_NAMES)
    assert (digits.image, digits.images, digits.a_class("5")) == ("digit", "digits", "a 5")
    clothes = DatasetWords.of(["T-shirt/top", *DIGIT_NAMES[1:]])
    assert (clothes.image, clothes.a_class("Bag")) == ("image", "class “Bag”")
    assert multilabel_names(DIGIT_NAMES) == ["large (digit >= 7)", "odd"]
    assert not forbidden_words(" ".join(multilabel_names(("Coat",) * 10)))


def test_the_gallery_names_images_by_their_classes() -> None:
    mistake = {"index": 0, "true": 9, "predicted": 7, "probability": 0.9}
    best = SimpleNamespace(name="knn-tuned", metrics={"misclassified": [mistake]})
    ladder = LadderReport(rows=[], best=best)  # type: ignore[arg-type]
    images = np.zeros((1, 784))
    clothes = draw_gallery(ladder, images, get_dataset_spec("fashion-mnist").class_names)
    assert clothes is not None and clothes.caption.startswith("Test images that knn-tuned")
    assert [t.get_text() for t in clothes.figure.axes[0].texts] == ["Ankle boot→\nSneaker 0.90"]
    digits = draw_gallery(ladder, images)
    assert digits is not None and digits.caption.startswith("Test digits that knn-tuned")
    assert [t.get_text() for t in digits.figure.axes[0].texts] == ["9→7 0.90"]


def test_the_fashion_page_names_no_digit(fashion_report: Path) -> None:
    page = readable(fashion_report.read_text(encoding="utf-8"))
    assert forbidden_words(page) == []
    assert "<title>Fashion-MNIST classification study</title>" in page
    assert "The classification study on Fashion-MNIST" in page
    assert "The first training image, class “Ankle boot”." in page
    assert "this study ran on Fashion-MNIST." in page  # the book's line, by the title


def test_the_fashion_tables_name_the_classes(fashion_report: Path, fashion: StudyData) -> None:
    page = readable(fashion_report.read_text(encoding="utf-8"))
    headers = [f'<th scope="col">{name}</th>' for name in fashion.class_names]
    errors = section(page, "error_analysis")
    assert all(header in errors for header in headers)
    assert '<th scope="row">Sneaker</th>' in errors
    binary = section(page, "confusion")
    assert '<th scope="col">not Sandal</th><th scope="col">Sandal</th>' in binary
    assert "P(not Sandal)" in section(page, "forest")
    look = section(page, "look")
    assert "Labels: 0 T-shirt/top, 1 Trouser," in look and "9 Ankle boot." in look
    labels = section(page, "multilabel")
    assert '<th scope="col">label >= 7</th><th scope="col">odd label</th>' in labels
    assert "Positive class</th><td>5 (Sandal)" in page
    assert "Class pair</th><td>3 (Dress) and 5 (Sandal)" in page


def test_the_fashion_results_json_names_the_labels(fashion_report: Path) -> None:
    document = json.loads((fashion_report.parent / "results.json").read_text(encoding="utf-8"))
    assert document["steps"]["multilabel"]["values"]["labels"] == ["label >= 7", "odd label"]


def test_the_fashion_figures_name_the_classes(
    fashion_results: StudyResults, fashion: StudyData
) -> None:
    names = list(fashion.class_names)
    drawn = {
        spec.slug: texts(spec.figure)
        for step in ("look", "roc", "forest", "error_analysis")
        for spec in draw_step_figures(fashion_results.steps[step], fashion)
    }
    for slug, words in drawn.items():
        assert forbidden_words(" ".join(words)) == [], slug
    ticks = drawn["confusion_matrix"]
    assert all(ticks.count(name) == 2 for name in names)  # each on both axes
    grid = drawn["class_pair_3_5"]
    assert "true Dress, predicted Sandal" in grid and "true Sandal, predicted Dress" in grid
    figure = draw_step_figures(fashion_results.steps["error_analysis"], fashion)[0].figure
    slanted = [label.get_rotation() for label in figure.axes[0].get_xticklabels()]
    assert slanted and all(angle == pytest.approx(40) for angle in slanted)


def test_the_fashion_notebook_view_names_no_digit(
    fashion_results: StudyResults, fashion: StudyData
) -> None:
    shown = readable(study_html(fashion_results, data=fashion))
    assert forbidden_words(shown) == []
    assert "Fashion-MNIST classification study" in shown
    assert '<th scope="col">Ankle boot</th>' in shown


def test_the_mnist_report_still_speaks_of_digits(
    small_data: StudyData, locations: Locations, tmp_path: Path
) -> None:
    results = run_study(
        small_data, StudySettings(), steps=["look", "multilabel"], cache_dir=locations.cache_dir
    )
    index = write_report(results, small_data, tmp_path / "report", source="local")
    page = readable(index.read_text(encoding="utf-8"))
    assert "The first training image, a 5." in page
    assert '<th scope="col">large (digit >= 7)</th><th scope="col">odd</th>' in page
    assert "Labels: 0" not in page  # a digit names itself
    ax = plot_confusion_matrix(np.eye(10, dtype=int), class_names=small_data.class_names)
    assert [t.get_rotation() for t in ax.get_xticklabels()] == [0.0] * 10
