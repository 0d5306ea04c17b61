"""The study's neighbour steps give the same numbers on scikit-learn's public path."""

from __future__ import annotations

import numpy as np

from mnistlab.private_apis import public_apis_only
from mnistlab.study import StudyData, StudySettings, run_study

#: The steps whose numbers come from NeighborSearch (grid search and test accuracy
#: through "tuning", the 3-fold multilabel predictions through "multilabel").
NEIGHBOR_STEPS = ["multilabel", "tuning"]


def test_neighbor_steps_are_the_same_on_the_public_path(small: StudyData) -> None:
    settings = StudySettings(n_jobs=1)
    fast = run_study(small, settings, steps=NEIGHBOR_STEPS)
    with public_apis_only():
        public = run_study(small, settings, steps=NEIGHBOR_STEPS)
    for step in NEIGHBOR_STEPS:
        assert public.steps[step].values == fast.steps[step].values, step
        assert public.steps[step].arrays.keys() == fast.steps[step].arrays.keys(), step
        for name, array in fast.steps[step].arrays.items():
            np.testing.assert_array_equal(public.steps[step].arrays[name], array, err_msg=name)
    # The grid search really scored its candidates: eight of them, five folds each.
    scores = np.asarray(fast.steps["tuning"].values["split_scores"])
    assert scores.shape == (8, 5)
