"""The convolutional network itself: a small VGG-style stack of layers."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from mnistlab.models.base import N_CLASSES

__all__ = ["ARCHITECTURE", "ARCHITECTURE_VERSION", "DigitNet"]

ARCHITECTURE = "digitnet"
ARCHITECTURE_VERSION = 1
# Mean and standard deviation of MNIST training pixels scaled to [0, 1].
_PIXEL_MEAN, _PIXEL_STD = 0.1307, 0.3081


class DigitNet(nn.Module):
    """Conv(3×3)×2 → pool → conv(3×3)×2 → pool → dense → 10 logits.

    Parameters
    ----------
    width : int
        Channels of the first block; the second block has twice as many.
    hidden : int
        Units of the dense layer.
    dropout : float
        Dropout before the output layer (training only).
    """

    def __init__(self, width: int = 32, hidden: int = 256, dropout: float = 0.3) -> None:
        super().__init__()
        self.width, self.hidden, self.dropout = width, hidden, dropout

        def conv(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

        # 28 → 26 → 24 → pool 12 → 10 → 8 → pool 4 (unpadded convolutions).
        self.features = nn.Sequential(
            *conv(1, width),
            *conv(width, width),
            nn.MaxPool2d(2),
            *conv(width, 2 * width),
            *conv(2 * width, 2 * width),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(2 * width * 4 * 4, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, N_CLASSES),
        )
        # Channels-last convolutions are 1.3-1.6× faster on this CPU (oneDNN).
        self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]

    def architecture(self) -> dict[str, Any]:
        """Return what rebuilds this network: plain strings, ints and floats."""
        return {
            "name": ARCHITECTURE,
            "version": ARCHITECTURE_VERSION,
            "width": self.width,
            "hidden": self.hidden,
            "dropout": self.dropout,
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map images (n, 1, 28, 28), pixels in [0, 1], to logits (n, 10)."""
        x = ((x - _PIXEL_MEAN) / _PIXEL_STD).contiguous(memory_format=torch.channels_last)
        logits: torch.Tensor = self.head(self.features(x))
        return logits
