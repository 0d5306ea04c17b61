"""Several convolutional networks voting on probabilities, each over several views.

Each member is a ``DigitNet`` (``cnn.py``) trained with its own seed — its own
initial weights, dropout, batch order and augmentation — and its own held-out
validation slice: member ``k`` holds out the ``k``-th slice of one seeded
permutation of the training images, so the members disagree where a single
network is unsure, and together they learn from every training image.

Each member also reads every image in a few *views*: the image itself and
copies turned or scaled a little (by default ±8° and ±8%), the kind of change
it learned to ignore from augmentation. The ensemble's probabilities are the
mean over members and views. On the members' own held-out slices (30,000
images none of them trained on), these views cut the errors of single members
from 130 to 112; that, not the test set, is how they were chosen.

Given a Dask client, the members train as Dask tasks, one member per task,
on as many workers as there are (``mnistlab train ensemble --scheduler``).
A task runs exactly the code of the in-process training, with the member's
seed and the registry's torch thread count, so it returns the very same
weights (a test checks it bit for bit).

The file is one ``torch.save`` of plain values and tensors (the views and a
list of the members' architectures and weights), read back with
``weights_only=True`` and checked member by member like a single CNN file.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from mnistlab.errors import ConfigError, ModelFileError
from mnistlab.models.augment import affine_matrices, warp
from mnistlab.models.cnn import (
    FILE_VERSION,
    SMALL_BATCH,
    DigitNet,
    TrainingConfig,
    check_images,
    fit_network,
    network_from_payload,
    network_payload,
    predict_tensor,
    read_payload,
    to_tensor,
    torch_runtime,
    torch_threads,
)
from mnistlab.progress import ProgressCallback, ignore_progress

__all__ = ["FILE_SUFFIX", "EnsembleClassifier", "load", "save", "train"]

FILE_SUFFIX = ".pt"
FILE_FORMAT = "mnistlab-cnn-ensemble"
IDENTITY_VIEW = (0.0, 1.0)
DEFAULT_VIEWS = (IDENTITY_VIEW, (8.0, 1.0), (-8.0, 1.0), (0.0, 1.08), (0.0, 0.92))
_MAX_MEMBERS = 64
_MAX_VIEWS = 16
_CHUNK = 200  # images per prediction pass; times the views, a batch of about 1,000

logger = logging.getLogger(__name__)

# Torch's thread count and its deterministic-algorithms switch belong to the
# whole process. A Dask worker started with several threads would run two
# members at once, and one member's settings (or their restoring when it ends)
# would change the other's sums and so its weights. So in one process members
# train one at a time: one lock for the one process-wide state it guards.
_TORCH_STATE = threading.Lock()


def check_views(raw: Any, *, what: str) -> tuple[tuple[float, float], ...]:
    """Return views as (degrees, scale) pairs; raise ``ValueError`` naming ``what`` if not.

    A view turns an image by ``degrees`` (|degrees| <= 45) and scales it by
    ``scale`` (0.5 to 2) about its centre.
    """
    pairs = []
    if isinstance(raw, list | tuple) and 1 <= len(raw) <= _MAX_VIEWS:
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
            f"{what} must be 1 to {_MAX_VIEWS} [degrees, scale] pairs with |degrees| <= 45 "
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
        out = torch.zeros((len(x), 10), dtype=torch.float64)
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


def _split_settings(
    settings: Mapping[str, Any],
) -> tuple[int, tuple[tuple[float, float], ...], TrainingConfig]:
    member_settings = dict(settings)
    members = member_settings.pop("members", 5)
    if not isinstance(members, int) or not 1 <= members <= _MAX_MEMBERS:
        raise ConfigError(f"ensemble 'members' must be an int from 1 to {_MAX_MEMBERS}")
    try:
        views = check_views(member_settings.pop("views", DEFAULT_VIEWS), what="ensemble 'views'")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return members, views, TrainingConfig.from_settings(member_settings)


def _member_progress(progress: ProgressCallback, k: int, members: int) -> ProgressCallback:
    """Turn member ``k``'s progress into progress over the whole ensemble."""

    def report(task: str, completed: float, total: float | None) -> None:
        # Every member runs the same number of steps.
        whole = None if total is None else total * members
        progress(task, (total or 0) * k + completed, whole)

    return report


def _train_member(
    config: TrainingConfig,
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    k: int,
    members: int,
    progress: ProgressCallback = ignore_progress,
) -> tuple[DigitNet, float | None, float]:
    """Train member ``k``: (network, validation accuracy, seconds). Runs here or as a Dask task."""
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


def _train_on_dask(
    client: Any,
    config: TrainingConfig,
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    members: int,
    progress: ProgressCallback,
) -> list[tuple[DigitNet, float | None]]:
    """Train the members as Dask tasks; report each one as it finishes."""
    from distributed import as_completed

    # Sent once (about 47 MB for MNIST), not once per member; workers that
    # need the arrays fetch them from the worker that holds them.
    images_f, labels_f = client.scatter([images, labels])
    run = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            _train_member,
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
        trained = _train_on_dask(client, config, images, labels, members, progress)
    else:
        trained = [
            _train_member(
                config, images, labels, k, members, _member_progress(progress, k, members)
            )[:2]
            for k in range(members)
        ]
    networks = [network for network, _ in trained]
    accuracies = [accuracy for _, accuracy in trained]
    return EnsembleClassifier(
        networks, views=views, threads=config.threads, validation_accuracy=accuracies
    )


def save(model: EnsembleClassifier, path: Path) -> None:
    """Write ``model`` to ``path`` as ``torch.save`` of plain values and tensors only."""
    if not isinstance(model, EnsembleClassifier):
        raise TypeError(f"expected an EnsembleClassifier, got {type(model).__name__}")
    torch.save(
        {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "threads": model.threads,
            "views": [list(view) for view in model.views],
            "members": [network_payload(net) for net in model.networks],
        },
        path,
    )


def load(path: Path, settings: Mapping[str, Any]) -> EnsembleClassifier:
    """Read a file written by ``save``; ``ModelFileError`` for anything else.

    The file itself holds the views and says how to rebuild each network.
    """
    payload = read_payload(path, file_format=FILE_FORMAT)
    members, threads = payload.get("members"), payload.get("threads")
    if not isinstance(members, list) or not 1 <= len(members) <= _MAX_MEMBERS:
        raise ModelFileError(f"{path} holds no list of ensemble members; train the model again")
    if not isinstance(threads, int) or threads < 1:
        raise ModelFileError(f"{path} has no valid thread count; train the model again")
    try:
        views = check_views(payload.get("views"), what="its views")
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}; train the model again") from None
    networks = [network_from_payload(member, source=path) for member in members]
    return EnsembleClassifier(networks, views=views, threads=threads)
