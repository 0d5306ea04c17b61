"""The settings of the study: which class is "positive", which pair to inspect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mnistlab.errors import ConfigError
from mnistlab.system import cpu_count


@dataclass(frozen=True)
class StudySettings:
    """The choices of the study that are not fixed by the chapter.

    Parameters
    ----------
    positive_class : int, default=5
        The class of the binary detector (steps 2–9).
    class_pair : tuple of int, default=(3, 5)
        The two classes of the error-analysis image grid (step 11).
    target_precision : float, default=0.90
        The precision the decision threshold of step 7 must reach.
    n_jobs : int or None, default=None
        Worker processes for independent fits; ``None`` means every CPU this
        process may use (:func:`mnistlab.system.cpu_count`).
        Parallelism is used only where it cannot change a number. On a Dask
        cluster (:func:`mnistlab.scheduling.dask_engine`) its workers decide
        instead; like ``n_jobs``, the cluster is not part of any cache key.

    Example
    -------
    >>> StudySettings(positive_class=3).as_dict()["positive_class"]
    3
    """

    positive_class: int = 5
    class_pair: tuple[int, int] = (3, 5)
    target_precision: float = 0.90
    n_jobs: int | None = None

    def __post_init__(self) -> None:
        # Validate early: a bad value should fail here, not 20 minutes into a run.
        if not 0 <= int(self.positive_class) <= 9:
            raise ConfigError(
                f"positive_class must be a class label 0-9, got {self.positive_class!r}."
            )
        pair = tuple(self.class_pair)
        if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= int(c) <= 9 for c in pair):
            raise ConfigError(
                f"class_pair must be two different class labels 0-9, got {self.class_pair!r}."
            )
        object.__setattr__(self, "class_pair", (int(pair[0]), int(pair[1])))
        if not 0.0 < float(self.target_precision) <= 1.0:
            raise ConfigError(f"target_precision must be in (0, 1], got {self.target_precision!r}.")
        if self.n_jobs is not None and int(self.n_jobs) < 1:
            raise ConfigError(f"n_jobs must be a positive integer or None, got {self.n_jobs!r}.")

    @property
    def effective_n_jobs(self) -> int:
        """The number of workers to use: ``n_jobs`` or the number of CPUs."""
        return int(self.n_jobs) if self.n_jobs is not None else cpu_count()

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-able values (used in cache keys and results)."""
        return {
            "positive_class": int(self.positive_class),
            "class_pair": [int(c) for c in self.class_pair],
            "target_precision": float(self.target_precision),
            "n_jobs": None if self.n_jobs is None else int(self.n_jobs),
        }
