"""Several convolutional networks voting on probabilities.

Each member is a ``DigitNet`` (``cnn.py``) trained with its own seed — its own
initial weights, dropout, batch order and augmentation — and its own held-out
validation slice: member ``k`` holds out the ``k``-th slice of one seeded
permutation of the training images, so the members disagree where a single
network is unsure, and together they learn from every training image. The
ensemble's probabilities are the mean of the members' probabilities.

The file is one ``torch.save`` of plain values and tensors (a list of the
members' architectures and weights), read back with ``weights_only=True`` and
checked member by member like a single CNN file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from mnistlab.errors import ConfigError, ModelFileError
from mnistlab.models.cnn import (
    FILE_VERSION,
    DigitNet,
    TrainingConfig,
    check_images,
    fit_network,
    network_from_payload,
    network_payload,
    network_probabilities,
    read_payload,
    torch_runtime,
)
from mnistlab.progress import ProgressCallback

__all__ = ["FILE_SUFFIX", "EnsembleClassifier", "load", "save", "train"]

FILE_SUFFIX = ".pt"
FILE_FORMAT = "mnistlab-cnn-ensemble"
_MAX_MEMBERS = 64


class EnsembleClassifier:
    """Networks whose mean probability is the prediction.

    Parameters
    ----------
    networks : sequence of DigitNet
    threads : int
        The torch thread count they were trained with (kept in the file).
    validation_accuracy : list of float or None
        Each member's accuracy on its held-out slice, when known.
    """

    def __init__(
        self,
        networks: Sequence[DigitNet],
        *,
        threads: int,
        validation_accuracy: Sequence[float | None] = (),
    ) -> None:
        if not networks:
            raise ValueError("an ensemble needs at least one network")
        self.networks = [net.eval() for net in networks]
        self.threads = threads
        self.validation_accuracy = list(validation_accuracy)

    def predict_proba(self, images: NDArray[np.uint8]) -> NDArray[np.float64]:
        """Return the members' mean class probabilities, shape (n, 10)."""
        arr = check_images(images)
        total = network_probabilities(self.networks[0], arr)
        for network in self.networks[1:]:
            total += network_probabilities(network, arr)
        return total / len(self.networks)


def _split_settings(settings: Mapping[str, Any]) -> tuple[int, TrainingConfig]:
    member_settings = dict(settings)
    members = member_settings.pop("members", 5)
    if not isinstance(members, int) or not 1 <= members <= _MAX_MEMBERS:
        raise ConfigError(f"ensemble 'members' must be an int from 1 to {_MAX_MEMBERS}")
    return members, TrainingConfig.from_settings(member_settings)


def _member_progress(progress: ProgressCallback, k: int, members: int) -> ProgressCallback:
    """Turn member ``k``'s progress into progress over the whole ensemble."""

    def report(task: str, completed: float, total: float | None) -> None:
        # Every member runs the same number of steps.
        whole = None if total is None else total * members
        progress(task, (total or 0) * k + completed, whole)

    return report


def train(
    settings: Mapping[str, Any],
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    progress: ProgressCallback,
) -> EnsembleClassifier:
    """Train ``settings["members"]`` networks one after the other.

    Parameters
    ----------
    settings : mapping
        ``members`` (how many networks, default 5) and the keys of
        ``cnn.TrainingConfig``, which every member shares except that member
        ``k`` uses seed ``seed + k`` and holds out validation slice ``k``.
    images : ndarray of uint8, shape (n, 784)
    labels : ndarray of int, shape (n,)
    progress : callable
        Receives ``("member k/M · epoch e/E · loss L · val A%", step, total)``
        over the steps of all members.

    Returns
    -------
    EnsembleClassifier

    Raises
    ------
    ConfigError
        For unknown settings or unusable training data.
    KeyboardInterrupt
        Passed through untouched (torch settings restored).

    Example
    -------
    >>> model = train({"members": 2}, X[:2000], y[:2000], ignore_progress)  # doctest: +SKIP
    """
    members, config = _split_settings(settings)
    networks: list[DigitNet] = []
    accuracies: list[float | None] = []
    with torch_runtime(config.threads):
        for k in range(members):
            network, accuracy = fit_network(
                config,
                images,
                labels,
                _member_progress(progress, k, members),
                part=k,
                seed=config.seed + k,
                label=f"member {k + 1}/{members} · ",
            )
            networks.append(network)
            accuracies.append(accuracy)
    return EnsembleClassifier(networks, threads=config.threads, validation_accuracy=accuracies)


def save(model: EnsembleClassifier, path: Path) -> None:
    """Write ``model`` to ``path`` as ``torch.save`` of plain values and tensors only."""
    if not isinstance(model, EnsembleClassifier):
        raise TypeError(f"expected an EnsembleClassifier, got {type(model).__name__}")
    torch.save(
        {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "threads": model.threads,
            "members": [network_payload(net) for net in model.networks],
        },
        path,
    )


def load(path: Path, settings: Mapping[str, Any]) -> EnsembleClassifier:
    """Read a file written by ``save``; ``ModelFileError`` for anything else."""
    payload = read_payload(path, file_format=FILE_FORMAT)
    members, threads = payload.get("members"), payload.get("threads")
    if not isinstance(members, list) or not 1 <= len(members) <= _MAX_MEMBERS:
        raise ModelFileError(f"{path} holds no list of ensemble members; train the model again")
    if not isinstance(threads, int) or threads < 1:
        raise ModelFileError(f"{path} has no valid thread count; train the model again")
    networks = [network_from_payload(member, source=path) for member in members]
    return EnsembleClassifier(networks, threads=threads)
