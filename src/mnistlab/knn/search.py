"""The one exact nearest-neighbour search, answering as ``KNeighborsClassifier`` for any k.

:class:`NeighborSearch` finds the ``max_k + 1`` nearest training rows of every
query once, then answers any ``k ≤ max_k`` exactly as
``KNeighborsClassifier(n_neighbors=k, weights=w).fit(X, y)`` answers from
``kneighbors``, ``predict`` and ``predict_proba``, ties among equidistant
neighbours included. :class:`mnistlab.knn.FastKNeighborsClassifier` is the
scikit-learn estimator built on it; the study asks it for several k at once.

Why the answers are the same
----------------------------
For integer pixels (MNIST's, as ``fetch_openml`` and the chapter give them)
:mod:`mnistlab.knn.screen` finds, exactly, the ``k + 1`` smallest squared
distances ``D₁ ≤ … ≤ D_{k+1}`` of each query and rows that realise them; for
other rows ``NearestNeighbors`` does, and its distances are the classifier's.
When ``D_k < D_{k+1}`` the k nearest rows are one set, which any correct
search returns, and the votes do not depend on the order inside it: uniform
votes count, and distance votes add ``1/√D`` per class in order of distance,
where rows at equal distances carry equal weights. When ``D_k = D_{k+1}``,
scikit-learn's choice among the tied rows depends on how it searched (its
heap's history, its parallel strategy, or its KD-tree for ≤ 15 features), so
those rows are searched again with exactly the call its classifier makes
(:mod:`mnistlab.knn.plain` mirrors them). So are rows with equal distances
inside the set when ``predict`` weights by distance and ``k ≥ 8``: numpy's sum
may then add the weights in interleaved partial sums, where positions matter.

Given uint8 pixels, scikit-learn takes another search (``ArgKmin`` accepts
only float32 and float64), whose tie choice may differ; this module always
answers as scikit-learn does for float64.

Without scikit-learn's private search
-------------------------------------
Searching the tied rows again needs scikit-learn's private ``ArgKmin``
(:mod:`mnistlab.private_apis`, key ``sklearn-argkmin``). Where it is not
usable (an unverified scikit-learn, or ``MNISTLAB_PUBLIC_APIS_ONLY=1``),
predictions come from ``KNeighborsClassifier`` fitted on the same rows and
asked about the whole query set, and neighbours from its ``kneighbors``: the
same numbers, at its speed. The whole set, not only the tied rows, because
the way scikit-learn breaks a tie depends on how many rows it was asked
about. ``tests/test_private_apis.py`` checks that both paths agree, ties
included, and counts the calls of the private search: they all go through
:func:`mnistlab.knn.plain.search_like_classifier`, looked up on its module at
each call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from mnistlab.errors import ConfigError
from mnistlab.knn import plain
from mnistlab.knn.plain import (
    TrainingLabels,
    check_weights,
    class_shares,
    distance_vote,
    private_search_usable,
    rows_to_search_again,
    uniform_vote,
    vote_weights,
)
from mnistlab.knn.screen import SCREEN_COMPONENTS, Screen, as_pixels, n_threads

__all__ = ["NeighborSearch"]


@dataclass(frozen=True, eq=False)
class NeighborSearch:
    """The nearest training rows of every query row, for every k up to ``max_k``.

    One search for the ``max_k + 1`` nearest rows runs on first use: the
    exact screen when both sets of rows are integer pixels, scikit-learn's
    ``NearestNeighbors`` otherwise. :meth:`neighbors`, :meth:`predict` and
    :meth:`predict_proba` then answer any ``k ≤ max_k`` as
    ``KNeighborsClassifier(n_neighbors=k)`` fitted on ``X_fit`` does.

    Attributes
    ----------
    X_fit, X_query : ndarray
        The training rows and the query rows.
    max_k : int
        The largest k this search answers.
    screen : Screen or None
        The training rows already prepared for the screen (a fitted
        classifier's); None builds it on first use.
    n_jobs : int or None
        Threads of the screen (:func:`mnistlab.knn.screen.n_threads`) and
        ``n_jobs`` of the public path's classifier; the answers do not depend on it.

    Example
    -------
    >>> search = NeighborSearch.run(X_train, X_test, max_k=6)      # doctest: +SKIP
    >>> search.predict(y_train, k=4, weights="distance")            # doctest: +SKIP
    """

    X_fit: np.ndarray
    X_query: np.ndarray
    max_k: int
    screen: Screen | None = field(default=None, repr=False)
    n_jobs: int | None = None

    @classmethod
    def run(
        cls,
        X_fit: np.ndarray,
        X_query: np.ndarray,
        *,
        max_k: int,
        screen: Screen | None = None,
        n_jobs: int | None = None,
    ) -> NeighborSearch:
        """Prepare the search of the ``max_k + 1`` nearest training rows of each query row.

        The search itself runs when its rows are first needed, and not at all
        when scikit-learn's public path answers instead.
        """
        return cls(X_fit, X_query, min(max_k, len(X_fit)), screen, n_jobs)

    @property
    def distances(self) -> np.ndarray:
        """Distances to the ``max_k + 1`` nearest rows (fewer if there are not as many), sorted."""
        return self._nearest[0]

    @property
    def indices(self) -> np.ndarray:
        """The rows at :attr:`distances`; among equal distances, any."""
        return self._nearest[1]

    @cached_property
    def _nearest(self) -> tuple[np.ndarray, np.ndarray]:
        n_search = min(self.max_k + 1, len(self.X_fit))
        threads = n_threads(self.n_jobs)
        try:
            queries, _ = as_pixels(self.X_query)
            screen = self.screen
            if screen is None:
                fit64, compact = as_pixels(self.X_fit)
                screen = Screen.build(
                    fit64, compact, n_components=SCREEN_COMPONENTS, n_jobs=threads
                )
        except ConfigError:  # not integer pixels: scikit-learn's own search
            return self._public_neighbors(n_search, n_jobs=None)
        squared, indices = screen.search(queries, n_search=n_search, n_jobs=threads)
        return np.sqrt(squared), indices

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
            return self._public_neighbors(k, n_jobs=self.n_jobs)
        return self._exact_neighbors(k, class_mode=class_mode, order_matters=order_matters)

    def predict(
        self, y_fit: np.ndarray | TrainingLabels, *, k: int, weights: str = "uniform"
    ) -> np.ndarray:
        """Predict like ``KNeighborsClassifier(n_neighbors=k, weights=weights)``.

        Parameters
        ----------
        y_fit : ndarray of shape (n_fit,) or (n_fit, n_outputs), or TrainingLabels
            Labels of the training rows (encoded on each call unless already
            :class:`~mnistlab.knn.plain.TrainingLabels`).
        k : int
            Number of neighbours, at most ``max_k``.
        weights : {"uniform", "distance"}, default="uniform"
            The vote's weighting.

        Returns
        -------
        ndarray, shape (n_queries,) or (n_queries, n_outputs)
        """
        labels = self._checked_labels(y_fit, k, weights)
        if not private_search_usable():
            public = self._public_classifier(labels, k, weights)
            predicted = np.asarray(public.predict(self.X_query)).reshape(len(self.X_query), -1)
        else:
            dist, ind = self._exact_neighbors(
                k,
                class_mode=labels.single_output and weights == "uniform",
                order_matters=weights == "distance",
            )
            columns = []
            for classes, codes in zip(labels.classes, labels.codes.T, strict=True):
                if weights == "uniform":
                    columns.append(classes[uniform_vote(codes[ind], len(classes))])
                else:
                    columns.append(classes[distance_vote(codes[ind], dist)])
            predicted = np.stack(columns, axis=1)
        return predicted.ravel() if labels.single_output else predicted

    def predict_proba(
        self, y_fit: np.ndarray | TrainingLabels, *, k: int, weights: str = "uniform"
    ) -> np.ndarray:
        """Class probabilities like ``KNeighborsClassifier(n_neighbors=k, weights=weights)``.

        Parameters
        ----------
        y_fit : ndarray of shape (n_fit,), or TrainingLabels
            One label per training row.
        k : int
            Number of neighbours, at most ``max_k``.
        weights : {"uniform", "distance"}, default="uniform"
            The vote's weighting.

        Returns
        -------
        ndarray of float64, shape (n_queries, n_classes)
        """
        labels = self._checked_labels(y_fit, k, weights)
        if not labels.single_output:
            raise ConfigError("predict_proba takes one label per training row (a 1-D y).")
        if not private_search_usable():
            public = self._public_classifier(labels, k, weights)
            return np.asarray(public.predict_proba(self.X_query))
        dist, ind = self._exact_neighbors(k, class_mode=weights == "uniform", order_matters=False)
        return class_shares(
            labels.codes[:, 0][ind], vote_weights(dist, weights), len(labels.classes[0])
        )

    def _check_k(self, k: int) -> None:
        if not 1 <= k <= self.max_k:
            raise ValueError(f"k must be in 1..{self.max_k} for this search, got {k}.")

    def _checked_labels(
        self, y_fit: np.ndarray | TrainingLabels, k: int, weights: str
    ) -> TrainingLabels:
        # The checks every vote starts with, and the labels encoded.
        check_weights(weights)
        self._check_k(k)
        return y_fit if isinstance(y_fit, TrainingLabels) else TrainingLabels.encode(y_fit)

    def _public_neighbors(self, k: int, *, n_jobs: int | None) -> tuple[np.ndarray, np.ndarray]:
        # scikit-learn's own search of the k nearest training rows of every query.
        nn = NearestNeighbors(n_neighbors=k, n_jobs=n_jobs).fit(self.X_fit)
        distances, indices = nn.kneighbors(self.X_query)
        return distances, indices

    def _public_classifier(
        self, labels: TrainingLabels, k: int, weights: str
    ) -> KNeighborsClassifier:
        # The public path: scikit-learn's classifier on the same rows and labels,
        # asked about the whole query set.
        public = KNeighborsClassifier(n_neighbors=k, weights=weights, n_jobs=self.n_jobs)
        return public.fit(self.X_fit, labels.values)

    def _exact_neighbors(
        self, k: int, *, class_mode: bool, order_matters: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        # This search's neighbours; the rows where scikit-learn's choice among
        # equidistant rows matters from its own (private) search, called through
        # its module so that replacing ``plain.search_like_classifier`` reaches
        # every call.
        dist = self.distances[:, :k].copy()
        ind = self.indices[:, :k].copy()
        again = rows_to_search_again(self.distances, k, order_matters=order_matters)
        if again.size:
            dist[again], ind[again] = plain.search_like_classifier(
                self.X_fit,
                self.X_query[again],
                k=k,
                n_queries=len(self.X_query),
                class_mode=class_mode,
            )
        return dist, ind
