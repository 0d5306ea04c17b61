"""Exact k-nearest-neighbour predictions for many k from one neighbour search.

The study asks ``KNeighborsClassifier`` for k = 3…6 with uniform and distance
weights on the same (training set, query set) pairs. The costly part is the
neighbour search; the vote is cheap. We search once for ``max_k + 1``
neighbours and vote for every k from the first k columns.

Why this is exact: the k nearest neighbours are a unique set whenever the k-th
distance is strictly smaller than the (k+1)-th, and then any correct search
returns that set. Votes do not depend on the order inside the set (uniform
counts labels; distance weights are summed in order of distance, and equal
distances have equal weights). When the k-th and (k+1)-th distances are equal
scikit-learn picks among the tied points by its heap's history, which depends
on k and on the parallel strategy; those rows are searched again with exactly
the call scikit-learn's classifier makes. Pixel values are integers, so every
squared distance is an exact float and no rounding can separate two searches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn import get_config
from sklearn.metrics._pairwise_distances_reduction import ArgKmin, ArgKminClassMode
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from sklearn.utils.extmath import weighted_mode

WEIGHTS = ("uniform", "distance")


def _strategy_for(n_queries: int, n_fit: int) -> str:
    # The choice scikit-learn's ArgKmin makes for strategy="auto"
    # (sklearn/metrics/_pairwise_distances_reduction/_base.pyx.tp). Ties at the
    # k-th distance are resolved differently by the two strategies.
    chunk = get_config().get("pairwise_dist_chunk_size", 256)
    if n_fit < n_queries or 4 * chunk * _openmp_effective_n_threads() < n_queries:
        return "parallel_on_X"
    return "parallel_on_Y"


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
        nn = NearestNeighbors(n_neighbors=n_search).fit(X_fit)
        distances, indices = nn.kneighbors(X_query)
        return cls(
            X_fit=X_fit,
            X_query=X_query,
            distances=distances,
            indices=indices,
            max_k=min(max_k, len(X_fit)),
        )

    def neighbors(self, k: int, *, class_mode: bool = False) -> tuple[np.ndarray, np.ndarray]:
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

        Returns
        -------
        distances, indices : ndarray, shape (n_queries, k)
        """
        if not 1 <= k <= self.max_k:
            raise ValueError(f"k must be in 1..{self.max_k} for this search, got {k}.")
        dist = self.distances[:, :k].copy()
        ind = self.indices[:, :k].copy()
        if k < self.distances.shape[1]:
            tied = np.flatnonzero(self.distances[:, k - 1] == self.distances[:, k])
            if tied.size:
                dist[tied], ind[tied] = self._search_tied(tied, k, class_mode=class_mode)
        return dist, ind

    def _search_tied(
        self, rows: np.ndarray, k: int, *, class_mode: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        # The neighbours of the tied rows exactly as KNeighborsClassifier(k) finds
        # them. With few features it searches a KD-tree, which answers each row on
        # its own; the brute search's choice among ties depends on its strategy.
        queries = np.ascontiguousarray(self.X_query[rows])
        nn = NearestNeighbors(n_neighbors=k).fit(self.X_fit)
        if nn._fit_method != "brute":
            distances, indices = nn.kneighbors(queries)
            return distances, indices
        class_mode = class_mode and ArgKminClassMode.is_usable_for(
            self.X_query, self.X_fit, "euclidean"
        )
        strategy = (
            "parallel_on_X" if class_mode else _strategy_for(len(self.X_query), len(self.X_fit))
        )
        distances, indices = ArgKmin.compute(
            X=queries,
            Y=self.X_fit,
            k=k,
            metric="euclidean",
            metric_kwargs={},
            strategy=strategy,
            return_distance=True,
        )
        return distances, indices

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
        y2d = y_fit.reshape(len(y_fit), -1)
        single = y_fit.ndim == 1
        dist, ind = self.neighbors(k, class_mode=single and weights == "uniform")
        columns = []
        for j in range(y2d.shape[1]):
            classes, encoded = np.unique(y2d[:, j], return_inverse=True)
            labels = encoded[ind]
            if weights == "uniform":
                columns.append(classes[_uniform_vote(labels, len(classes))])
            else:
                columns.append(classes[_distance_vote(labels, dist)])
        out = np.stack(columns, axis=1)
        return out.ravel() if single else out


def _uniform_vote(labels: np.ndarray, n_classes: int) -> np.ndarray:
    # Count the votes of each class; argmax takes the smallest class among ties,
    # as scikit-learn's class-mode reduction and its mode function both do.
    counts = np.zeros((labels.shape[0], n_classes), dtype=np.intp)
    rows = np.arange(labels.shape[0])
    for column in labels.T:
        counts[rows, column] += 1
    return np.argmax(counts, axis=1)


def _distance_vote(labels: np.ndarray, dist: np.ndarray) -> np.ndarray:
    # scikit-learn's _get_weights: 1/d, and a query that coincides with training
    # rows is decided by those rows alone (weight 1, others 0).
    with np.errstate(divide="ignore"):
        w = 1.0 / dist
    inf_mask = np.isinf(w)
    inf_row = np.any(inf_mask, axis=1)
    w[inf_row] = inf_mask[inf_row]
    mode, _ = weighted_mode(labels, w, axis=1)
    return np.asarray(mode.ravel(), dtype=np.intp)
