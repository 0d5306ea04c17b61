"""New Figures for the drawing functions — never pyplot."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def new_figure(figsize: tuple[float, float]) -> Figure:
    """Return a new ``matplotlib.figure.Figure`` (which owns an Agg canvas), constrained layout.

    scikit-learn's Displays fall back to ``pyplot.subplots`` when given no Axes;
    handing them Axes of such a Figure keeps pyplot's global figure list untouched.
    """
    return Figure(figsize=figsize, layout="constrained")


def axes_or_new(ax: Axes | None, *, figsize: tuple[float, float] = (6.0, 4.5)) -> Axes:
    """Return ``ax``, or the single Axes of a :func:`new_figure`."""
    if ax is not None:
        return ax
    return new_figure(figsize).add_subplot()
