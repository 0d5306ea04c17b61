"""Torch's process-wide settings that training and prediction change for a while, and restore.

Results of floating-point reductions depend on the number of torch threads,
and bit-identical weights need ``torch.use_deterministic_algorithms``: both
belong to the whole process, so they are set around a piece of work and put
back after it, Ctrl-C included. How OpenMP threads wait is chosen before torch
is imported, in :mod:`mnistlab.models.openmp`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["torch_runtime", "torch_threads"]


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
