"""A stratified, seeded subset of the test images, for quick runs of the benchmark."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mnistlab.errors import ConfigError

__all__ = ["stratified_subset"]


def stratified_subset(labels: NDArray[np.integer], n: int | None, seed: int) -> NDArray[np.intp]:
    """Indices of ``n`` images drawn so that each class keeps its share, in ascending order.

    Each class gets ``n`` times its share of ``labels``, rounded so the counts add
    up to ``n`` (the largest remainders get the extra ones); its images are drawn
    without replacement with ``seed``. ``n=None`` or ``n == len(labels)`` is every image.

    Raises
    ------
    ConfigError
        If ``n`` is not a whole number from 1 to ``len(labels)``.

    Example
    -------
    >>> labels = np.array([0] * 60 + [1] * 40)
    >>> picked = stratified_subset(labels, 10, seed=0)
    >>> np.bincount(labels[picked]).tolist()
    [6, 4]
    """
    total = len(labels)
    if n is None:
        return np.arange(total)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= total:
        raise ConfigError(f"n must be a whole number from 1 to {total:,}, got {n!r}")
    if n == total:
        return np.arange(total)
    classes, counts = np.unique(labels, return_counts=True)
    wanted = n * counts / total
    take = np.floor(wanted).astype(int)
    extra = n - int(take.sum())
    take[np.argsort(-(wanted - take), kind="stable")[:extra]] += 1
    rng = np.random.default_rng(seed)
    picked = [
        rng.choice(np.flatnonzero(labels == label), size=k, replace=False)
        for label, k in zip(classes, take, strict=True)
        if k > 0
    ]
    return np.sort(np.concatenate(picked))
