"""Networks whose mean probability over a few views of each image is the prediction."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from mnistlab.models.augment import affine_matrices, warp
from mnistlab.models.base import N_CLASSES, check_images
from mnistlab.models.cnn import SMALL_BATCH, DigitNet, predict_tensor, to_tensor
from mnistlab.models.cnn.runtime import torch_threads

__all__ = [
    "DEFAULT_VIEWS",
    "IDENTITY_VIEW",
    "MAX_MEMBERS",
    "MAX_VIEWS",
    "EnsembleClassifier",
    "check_views",
]

IDENTITY_VIEW = (0.0, 1.0)
DEFAULT_VIEWS = (IDENTITY_VIEW, (8.0, 1.0), (-8.0, 1.0), (0.0, 1.08), (0.0, 0.92))
MAX_MEMBERS = 64
MAX_VIEWS = 16
_CHUNK = 200  # images per prediction pass; times the views, a batch of about 1,000


def check_views(raw: Any, *, what: str) -> tuple[tuple[float, float], ...]:
    """Return views as (degrees, scale) pairs; raise ``ValueError`` naming ``what`` if not.

    A view turns an image by ``degrees`` (|degrees| <= 45) and scales it by
    ``scale`` (0.5 to 2) about its centre.
    """
    pairs = []
    if isinstance(raw, list | tuple) and 1 <= len(raw) <= MAX_VIEWS:
        for view in raw:
            if not (isinstance(view, list | tuple) and len(view) == 2):
                break
            degrees, scale = view
            if not all(isinstance(v, int | float) and math.isfinite(v) for v in view):
                break
            if abs(degrees) > 45 or not 0.5 <= scale <= 2.0:
                break
            pairs.append((float(degrees), float(scale)))
    if not pairs or len(pairs) != len(raw):
        raise ValueError(
            f"{what} must be 1 to {MAX_VIEWS} [degrees, scale] pairs with |degrees| <= 45 "
            f"and scale from 0.5 to 2, got {raw!r}"
        )
    return tuple(pairs)


class EnsembleClassifier:
    """Networks whose mean probability over a few views of each image is the prediction.

    Parameters
    ----------
    networks : sequence of DigitNet
    views : sequence of (degrees, scale)
        How each image is turned and scaled before each network reads it.
    threads : int
        The torch thread count the networks were trained with (kept in the file).
    validation_accuracy : list of float or None
        Each member's accuracy on its held-out slice, when known.
    """

    def __init__(
        self,
        networks: Sequence[DigitNet],
        *,
        views: Sequence[tuple[float, float]] = DEFAULT_VIEWS,
        threads: int,
        validation_accuracy: Sequence[float | None] = (),
    ) -> None:
        if not networks:
            raise ValueError("an ensemble needs at least one network")
        self.networks = [net.eval() for net in networks]
        self.views = check_views(list(views), what="views")
        self.threads = threads
        self.validation_accuracy = list(validation_accuracy)

    def _view_batch(self, x: torch.Tensor) -> torch.Tensor:
        """Stack the views of images ``x`` (n, 1, 28, 28): shape (views * n, 1, 28, 28)."""
        n, stacked = len(x), []
        for degrees, scale in self.views:
            if (degrees, scale) == IDENTITY_VIEW:
                stacked.append(x)
                continue
            theta = affine_matrices(
                torch.full((n,), degrees), torch.full((n,), scale), torch.zeros(n, 2)
            )
            stacked.append(warp(x, theta))
        return torch.cat(stacked)

    def predict_proba(self, images: NDArray[np.uint8]) -> NDArray[np.float64]:
        """Return the mean class probabilities over members and views, shape (n, 10)."""
        x = to_tensor(check_images(images))
        out = torch.zeros((len(x), N_CLASSES), dtype=torch.float64)
        # One thread for a few images, as in cnn.predict_tensor: turning one
        # image on two threads of a busy CPU took 60 ms instead of 0.1 ms.
        threads = 1 if len(x) < SMALL_BATCH else torch.get_num_threads()
        with torch_threads(threads):
            for start in range(0, len(x), _CHUNK):
                chunk = x[start : start + _CHUNK]
                views = self._view_batch(chunk)
                for network in self.networks:
                    proba = predict_tensor(network, views).view(len(self.views), len(chunk), -1)
                    out[start : start + len(chunk)] += proba.mean(dim=0)
        result: NDArray[np.float64] = (out / len(self.networks)).numpy()
        return result
