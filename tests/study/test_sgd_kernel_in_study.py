"""The study's SGD fits are ones mnistlab.sgd's compiled loop takes, not its fallback.

The loop gives the very models of scikit-learn's fit (tests/sgd), so a change in
the study's inputs that sent them back to scikit-learn would change no number,
only the time; this test is what notices.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler

from mnistlab.sgd import kernel_supports
from mnistlab.study.data import StudyData


def test_every_sgd_fit_of_the_study_takes_the_compiled_loop(small: StudyData) -> None:
    X, y = small.X_train, small.y_train
    sgd = SGDClassifier(random_state=42)
    scaled = StandardScaler().fit_transform(X.astype(np.float64))
    assert kernel_supports(sgd, X, y == 5) is None  # the 5-detector, steps 2-8
    assert kernel_supports(sgd, X, y) is None  # ten classes on raw pixels, step 10
    assert kernel_supports(sgd, scaled, y) is None  # and on scaled pixels, step 11
