"""What scikit-learn's ``KNeighborsClassifier`` does, where its choices decide a result.

The exact search (:class:`mnistlab.knn.NeighborSearch`, which
:class:`mnistlab.knn.FastKNeighborsClassifier` and the study call) finds
neighbour sets its own way; it hands the rows where the choice among
equidistant neighbours matters to :func:`search_like_classifier`, and votes as
:func:`uniform_vote`, :func:`distance_vote` and :func:`class_shares` do, the
way scikit-learn does, on labels encoded as :class:`TrainingLabels`.

That search is scikit-learn's private ``ArgKmin`` reduction, called the way
its classifier calls it (:data:`PRIVATE_SEARCH` in
:mod:`mnistlab.private_apis`). The exact search asks
:func:`private_search_usable` first; without it, it hands the whole prediction
to ``KNeighborsClassifier``, which gives the same numbers more slowly. The
private names are imported only inside the functions that use them, so that
mnistlab still imports where they have moved; :func:`search_like_classifier` is
the one function that calls the private search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import get_config
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.extmath import weighted_mode

from mnistlab.errors import ConfigError
from mnistlab.private_apis import usable

#: The vote weightings the exact search supports.
WEIGHTS = ("uniform", "distance")
#: The key of scikit-learn's private search in :mod:`mnistlab.private_apis`.
PRIVATE_SEARCH = "sklearn-argkmin"


def check_weights(weights: str) -> None:
    """Refuse a vote weighting other than those of :data:`WEIGHTS`.

    Raises
    ------
    ConfigError
        If ``weights`` is not ``"uniform"`` or ``"distance"``.
    """
    if weights not in WEIGHTS:
        raise ConfigError(f"weights must be one of {WEIGHTS}, got {weights!r}.")


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


@dataclass(frozen=True, eq=False)
class TrainingLabels:
    """The labels of the training rows, encoded once as ``KNeighborsClassifier`` encodes them.

    Attributes
    ----------
    values : ndarray, shape (n_fit,) or (n_fit, n_outputs)
        The labels as given.
    classes : tuple of ndarray
        The sorted classes of each output (``classes_``).
    codes : ndarray of intp, shape (n_fit, n_outputs)
        Each row's position in its output's classes (``_y``).

    Example
    -------
    >>> labels = TrainingLabels.encode(np.array(["b", "a", "b"]))
    >>> labels.classes[0].tolist(), labels.codes.ravel().tolist()
    (['a', 'b'], [1, 0, 1])
    """

    values: np.ndarray
    classes: tuple[np.ndarray, ...]
    codes: np.ndarray

    @classmethod
    def encode(cls, y: Any) -> TrainingLabels:
        """Encode ``y``, one label per row (1-D) or one per row and output (2-D)."""
        values = np.asarray(y)
        per_output = values.reshape(len(values), -1).T
        columns = [np.unique(column, return_inverse=True) for column in per_output]
        return cls(
            values=values,
            classes=tuple(classes for classes, _ in columns),
            codes=np.stack([codes for _, codes in columns], axis=1),
        )

    @property
    def single_output(self) -> bool:
        """Whether there is one label per row (a 1-D ``y``)."""
        return self.values.ndim == 1


def vote_weights(dist: np.ndarray, weights: str) -> np.ndarray:
    """Each neighbour's weight in the vote, as scikit-learn's ``_get_weights``.

    Uniform votes weigh 1 each. Distance votes weigh ``1/d``, except that a
    query which coincides with training rows is decided by those rows alone
    (weight 1, the others 0).
    """
    if weights == "uniform":
        return np.ones(dist.shape)
    with np.errstate(divide="ignore"):
        w = 1.0 / dist
    inf_mask = np.isinf(w)
    inf_row = np.any(inf_mask, axis=1)
    w[inf_row] = inf_mask[inf_row]
    return w


def uniform_vote(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """The class with most votes per row; the smallest class among ties, as scikit-learn."""
    counts = np.zeros((labels.shape[0], n_classes), dtype=np.intp)
    rows = np.arange(labels.shape[0])
    for column in labels.T:
        counts[rows, column] += 1
    return np.argmax(counts, axis=1)


def distance_vote(labels: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """The class with the largest sum of :func:`vote_weights` per row, as scikit-learn's vote."""
    mode, _ = weighted_mode(labels, vote_weights(dist, "distance"), axis=1)
    return np.asarray(mode.ravel(), dtype=np.intp)


def class_shares(labels: np.ndarray, weights: np.ndarray, n_classes: int) -> np.ndarray:
    """Each class's share of the weights per row, as scikit-learn's ``predict_proba``.

    The same additions in the same order as scikit-learn: neighbour by neighbour.

    Parameters
    ----------
    labels : ndarray of intp, shape (n_queries, k)
        The encoded labels of each row's neighbours.
    weights : ndarray of float64, shape (n_queries, k)
        Their weights (:func:`vote_weights`).
    n_classes : int
        Number of classes.

    Returns
    -------
    ndarray of float64, shape (n_queries, n_classes)
    """
    rows = np.arange(len(labels))
    shares = np.zeros((len(labels), n_classes))
    for column, weight in zip(labels.T, weights.T, strict=True):
        shares[rows, column] += weight
    shares /= shares.sum(axis=1)[:, np.newaxis]
    return shares
