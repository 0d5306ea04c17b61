"""Training one member of the ensemble: the same code here and in a Dask task."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mnistlab.models.cnn import DigitNet, TrainingConfig, fit_network
from mnistlab.models.cnn.runtime import torch_runtime
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = ["member_progress", "train_member"]

# Torch's thread count and its deterministic-algorithms switch belong to the
# whole process. A Dask worker started with several threads would run two
# members at once, and one member's settings (or their restoring when it ends)
# would change the other's sums and so its weights. So in one process members
# train one at a time: one lock for the one process-wide state it guards.
_TORCH_STATE = threading.Lock()


def member_progress(progress: ProgressCallback, k: int, members: int) -> ProgressCallback:
    """Turn member ``k``'s progress into progress over the whole ensemble."""

    def report(task: str, completed: float, total: float | None) -> None:
        # Every member runs the same number of steps.
        whole = None if total is None else total * members
        progress(task, (total or 0) * k + completed, whole)

    return report


def train_member(
    config: TrainingConfig,
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    k: int,
    members: int,
    progress: ProgressCallback = ignore_progress,
) -> tuple[DigitNet, float | None, float]:
    """Train member ``k``: (network, validation accuracy, seconds). Runs here or as a Dask task.

    Member ``k`` uses seed ``config.seed + k`` and holds out validation slice ``k``.
    """
    with _TORCH_STATE:
        started = time.perf_counter()
        with torch_runtime(config.threads):
            network, accuracy = fit_network(
                config,
                images,
                labels,
                progress,
                part=k,
                seed=config.seed + k,
                label=f"member {k + 1}/{members} · ",
            )
        return network, accuracy, time.perf_counter() - started
