"""The ensemble's model file: its views and every member's architecture and weights."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mnistlab.errors import ModelFileError
from mnistlab.models.cnn.payload import (
    network_from_payload,
    network_payload,
    read_model_file,
    write_model_file,
)
from mnistlab.models.ensemble.classifier import MAX_MEMBERS, EnsembleClassifier, check_views

__all__ = ["FILE_FORMAT", "FILE_SUFFIX", "load", "save"]

FILE_SUFFIX = ".pt"
FILE_FORMAT = "mnistlab-cnn-ensemble"


def save(model: EnsembleClassifier, path: Path) -> None:
    """Write ``model`` to ``path``, atomically: ``torch.save`` of plain values and tensors."""
    if not isinstance(model, EnsembleClassifier):
        raise TypeError(f"expected an EnsembleClassifier, got {type(model).__name__}")
    content = {
        "views": [list(view) for view in model.views],
        "members": [network_payload(net) for net in model.networks],
    }
    write_model_file(path, content, file_format=FILE_FORMAT, threads=model.threads)


def load(path: Path, settings: Mapping[str, Any]) -> EnsembleClassifier:
    """Read a file written by ``save``; ``ModelFileError`` for anything else.

    The file itself holds the views and says how to rebuild each network.
    """
    payload, threads = read_model_file(path, file_format=FILE_FORMAT)
    members = payload.get("members")
    if not isinstance(members, list) or not 1 <= len(members) <= MAX_MEMBERS:
        raise ModelFileError(f"{path} holds no list of ensemble members; train the model again")
    try:
        views = check_views(payload.get("views"), what="its views")
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}; train the model again") from None
    networks = [network_from_payload(member, source=path) for member in members]
    return EnsembleClassifier(networks, views=views, threads=threads)
