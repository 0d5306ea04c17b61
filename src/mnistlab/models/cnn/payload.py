"""A network as a file holds it: plain values and tensors, written and read without running code.

A model file is ``torch.save`` of a dict of strings, numbers and tensors only,
read back with ``torch.load(weights_only=True)``, which refuses any pickle that
would build other objects (and so never runs code); the structure, the
architecture and every tensor's shape are then checked before the weights are
used. The CNN's file holds one network, the ensemble's several.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from mnistlab.errors import ModelFileError, brief
from mnistlab.files import atomic_write
from mnistlab.models.base import IMAGE_SIDE
from mnistlab.models.cnn.classifier import predict_tensor
from mnistlab.models.cnn.network import ARCHITECTURE, ARCHITECTURE_VERSION, DigitNet

__all__ = [
    "FILE_VERSION",
    "network_from_payload",
    "network_payload",
    "read_model_file",
    "write_model_file",
]

FILE_VERSION = 1


def network_payload(network: DigitNet) -> dict[str, Any]:
    """Return the architecture and a detached copy of the weights: tensors and plain values."""
    state = {k: v.detach().clone().contiguous() for k, v in network.state_dict().items()}
    return {"architecture": network.architecture(), "state_dict": state}


def write_model_file(
    path: Path, content: dict[str, Any], *, file_format: str, threads: int
) -> None:
    """Write a model file atomically: its format, version and thread count, then ``content``.

    Parameters
    ----------
    path : Path
    content : dict
        Plain values and tensors only (``network_payload`` output and the like).
    file_format : str
        What the file is (``"mnistlab-cnn"``); ``read_model_file`` checks it.
    threads : int
        The torch thread count the networks were trained with.
    """
    payload = {"format": file_format, "version": FILE_VERSION, "threads": threads, **content}
    # Serialised in memory first (a few MB per network): torch reports a write
    # that fails on a full disk as a RuntimeError about stream positions, a
    # plain write as the OSError it is, naming the file.
    serialised = io.BytesIO()
    torch.save(payload, serialised)
    with atomic_write(path) as f:
        f.write(serialised.getbuffer())


def read_model_file(path: Path, *, file_format: str) -> tuple[dict[str, Any], int]:
    """Read a file of ``write_model_file``: (its payload, its thread count).

    ``torch.load`` with ``weights_only=True``, then the format, the version
    and the thread count are checked.

    Raises
    ------
    ModelFileError
        If the file is unreadable, of another format or version, or has no
        valid thread count.
    """
    try:
        payload = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # any way the file fails to read means it is not ours
        raise ModelFileError(
            f"{path} is not a readable {file_format} model file ({brief(exc, with_type=False)}); "
            "train the model again"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != file_format:
        raise ModelFileError(f"{path} is not a {file_format} model file; train the model again")
    if payload.get("version") != FILE_VERSION:
        raise ModelFileError(
            f"{path} is {file_format} file version {payload.get('version')!r}, this mnistlab "
            f"reads version {FILE_VERSION}; train the model again"
        )
    threads = payload.get("threads")
    if not isinstance(threads, int) or threads < 1:
        raise ModelFileError(f"{path} has no valid thread count; train the model again")
    return payload, threads


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
