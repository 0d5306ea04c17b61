"""Training the ensemble's members on a Dask cluster, one member per Dask task."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mnistlab.models.cnn import DigitNet, TrainingConfig
from mnistlab.models.ensemble.members import train_member
from mnistlab.progress import ProgressCallback

__all__ = ["train_on_dask"]

logger = logging.getLogger(__name__)


def train_on_dask(
    client: Any,
    config: TrainingConfig,
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    members: int,
    progress: ProgressCallback,
) -> list[tuple[DigitNet, float | None]]:
    """Train the members as Dask tasks; report each one as it finishes.

    Returns
    -------
    list of (DigitNet, float or None)
        Each member's network and validation accuracy, in member order.
    """
    from distributed import as_completed

    # Sent once (about 47 MB for MNIST), not once per member; workers that
    # need the arrays fetch them from the worker that holds them.
    images_f, labels_f = client.scatter([images, labels])
    run = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            train_member,
            config,
            images_f,
            labels_f,
            k,
            members,
            key=f"ensemble-member-{k + 1}-of-{members}-{run}",
            pure=False,
        ): k
        for k in range(members)
    }
    progress(f"{members} members sent to Dask, one task each", 0, members)
    results: dict[int, tuple[DigitNet, float | None]] = {}
    started = time.perf_counter()
    try:
        for future in as_completed(futures):
            k = futures[future]
            network, accuracy, seconds = future.result()
            results[k] = (network, accuracy)
            shown = "–" if accuracy is None else f"{accuracy:.2%}"
            status = (
                f"member {k + 1}/{members} trained in {seconds:.0f} s · val {shown} · "
                f"{len(results)}/{members} done after {time.perf_counter() - started:.0f} s"
            )
            logger.info("%s", status)
            progress(status, len(results), members)
    finally:
        # Ctrl-C or a failed member: stop the members still running.
        client.cancel([f for f in futures if not f.done()])
    return [results[k] for k in range(members)]
