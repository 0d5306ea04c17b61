"""The models a search fits, each on one thread, and the features computed before the folds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from mnistlab.models import classical
from mnistlab.models.classical.pipelines import feature_steps
from mnistlab.models.transforms import Deskew
from mnistlab.progress import ignore_progress

__all__ = ["ESTIMATORS", "NeighboursModel", "OneThreadModel", "SvcModel", "image_features"]


class OneThreadModel(ClassifierMixin, BaseEstimator):
    """A model of the search: fits and predicts on one thread (see ``mnistlab.models.tuning``)."""

    def _build(self, X: NDArray[Any], y: NDArray[np.int64]) -> Any:
        raise NotImplementedError

    def fit(self, X: NDArray[Any], y: NDArray[Any]) -> OneThreadModel:
        """Fit on one thread and return ``self``."""
        with threadpool_limits(limits=1):
            self.model_ = self._build(X, np.asarray(y, dtype=np.int64))
        self.classes_ = np.arange(10)
        return self

    def predict(self, X: NDArray[Any]) -> NDArray[Any]:
        """Predict on one thread."""
        with threadpool_limits(limits=1):
            return np.asarray(self.model_.predict(X))


class NeighboursModel(OneThreadModel):
    """The nearest-neighbour model of ``classical.train``, on images already deskewed or not."""

    def __init__(self, n_neighbors: int = 4, weights: str = "distance", shift: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.shift = shift

    def _build(self, X: NDArray[Any], y: NDArray[np.int64]) -> Any:
        settings = {"kind": "knn", "deskew": False, **self.get_params()}
        return classical.train(settings, X, y, ignore_progress)


class SvcModel(OneThreadModel):
    """``classical.build_svc``'s PCA → SVC on features (the calibration keeps its arg-max)."""

    def __init__(self, n_components: int = 100, C: float = 1.0, gamma: float | str = "scale"):
        self.n_components = n_components
        self.C = C
        self.gamma = gamma

    def _build(self, X: NDArray[Any], y: NDArray[np.int64]) -> Any:
        return classical.build_svc(self.get_params()).fit(X, y)


#: The model of each kind of classical settings.
ESTIMATORS: Mapping[str, type[OneThreadModel]] = {"knn": NeighboursModel, "svc": SvcModel}


def image_features(kind: str, settings: Mapping[str, Any]) -> Pipeline | None:
    """Return the steps that turn images into what ``ESTIMATORS[kind]`` fits, or ``None``.

    They keep no fitted state, so they run once on all the images, before the folds.
    """
    if kind == "svc":
        return Pipeline(feature_steps(settings))
    return Pipeline([("deskew", Deskew())]) if settings.get("deskew") else None
