"""A small real model for the benchmark's tests: the chapter's KNN on 3,000 training images."""

from __future__ import annotations

from typing import Any

import pytest

from mnistlab.data import Dataset
from mnistlab.models import classical
from mnistlab.models.registry import get_model_spec
from mnistlab.progress import ignore_progress

N_TRAIN = 3_000


@pytest.fixture(scope="package")
def knn(mnist: Dataset) -> Any:
    """knn-tuned's settings fitted on the first 3,000 clean training images (about 91%)."""
    return classical.train(
        get_model_spec("knn-tuned").settings,
        mnist.X_train[:N_TRAIN],
        mnist.y_train[:N_TRAIN],
        ignore_progress,
    )
