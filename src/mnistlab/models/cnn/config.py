"""Everything the CNN's training depends on, built from a registry entry's settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from mnistlab.errors import ConfigError
from mnistlab.models.augment import Augmentation
from mnistlab.models.styles import Styles
from mnistlab.models.wear import Wear

__all__ = ["TrainingConfig"]


@dataclass(frozen=True)
class TrainingConfig:
    """Everything training depends on; built from a registry entry's settings.

    Attributes
    ----------
    seed : int
    threads : int
        Torch threads for training; recorded because results depend on it.
    width, hidden : int
    dropout : float
        The network (see ``DigitNet``).
    epochs, batch_size : int
    max_lr, weight_decay, label_smoothing : float
        SGD with Nesterov momentum 0.9 under a one-cycle schedule peaking at ``max_lr``.
    n_validation : int
        Training images held out for the validation accuracy (capped at a
        tenth of the images given, for small trials).
    augmentation : Augmentation
        Moves of every training image (rotation, scale, shift, elastic).
    styles : Styles
        Share of the 1s, 4s and 7s redrawn in styles MNIST rarely has (off by default).
    wear : Wear
        Share of the images given real-world damage, after the moves (off by default).
    """

    seed: int = 42
    threads: int = 2
    width: int = 32
    hidden: int = 256
    dropout: float = 0.3
    epochs: int = 15
    batch_size: int = 128
    max_lr: float = 0.05
    weight_decay: float = 5e-4
    label_smoothing: float = 0.0
    n_validation: int = 5000
    augmentation: Augmentation = field(default_factory=Augmentation)
    styles: Styles = field(default_factory=Styles)
    wear: Wear = field(default_factory=Wear)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> TrainingConfig:
        """Build a config from settings; unknown keys or bad values raise ``ConfigError``."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ConfigError(f"unknown CNN settings {unknown}; known: {sorted(known)}")
        values: dict[str, Any] = dict(settings)
        try:
            if "augmentation" in values:
                values["augmentation"] = Augmentation(**dict(values["augmentation"]))
            if "styles" in values:
                values["styles"] = Styles(**dict(values["styles"]))
            if "wear" in values:
                values["wear"] = Wear(**dict(values["wear"]))
            config = cls(**values)
            counts = (config.threads, config.width, config.hidden, config.epochs, config.batch_size)
            if not all(isinstance(c, int) and c >= 1 for c in counts):
                raise ConfigError(
                    "CNN settings threads, width, hidden, epochs and batch_size must be ints >= 1"
                )
        except TypeError as exc:
            raise ConfigError(f"bad CNN settings: {exc}") from None
        return config
