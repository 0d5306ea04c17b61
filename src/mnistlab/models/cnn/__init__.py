"""The convolutional network of the accuracy ladder (PyTorch on the CPU): the ``cnn`` family.

The network is a small VGG-style stack — two blocks of two 3×3 convolutions
with batch normalisation, each block followed by 2×2 max pooling, then one
hidden dense layer with dropout — trained with SGD (Nesterov momentum) under a
one-cycle learning-rate schedule on augmented batches (``augment.py``).

Where each part lives:

``network``
    ``DigitNet``, the layers.
``config``
    ``TrainingConfig``, everything training depends on.
``training``
    The validation slice and the training loop; ``train``, the family's entry.
``classifier``
    ``CNNClassifier`` and batched prediction.
``runtime``
    Torch's thread count and deterministic algorithms, set and restored.
``payload``
    A network as plain values and tensors, written and read without running
    code (shared with the ensemble).
``files``
    ``save`` and ``load`` of the CNN's model file.

This package provides what the registry needs of a family (``FILE_SUFFIX``,
``train``, ``save``, ``load``) and the names the ensemble builds on.
"""

from __future__ import annotations

from mnistlab.models.cnn.classifier import (
    SMALL_BATCH,
    CNNClassifier,
    network_probabilities,
    predict_tensor,
    to_tensor,
)
from mnistlab.models.cnn.config import TrainingConfig
from mnistlab.models.cnn.files import FILE_FORMAT, FILE_SUFFIX, load, save
from mnistlab.models.cnn.network import DigitNet
from mnistlab.models.cnn.payload import FILE_VERSION
from mnistlab.models.cnn.training import fit_network, train, validation_split

__all__ = [
    "FILE_FORMAT",
    "FILE_SUFFIX",
    "FILE_VERSION",
    "SMALL_BATCH",
    "CNNClassifier",
    "DigitNet",
    "TrainingConfig",
    "fit_network",
    "load",
    "network_probabilities",
    "predict_tensor",
    "save",
    "to_tensor",
    "train",
    "validation_split",
]
