"""The deployable 90%-precision classifier."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import precision_recall_curve, precision_score
from sklearn.model_selection import cross_val_predict

from mnistlab.errors import StudyError
from mnistlab.study import precision_threshold_classifier, threshold_for_precision


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_precision_threshold_classifier(study_data) -> None:
    X = study_data.X_train[:2000].astype(np.float64)
    y5 = study_data.y_train[:2000] == 5
    clf = precision_threshold_classifier(
        SGDClassifier(random_state=42), X, y5, target_precision=0.9
    )
    scores = cross_val_predict(
        SGDClassifier(random_state=42), X, y5, cv=3, method="decision_function"
    )
    precisions, _, thresholds = precision_recall_curve(y5, scores)
    assert clf.threshold == thresholds[(precisions >= 0.90).argmax()]
    assert precision_score(y5, scores >= clf.threshold) >= 0.9
    raw = clf.estimator_.decision_function(X[:50])
    assert np.array_equal(clf.predict(X[:50]), raw >= clf.threshold)


def test_unreachable_precision() -> None:
    y = np.array([0, 1, 0, 1])
    with pytest.raises(StudyError, match="No threshold reaches precision"):
        threshold_for_precision(y, np.array([0.9, 0.1, 0.8, 0.2]), target_precision=1.0)
