"""The arrays the study works on, independent of where they came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mnistlab.errors import ConfigError, StudyError
from mnistlab.study.settings import MAX_CLASSES
from mnistlab.study.subset import (
    QUICK_N_TEST,
    QUICK_N_TRAIN,
    SUBSET_SEED,
    Subset,
    check_subset_sizes,
    stratified_rows,
)

N_PIXELS = 784
IMAGE_SHAPE = (28, 28)
#: The fewest classes the study runs on (the most: ``MAX_CLASSES``, 62).
MIN_CLASSES = 2


@dataclass(frozen=True)
class StudyData:
    """A training and a test set of 28×28 images flattened to 784 pixels.

    Parameters
    ----------
    name : str
        The data set's name, e.g. ``"mnist"``.
    class_names : tuple of str
        The name of each class label ``0`` to ``k - 1``, for 2 to 62 classes
        (digits 0–9 for MNIST, clothing for Fashion-MNIST).
    X_train, X_test : ndarray of uint8, shape (n, 784)
        Pixel values 0–255, one image per row, row by row.
    y_train, y_test : ndarray of uint8, shape (n,)
        Class labels ``0`` to ``k - 1``.
    checksum : str
        The identity of the data; it keys the study's cache.
    subset : Subset or None, default=None
        The stratified subset these images are (:meth:`stratified`); ``None``
        for a whole data set and for :meth:`head`.

    Example
    -------
    >>> data = StudyData.from_dataset(dataset)      # doctest: +SKIP
    >>> small = data.head(6000, 1000)               # doctest: +SKIP
    >>> quick = data.stratified(10_000, 2_000)      # doctest: +SKIP
    """

    name: str
    class_names: tuple[str, ...]
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    checksum: str
    subset: Subset | None = None

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            X = getattr(self, f"X_{split}")
            y = getattr(self, f"y_{split}")
            if X.ndim != 2 or X.shape[1] != N_PIXELS:
                raise StudyError(
                    f"X_{split} must have shape (n, {N_PIXELS}), got {X.shape}; "
                    "flatten the 28x28 images row by row."
                )
            if y.shape != (X.shape[0],):
                raise StudyError(
                    f"y_{split} must have shape ({X.shape[0]},) to match X_{split}, got {y.shape}."
                )
        k = len(self.class_names)
        if not MIN_CLASSES <= k <= MAX_CLASSES:
            raise StudyError(
                f"The study needs {MIN_CLASSES} to {MAX_CLASSES} class names, got {k}."
            )
        for split in ("train", "test"):
            y = getattr(self, f"y_{split}")
            if y.size and (int(y.min()) < 0 or int(y.max()) >= k):
                raise StudyError(
                    f"y_{split} holds labels {int(y.min())} to {int(y.max())}, and the data "
                    f"has {k} class names; labels must be 0 to {k - 1}, one per class name."
                )

    @classmethod
    def from_dataset(cls, ds: Any) -> StudyData:
        """Build from any object with ``name``, ``class_names``, the four arrays and ``checksum``.

        Images of shape (n, 28, 28) are flattened row by row.
        """

        def flat(X: Any) -> np.ndarray:
            arr = np.asarray(X)
            return arr.reshape(arr.shape[0], -1)

        return cls(
            name=str(ds.name),
            class_names=tuple(str(c) for c in ds.class_names),
            X_train=flat(ds.X_train),
            y_train=np.asarray(ds.y_train),
            X_test=flat(ds.X_test),
            y_test=np.asarray(ds.y_test),
            checksum=str(ds.checksum),
        )

    def head(self, n_train: int, n_test: int) -> StudyData:
        """Return the first ``n_train`` training and ``n_test`` test rows.

        The checksum gets a suffix, so a subset never shares cache entries
        with the whole.
        """
        return StudyData(
            name=self.name,
            class_names=self.class_names,
            X_train=self.X_train[:n_train],
            y_train=self.y_train[:n_train],
            X_test=self.X_test[:n_test],
            y_test=self.y_test[:n_test],
            checksum=f"{self.checksum}:head{n_train}x{n_test}",
        )

    def stratified(
        self, n_train: int = QUICK_N_TRAIN, n_test: int = QUICK_N_TEST, *, seed: int = SUBSET_SEED
    ) -> StudyData:
        """Return a stratified, seeded subset: the quick study's images by default.

        ``n_train`` training and ``n_test`` test images are drawn by
        scikit-learn's ``train_test_split(..., stratify=y, random_state=seed)``,
        so each class keeps its share, and kept in their original order. The
        study scales the sizes the chapter fixes for the whole data (the SVCs'
        2,000 images, the grid search's 10,000) to the subset
        (:meth:`Subset.scaled`). The checksum gets a suffix, so the subset never
        shares cache entries with the whole data or with :meth:`head`. The quick
        study's sizes never exceed the data's: on a data set of fewer training
        (or test) images, the quick study takes all of them.

        Parameters
        ----------
        n_train : int, default=10,000
            Training images, at least 3,000.
        n_test : int, default=2,000
            Test images, at least 100.
        seed : int, default=42

        Returns
        -------
        StudyData
            The subset; ``self`` when the sizes are the whole data's.

        Raises
        ------
        ConfigError
            For sizes out of range, or when this data is already a subset.

        Example
        -------
        >>> quick = data.stratified()                    # doctest: +SKIP
        >>> len(quick.y_train), quick.subset.scaled(2000)  # doctest: +SKIP
        (10000, 333)
        """
        full_train, full_test = len(self.y_train), len(self.y_test)
        # The quick study of a data set smaller than its sizes is on all of that data set.
        if n_train == QUICK_N_TRAIN:
            n_train = min(n_train, full_train)
        if n_test == QUICK_N_TEST:
            n_test = min(n_test, full_test)
        if (n_train, n_test) == (full_train, full_test):
            return self
        check_subset_sizes(n_train, n_test, full_train, full_test)
        if self.subset is not None:
            raise ConfigError(
                "this data is already a subset; draw the stratified subset from the whole data."
            )
        subset = Subset(int(n_train), int(n_test), int(seed), full_train, full_test)
        train = stratified_rows(self.y_train, subset.n_train, subset.seed)
        test = stratified_rows(self.y_test, subset.n_test, subset.seed)
        return StudyData(
            name=self.name,
            class_names=self.class_names,
            X_train=self.X_train[train],
            y_train=self.y_train[train],
            X_test=self.X_test[test],
            y_test=self.y_test[test],
            checksum=f"{self.checksum}:{subset.suffix}",
            subset=subset,
        )
