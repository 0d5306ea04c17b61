"""The settings of the study: which class is "positive", which pair to inspect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mnistlab.errors import ConfigError
from mnistlab.system import cpu_count

#: The most classes a data set of the study may have (EMNIST "byclass").
MAX_CLASSES = 62


def _is_label(value: Any) -> bool:
    return (
        isinstance(value, int | np.integer)
        and not isinstance(value, bool)
        and 0 <= int(value) < MAX_CLASSES
    )


@dataclass(frozen=True)
class StudySettings:
    """The choices of the study that are not fixed by the chapter.

    Parameters
    ----------
    positive_class : int or None, default=5
        The class of the binary detector (steps 2–9), a label ``0`` to ``k - 1``
        of a data set of ``k`` classes. ``None`` chooses it for the data
        (:func:`mnistlab.study.classes.resolve_settings`): the chapter's 5 for
        MNIST and Fashion-MNIST (their registry entries), else of the two
        classes confused most, the one more often mistaken.
    class_pair : tuple of int or None, default=(3, 5)
        The two classes of the error-analysis image grid (step 11); ``None``
        chooses them alike: the chapter's 3 and 5 for MNIST and Fashion-MNIST,
        else the two classes confused most.
    target_precision : float, default=0.90
        The precision the decision threshold of step 7 must reach.
    n_jobs : int or None, default=None
        Worker processes for independent fits; ``None`` means every CPU this
        process may use (:func:`mnistlab.system.cpu_count`).
        Parallelism is used only where it cannot change a number. On a Dask
        cluster (:func:`mnistlab.scheduling.dask_engine`) its workers decide
        instead; like ``n_jobs``, the cluster is not part of any cache key.

    Notes
    -----
    The defaults are the chapter's numbers, so ``StudySettings()`` is the
    chapter's study (and the key of its cache) whatever it runs on; a data set
    without a class 5 needs ``positive_class=None`` or a class of its own.
    :func:`mnistlab.study.run_study` without settings leaves both classes to
    the data: for MNIST that is the chapter's study again, with the same
    ``as_dict()`` and so the same cache entries.

    Example
    -------
    >>> StudySettings(positive_class=3).as_dict()["positive_class"]
    3
    >>> StudySettings.automatic().positive_class is None
    True
    """

    positive_class: int | None = 5
    class_pair: tuple[int, int] | None = (3, 5)
    target_precision: float = 0.90
    n_jobs: int | None = None

    def __post_init__(self) -> None:
        # Validate early: a bad value should fail here, not 20 minutes into a run.
        # Whether a label is a class of the data is checked against the data
        # (mnistlab.study.classes.check_classes); here only what no data set has.
        labels = f"a class label 0-{MAX_CLASSES - 1}"
        if self.positive_class is not None:
            if not _is_label(self.positive_class):
                raise ConfigError(
                    f"positive_class must be {labels} or None (automatic), "
                    f"got {self.positive_class!r}."
                )
            object.__setattr__(self, "positive_class", int(self.positive_class))
        if self.class_pair is not None:
            pair = tuple(self.class_pair)
            if len(pair) != 2 or not all(_is_label(c) for c in pair) or pair[0] == pair[1]:
                raise ConfigError(
                    f"class_pair must be two different class labels 0-{MAX_CLASSES - 1} "
                    f"or None (automatic), got {self.class_pair!r}."
                )
            object.__setattr__(self, "class_pair", (int(pair[0]), int(pair[1])))
        if not 0.0 < float(self.target_precision) <= 1.0:
            raise ConfigError(f"target_precision must be in (0, 1], got {self.target_precision!r}.")
        if self.n_jobs is not None and int(self.n_jobs) < 1:
            raise ConfigError(f"n_jobs must be a positive integer or None, got {self.n_jobs!r}.")

    @classmethod
    def automatic(cls, **options: Any) -> StudySettings:
        """Settings that leave both classes to the data, with any other ``options``.

        Example
        -------
        >>> StudySettings.automatic(n_jobs=2).class_pair is None
        True
        """
        return cls(positive_class=None, class_pair=None, **options)

    def chosen_classes(self) -> tuple[int, tuple[int, int]]:
        """Return the positive class and the class pair, both set.

        Raises
        ------
        ConfigError
            If either is still ``None``: :func:`mnistlab.study.run_study`
            chooses them for its data, and its results carry them chosen.

        Example
        -------
        >>> StudySettings().chosen_classes()
        (5, (3, 5))
        """
        if self.positive_class is None or self.class_pair is None:
            raise ConfigError(
                "these settings leave the classes to the data; use the settings of the "
                "study's results, which carry them chosen."
            )
        return int(self.positive_class), self.class_pair

    @property
    def effective_n_jobs(self) -> int:
        """The number of workers to use: ``n_jobs`` or the number of CPUs."""
        return int(self.n_jobs) if self.n_jobs is not None else cpu_count()

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-able values (used in cache keys and results).

        The classes are ``None`` until they are chosen for the data
        (:func:`mnistlab.study.classes.resolve_settings`); a study's results
        carry them chosen, so MNIST's dict is the chapter's either way.
        """
        return {
            "positive_class": None if self.positive_class is None else int(self.positive_class),
            "class_pair": None if self.class_pair is None else [int(c) for c in self.class_pair],
            "target_precision": float(self.target_precision),
            "n_jobs": None if self.n_jobs is None else int(self.n_jobs),
        }
