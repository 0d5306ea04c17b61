"""The records of the study: step specifications, what a step returns, the whole run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mnistlab.study.cache import CacheEntry
from mnistlab.study.quantities import TestAccuracy
from mnistlab.study.settings import StudySettings

#: What a step reads: the cached computations it needs, by name.
Entries = dict[str, CacheEntry]
#: What a step returns: its JSON-able values and the arrays its figures need.
StepOutput = tuple[dict[str, Any], dict[str, np.ndarray]]


@dataclass(frozen=True)
class StepSpec:
    """One step of the study: its number (1–14), slug and title."""

    number: int
    name: str
    title: str


STEPS: tuple[StepSpec, ...] = (
    StepSpec(1, "look", "Look at the data"),
    StepSpec(2, "binary", "Binary classifier"),
    StepSpec(3, "cross_validation", "Cross-validation"),
    StepSpec(4, "confusion", "Confusion matrix"),
    StepSpec(5, "precision_recall", "Precision, recall and F1"),
    StepSpec(6, "decision_threshold", "Decision scores and the threshold"),
    StepSpec(7, "tradeoff", "Precision/recall trade-off"),
    StepSpec(8, "roc", "ROC curve"),
    StepSpec(9, "forest", "Random forest against SGD"),
    StepSpec(10, "multiclass", "Multiclass classification"),
    StepSpec(11, "error_analysis", "Error analysis"),
    StepSpec(12, "multilabel", "Multilabel classification"),
    StepSpec(13, "denoising", "Multioutput denoising"),
    StepSpec(14, "tuning", "Accuracy and tuning"),
)

STEP_NAMES: tuple[str, ...] = tuple(spec.name for spec in STEPS)


@dataclass(frozen=True)
class StepResult:
    """What one step computed.

    Attributes
    ----------
    spec : StepSpec
    values : dict
        Every number of the step, JSON-able (python scalars, lists, dicts), each
        declared as one of the kinds of :mod:`mnistlab.study.quantities`.
    arrays : dict of str to ndarray
        The large arrays its figures need (curves, images); not written to JSON.
    seconds : float
        Wall time spent on the step (about 0 when it came from the cache).
    cached : bool
        True when every computation of the step came from the cache.
    """

    spec: StepSpec
    values: dict[str, Any]
    arrays: dict[str, np.ndarray]
    seconds: float
    cached: bool


@dataclass(frozen=True)
class StudyResults:
    """The whole study: one :class:`StepResult` per step run, in the chapter's order.

    Example
    -------
    >>> results = run_study(data)                      # doctest: +SKIP
    >>> results.steps["roc"].values["roc_auc"]         # doctest: +SKIP
    """

    data_name: str
    checksum: str
    settings: StudySettings
    steps: dict[str, StepResult]
    versions: dict[str, str]
    seconds: float

    def best_test_accuracy(self) -> float | None:
        """Return the highest accuracy on the test set that any step reports, or ``None``.

        The accuracies are the values a step declared as
        :class:`~mnistlab.study.quantities.TestAccuracy`.

        Example
        -------
        >>> results.best_test_accuracy()  # doctest: +SKIP
        0.9714
        """
        found = [
            float(value)
            for step in self.steps.values()
            for value in step.values.values()
            if isinstance(value, TestAccuracy)
        ]
        return max(found, default=None)

    def to_json_dict(self) -> dict[str, Any]:
        """Return everything but the arrays as JSON-able values."""
        return {
            "data_name": self.data_name,
            "checksum": self.checksum,
            "settings": self.settings.as_dict(),
            "versions": dict(self.versions),
            "seconds": float(self.seconds),
            "steps": {
                name: {
                    "number": step.spec.number,
                    "title": step.spec.title,
                    "values": step.values,
                    "seconds": float(step.seconds),
                    "cached": bool(step.cached),
                }
                for name, step in self.steps.items()
            },
        }
