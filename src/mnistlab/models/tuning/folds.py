"""The images a search sees and how it splits them: a stratified subset, unshuffled folds."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedKFold, train_test_split

from mnistlab.errors import ConfigError

__all__ = ["Split", "stratified_folds", "stratified_subset"]

#: The training rows and the validation rows of one fold.
Split = tuple[NDArray[np.intp], NDArray[np.intp]]


def stratified_subset(labels: NDArray[Any], n_subset: int, seed: int) -> NDArray[np.intp]:
    """Return the sorted rows of a stratified subset of ``n_subset`` labels (all rows if more)."""
    rows = np.arange(len(labels))
    if n_subset >= len(labels):
        return rows
    chosen, _ = train_test_split(rows, train_size=n_subset, stratify=labels, random_state=seed)
    return np.sort(chosen)


def stratified_folds(y: NDArray[np.integer[Any]], folds: int) -> list[Split]:
    """Return the stratified, unshuffled folds, fixed before any fit.

    Raises
    ------
    ConfigError
        If a digit has fewer images than there are folds.
    """
    counts = np.bincount(y, minlength=10)
    if counts.min() < folds:
        raise ConfigError(
            f"a subset of {len(y)} images has only {counts.min()} of digit {counts.argmin()}, "
            f"fewer than the {folds} folds; use a larger n_subset or fewer folds"
        )
    return list(StratifiedKFold(folds).split(np.zeros(len(y)), y))
