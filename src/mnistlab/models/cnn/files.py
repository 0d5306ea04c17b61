"""The CNN's model file: one network, its architecture and its thread count."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mnistlab.models.cnn.classifier import CNNClassifier
from mnistlab.models.cnn.payload import (
    network_from_payload,
    network_payload,
    read_model_file,
    write_model_file,
)

__all__ = ["FILE_FORMAT", "FILE_SUFFIX", "load", "save"]

FILE_SUFFIX = ".pt"
FILE_FORMAT = "mnistlab-cnn"


def save(model: CNNClassifier, path: Path) -> None:
    """Write ``model`` to ``path``, atomically: ``torch.save`` of plain values and tensors."""
    if not isinstance(model, CNNClassifier):
        raise TypeError(f"expected a CNNClassifier, got {type(model).__name__}")
    content = network_payload(model.network)
    write_model_file(path, content, file_format=FILE_FORMAT, threads=model.threads)


def load(path: Path, settings: Mapping[str, Any]) -> CNNClassifier:
    """Read a file written by ``save``; ``ModelFileError`` for anything else.

    ``settings`` are those recorded with the model; the file itself says how
    to rebuild the network.
    """
    payload, threads = read_model_file(path, file_format=FILE_FORMAT)
    return CNNClassifier(network_from_payload(payload, source=path), threads=threads)
