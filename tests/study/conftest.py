"""The real MNIST as the study holds it, from the verified data set every test shares.

The data comes through ``mnistlab.data.load`` (the ``mnist`` fixture of
``tests/conftest.py``): ``MNISTLAB_DATA_DIR`` when set, otherwise the tool's own
chain, once, then the test run's cache.
"""

from __future__ import annotations

import numpy as np
import pytest

from mnistlab.data import Dataset
from mnistlab.study import StudyData, StudySettings, run_study
from mnistlab.study.results import StudyResults

#: Subset sizes: big enough for every step (2,000 SVC images, 5-fold grid), small
#: enough that the plain scikit-learn references run in a few minutes on 2 cores.
N_TRAIN = 2400
N_TEST = 500


@pytest.fixture(scope="session")
def study_data(mnist: Dataset) -> StudyData:
    """The whole verified MNIST as ``StudyData``, built the way ``mnistlab study`` builds it."""
    return StudyData.from_dataset(mnist)


@pytest.fixture(scope="session")
def small(study_data: StudyData) -> StudyData:
    return study_data.head(N_TRAIN, N_TEST)


@pytest.fixture(scope="session")
def small_results(small: StudyData, tmp_path_factory: pytest.TempPathFactory) -> StudyResults:
    cache = tmp_path_factory.mktemp("study-cache")
    return run_study(small, StudySettings(n_jobs=2), cache_dir=cache)


@pytest.fixture(scope="session")
def chapter(small: StudyData) -> dict[str, np.ndarray]:
    """The subset as the chapter holds it: float64 pixels, first image as ``some_digit``."""
    X_train = small.X_train.astype(np.float64)
    y_train = small.y_train.astype(np.int64)
    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_test": small.X_test.astype(np.float64),
        "y_test": small.y_test.astype(np.int64),
        "y_train_5": y_train == 5,
        "some_digit": X_train[:1],
    }
