"""What scikit-learn's ``KNeighborsClassifier`` does, where its choices decide a result.

Two exact fast paths (:class:`mnistlab.knn.FastKNeighborsClassifier` and the
study's :class:`mnistlab.study.neighbors.NeighborSearch`) find neighbour sets
their own way; they hand the rows where the choice among equidistant
neighbours matters to :func:`search_like_classifier`, and vote as
:func:`uniform_vote` and :func:`distance_vote` do, the way scikit-learn does.

That search is scikit-learn's private ``ArgKmin`` reduction, called the way
its classifier calls it (:data:`PRIVATE_SEARCH` in
:mod:`mnistlab.private_apis`). Both fast paths ask :func:`private_search_usable`
first; without it they hand the whole prediction to ``KNeighborsClassifier``,
which gives the same numbers more slowly. The private names are imported
only inside the functions that use them, so that mnistlab still imports
where they have moved.
"""

from __future__ import annotations

import numpy as np
from sklearn import get_config
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.extmath import weighted_mode

from mnistlab.private_apis import usable

#: The vote weightings both fast paths support.
WEIGHTS = ("uniform", "distance")
#: The key of scikit-learn's private search in :mod:`mnistlab.private_apis`.
PRIVATE_SEARCH = "sklearn-argkmin"


def private_search_usable() -> bool:
    """Whether :func:`search_like_classifier` may run (logs once in a process when not)."""
    return usable(PRIVATE_SEARCH)


def brute_strategy(n_queries: int, n_fit: int) -> str:
    """The strategy scikit-learn's ``ArgKmin`` picks for ``strategy="auto"``.

    As in ``sklearn/metrics/_pairwise_distances_reduction/_base.pyx.tp``; the
    two strategies resolve ties at the k-th distance differently. Private (see
    :func:`private_search_usable`).
    """
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    chunk = get_config().get("pairwise_dist_chunk_size", 256)
    if n_fit < n_queries or 4 * chunk * _openmp_effective_n_threads() < n_queries:
        return "parallel_on_X"
    return "parallel_on_Y"


#: From this k on, a distance vote's sums depend on the order of the neighbours:
#: numpy may add that many weights in interleaved partial sums.
ORDERED_SUM_K = 8


def rows_to_search_again(distances: np.ndarray, k: int, *, order_matters: bool) -> np.ndarray:
    """Rows whose k nearest neighbours only scikit-learn's own search can tell.

    Parameters
    ----------
    distances : ndarray, shape (n_queries, >= k)
        Each row's sorted distances (or squared distances) to its nearest rows,
        ``k + 1`` of them when there are that many training rows.
    k : int
        Number of neighbours that vote.
    order_matters : bool
        True for distance votes, whose sums depend on the order of equidistant
        neighbours from ``ORDERED_SUM_K`` on.

    Returns
    -------
    ndarray of intp
        The rows whose k-th and (k+1)-th distances tie (scikit-learn's choice
        among the tied rows depends on how it searched), and, if the order
        matters, rows with equal distances among their first k.
    """
    again = np.zeros(len(distances), dtype=bool)
    if distances.shape[1] > k:
        again |= distances[:, k - 1] == distances[:, k]
    if order_matters and k >= ORDERED_SUM_K:
        again |= np.any(distances[:, : k - 1] == distances[:, 1:k], axis=1)
    return np.flatnonzero(again)


def search_like_classifier(
    X_fit: np.ndarray, queries: np.ndarray, *, k: int, n_queries: int, class_mode: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest rows of ``queries`` exactly as ``KNeighborsClassifier(k)`` finds them.

    Parameters
    ----------
    X_fit : ndarray of float64
        The training rows.
    queries : ndarray of float64
        The rows to search for (a subset of a larger query set).
    k : int
        Number of neighbours.
    n_queries : int
        Rows in the whole query set the classifier was asked about: its
        brute search picks its parallel strategy from that number.
    class_mode : bool
        True for a single-output uniform vote, which scikit-learn runs with
        ``strategy="parallel_on_X"`` where its class-mode reduction accepts the
        metric (scikit-learn 1.9 refuses "euclidean" there).

    Returns
    -------
    distances, indices : ndarray, shape (len(queries), k)

    Notes
    -----
    Private: call it only when :func:`private_search_usable` says so.
    """
    from sklearn.metrics._pairwise_distances_reduction import ArgKmin, ArgKminClassMode

    queries = np.ascontiguousarray(queries)
    nn = NearestNeighbors(n_neighbors=k).fit(X_fit)
    if nn._fit_method != "brute":
        # With few features the classifier searches a KD-tree, which answers
        # every row on its own.
        distances, indices = nn.kneighbors(queries)
        return distances, indices
    class_mode = class_mode and ArgKminClassMode.is_usable_for(queries, X_fit, "euclidean")
    distances, indices = ArgKmin.compute(
        X=queries,
        Y=X_fit,
        k=k,
        metric="euclidean",
        metric_kwargs={},
        strategy="parallel_on_X" if class_mode else brute_strategy(n_queries, len(X_fit)),
        return_distance=True,
    )
    return distances, indices


def uniform_vote(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """The class with most votes per row; the smallest class among ties, as scikit-learn."""
    counts = np.zeros((labels.shape[0], n_classes), dtype=np.intp)
    rows = np.arange(labels.shape[0])
    for column in labels.T:
        counts[rows, column] += 1
    return np.argmax(counts, axis=1)


def distance_vote(labels: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """The class with the largest sum of ``1/d`` per row, as scikit-learn's distance vote.

    A query that coincides with training rows is decided by those rows alone
    (weight 1, others 0), as scikit-learn's ``_get_weights`` does.
    """
    with np.errstate(divide="ignore"):
        w = 1.0 / dist
    inf_mask = np.isinf(w)
    inf_row = np.any(inf_mask, axis=1)
    w[inf_row] = inf_mask[inf_row]
    mode, _ = weighted_mode(labels, w, axis=1)
    return np.asarray(mode.ravel(), dtype=np.intp)
