"""``KNeighborsClassifier``'s predictions for integer pixels, several times faster.

:class:`FastKNeighborsClassifier` returns exactly what
``KNeighborsClassifier(n_neighbors=k, weights=w).fit(X, y)`` returns from
``predict`` and ``predict_proba`` when ``X`` and the queries are float64 arrays
of integer values (MNIST's pixels, as ``fetch_openml`` and the chapter give
them), ties among equidistant neighbours included.

Why the votes are the same
--------------------------
:mod:`mnistlab.knn.screen` finds, exactly, the ``k + 1`` smallest squared
distances ``D₁ ≤ … ≤ D_{k+1}`` of each query and rows that realise them. When
``D_k < D_{k+1}`` the k nearest rows are one set, which any correct search
returns, and the votes do not depend on the order inside it: uniform votes
count, and distance votes add ``1/√D`` per class in order of distance, where
rows at equal distances carry equal weights. When ``D_k = D_{k+1}``,
scikit-learn's choice among the tied rows depends on how it searched (its
heap's history, its parallel strategy, or its KD-tree for ≤ 15 features), so
those rows are searched again with exactly the call its classifier makes
(:mod:`mnistlab.knn.plain` mirrors them). So are rows with
equal distances inside the set when ``predict`` weights by distance and
``k ≥ 8``: numpy's sum may then add the weights in interleaved partial sums,
where positions matter.

Given uint8 pixels, scikit-learn takes another search (``ArgKmin`` accepts
only float32 and float64), whose tie choice may differ; this class always
answers as scikit-learn does for float64.

Without scikit-learn's private search
-------------------------------------
Searching the tied rows again needs scikit-learn's private ``ArgKmin``
(:mod:`mnistlab.private_apis`, key ``sklearn-argkmin``). Where it is not
usable (an unverified scikit-learn, or ``MNISTLAB_PUBLIC_APIS_ONLY=1``),
``predict`` and ``predict_proba`` hand the whole query set to
``KNeighborsClassifier`` fitted on the same float64 rows: the same numbers,
at its speed. The whole set, not only the tied rows, because the way
scikit-learn breaks a tie depends on how many rows it was asked about.
``tests/test_private_apis.py`` checks that both paths agree, ties included.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from mnistlab.errors import ConfigError
from mnistlab.knn.plain import (
    WEIGHTS,
    distance_vote,
    private_search_usable,
    rows_to_search_again,
    search_like_classifier,
    uniform_vote,
)
from mnistlab.knn.screen import Screen, as_pixels, n_threads


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
        n_components: int = 112,
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
            If the pixels are not integers, ``y`` is not one label per row, or
            an option is out of range.
        """
        if self.weights not in WEIGHTS:
            raise ConfigError(f"weights must be one of {WEIGHTS}, got {self.weights!r}.")
        if int(self.n_neighbors) < 1 or int(self.n_components) < 1:
            raise ConfigError(
                f"n_neighbors and n_components must be at least 1, got "
                f"{self.n_neighbors} and {self.n_components}."
            )
        X64, compact = as_pixels(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X64):
            raise ConfigError(
                f"y must hold one label per row of X ({len(X64)}), got shape {y.shape}; "
                "use KNeighborsClassifier for multi-output targets."
            )
        check_classification_targets(y)
        self.classes_, self._y = np.unique(y, return_inverse=True)
        self.n_features_in_ = X64.shape[1]
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
        Q = self._queries(X)
        if not private_search_usable():
            return np.asarray(self._plain_classifier().predict(Q))
        dist, ind = self._neighbors(Q, order_matters=self.weights == "distance")
        labels = self._y[ind]
        if self.weights == "uniform":
            return self.classes_[uniform_vote(labels, len(self.classes_))]
        return self.classes_[distance_vote(labels, dist)]

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
        Q = self._queries(X)
        if not private_search_usable():
            return np.asarray(self._plain_classifier().predict_proba(Q))
        dist, ind = self._neighbors(Q, order_matters=False)
        labels = self._y[ind]
        if self.weights == "uniform":
            weights = np.ones(labels.shape)
        else:
            # scikit-learn's _get_weights: 1/d, and a query that coincides with
            # training rows is decided by those rows alone.
            with np.errstate(divide="ignore"):
                weights = 1.0 / dist
            inf_mask = np.isinf(weights)
            inf_row = np.any(inf_mask, axis=1)
            weights[inf_row] = inf_mask[inf_row]
        # The same additions in the same order as scikit-learn: column by column.
        rows = np.arange(len(labels))
        proba = np.zeros((len(labels), len(self.classes_)))
        for column, weight in zip(labels.T, weights.T, strict=True):
            proba[rows, column] += weight
        proba /= proba.sum(axis=1)[:, np.newaxis]
        return proba

    def _queries(self, X: Any) -> np.ndarray:
        # The query rows as float64, checked against what was fitted.
        check_is_fitted(self, "screen_")
        Q, _ = as_pixels(X)
        if Q.shape[1] != self.n_features_in_:
            raise ConfigError(
                f"X has {Q.shape[1]} features per row but the classifier was fitted "
                f"with {self.n_features_in_}."
            )
        k = int(self.n_neighbors)
        if k > self.n_samples_fit_:
            raise ConfigError(
                f"n_neighbors ({k}) is larger than the {self.n_samples_fit_} training rows; "
                "lower n_neighbors."
            )
        return Q

    def _plain_classifier(self) -> KNeighborsClassifier:
        # The public path: scikit-learn's classifier on the same float64 rows and
        # labels (classes_[_y] is y itself), asked about the whole query set.
        plain = KNeighborsClassifier(
            n_neighbors=int(self.n_neighbors), weights=self.weights, n_jobs=self.n_jobs
        )
        return plain.fit(self.screen_.X64, self.classes_[self._y])

    def _neighbors(self, Q: np.ndarray, *, order_matters: bool) -> tuple[np.ndarray, np.ndarray]:
        # The k nearest rows: exact sets from the screen; ties (and, if asked,
        # order) from scikit-learn's own search.
        k = int(self.n_neighbors)
        n_search = min(k + 1, self.n_samples_fit_)
        sq, ind = self.screen_.search(Q, n_search=n_search, n_jobs=n_threads(self.n_jobs))
        rows = rows_to_search_again(sq, k, order_matters=order_matters)
        dist, ind = np.sqrt(sq[:, :k]), np.ascontiguousarray(ind[:, :k])
        if rows.size:
            dist[rows], ind[rows] = search_like_classifier(
                self.screen_.X64,
                Q[rows],
                k=k,
                n_queries=len(Q),
                class_mode=self.weights == "uniform",
            )
        return dist, ind
