"""run_benchmark: the subset, the scores, the means, and the same result for the same seed."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError
from mnistlab.models.records import ModelRecord
from mnistlab.models.store import TrainedModel
from mnistlab.robustness import CORRUPTIONS, PHOTO_VARIANTS, benchmark_model, run_benchmark
from mnistlab.robustness.benchmark import CLEAN, CORRUPTION, PHOTO
from mnistlab.robustness.corruptions import get_corruption
from mnistlab.robustness.paper import get_photo_variant
from mnistlab.robustness.subset import stratified_subset

SOME_CORRUPTIONS = [get_corruption(name) for name in ("translate", "fog", "canny_edges")]
SOME_PHOTOS = [get_photo_variant(name) for name in ("clean", "jpeg")]


def test_the_subset_keeps_each_digit_s_share(mnist: Dataset) -> None:
    picked = stratified_subset(mnist.y_test, 1000, seed=3)
    assert len(picked) == len(set(picked)) == 1000 and np.all(np.diff(picked) > 0)
    share = np.bincount(mnist.y_test[picked], minlength=10) / 1000
    assert np.abs(share - np.bincount(mnist.y_test) / 10_000).max() <= 0.001
    assert np.array_equal(picked, stratified_subset(mnist.y_test, 1000, seed=3))
    assert not np.array_equal(picked, stratified_subset(mnist.y_test, 1000, seed=4))
    assert len(stratified_subset(mnist.y_test, None, seed=0)) == 10_000
    for bad in (0, 10_001, -5):
        with pytest.raises(ConfigError, match="from 1 to 10,000"):
            stratified_subset(mnist.y_test, bad, seed=0)


def test_scores_and_means(knn: Any, mnist: Dataset) -> None:
    calls: list[tuple[str, float, float | None]] = []
    result = run_benchmark(
        knn, mnist.X_test, mnist.y_test, n=30, seed=1, progress=lambda *a: calls.append(a),
        corruptions=SOME_CORRUPTIONS, photos=SOME_PHOTOS, model_name="knn",
    )  # fmt: skip
    kinds = [score.kind for score in result.scores]
    assert kinds == [CLEAN] + [CORRUPTION] * 3 + [PHOTO] * 2
    assert result.n_images == 30 and all(s.n_images == 30 for s in result.scores)
    assert result.clean_accuracy is not None and result.clean_accuracy > 0.8
    corruption = [s.accuracy for s in result.scores if s.kind == CORRUPTION]
    photo = [s.accuracy for s in result.scores if s.kind == PHOTO]
    assert result.mnist_c_mean == pytest.approx(np.mean(corruption))
    assert result.photo_mean == pytest.approx(np.mean(photo))
    assert result.overall_mean == pytest.approx(np.mean(corruption + photo))
    document = json.loads(json.dumps(result.to_dict()))
    assert document["mnist_c_mean"] == result.mnist_c_mean and len(document["scores"]) == 6
    assert "knn" in repr(result) and "MNIST-C mean" in repr(result)
    assert calls[0][0] == "clean" and calls[-1] == ("done", 6, 6)
    again = run_benchmark(
        knn, mnist.X_test, mnist.y_test, n=30, seed=1,
        corruptions=SOME_CORRUPTIONS, photos=SOME_PHOTOS, model_name="knn",
    )  # fmt: skip
    assert again == result


def test_the_default_runs_every_test() -> None:
    class Constant:
        def predict(self, images: np.ndarray) -> np.ndarray:
            return np.zeros(len(images), dtype=int)

    images = np.zeros((10, 784), np.uint8)
    images[:, 300:310] = 255
    labels = np.arange(10)
    result = run_benchmark(Constant(), images, labels, photos=PHOTO_VARIANTS[:1])
    assert len(result.scores) == 1 + len(CORRUPTIONS) + 1
    assert result.clean_accuracy == pytest.approx(0.1)
    with pytest.raises(ConfigError, match="labels must have shape"):
        run_benchmark(Constant(), images, labels[:5])


def test_a_model_of_other_data_is_refused(knn: Any, mnist: Dataset) -> None:
    record = ModelRecord(
        name="knn-tuned", family="classical", settings={}, dataset="fashion-mnist",
        data_checksum="f" * 64, n_train=3000, file="x.skops", sha256="0" * 64,
        created="2024-01-01T00:00:00+00:00", train_seconds=1.0, versions={}, metrics={},
    )  # fmt: skip
    trained = TrainedModel(record=record, classifier=knn, path=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="test it on the data it was trained on"):
        benchmark_model(trained, mnist, n=10)
