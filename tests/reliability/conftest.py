"""Reference runs for the fault tests: what an undisturbed command gives."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from tests.reliability.processes import (
    run,
    step_values,
    study_command,
    warm_cache,
)

#: Two cheap models of different families of training: a neighbours index, and an SVC.
CHEAP_MODELS = ("knn-tuned", "svc-rbf")
PREVIOUS_N_TRAIN = 1000


@dataclass(frozen=True)
class ReferenceStudy:
    """An undisturbed cheap study: its report, its numbers, and how long it took."""

    report: Path
    values: dict[str, Any]
    seconds: float


@dataclass(frozen=True)
class PreviousModels:
    """A models directory holding the cheap models trained on a few images (the old ones)."""

    directory: Path

    def copy_to(self, target: Path) -> Path:
        """A private copy of the directory, for a test to disturb."""
        shutil.copytree(self.directory, target)
        return target


@pytest.fixture(scope="session")
def reference_study(
    locations: Locations, mnist: Dataset, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> ReferenceStudy:
    """The cheap study run once, undisturbed, from an empty study cache."""
    root = tmp_path_factory.mktemp("reference-study")
    cache = warm_cache(root / "cache", locations)
    started = time.monotonic()
    done = run(study_command(mnist_dir, cache, root / "report"))
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    return ReferenceStudy(root / "report", step_values(root / "report"), seconds)


@pytest.fixture(scope="session")
def previous_models(mnist: Dataset, tmp_path_factory: pytest.TempPathFactory) -> PreviousModels:
    """Each cheap model trained on 1,000 images (in-process: only the store matters here)."""
    directory = tmp_path_factory.mktemp("previous-models") / "models"
    for model in CHEAP_MODELS:
        train_model(model, mnist, store=ModelStore(directory), n_train=PREVIOUS_N_TRAIN)
    return PreviousModels(directory)
