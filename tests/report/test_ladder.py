"""The report's leaderboard and its gallery of the best model's mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models.evaluation import evaluate_model
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from mnistlab.plots import plot_misclassified
from mnistlab.report import write_report
from mnistlab.report.ladder import GALLERY_SIZE, LadderReport
from mnistlab.study import StudyData, StudySettings, run_study


@pytest.fixture(scope="module")
def store(mnist: Dataset, tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    store = ModelStore(tmp_path_factory.mktemp("ladder-models"))
    for n_train in (1_000, 2_000):
        # Two models of unequal accuracy: knn-tuned on 2,000 images, knn-shift on 1,000.
        name = "knn-tuned" if n_train == 2_000 else "knn-shift"
        train_model(name, mnist, store=store, n_train=n_train)
        store.update_metrics(name, evaluate_model(store.load(name), mnist).as_metrics())
    return store


def test_the_ladder_ranks_models_of_this_data_only(store: ModelStore, mnist: Dataset) -> None:
    ladder = LadderReport.from_store(store, data_checksum=mnist.checksum)
    assert ladder is not None
    accuracies = [row.test_accuracy for row in ladder.rows]
    assert accuracies == sorted(accuracies, reverse=True)
    assert ladder.best.name == ladder.rows[0].name
    items = ladder.gallery_items()
    assert len(items) == GALLERY_SIZE
    probabilities = [item["probability"] for item in items]
    assert probabilities == sorted(probabilities, reverse=True)
    assert LadderReport.from_store(store, data_checksum="0" * 64) is None


def test_the_report_shows_leaderboard_and_gallery(
    store: ModelStore, mnist: Dataset, locations: Locations, tmp_path: Path
) -> None:
    data = StudyData.from_dataset(mnist).head(2_000, 10_000)
    results = run_study(data, StudySettings(), steps=["look"], cache_dir=locations.cache_dir)
    ladder = LadderReport.from_store(store, data_checksum=mnist.checksum)
    index = write_report(results, data, tmp_path / "report", source="local", ladder=ladder)
    page = index.read_text(encoding="utf-8")
    assert "Past the chapter: the accuracy ladder" in page
    assert page.count("<code>knn-") >= 2 and "Leaderboard" in page
    assert 'id="fig-misclassified"' in page
    doc = json.loads((index.parent / "results.json").read_text(encoding="utf-8"))
    assert [row["name"] for row in doc["leaderboard"]] == [row.name for row in ladder.rows]
    assert doc["gallery"]["model"] == ladder.best.name
    for item in doc["gallery"]["items"]:
        assert mnist.y_test[item["index"]] == item["true"] != item["predicted"]
    assert (index.parent / "figures" / "misclassified.svg").is_file()


def test_plot_misclassified_labels_every_digit(mnist: Dataset) -> None:
    images = mnist.X_test[:7]
    ax = plot_misclassified(
        images, true=[1, 2, 3, 4, 5, 6, 7], predicted=[7, 1, 5, 9, 3, 5, 1], probability=[0.5] * 7,
        n_cols=3,
    )  # fmt: skip
    assert [t.get_text() for t in ax.texts][:2] == ["1→7 0.50", "2→1 0.50"]
    assert ax.images[0].get_array().shape == (3 * 28, 3 * 28)
    np.testing.assert_array_equal(ax.images[0].get_array()[:28, :28], images[0].reshape(28, 28))
    with pytest.raises(ValueError, match="same length"):
        plot_misclassified(images, true=[1], predicted=[2], probability=[0.3])
