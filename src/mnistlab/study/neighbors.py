"""The study's exact neighbour search, under the name the study has always imported.

Steps 12–14 ask ``KNeighborsClassifier`` for k = 3…6 with uniform and distance
weights on the same (training set, query set) pairs; one
:class:`mnistlab.knn.NeighborSearch` per pair answers them all (see
:mod:`mnistlab.knn.classifier`). Its names stay importable from here, with
``search_like_classifier``, the private search it calls for tied rows.
"""

from __future__ import annotations

from mnistlab.knn.classifier import NeighborSearch
from mnistlab.knn.plain import search_like_classifier

__all__ = ["NeighborSearch", "search_like_classifier"]
