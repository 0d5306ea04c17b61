"""How torch's OpenMP threads wait: chosen by the program before torch is imported.

Importing torch loads its OpenMP runtime, which reads ``OMP_WAIT_POLICY`` once,
then. This module imports neither torch nor anything that does, so a program
can make the choice first.
"""

from __future__ import annotations

import os

__all__ = ["OMP_WAIT_POLICY_ENV", "prefer_passive_openmp"]

OMP_WAIT_POLICY_ENV = "OMP_WAIT_POLICY"


def prefer_passive_openmp() -> None:
    """Make OpenMP threads sleep while they wait, unless the user chose otherwise.

    By default torch's OpenMP threads spin while they wait for each other, so
    on a CPU shared with other work they starve the very thread they wait for:
    measured on a busy two-core machine, 21 training steps of the CNN took
    36–48 s instead of 5 s. Waiting passively changes no result (the weights
    are bit-identical).

    It sets ``OMP_WAIT_POLICY=PASSIVE`` in ``os.environ`` when the variable is
    not set; a value the user set is kept. The command line's entry point
    (:func:`mnistlab.cli.main`) calls it before anything imports torch.
    Notebook and script users who train or use the CNN or the ensemble may
    call it too, as the first thing they do: once torch is imported it has no
    effect in this process. Processes started later (Dask's local workers,
    the web server's workers) inherit the variable; for ``dask worker``
    commands started by hand, set it in their environment.

    Example
    -------
    >>> from mnistlab.models.openmp import prefer_passive_openmp
    >>> prefer_passive_openmp()  # doctest: +SKIP
    >>> import torch             # doctest: +SKIP
    """
    os.environ.setdefault(OMP_WAIT_POLICY_ENV, "PASSIVE")
