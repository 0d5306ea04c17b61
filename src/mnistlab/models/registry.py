"""The named models of the accuracy ladder: adding one is one entry in ``MODELS``.

Each entry names a family (the module that trains, saves and loads it) and the
settings it is trained with, its seed included, so that the same entry trained
twice on the same machine gives the same model.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

from mnistlab.errors import ConfigError, UnknownModelError, lookup
from mnistlab.models.base import ModelFamily

# family name -> (module, the pip extra it needs or None)
FAMILIES: Mapping[str, tuple[str, str | None]] = MappingProxyType(
    {
        "classical": ("mnistlab.models.classical", "models"),
        "cnn": ("mnistlab.models.cnn", "cnn"),
        "ensemble": ("mnistlab.models.ensemble", "cnn"),
    }
)


@dataclass(frozen=True)
class ModelSpec:
    """One named model of the ladder.

    Parameters
    ----------
    name : str
        What users type: ``mnistlab train NAME``.
    summary : str
        One line for ``mnistlab models`` and the leaderboard.
    family : str
        A key of ``FAMILIES``: the module that trains, saves and loads it.
    settings : mapping
        Everything training depends on, the seed included; stored in the
        model's metadata record.
    """

    name: str
    summary: str
    family: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    def family_module(self) -> ModelFamily:
        """Import and return the family module; a clear error if its extra is missing."""
        module_name, extra = FAMILIES[self.family]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            hint = f"pip install 'mnistlab[{extra}]'" if extra else "reinstall mnistlab"
            if extra == "cnn":
                hint += " torch==2.13.0 (the CPU build)"
            raise ConfigError(
                f"model {self.name!r} needs the package {exc.name!r}, which is not installed; "
                f"install it with: {hint}"
            ) from exc
        return cast(ModelFamily, module)


# Settings of mnistlab.models.cnn.TrainingConfig, spelled out so that the
# metadata record holds all of them (threads too: float sums depend on it).
_CNN: Mapping[str, Any] = {
    "seed": 42,
    "threads": 2,
    "width": 32,
    "hidden": 256,
    "dropout": 0.3,
    "epochs": 15,
    "batch_size": 128,
    "max_lr": 0.05,
    "weight_decay": 5e-4,
    "label_smoothing": 0.0,
    "n_validation": 5000,
    "augmentation": {
        "max_rotation": 12.0,
        "max_scale": 0.1,
        "max_shift": 2.5,
        "elastic_alpha": 2.0,
        "elastic_sigma": 4.0,
        "elastic_probability": 0.5,
    },
    "styles": {"probability": 0.0},
    "wear": {"probability": 0.0},
}

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "knn-tuned",
        "the chapter's tuned KNN (step 14): 4 neighbours, distance weights",
        "classical",
        {"kind": "knn", "n_neighbors": 4, "weights": "distance", "shift": 0, "deskew": False},
    ),
    ModelSpec(
        "knn-shift",
        "tuned KNN on 300,000 images: each training image also shifted 1 pixel 4 ways",
        "classical",
        {"kind": "knn", "n_neighbors": 4, "weights": "distance", "shift": 1, "deskew": False},
    ),
    ModelSpec(
        "knn-deskew",
        "tuned KNN on deskewed images (moment-based shear, centred)",
        "classical",
        {"kind": "knn", "n_neighbors": 4, "weights": "distance", "shift": 0, "deskew": True},
    ),
    ModelSpec(
        "svc-rbf",
        "RBF support vector machine on HOG features of deskewed images (PCA 100)",
        "classical",
        {
            "kind": "svc",
            "deskew": True,
            "features": "hog",
            "n_components": 100,
            "C": 5.0,
            "gamma": 0.12,
            "calibration_folds": 3,
        },
    ),
    ModelSpec(
        "cnn",
        "convolutional network (PyTorch, CPU): 4 conv layers, 15 epochs of moved digits",
        "cnn",
        _CNN,
    ),
    ModelSpec(
        "cnn-robust",
        "the cnn trained also on damaged digits (noise, blur, grey paper, lines, marker strokes) "
        "and on other writing styles (a 1 with a flag, a closed 4, a crossed 7)",
        "cnn",
        {**_CNN, "epochs": 20, "styles": {"probability": 0.3}, "wear": {"probability": 0.5}},
    ),
    ModelSpec(
        "ensemble",
        "5 convolutional networks, each reading 5 views of a digit, averaging probabilities",
        "ensemble",
        {
            **_CNN,
            "members": 5,
            # [degrees, scale]: the digit itself, turned ±8°, scaled ±8%.
            "views": [[0.0, 1.0], [8.0, 1.0], [-8.0, 1.0], [0.0, 1.08], [0.0, 0.92]],
        },
    ),
)

_BY_NAME = {spec.name: spec for spec in MODELS}
MODEL_NAMES: tuple[str, ...] = tuple(_BY_NAME)


def get_model_spec(name: str) -> ModelSpec:
    """Return the registry entry called ``name``.

    Raises
    ------
    UnknownModelError
        If no model has that name; the message lists the names there are.
    """
    return lookup(_BY_NAME, name, what="model", error=UnknownModelError)
