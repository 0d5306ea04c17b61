"""Evaluate a trained model on the test images: accuracy, errors, confusion, timing."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError
from mnistlab.models.base import N_CLASSES
from mnistlab.models.store import TrainedModel

SINGLE_IMAGE_REPEATS = 25


@dataclass(frozen=True)
class Misclassified:
    """One test image the model gets wrong."""

    index: int
    true: int
    predicted: int
    probability: float


@dataclass(frozen=True)
class Evaluation:
    """A model's results on the test images.

    Attributes
    ----------
    test_accuracy : float
        Fraction of test images classified correctly.
    n_errors, n_test : int
        Misclassified test images, and all test images.
    confusion : list of list of int
        10×10 counts, rows true digit, columns predicted digit.
    precision, recall, f1 : list of float
        Per digit 0–9.
    predict_seconds_batch : float
        Wall time to predict all test images in one call.
    predict_ms_single : float
        Median wall time to predict one image alone, in milliseconds.
    misclassified : list of Misclassified
        Every error, with the probability the model gave its wrong answer.
    """

    test_accuracy: float
    n_errors: int
    n_test: int
    confusion: list[list[int]]
    precision: list[float]
    recall: list[float]
    f1: list[float]
    predict_seconds_batch: float
    predict_ms_single: float
    misclassified: list[Misclassified]

    def as_metrics(self) -> dict[str, Any]:
        """Return the evaluation as the JSON-ready metrics of a model record."""
        return asdict(self)


def evaluate_model(trained: TrainedModel, data: Dataset) -> Evaluation:
    """Predict every test image of ``data`` with ``trained`` and measure the results.

    Raises
    ------
    ConfigError
        If the model was trained on another data set than ``data``.
    """
    if trained.record.data_checksum != data.checksum:
        raise ConfigError(
            f"model {trained.name!r} was trained on {trained.record.dataset} "
            f"(checksum {trained.record.data_checksum[:12]}…), not on this {data.name} "
            f"({data.checksum[:12]}…); evaluate it on the data it was trained on"
        )
    started = time.perf_counter()
    proba = trained.classifier.predict_proba(data.X_test)
    batch_seconds = time.perf_counter() - started
    single = []
    for i in range(SINGLE_IMAGE_REPEATS):
        one = data.X_test[i : i + 1]
        started = time.perf_counter()
        trained.classifier.predict_proba(one)
        single.append(time.perf_counter() - started)

    y_true = data.y_test.astype(np.int64)
    y_pred = np.argmax(proba, axis=1)
    labels = np.arange(N_CLASSES)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    wrong = np.flatnonzero(y_pred != y_true)
    return Evaluation(
        test_accuracy=float(np.mean(y_pred == y_true)),
        n_errors=int(wrong.size),
        n_test=int(y_true.size),
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        precision=[float(v) for v in precision],
        recall=[float(v) for v in recall],
        f1=[float(v) for v in f1],
        predict_seconds_batch=round(batch_seconds, 4),
        predict_ms_single=round(float(np.median(single)) * 1000, 3),
        misclassified=[
            Misclassified(
                index=int(i),
                true=int(y_true[i]),
                predicted=int(y_pred[i]),
                probability=round(float(proba[i, y_pred[i]]), 4),
            )
            for i in wrong
        ],
    )
