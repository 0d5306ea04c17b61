"""The progress callback that long library work reports to.

Library code never prints; it calls a ``ProgressCallback`` if one is given.
The CLI turns those calls into a rich progress bar.
"""

from __future__ import annotations

from typing import Protocol


class ProgressCallback(Protocol):
    """Called as work advances.

    Parameters
    ----------
    task : str
        What is being done, in a few words ("download train-images", "step 7").
    completed : float
        How much of it is done, in the unit of ``total``.
    total : float or None
        The whole amount, or ``None`` when it is not known in advance.
    """

    def __call__(self, task: str, completed: float, total: float | None) -> None: ...


def ignore_progress(task: str, completed: float, total: float | None) -> None:
    """A progress callback that does nothing."""
