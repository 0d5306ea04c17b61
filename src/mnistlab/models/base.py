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

from mnistlab.errors import ImageInputError
from mnistlab.progress import ProgressCallback

N_CLASSES = 10
IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE


def check_images(images: Any) -> NDArray[np.uint8]:
    """Return ``images`` if they are uint8 rows of 784 pixels, else raise ``ImageInputError``.

    The one check of the MNIST layout that every model and transform applies
    to the images it is given; its message says how to fix the input.
    """
    if not isinstance(images, np.ndarray):
        raise ImageInputError(
            f"images must be a numpy array, got {type(images).__name__}; "
            "pass uint8 rows of 784 pixels"
        )
    if images.ndim != 2 or images.shape[1] != N_PIXELS:
        raise ImageInputError(
            f"images must have shape (n, {N_PIXELS}), got {images.shape}; "
            "flatten each 28×28 image row by row"
        )
    if images.dtype != np.uint8:
        raise ImageInputError(
            f"images must be uint8 pixel values 0–255, got dtype {images.dtype}; "
            "convert with images.astype(np.uint8) after checking the range"
        )
    return images


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

    A family is a module or package (``mnistlab.models.classical``,
    ``mnistlab.models.cnn``, ...) with these three functions and a
    ``FILE_SUFFIX``; ``save`` writes its file with :func:`mnistlab.files.atomic_write`.
    The store wraps them: it names the file after its SHA-256, pins that in the
    metadata record and checks it before ``load`` is called.
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
        """Write ``model`` to ``path``, atomically, in a format that does not run code when read."""
        ...

    def load(self, path: Path, settings: Mapping[str, Any]) -> DigitClassifier:
        """Read a model written by ``save``; raise ``ModelFileError`` for anything else."""
        ...
