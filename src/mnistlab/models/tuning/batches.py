"""How a search orders its grid points: by the features they share, then in calls of a few.

Points that see the same features (deskewed or not, HOG or pixels) are scored
together, so each kind of features is computed once. Within a group, points
go to ``GridSearchCV`` a few at a time: enough for about two fits per worker
thread, so that the workers stay busy, and few enough that progress is told
call by call.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mnistlab.models.grid import TUNABLE_SETTINGS

__all__ = ["feature_groups", "grid_points", "in_calls"]


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Return every point of ``grid`` (setting -> values) in the grid's order."""
    combinations = itertools.product(*grid.values())  # the last setting changes fastest
    return [dict(zip(grid, values, strict=True)) for values in combinations]


def feature_groups(
    kind: str, grid: Mapping[str, Sequence[Any]], points: Sequence[Mapping[str, Any]]
) -> list[list[int]]:
    """Return the indices of ``points`` grouped by the values of their feature settings.

    Groups come in the order of their first point; within a group the grid's
    order is kept.
    """
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, point in enumerate(points):
        features = tuple(point[k] for k in grid if TUNABLE_SETTINGS[kind][k].feature)
        groups.setdefault(features, []).append(i)
    return list(groups.values())


def in_calls(members: Sequence[int], *, slots: int, folds: int) -> Iterator[list[int]]:
    """Split a group's points into the calls of ``GridSearchCV`` that score them.

    Parameters
    ----------
    members : sequence of int
        The points of one group.
    slots : int
        Worker threads that fit at once.
    folds : int
        Fits per point.

    Example
    -------
    >>> list(in_calls([0, 1, 2, 3, 4], slots=2, folds=3))
    [[0, 1], [2, 3], [4]]
    """
    per_call = max(1, math.ceil(2 * slots / folds))
    for start in range(0, len(members), per_call):
        yield list(members[start : start + per_call])
