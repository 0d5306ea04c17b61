"""What a search returns: one row per grid point, and the whole result of ``tune_model``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["TuneResult", "TuneRow"]


@dataclass(frozen=True)
class TuneRow:
    """One grid point of a search.

    Attributes
    ----------
    settings : dict
        The grid point: the tuned settings only.
    mean, std : float
        Mean and standard deviation of the accuracy over the folds.
    scores : tuple of float
        The accuracy on each fold, in fold order.
    """

    settings: dict[str, Any]
    mean: float
    std: float
    scores: tuple[float, ...]


@dataclass(frozen=True)
class TuneResult:
    """The result of ``tune_model``.

    Attributes
    ----------
    model, dataset : str
        What was tuned, on which data set.
    grid : dict of str to tuple
        The typed grid that was searched.
    rows : tuple of TuneRow
        Every grid point, best first (ties keep the grid's order).
    best_settings : dict
        The model's full registry settings with the best point's values in.
    where : str
        Where the fits ran, in words.
    data_checksum : str
        The data set's checksum.
    n_images, folds, seed : int
        Size of the stratified subset, number of folds, seed of the subset.
    elapsed_seconds : float
        Wall time of the whole search (starting a cluster included).
    """

    model: str
    dataset: str
    grid: dict[str, tuple[Any, ...]]
    rows: tuple[TuneRow, ...]
    best_settings: dict[str, Any]
    where: str
    data_checksum: str
    n_images: int
    folds: int
    seed: int
    elapsed_seconds: float

    @property
    def best(self) -> TuneRow:
        """The best grid point."""
        return self.rows[0]

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready types."""
        return {
            "model": self.model,
            "dataset": self.dataset,
            "data_checksum": self.data_checksum,
            "grid": {key: list(values) for key, values in self.grid.items()},
            "n_images": self.n_images,
            "folds": self.folds,
            "seed": self.seed,
            "where": self.where,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "rows": [
                {"settings": r.settings, "mean": r.mean, "std": r.std, "scores": list(r.scores)}
                for r in self.rows
            ],
            "best_settings": self.best_settings,
        }
