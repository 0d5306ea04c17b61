"""What every computation of the study reads: the data as the chapter has it."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from mnistlab.study.data import StudyData
from mnistlab.study.settings import StudySettings

#: The image the chapter calls ``some_digit``: the first training image.
SOME_DIGIT_INDEX = 0


class StudyContext:
    """The data in the chapter's form, converted once and shared by all computations.

    The chapter's ``X`` comes from ``fetch_openml`` as float64 and its labels as
    the strings '0'–'9'. Every model here receives float64 pixels, as in the
    chapter. Labels stay integers: for single digits the sorted string labels
    and the sorted integers are in the same order, so ``classes_``, every vote
    and every tie-break are the same (a test checks it).

    Example
    -------
    >>> ctx = StudyContext(data, StudySettings())   # doctest: +SKIP
    >>> ctx.X_train.dtype                           # doctest: +SKIP
    dtype('float64')
    """

    def __init__(self, data: StudyData, settings: StudySettings) -> None:
        self.data = data
        self.settings = settings

    @property
    def n_classes(self) -> int:
        """The number of classes of the data, labelled ``0`` to ``n_classes - 1``."""
        return len(self.data.class_names)

    @property
    def n_jobs(self) -> int:
        return self.settings.effective_n_jobs

    def scaled_size(self, size: int) -> int:
        """A number of training images the chapter fixes for the whole data, for this data.

        ``size`` itself, except on a stratified subset, which scales it in
        proportion (:meth:`mnistlab.study.subset.Subset.scaled`).

        Example
        -------
        >>> StudyContext(data.stratified(), StudySettings()).scaled_size(2000)  # doctest: +SKIP
        333
        """
        subset = self.data.subset
        return size if subset is None else subset.scaled(size)

    @cached_property
    def X_train(self) -> np.ndarray:
        return np.ascontiguousarray(self.data.X_train, dtype=np.float64)

    @cached_property
    def X_test(self) -> np.ndarray:
        return np.ascontiguousarray(self.data.X_test, dtype=np.float64)

    @cached_property
    def y_train(self) -> np.ndarray:
        return np.asarray(self.data.y_train, dtype=np.int64)

    @cached_property
    def y_test(self) -> np.ndarray:
        return np.asarray(self.data.y_test, dtype=np.int64)

    @property
    def positive_class(self) -> int:
        """The binary detector's class (settings with their classes chosen)."""
        return self.settings.chosen_classes()[0]

    @property
    def class_pair(self) -> tuple[int, int]:
        """The error-analysis pair (settings with their classes chosen)."""
        return self.settings.chosen_classes()[1]

    @cached_property
    def y_train_positive(self) -> np.ndarray:
        return self.y_train == self.positive_class

    @cached_property
    def y_test_positive(self) -> np.ndarray:
        return self.y_test == self.positive_class

    @property
    def some_digit(self) -> np.ndarray:
        """The first training image as a (1, 784) float64 row."""
        return self.X_train[SOME_DIGIT_INDEX : SOME_DIGIT_INDEX + 1]
