"""A trained network as a ``DigitClassifier``: uint8 images in, probabilities out."""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from mnistlab.models.base import IMAGE_SIDE, N_CLASSES, check_images
from mnistlab.models.cnn.network import DigitNet
from mnistlab.models.cnn.runtime import torch_threads

__all__ = [
    "SMALL_BATCH",
    "CNNClassifier",
    "network_probabilities",
    "predict_tensor",
    "to_tensor",
]

_PREDICT_BATCH = 1000
SMALL_BATCH = 64  # fewer images than this are predicted on one thread


class CNNClassifier:
    """A trained ``DigitNet`` behind the ``DigitClassifier`` interface.

    Parameters
    ----------
    network : DigitNet
    threads : int
        The torch thread count it was trained with (kept in its file).
    """

    def __init__(self, network: DigitNet, *, threads: int) -> None:
        self.network = network.eval()
        self.threads = threads

    def predict_proba(self, images: NDArray[np.uint8]) -> NDArray[np.float64]:
        """Return class probabilities, shape (n, 10), for uint8 images (n, 784)."""
        return network_probabilities(self.network, images)


def to_tensor(images: NDArray[np.uint8]) -> torch.Tensor:
    """Turn uint8 rows (n, 784) into float32 images (n, 1, 28, 28) in [0, 1]."""
    pixels = torch.from_numpy(np.array(images, dtype=np.uint8, copy=True))
    return pixels.view(-1, 1, IMAGE_SIDE, IMAGE_SIDE) / 255.0


def predict_tensor(network: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Softmax of ``network`` in eval mode, batched, without gradients.

    Parameters
    ----------
    network : nn.Module
    x : Tensor of float32, shape (n, 1, 28, 28)
        Pixels in [0, 1].

    Returns
    -------
    Tensor of float64, shape (n, 10)
    """
    network.eval()
    out = torch.empty((len(x), N_CLASSES), dtype=torch.float64)
    # A few images gain nothing from a second thread, and on a busy CPU the
    # threads' waits for each other make one image take 100 ms instead of 0.5 ms.
    threads = 1 if len(x) < SMALL_BATCH else torch.get_num_threads()
    # no_grad, not inference_mode: the latter hit a slow path for single images.
    with torch_threads(threads), torch.no_grad():
        for start in range(0, len(x), _PREDICT_BATCH):
            logits = network(x[start : start + _PREDICT_BATCH])
            out[start : start + len(logits)] = torch.softmax(logits.double(), dim=1)
    return out


def network_probabilities(network: nn.Module, images: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Class probabilities of uint8 images (n, 784) by ``network``: float64 (n, 10)."""
    result: NDArray[np.float64] = predict_tensor(network, to_tensor(check_images(images))).numpy()
    return result
