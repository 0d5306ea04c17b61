"""What a trained model is to the rest of mnistlab, and what a family of models provides.

Every model, whatever library it is built on, takes MNIST-layout images and
returns class probabilities. The CLI, the report, ``predict`` and the web app
see nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from mnistlab.progress import ProgressCallback

N_CLASSES = 10
IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE


class DigitClassifier(Protocol):
    """A trained model: images in, probabilities of the ten digits out."""

    def predict_proba(self, images: NDArray[np.uint8]) -> NDArray[np.float64]:
        """Return the probability of each digit for each image.

        Parameters
        ----------
        images : ndarray of uint8, shape (n, 784)
            Rows of pixel values 0–255 in the MNIST layout (ink bright on
            dark, 28×28 flattened row by row).

        Returns
        -------
        ndarray of float64, shape (n, 10)
            Column ``d`` is the probability of digit ``d``; each row sums to 1.
        """
        ...


class ModelFamily(Protocol):
    """How one kind of model is trained, written to a file and read back.

    A family is a module (``mnistlab.models.classical``, ``mnistlab.models.cnn``,
    ...) with these three functions and a ``FILE_SUFFIX``. The store wraps them:
    it writes atomically, pins the file's SHA-256 in the metadata record and
    checks it before ``load`` is called.
    """

    FILE_SUFFIX: str

    def train(
        self,
        settings: Mapping[str, Any],
        images: NDArray[np.uint8],
        labels: NDArray[np.integer[Any]],
        progress: ProgressCallback,
    ) -> DigitClassifier:
        """Train a model with ``settings`` (its seed included) on the training images."""
        ...

    def save(self, model: DigitClassifier, path: Path) -> None:
        """Write ``model`` to ``path`` in a format that does not run code when read."""
        ...

    def load(self, path: Path, settings: Mapping[str, Any]) -> DigitClassifier:
        """Read a model written by ``save``; raise ``ModelFileError`` for anything else."""
        ...


def predict_digits(model: DigitClassifier, images: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Return the most probable digit of each image (ties go to the smaller digit)."""
    return np.argmax(model.predict_proba(images), axis=1).astype(np.int64)
