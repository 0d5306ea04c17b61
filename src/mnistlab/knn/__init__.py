"""Exact, fast k-nearest-neighbour classification of integer-pixel images.

:class:`NeighborSearch` (in :mod:`mnistlab.knn.search`) is the one exact
search: it answers ``kneighbors``, ``predict`` and ``predict_proba`` of
scikit-learn's ``KNeighborsClassifier`` for several k from one search, ties
included. ``FastKNeighborsClassifier`` (in :mod:`mnistlab.knn.classifier`) is
the scikit-learn estimator built on it; :mod:`mnistlab.knn.screen` finds the
exact nearest rows behind both, and :mod:`mnistlab.knn.plain` does what
scikit-learn does where its choices decide a result.
"""

from __future__ import annotations

from mnistlab.knn.classifier import FastKNeighborsClassifier
from mnistlab.knn.search import NeighborSearch

__all__ = ["FastKNeighborsClassifier", "NeighborSearch"]
