"""Training one ``DigitNet``: the validation slice, the SGD loop over augmented batches.

Validation. A seeded random slice of ``n_validation`` training images (5,000
by default) is held out: the network never trains on it, and its accuracy on it
is what the progress bar shows after each epoch. The test images are never
seen here. The final network is the one trained on the other 55,000: a refit
on all 60,000 would double the training time for a gain nobody could validate.
The ensemble holds out a different slice for each member, so the ensemble as a
whole learns from all 60,000.

Reproducibility. Training sets the number of torch threads from the settings
(results of floating-point reductions depend on it), turns on
``torch.use_deterministic_algorithms`` and draws everything random — the
initial weights, dropout, the validation slice, the order of batches, the
augmentation — from generators seeded by ``settings["seed"]``: the same
settings give bit-identical weights on the same machine. Both global torch
settings are restored when training ends, Ctrl-C included.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray

from mnistlab.errors import ConfigError
from mnistlab.models.augment import augment_batch
from mnistlab.models.base import IMAGE_SIDE, N_CLASSES, check_images
from mnistlab.models.cnn.classifier import CNNClassifier, network_probabilities
from mnistlab.models.cnn.config import TrainingConfig
from mnistlab.models.cnn.network import DigitNet
from mnistlab.models.cnn.runtime import torch_runtime
from mnistlab.models.styles import style_batch
from mnistlab.models.wear import wear_batch
from mnistlab.progress import ProgressCallback

__all__ = ["fit_network", "train", "validation_split"]

logger = logging.getLogger(__name__)

_PROGRESS_EVERY = 10  # steps between progress reports


def validation_split(
    n: int, config: TrainingConfig, *, part: int = 0
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return (training rows, validation rows): the ``part``-th seeded slice is held out.

    The permutation depends on ``config.seed`` only, so ensemble members that
    share a seed and differ in ``part`` hold out disjoint slices.
    """
    n_val = min(config.n_validation, n // 10)
    order = np.random.default_rng(config.seed).permutation(n)
    start = (part * n_val) % max(n, 1)
    val = np.roll(order, -start)[:n_val]
    mask = np.ones(n, dtype=bool)
    mask[val] = False
    return np.flatnonzero(mask), np.sort(val)


def fit_network(
    config: TrainingConfig,
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    progress: ProgressCallback,
    *,
    part: int = 0,
    seed: int | None = None,
    label: str = "",
) -> tuple[DigitNet, float | None]:
    """Train one ``DigitNet``; return it (eval mode) and its validation accuracy.

    Parameters
    ----------
    config : TrainingConfig
    images, labels : ndarray
        Training images (n, 784) uint8 and their digits.
    progress : callable
        Told ``"epoch e/E · loss L · val A%"`` (prefixed by ``label``) as steps pass.
    part : int
        Which validation slice to hold out (ensemble members differ here).
    seed : int, optional
        Seed of the weights, dropout, batch order and augmentation
        (``config.seed`` when omitted).
    label : str
        Prefix of the progress text, e.g. ``"member 2/5 · "``.

    Returns
    -------
    (DigitNet, float or None)
        The network and its accuracy on the held-out slice (``None`` if none was held out).
    """
    arr = check_images(images)
    y_all = np.asarray(labels).astype(np.int64)
    if y_all.shape != (len(arr),) or len(arr) < 2 or y_all.min() < 0 or y_all.max() >= N_CLASSES:
        raise ConfigError(
            f"need at least 2 images with one digit label (0-9) each; "
            f"got {len(arr)} images and labels of shape {y_all.shape}"
        )
    seed = config.seed if seed is None else seed
    train_rows, val_rows = validation_split(len(arr), config, part=part)
    # Fancy indexing copies, so the tensors own writable memory.
    x_train, y_train = torch.from_numpy(arr[train_rows]), torch.from_numpy(y_all[train_rows])
    torch.manual_seed(seed)  # initial weights and dropout
    generator = torch.Generator().manual_seed(seed)  # batch order and augmentation
    network = DigitNet(config.width, config.hidden, config.dropout)
    optimizer = torch.optim.SGD(
        network.parameters(),
        lr=config.max_lr,
        momentum=0.9,
        nesterov=True,
        weight_decay=config.weight_decay,
    )
    # Batch normalisation cannot train on a batch of one image: if the last
    # batch would be one, that epoch's last (random) image sits the epoch out.
    n_used = len(train_rows) - (len(train_rows) % config.batch_size == 1)
    steps_per_epoch = -(-n_used // config.batch_size)
    total = config.epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.max_lr, total_steps=total, pct_start=0.25
    )
    val_accuracy: float | None = None
    step = 0
    for epoch in range(1, config.epochs + 1):
        network.train()
        loss_sum, seen = 0.0, 0
        order = torch.randperm(len(train_rows), generator=generator)[:n_used]
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            x = _training_batch(x_train[batch], y_train[batch], config, generator)
            loss = F.cross_entropy(
                network(x), y_train[batch], label_smoothing=config.label_smoothing
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(batch)
            seen += len(batch)
            step += 1
            if step % _PROGRESS_EVERY == 0:
                progress(_status(label, epoch, config, loss_sum / seen, val_accuracy), step, total)
        if len(val_rows):
            predicted = network_probabilities(network, arr[val_rows]).argmax(axis=1)
            val_accuracy = float(np.mean(predicted == y_all[val_rows]))
        logger.info("%s", _status(label, epoch, config, loss_sum / seen, val_accuracy))
        progress(_status(label, epoch, config, loss_sum / seen, val_accuracy), step, total)
    return network.eval(), val_accuracy


def _training_batch(
    images: torch.Tensor, labels: torch.Tensor, config: TrainingConfig, generator: torch.Generator
) -> torch.Tensor:
    """A batch as the network trains on it: redrawn styles, then moved, then damaged."""
    x = style_batch(
        images.view(-1, 1, IMAGE_SIDE, IMAGE_SIDE) / 255.0,
        labels,
        config.styles,
        generator=generator,
    )
    x = augment_batch(x, config.augmentation, generator=generator)
    return wear_batch(x, config.wear, generator=generator)


def _status(label: str, epoch: int, config: TrainingConfig, loss: float, val: float | None) -> str:
    shown = "–" if val is None else f"{val:.2%}"
    return f"{label}epoch {epoch}/{config.epochs} · loss {loss:.3f} · val {shown}"


def train(
    settings: Mapping[str, Any],
    images: NDArray[np.uint8],
    labels: NDArray[np.integer[Any]],
    progress: ProgressCallback,
) -> CNNClassifier:
    """Train the CNN on training images (a held-out slice of them validates).

    Parameters
    ----------
    settings : mapping
        Keys of ``TrainingConfig`` (``seed``, ``epochs``, ``augmentation``, ...);
        missing keys take its defaults.
    images : ndarray of uint8, shape (n, 784)
    labels : ndarray of int, shape (n,)
    progress : callable
        Receives ``(task, step, total_steps)``; the task text carries the
        epoch, the running loss and the last validation accuracy.

    Returns
    -------
    CNNClassifier

    Raises
    ------
    ConfigError
        For unknown settings or unusable training data.
    KeyboardInterrupt
        Passed through untouched (torch settings restored); nothing is written here.

    Example
    -------
    >>> model = train({"epochs": 1}, X[:2000], y[:2000], ignore_progress)  # doctest: +SKIP
    """
    config = TrainingConfig.from_settings(settings)
    with torch_runtime(config.threads):
        network, _ = fit_network(config, images, labels, progress)
    return CNNClassifier(network, threads=config.threads)
