"""Training the ensemble: its members one after the other here, or as Dask tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mnistlab.errors import ConfigError
from mnistlab.models.cnn import TrainingConfig
from mnistlab.models.ensemble.classifier import (
    DEFAULT_VIEWS,
    MAX_MEMBERS,
    EnsembleClassifier,
    check_views,
)
from mnistlab.models.ensemble.distributed import train_on_dask
from mnistlab.models.ensemble.members import member_progress, train_member
from mnistlab.progress import ProgressCallback

__all__ = ["train"]


def _split_settings(
    settings: Mapping[str, Any],
) -> tuple[int, tuple[tuple[float, float], ...], TrainingConfig]:
    member_settings = dict(settings)
    members = member_settings.pop("members", 5)
    if not isinstance(members, int) or not 1 <= members <= MAX_MEMBERS:
        raise ConfigError(f"ensemble 'members' must be an int from 1 to {MAX_MEMBERS}")
    try:
        views = check_views(member_settings.pop("views", DEFAULT_VIEWS), what="ensemble 'views'")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return members, views, TrainingConfig.from_settings(member_settings)


def train(
    settings: Mapping[str, Any],
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    progress: ProgressCallback,
    *,
    client: Any = None,
) -> EnsembleClassifier:
    """Train ``settings["members"]`` networks, one after the other or as Dask tasks.

    Parameters
    ----------
    settings : mapping
        ``members`` (how many networks, default 5), ``views`` (``[degrees,
        scale]`` pairs, default ``DEFAULT_VIEWS``) and the keys of
        ``cnn.TrainingConfig``, which every member shares except that member
        ``k`` uses seed ``seed + k`` and holds out validation slice ``k``.
    images : ndarray of uint8, shape (n, 784)
    labels : ndarray of int, shape (n,)
    progress : callable
        Receives ``("member k/M · epoch e/E · loss L · val A%", step, total)``
        over the steps of all members; on Dask, ``("member k/M trained in S s
        · ...", done, M)`` as each member finishes.
    client : distributed.Client, optional
        Train the members as tasks of this Dask client (one member per task),
        with the same weights as without it.

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
    members, views, config = _split_settings(settings)
    if client is not None:
        trained = train_on_dask(client, config, images, labels, members, progress)
    else:
        trained = []
        for k in range(members):
            report = member_progress(progress, k, members)
            network, accuracy, _ = train_member(config, images, labels, k, members, report)
            trained.append((network, accuracy))
    networks = [network for network, _ in trained]
    accuracies = [accuracy for _, accuracy in trained]
    return EnsembleClassifier(
        networks, views=views, threads=config.threads, validation_accuracy=accuracies
    )
