"""A new Axes on a new ``matplotlib.figure.Figure`` when none is given — never pyplot."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def axes_or_new(ax: Axes | None, *, figsize: tuple[float, float] = (6.0, 4.5)) -> Axes:
    """Return ``ax``, or the single Axes of a new Figure (which owns an Agg canvas).

    scikit-learn's Displays fall back to ``pyplot.subplots`` when given no Axes;
    handing them one keeps pyplot's global figure list untouched.
    """
    if ax is not None:
        return ax
    figure = Figure(figsize=figsize, layout="constrained")
    return figure.add_subplot()
