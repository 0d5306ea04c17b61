"""``KNeighborsClassifier`` for integer pixels: the same predictions, several times faster.

:class:`FastKNeighborsClassifier` is a scikit-learn estimator over the one
exact search, :class:`mnistlab.knn.search.NeighborSearch`: ``fit`` prepares the
screen of the training rows (:mod:`mnistlab.knn.screen`) once, and every
``predict`` or ``predict_proba`` runs one search of the query rows. Why its
answers are ``KNeighborsClassifier``'s, ties included, and what it does
without scikit-learn's private search, is told in :mod:`mnistlab.knn.search`.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from mnistlab.errors import ConfigError
from mnistlab.knn.plain import TrainingLabels, check_weights
from mnistlab.knn.screen import SCREEN_COMPONENTS, Screen, as_pixels, n_threads
from mnistlab.knn.search import NeighborSearch

__all__ = ["FastKNeighborsClassifier"]


class FastKNeighborsClassifier(ClassifierMixin, BaseEstimator):
    """``KNeighborsClassifier`` for integer pixels: the same predictions, several times faster.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours that vote.
    weights : {"uniform", "distance"}, default="uniform"
        Equal votes, or votes weighted by the inverse distance.
    n_components : int, default=112
        Principal axes of the screen. Any value gives the same predictions; it
        trades the screen's cost against the number of exact distances.
    n_jobs : int or None, default=None
        Threads of the screen; None or a negative value uses one per physical
        core (:func:`mnistlab.knn.screen.n_threads`). The answers do not depend on it.

    Attributes
    ----------
    classes_ : ndarray
        The class labels, sorted.
    n_features_in_ : int
        Number of pixels per row.
    n_samples_fit_ : int
        Number of training rows.
    screen_ : Screen
        The training rows, prepared for the search.

    Example
    -------
    >>> knn = FastKNeighborsClassifier().fit(X_train, y_train)     # doctest: +SKIP
    >>> knn.predict(X_test)                                         # doctest: +SKIP
    """

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        weights: str = "uniform",
        n_components: int = SCREEN_COMPONENTS,
        n_jobs: int | None = None,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.n_components = n_components
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any) -> Self:
        """Store the training rows and prepare the screen.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Integer-valued pixels (any dtype).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self

        Raises
        ------
        ConfigError
            If the pixels are not integers, ``y`` has several labels per row,
            or an option is out of range.
        ValueError
            If ``X`` or ``y`` is not an array scikit-learn's classifiers accept
            (with their messages).
        """
        check_weights(self.weights)
        if int(self.n_neighbors) < 1 or int(self.n_components) < 1:
            raise ConfigError(
                f"n_neighbors and n_components must be at least 1, got "
                f"{self.n_neighbors} and {self.n_components}."
            )
        X, y = validate_data(self, X, y, multi_output=True)
        if y.ndim == 2 and y.shape[1] != 1:
            raise ConfigError(
                f"y must hold one label per row of X ({len(X)}), got shape {y.shape}; "
                "use KNeighborsClassifier for multi-output targets."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        X64, compact = as_pixels(X)
        self._labels = TrainingLabels.encode(y)
        self.classes_ = self._labels.classes[0]
        self.n_samples_fit_ = len(X64)
        self.screen_ = Screen.build(
            X64, compact, n_components=int(self.n_components), n_jobs=n_threads(self.n_jobs)
        )
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict the class of each row, exactly as ``KNeighborsClassifier.predict``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
            Integer-valued pixels.

        Returns
        -------
        ndarray of shape (n_queries,)
        """
        search = self._search(X)
        return search.predict(self._labels, k=int(self.n_neighbors), weights=self.weights)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, exactly as ``KNeighborsClassifier.predict_proba``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
            Integer-valued pixels.

        Returns
        -------
        ndarray of shape (n_queries, n_classes)
        """
        search = self._search(X)
        return search.predict_proba(self._labels, k=int(self.n_neighbors), weights=self.weights)

    def _search(self, X: Any) -> NeighborSearch:
        # The search of the query rows, checked against what was fitted.
        check_is_fitted(self)
        Q, _ = as_pixels(validate_data(self, X, reset=False))
        k = int(self.n_neighbors)
        if k > self.n_samples_fit_:
            raise ConfigError(
                f"n_neighbors ({k}) is larger than the {self.n_samples_fit_} training rows; "
                "lower n_neighbors."
            )
        return NeighborSearch.run(
            self.screen_.X64, Q, max_k=k, screen=self.screen_, n_jobs=self.n_jobs
        )
