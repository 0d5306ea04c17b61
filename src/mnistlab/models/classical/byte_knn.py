"""The nearest-neighbour estimator of the classical models: exact fast search, bytes on disk."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.errors import ConfigError
from mnistlab.knn import FastKNeighborsClassifier

__all__ = ["ByteKNeighborsClassifier"]


class ByteKNeighborsClassifier(KNeighborsClassifier):
    """``KNeighborsClassifier`` that predicts by the exact fast search, stored as bytes.

    A nearest-neighbour model keeps its training set: 300,000 shifted images
    are 1.9 GB as float64. When every training value is a whole number 0–255
    (pixels, deskewed pixels), ``__getstate__`` writes them as uint8 and
    ``__setstate__`` turns them back into float64. Both conversions are exact,
    so the restored ``_fit_X`` is bit for bit the one that was fitted.

    Fitting is scikit-learn's own. Predictions come from
    :class:`mnistlab.knn.FastKNeighborsClassifier`, built on first use from the
    same training rows: it returns exactly what scikit-learn's search and vote
    return (ties included; see its module), several times faster, and needs no
    more than a few milliseconds for one image. It is not stored in files.

    Model files name this class by its module path; files written before it
    moved here name ``mnistlab.models.classical.ByteKNeighborsClassifier``,
    which still imports (see ``archive.ALLOWED_TYPES``).
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_fast_", None)
        fit_x = state.get("_fit_X")
        if isinstance(fit_x, np.ndarray) and fit_x.dtype == np.float64:
            as_bytes = _as_bytes(fit_x)
            if as_bytes is not None:
                state["_fit_X"] = as_bytes
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        fit_x = state.get("_fit_X")
        if isinstance(fit_x, np.ndarray) and fit_x.dtype == np.uint8:
            state = {**state, "_fit_X": fit_x.astype(np.float64)}
        super().__setstate__(state)

    def _fast(self) -> FastKNeighborsClassifier | None:
        # Built once per fitted model; None where the exact screen does not apply
        # (values that are not whole numbers), and scikit-learn predicts instead.
        if "_fast_" not in self.__dict__:
            try:
                fast: FastKNeighborsClassifier | None = FastKNeighborsClassifier(
                    self.n_neighbors, weights=self.weights
                ).fit(self._fit_X, self.classes_[self._y])
            except ConfigError:
                fast = None
            self.__dict__["_fast_"] = fast
        return self.__dict__["_fast_"]

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict like ``KNeighborsClassifier.predict``, by the exact fast search."""
        fast = self._fast() if self.weights in ("uniform", "distance") else None
        return super().predict(X) if fast is None else fast.predict(X)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Class probabilities like ``KNeighborsClassifier.predict_proba``, by the fast search."""
        fast = self._fast() if self.weights in ("uniform", "distance") else None
        return super().predict_proba(X) if fast is None else fast.predict_proba(X)


def _as_bytes(values: NDArray[np.float64]) -> NDArray[np.uint8] | None:
    """Return ``values`` as uint8 if that holds them exactly, else ``None``."""
    # The range check comes first: casting a value outside 0–255 (or NaN) to
    # uint8 is undefined. Inside it, the cast truncates, and the comparison
    # catches any value it changed.
    if values.size and not (values.min() >= 0.0 and values.max() <= 255.0):
        return None
    as_bytes = values.astype(np.uint8)
    return as_bytes if np.array_equal(as_bytes, values) else None
