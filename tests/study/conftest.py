"""Real MNIST for the study's tests, read directly until the data layer exists."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from mnistlab.study import StudyData, StudySettings, run_study
from mnistlab.study.results import StudyResults

#: Subset sizes: big enough for every step (2,000 SVC images, 5-fold grid), small
#: enough that the plain scikit-learn references run in a few minutes on 2 cores.
N_TRAIN = 2400
N_TEST = 500


def _read_idx(path: Path, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        return np.frombuffer(fh.read(), dtype=np.uint8, offset=offset)


def load_mnist() -> StudyData:
    """The real MNIST from ``MNISTLAB_DATA_DIR`` (default ``/work/shared/data/mnist``)."""
    root = Path(os.environ.get("MNISTLAB_DATA_DIR", "/work/shared/data/mnist"))
    return StudyData(
        name="mnist",
        class_names=tuple(str(d) for d in range(10)),
        X_train=_read_idx(root / "train-images-idx3-ubyte.gz", 16).reshape(-1, 784),
        y_train=_read_idx(root / "train-labels-idx1-ubyte.gz", 8),
        X_test=_read_idx(root / "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784),
        y_test=_read_idx(root / "t10k-labels-idx1-ubyte.gz", 8),
        checksum="mnist-test-idx",
    )


@pytest.fixture(scope="session")
def mnist() -> StudyData:
    return load_mnist()


@pytest.fixture(scope="session")
def small(mnist: StudyData) -> StudyData:
    return mnist.head(N_TRAIN, N_TEST)


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
