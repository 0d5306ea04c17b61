"""Exact, fast k-nearest-neighbour classification of integer-pixel images.

``FastKNeighborsClassifier`` (in :mod:`mnistlab.knn.classifier`) predicts
exactly what scikit-learn's ``KNeighborsClassifier`` predicts, several times
faster; :mod:`mnistlab.knn.screen` is the exact search behind it.
"""

from __future__ import annotations

from mnistlab.knn.classifier import FastKNeighborsClassifier

__all__ = ["FastKNeighborsClassifier"]
