"""A smaller study: a stratified, seeded subset of the images, and the sizes it scales.

The chapter fixes two sizes for the whole data: the SVCs of step 10 train on the
first 2,000 training images, the grid search of step 14 on the first 10,000.
On a subset of ``n_train`` of the ``N`` training images both shrink in
proportion, ``round(size × n_train / N)`` (halves rounded up), never above the
chapter's size: 333 and 1,667 for the quick study's 10,000 of 60,000.

Example
-------
>>> subset = Subset(n_train=10_000, n_test=2_000, seed=42, full_n_train=60_000,
...                 full_n_test=10_000)
>>> subset.scaled(2000), subset.scaled(10_000), subset.quick
(333, 1667, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from mnistlab.errors import ConfigError

__all__ = [
    "MIN_SUBSET_TEST",
    "MIN_SUBSET_TRAIN",
    "QUICK_N_TEST",
    "QUICK_N_TRAIN",
    "SUBSET_SEED",
    "Subset",
    "check_subset_sizes",
    "stratified_rows",
]

#: The quick study's training and test images.
QUICK_N_TRAIN = 10_000
QUICK_N_TEST = 2_000
#: The seed of the stratified draw, the chapter's ``random_state``.
SUBSET_SEED = 42
#: The fewest training images of a subset: the SVCs then still get 100 images (2,000 of 60,000).
MIN_SUBSET_TRAIN = 3_000
#: The fewest test images of a subset.
MIN_SUBSET_TEST = 100


@dataclass(frozen=True)
class Subset:
    """Which stratified subset of a data set a study runs on.

    Parameters
    ----------
    n_train, n_test : int
        Training and test images drawn.
    seed : int
        The ``random_state`` of the draw.
    full_n_train, full_n_test : int
        Training and test images of the data drawn from.
    """

    n_train: int
    n_test: int
    seed: int
    full_n_train: int
    full_n_test: int

    @property
    def quick(self) -> bool:
        """Whether these are the quick study's sizes."""
        return (self.n_train, self.n_test) == (QUICK_N_TRAIN, QUICK_N_TEST)

    @property
    def suffix(self) -> str:
        """The suffix of the subset's checksum: it never shares cache entries with another."""
        return f"stratified{self.n_train}x{self.n_test}seed{self.seed}"

    def scaled(self, size: int) -> int:
        """A size the chapter fixes for the whole data, scaled to this subset.

        ``round(size × n_train / full_n_train)`` with halves rounded up, at
        least 1 and never more than ``size``.

        Example
        -------
        >>> Subset(3000, 500, 42, 60_000, 10_000).scaled(2000)
        100
        """
        # Integer arithmetic: exact, and halves go up whatever the float rounding.
        scaled = (2 * size * self.n_train + self.full_n_train) // (2 * self.full_n_train)
        return max(1, min(size, scaled))

    def as_dict(self, sizes: dict[str, int]) -> dict[str, Any]:
        """The subset as ``results.json`` carries it, with the scaled ``sizes`` by name.

        Example
        -------
        >>> Subset(10_000, 2_000, 42, 60_000, 10_000).as_dict({"svc_train_size": 333})["kind"]
        'quick'
        """
        return {
            "kind": "quick" if self.quick else "subset",
            "n_train": int(self.n_train),
            "n_test": int(self.n_test),
            "stratified": True,
            "seed": int(self.seed),
            "full_n_train": int(self.full_n_train),
            "full_n_test": int(self.full_n_test),
            **{name: int(size) for name, size in sizes.items()},
        }


def check_subset_sizes(n_train: int, n_test: int, full_n_train: int, full_n_test: int) -> None:
    """Raise :class:`ConfigError` unless the sizes make a subset every step can run on.

    Example
    -------
    >>> check_subset_sizes(10, 2_000, 60_000, 10_000)
    Traceback (most recent call last):
    ...
    mnistlab.errors.ConfigError: n_train must be between 3,000 and 60,000 training images, got 10.
    """
    for name, n, low, high, what in (
        ("n_train", n_train, MIN_SUBSET_TRAIN, full_n_train, "training"),
        ("n_test", n_test, MIN_SUBSET_TEST, full_n_test, "test"),
    ):
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or not low <= n <= high:
            raise ConfigError(
                f"{name} must be between {min(low, high):,} and {high:,} {what} images, got {n!r}."
            )


def stratified_rows(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """The rows of a stratified, seeded draw of ``n`` of the labels ``y``, in their order.

    The draw is scikit-learn's ``train_test_split(..., stratify=y,
    random_state=seed)``: each class keeps its share of the rows. All rows
    when ``n`` is all of them.

    Example
    -------
    >>> stratified_rows(np.array([0, 1] * 50), 10, 42).tolist()  # doctest: +SKIP
    """
    rows = np.arange(len(y))
    if n >= len(y):
        return rows
    chosen, _ = train_test_split(rows, train_size=n, stratify=y, random_state=seed)
    return np.sort(np.asarray(chosen))
