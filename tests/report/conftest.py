"""A small real study run, shared by the report's tests.

The steps are the quick ones that still cover every kind of output: scalars,
a 2×2 confusion matrix, probability rows, curves, digit images, the grid
search table. The ten-class steps are left out: they take a minute even on a
subset, and the tables they produce are checked from literal values.
"""

from __future__ import annotations

import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.study import StudyData, StudyResults, StudySettings, run_study

N_TRAIN, N_TEST = 3000, 500
QUICK_STEPS = ("look", "binary", "cross_validation", "confusion", "tradeoff", "roc", "denoising")


@pytest.fixture(scope="session")
def small_data(mnist: Dataset) -> StudyData:
    return StudyData.from_dataset(mnist).head(N_TRAIN, N_TEST)


@pytest.fixture(scope="session")
def small_results(small_data: StudyData, locations: Locations) -> StudyResults:
    return run_study(
        small_data, StudySettings(), steps=list(QUICK_STEPS), cache_dir=locations.cache_dir
    )
