"""The chapter's 90%-precision threshold, as a rule and as a deployable classifier."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import FixedThresholdClassifier, cross_val_predict

from mnistlab.errors import StudyError


class PrecisionNotReached(StudyError):
    """No decision threshold gives the target precision: the detector is too weak for it.

    Attributes
    ----------
    target_precision : float
    best_precision : float
        The highest precision of any threshold.
    """

    def __init__(self, target_precision: float, best_precision: float) -> None:
        super().__init__(
            f"No threshold reaches precision {target_precision}; the best is "
            f"{best_precision:.4f}. Lower target_precision."
        )
        self.target_precision = float(target_precision)
        self.best_precision = float(best_precision)

    @property
    def reason(self) -> str:
        """The one line a study shows in place of a step that needs the threshold."""
        return (
            f"no threshold of the detector reaches {self.target_precision:.0%} precision "
            f"(the best is {self.best_precision:.2%}); choose a lower target precision "
            "or another positive class"
        )


def threshold_for_precision(
    y_true: np.ndarray, y_scores: np.ndarray, *, target_precision: float = 0.90
) -> float:
    """Return the lowest threshold whose precision is at least ``target_precision``.

    The chapter's rule: ``thresholds[(precisions >= target).argmax()]`` on the
    precision/recall curve.

    Raises
    ------
    PrecisionNotReached
        A :class:`StudyError`: no threshold reaches the target precision.

    Example
    -------
    >>> threshold_for_precision(y_train_5, y_scores, target_precision=0.9)  # doctest: +SKIP
    3370.0194...
    """
    precisions, _, thresholds = precision_recall_curve(y_true, y_scores)
    reached = precisions[:-1] >= target_precision
    if not reached.any():
        raise PrecisionNotReached(target_precision, float(precisions[:-1].max()))
    # precisions has one more entry than thresholds (the final 1.0); the
    # chapter's argmax over all of precisions equals this one when reached.
    return float(thresholds[int(np.argmax(reached))])


def precision_threshold_classifier(
    estimator: BaseEstimator,
    X: np.ndarray,
    y: np.ndarray,
    *,
    target_precision: float = 0.90,
    cv: int = 3,
) -> FixedThresholdClassifier:
    """Return ``estimator`` thresholded for ``target_precision``, fitted on all of ``X``.

    The threshold is chosen on out-of-fold decision scores (``cross_val_predict``
    with ``cv`` folds), as in the chapter, then the estimator is refitted on all
    the data inside a ``FixedThresholdClassifier``.

    Parameters
    ----------
    estimator : classifier with ``decision_function``
    X, y : ndarray
        Training data and binary target.
    target_precision : float, default=0.90
    cv : int, default=3

    Returns
    -------
    FixedThresholdClassifier
        Fitted; predicts the positive class when the score is ≥ the threshold.

    Example
    -------
    >>> clf = precision_threshold_classifier(SGDClassifier(random_state=42),
    ...                                      X_train, y_train_5)   # doctest: +SKIP
    >>> clf.predict(X_test)                                        # doctest: +SKIP
    """
    scores = cross_val_predict(estimator, X, y, cv=cv, method="decision_function")
    threshold = threshold_for_precision(y, scores, target_precision=target_precision)
    return FixedThresholdClassifier(
        estimator, threshold=threshold, response_method="decision_function"
    ).fit(X, y)
