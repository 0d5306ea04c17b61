"""The convolutional network of the accuracy ladder (PyTorch on the CPU).

The network is a small VGG-style stack — two blocks of two 3×3 convolutions
with batch normalisation, each block followed by 2×2 max pooling, then one
hidden dense layer with dropout — trained with SGD (Nesterov momentum) under a
one-cycle learning-rate schedule on augmented batches (``augment.py``).

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

Files. A model file is ``torch.save`` of a dict of strings, numbers and
tensors only, read back with ``torch.load(weights_only=True)``, which refuses any
pickle that would build other objects (and so never runs code); the structure,
the architecture and every tensor's shape are then checked before the weights
are used.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Torch's OpenMP threads spin while they wait for each other, so on a CPU
# shared with other work they starve the very thread they wait for: measured
# here, 21 training steps took 36-48 s instead of 5 s. Waiting passively
# changes no result (bit-identical weights). The variable is read once, when
# torch loads OpenMP, so augment.py sets it too; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn.functional as F
from torch import nn

from mnistlab.errors import ConfigError, ImageInputError, ModelFileError
from mnistlab.models.augment import Augmentation, augment_batch
from mnistlab.models.base import IMAGE_SIDE, N_CLASSES, N_PIXELS
from mnistlab.progress import ProgressCallback

__all__ = [
    "FILE_SUFFIX",
    "CNNClassifier",
    "DigitNet",
    "TrainingConfig",
    "load",
    "save",
    "train",
]

logger = logging.getLogger(__name__)

FILE_SUFFIX = ".pt"
FILE_FORMAT = "mnistlab-cnn"
FILE_VERSION = 1
ARCHITECTURE = "digitnet"
ARCHITECTURE_VERSION = 1
# Mean and standard deviation of MNIST training pixels scaled to [0, 1].
_PIXEL_MEAN, _PIXEL_STD = 0.1307, 0.3081
_PREDICT_BATCH = 1000
SMALL_BATCH = 64  # fewer images than this are predicted on one thread
_PROGRESS_EVERY = 10  # steps between progress reports


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
            config = cls(**values)
            counts = (config.threads, config.width, config.hidden, config.epochs, config.batch_size)
            if not all(isinstance(c, int) and c >= 1 for c in counts):
                raise ConfigError(
                    "CNN settings threads, width, hidden, epochs and batch_size must be ints >= 1"
                )
        except TypeError as exc:
            raise ConfigError(f"bad CNN settings: {exc}") from None
        return config


class CNNClassifier:
    """A trained ``DigitNet`` behind the ``DigitClassifier`` interface.

    Parameters
    ----------
    network : DigitNet
    threads : int
        The torch thread count it was trained with (kept in its file).
    """

    def __init__(self, network: DigitNet, *, threads: int) -> None:
        self.network = network.eval()
        self.threads = threads

    def predict_proba(self, images: NDArray[np.uint8]) -> NDArray[np.float64]:
        """Return class probabilities, shape (n, 10), for uint8 images (n, 784)."""
        return network_probabilities(self.network, images)


def check_images(images: NDArray[Any]) -> NDArray[np.uint8]:
    """Return ``images`` if they are uint8 rows of 784 pixels, else raise ``ImageInputError``."""
    arr = np.asarray(images)
    if arr.ndim != 2 or arr.shape[1] != N_PIXELS or arr.dtype != np.uint8:
        raise ImageInputError(
            f"expected uint8 images of shape (n, {N_PIXELS}), got {arr.dtype} {arr.shape}; "
            "convert them to MNIST form first"
        )
    return arr


def to_tensor(images: NDArray[np.uint8]) -> torch.Tensor:
    """Turn uint8 rows (n, 784) into float32 images (n, 1, 28, 28) in [0, 1]."""
    pixels = torch.from_numpy(np.array(images, dtype=np.uint8, copy=True))
    return pixels.view(-1, 1, IMAGE_SIDE, IMAGE_SIDE) / 255.0


def predict_tensor(network: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Softmax of ``network`` in eval mode, batched, without gradients.

    Parameters
    ----------
    network : nn.Module
    x : Tensor of float32, shape (n, 1, 28, 28)
        Pixels in [0, 1].

    Returns
    -------
    Tensor of float64, shape (n, 10)
    """
    network.eval()
    out = torch.empty((len(x), N_CLASSES), dtype=torch.float64)
    # A few images gain nothing from a second thread, and on a busy CPU the
    # threads' waits for each other make one image take 100 ms instead of 0.5 ms.
    threads = 1 if len(x) < SMALL_BATCH else torch.get_num_threads()
    # no_grad, not inference_mode: the latter hit a slow path for single images.
    with torch_threads(threads), torch.no_grad():
        for start in range(0, len(x), _PREDICT_BATCH):
            logits = network(x[start : start + _PREDICT_BATCH])
            out[start : start + len(logits)] = torch.softmax(logits.double(), dim=1)
    return out


def network_probabilities(network: nn.Module, images: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Class probabilities of uint8 images (n, 784) by ``network``: float64 (n, 10)."""
    result: NDArray[np.float64] = predict_tensor(network, to_tensor(check_images(images))).numpy()
    return result


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Use ``threads`` torch threads inside; restore the previous number after."""
    old = torch.get_num_threads()
    if threads != old:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if threads != old:
            torch.set_num_threads(old)


@contextlib.contextmanager
def torch_runtime(threads: int) -> Iterator[None]:
    """Use ``threads`` threads and deterministic algorithms inside; restore both after."""
    old_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        with torch_threads(threads):
            yield
    finally:
        torch.use_deterministic_algorithms(old_deterministic)


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
            x = augment_batch(
                x_train[batch].view(-1, 1, IMAGE_SIDE, IMAGE_SIDE) / 255.0,
                config.augmentation,
                generator=generator,
            )
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


def network_payload(network: DigitNet) -> dict[str, Any]:
    """Return the architecture and a detached copy of the weights: tensors and plain values."""
    state = {k: v.detach().clone().contiguous() for k, v in network.state_dict().items()}
    return {"architecture": network.architecture(), "state_dict": state}


def save(model: CNNClassifier, path: Path) -> None:
    """Write ``model`` to ``path`` as ``torch.save`` of plain values and tensors only."""
    if not isinstance(model, CNNClassifier):
        raise TypeError(f"expected a CNNClassifier, got {type(model).__name__}")
    payload = {"format": FILE_FORMAT, "version": FILE_VERSION, "threads": model.threads}
    payload.update(network_payload(model.network))
    torch.save(payload, path)


def read_payload(path: Path, *, file_format: str) -> dict[str, Any]:
    """``torch.load`` with ``weights_only=True`` and check the format; ``ModelFileError`` if not."""
    try:
        payload = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # any way the file fails to read means it is not ours
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(
            f"{path} is not a readable {file_format} model file ({reason[:200]}); "
            "train the model again"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != file_format:
        raise ModelFileError(f"{path} is not a {file_format} model file; train the model again")
    if payload.get("version") != FILE_VERSION:
        raise ModelFileError(
            f"{path} is {file_format} file version {payload.get('version')!r}, this mnistlab "
            f"reads version {FILE_VERSION}; train the model again"
        )
    return payload


def network_from_payload(payload: Any, *, source: Path) -> DigitNet:
    """Rebuild a ``DigitNet`` from ``network_payload`` output, checking every key and shape."""
    if not isinstance(payload, dict):
        raise ModelFileError(f"{source} holds no network; train the model again")
    arch, state = payload.get("architecture"), payload.get("state_dict")
    if (
        not isinstance(arch, dict)
        or arch.get("name") != ARCHITECTURE
        or arch.get("version") != ARCHITECTURE_VERSION
    ):
        raise ModelFileError(
            f"{source} holds an unknown network architecture "
            f"({arch.get('name') if isinstance(arch, dict) else arch!r}); train the model again"
        )
    width, hidden, dropout = arch.get("width"), arch.get("hidden"), arch.get("dropout")
    if not (
        isinstance(width, int)
        and isinstance(hidden, int)
        and isinstance(dropout, float)
        and 1 <= width <= 512
        and 1 <= hidden <= 4096
        and 0.0 <= dropout < 1.0
    ):
        raise ModelFileError(f"{source} has an impossible architecture {arch}; train again")
    # Built first on the meta device (shapes, no memory): the file must hold
    # every weight of the network it declares before that network is allocated,
    # so a few bytes declaring the largest architecture cannot cost 270 MB.
    with torch.device("meta"):
        expected = DigitNet(width, hidden, dropout).state_dict()
    if not isinstance(state, dict) or set(state) != set(expected):
        raise ModelFileError(f"{source} has weights that do not fit the network; train again")
    for key, tensor in expected.items():
        got = state[key]
        if (
            not isinstance(got, torch.Tensor)
            or got.shape != tensor.shape
            or got.dtype != tensor.dtype
        ):
            raise ModelFileError(f"{source} has a wrong tensor {key!r}; train the model again")
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise ModelFileError(f"{source} has non-finite weights in {key!r}; train again")
        if key.endswith("running_var") and bool((got < 0).any()):
            raise ModelFileError(f"{source} has negative variances in {key!r}; train again")
    network = DigitNet(width, hidden, dropout)
    network.load_state_dict(state, strict=True)
    network.eval()
    # torch does not check the CRC of the weights it reads, so a changed byte can
    # pass every check above as a finite weight of 1e19 that overflows to NaN on
    # every image (found by fuzzing). A network that cannot answer a few plain
    # images with finite probabilities is not one that was trained.
    if not bool(torch.isfinite(predict_tensor(network, _probe_images())).all()):
        raise ModelFileError(f"{source} has weights that give no valid answer; train again")
    return network


def _probe_images() -> torch.Tensor:
    """Blank, full, grey and seeded-noise images (4, 1, 28, 28): what any network must answer."""
    noise = torch.rand((1, 1, IMAGE_SIDE, IMAGE_SIDE), generator=torch.Generator().manual_seed(0))
    plain = [torch.full((1, 1, IMAGE_SIDE, IMAGE_SIDE), value) for value in (0.0, 1.0, 0.5)]
    return torch.cat([*plain, noise])


def load(path: Path, settings: Mapping[str, Any]) -> CNNClassifier:
    """Read a file written by ``save``; ``ModelFileError`` for anything else.

    ``settings`` are those recorded with the model; the file itself says how
    to rebuild the network.
    """
    payload = read_payload(path, file_format=FILE_FORMAT)
    threads = payload.get("threads")
    if not isinstance(threads, int) or threads < 1:
        raise ModelFileError(f"{path} has no valid thread count; train the model again")
    return CNNClassifier(network_from_payload(payload, source=path), threads=threads)
