"""Shared model calls: every thread gets its own image's answer, errors reach every caller."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models.store import TrainedModel
from mnistlab.web.batching import BatchingPredictor
from tests.web.servers import trained_model


@pytest.fixture(scope="module")
def model(mnist: Dataset, locations: Locations) -> TrainedModel:
    return trained_model(mnist, locations)


class _Recorded:
    """The real model, a little slower, recording the size of every call."""

    def __init__(self, inner: Any, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.sizes: list[int] = []
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        with self._lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        self.sizes.append(len(images))
        time.sleep(self.delay)
        try:
            if (images == 0).all(axis=1).any():
                raise RuntimeError("an all-black image reached the model")
            return self.inner.predict_proba(images)
        finally:
            with self._lock:
                self.running -= 1


def test_concurrent_images_share_calls_and_each_gets_its_own_answer(
    model: TrainedModel, mnist: Dataset
) -> None:
    images = mnist.X_test[:40]
    expected = model.classifier.predict_proba(images)
    recorded = _Recorded(model.classifier, delay=0.05)
    predictor = BatchingPredictor(recorded, max_batch=8)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(predictor.predict, images))
    assert np.allclose(np.stack(answers), expected)
    assert sum(recorded.sizes) == 40
    assert max(recorded.sizes) <= 8 and predictor.largest_batch_ == max(recorded.sizes)
    assert len(recorded.sizes) < 40  # images that arrived together went together
    assert recorded.most_running == 1  # one call of the model at a time


def test_a_lone_image_is_predicted_at_once(model: TrainedModel, mnist: Dataset) -> None:
    predictor = BatchingPredictor(model.classifier)
    p = predictor.predict(mnist.X_test[0])
    assert p.shape == (10,) and int(np.argmax(p)) == 7
    assert predictor.calls_ == 1


def test_an_error_reaches_every_caller_of_that_call_and_no_other(
    model: TrainedModel, mnist: Dataset
) -> None:
    recorded = _Recorded(model.classifier, delay=0.3)
    predictor = BatchingPredictor(recorded, max_batch=64)
    black = np.zeros(784, dtype=np.uint8)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(predictor.predict, mnist.X_test[0])  # runs alone, holds the model
        deadline = time.monotonic() + 10
        while recorded.running == 0 and time.monotonic() < deadline:
            time.sleep(0.001)  # until the first call is inside the model
        batch = [pool.submit(predictor.predict, row) for row in [black, *mnist.X_test[1:4]]]
        assert int(np.argmax(first.result())) == 7
        for future in batch:
            with pytest.raises(RuntimeError, match="all-black"):
                future.result()
    # The predictor is not stuck after a failed call.
    assert int(np.argmax(predictor.predict(mnist.X_test[1]))) == mnist.y_test[1]


def test_max_batch_must_be_positive(model: TrainedModel) -> None:
    with pytest.raises(ValueError, match="max_batch"):
        BatchingPredictor(model.classifier, max_batch=0)
