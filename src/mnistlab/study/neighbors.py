"""Exact k-nearest-neighbour predictions for many k from one neighbour search.

The study asks ``KNeighborsClassifier`` for k = 3…6 with uniform and distance
weights on the same (training set, query set) pairs. The costly part is the
neighbour search; the vote is cheap. We search once for ``max_k + 1``
neighbours and vote for every k from the first k columns.

Why this is exact: the k nearest neighbours are a unique set whenever the k-th
distance is strictly smaller than the (k+1)-th, and then any correct search
returns that set. Votes do not depend on the order inside the set (uniform
counts labels; distance weights are summed in order of distance, and equal
distances have equal weights), up to ``ORDERED_SUM_K`` neighbours; from there
on rows with equidistant neighbours are searched again for distance votes
(:func:`mnistlab.knn.plain.rows_to_search_again`). When the k-th and (k+1)-th
distances are equal scikit-learn picks among the tied points by its heap's
history, which depends on k and on the parallel strategy; those rows are
searched again with exactly the call scikit-learn's classifier makes. Pixel
values are integers, so every squared distance is an exact float and no
rounding can separate two searches.

The search itself is :mod:`mnistlab.knn.screen` whenever the rows are integer
pixels (the study's always are): it returns exactly the ``max_k + 1`` smallest
squared distances, as exact integers whose square roots are scikit-learn's
distances bit for bit, several times faster than ``NearestNeighbors``. Other
data fall back to ``NearestNeighbors``.

Searching the tied rows again is scikit-learn's private ``ArgKmin``
(:mod:`mnistlab.private_apis`, key ``sklearn-argkmin``). Where it is not
usable (an unverified scikit-learn, or ``MNISTLAB_PUBLIC_APIS_ONLY=1``),
:meth:`NeighborSearch.predict` asks ``KNeighborsClassifier`` itself about the
whole query set, whose size decides how scikit-learn breaks ties: the same
predictions, at its speed (``tests/test_private_apis.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

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

#: Principal axes of the exact screen (any value gives the same neighbours).
SCREEN_COMPONENTS = 112


@dataclass(frozen=True)
class NeighborSearch:
    """The ``max_k + 1`` nearest training rows of every query row.

    Attributes
    ----------
    X_fit, X_query : ndarray of float64
        The training rows and the query rows.
    distances, indices : ndarray, shape (n_queries, max_k + 1)
        Sorted by distance, as ``NearestNeighbors.kneighbors`` returns them.
    max_k : int
        The largest k this search answers.

    Example
    -------
    >>> search = NeighborSearch.run(X_train, X_test, max_k=6)      # doctest: +SKIP
    >>> search.predict(y_train, k=4, weights="distance")            # doctest: +SKIP
    """

    X_fit: np.ndarray
    X_query: np.ndarray
    distances: np.ndarray
    indices: np.ndarray
    max_k: int

    @classmethod
    def run(cls, X_fit: np.ndarray, X_query: np.ndarray, *, max_k: int) -> NeighborSearch:
        """Search once for the ``max_k + 1`` nearest neighbours of each query row."""
        n_search = min(max_k + 1, len(X_fit))
        try:
            fit64, compact = as_pixels(X_fit)
            query64, _ = as_pixels(X_query)
        except ConfigError:  # not integer pixels: scikit-learn's own search
            nn = NearestNeighbors(n_neighbors=n_search).fit(X_fit)
            distances, indices = nn.kneighbors(X_query)
        else:
            threads = n_threads(None)
            screen = Screen.build(fit64, compact, n_components=SCREEN_COMPONENTS, n_jobs=threads)
            squared, indices = screen.search(query64, n_search=n_search, n_jobs=threads)
            distances = np.sqrt(squared)
        return cls(
            X_fit=X_fit,
            X_query=X_query,
            distances=distances,
            indices=indices,
            max_k=min(max_k, len(X_fit)),
        )

    def neighbors(
        self, k: int, *, class_mode: bool = False, order_matters: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the k nearest neighbours as ``KNeighborsClassifier(k)`` would find them.

        Parameters
        ----------
        k : int
            Number of neighbours, at most ``max_k``.
        class_mode : bool, default=False
            True for the single-output uniform vote, which scikit-learn runs with
            ``strategy="parallel_on_X"`` whatever the sizes, where its class-mode
            reduction accepts the metric (scikit-learn 1.9 refuses "euclidean"
            there, and then searches as for any other vote).
        order_matters : bool, default=False
            True for a distance vote: from ``ORDERED_SUM_K`` neighbours on,
            rows with equidistant neighbours are searched again too.

        Returns
        -------
        distances, indices : ndarray, shape (n_queries, k)

        Notes
        -----
        Without scikit-learn's private search, the answer is
        ``NearestNeighbors(n_neighbors=k).kneighbors`` over the whole query
        set: the classifier's ``kneighbors``. The class-mode search has no
        public counterpart; :meth:`predict` then asks the classifier itself.
        """
        self._check_k(k)
        if not private_search_usable():
            nn = NearestNeighbors(n_neighbors=k).fit(self.X_fit)
            distances, indices = nn.kneighbors(self.X_query)
            return distances, indices
        return self._exact_neighbors(k, class_mode=class_mode, order_matters=order_matters)

    def _check_k(self, k: int) -> None:
        if not 1 <= k <= self.max_k:
            raise ValueError(f"k must be in 1..{self.max_k} for this search, got {k}.")

    def _exact_neighbors(
        self, k: int, *, class_mode: bool, order_matters: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        # This search's neighbours; the rows where scikit-learn's choice among
        # equidistant rows matters from its own (private) search.
        dist = self.distances[:, :k].copy()
        ind = self.indices[:, :k].copy()
        tied = rows_to_search_again(self.distances, k, order_matters=order_matters)
        if tied.size:
            dist[tied], ind[tied] = search_like_classifier(
                self.X_fit,
                self.X_query[tied],
                k=k,
                n_queries=len(self.X_query),
                class_mode=class_mode,
            )
        return dist, ind

    def predict(self, y_fit: np.ndarray, *, k: int, weights: str = "uniform") -> np.ndarray:
        """Predict like ``KNeighborsClassifier(n_neighbors=k, weights=weights)``.

        Parameters
        ----------
        y_fit : ndarray, shape (n_fit,) or (n_fit, n_outputs)
            Labels of the training rows.
        k : int
            Number of neighbours.
        weights : {"uniform", "distance"}
            The vote's weighting.

        Returns
        -------
        ndarray, shape (n_queries,) or (n_queries, n_outputs)
        """
        if weights not in WEIGHTS:
            raise ValueError(f"weights must be one of {WEIGHTS}, got {weights!r}.")
        self._check_k(k)
        y2d = y_fit.reshape(len(y_fit), -1)
        single = y_fit.ndim == 1
        if not private_search_usable():
            # The public path: the classifier itself, on the whole query set.
            plain = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(self.X_fit, y_fit)
            predicted = np.asarray(plain.predict(self.X_query)).reshape(len(self.X_query), -1)
            return predicted.ravel() if single else predicted
        dist, ind = self._exact_neighbors(
            k, class_mode=single and weights == "uniform", order_matters=weights == "distance"
        )
        columns = []
        for j in range(y2d.shape[1]):
            classes, encoded = np.unique(y2d[:, j], return_inverse=True)
            labels = encoded[ind]
            if weights == "uniform":
                columns.append(classes[uniform_vote(labels, len(classes))])
            else:
                columns.append(classes[distance_vote(labels, dist)])
        out = np.stack(columns, axis=1)
        return out.ravel() if single else out
