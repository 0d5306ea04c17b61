"""How the report writes a number: by the kind the study declared it as.

The study declares each number's kind where it computes it
(:mod:`mnistlab.study.quantities`); here each kind gets its text. A number
the study did not declare reads by its Python type: an ``int`` as a whole
number, a ``float`` as a measured number. Texts are rounded; the exact values
are in ``results.json`` and on hover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mnistlab.study.quantities import ClassLabel, Percent

__all__ = ["exact_text", "format_number", "format_percent", "format_seconds"]


def format_percent(share: float) -> str:
    """Write a share (0–1) as a percentage with one decimal.

    Example
    -------
    >>> format_percent(0.9714)
    '97.1%'
    """
    return f"{share:.1%}"


def _class_text(label: int, class_names: Sequence[str]) -> str:
    if 0 <= label < len(class_names):
        name = str(class_names[label])
        return str(label) if name == str(label) else f"{label} ({name})"
    return f"{label:,}"


def _measured_text(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e7 or abs(value) < 1e-3:
        return f"{value:.4g}"
    if abs(value) >= 100:
        return f"{value:,.2f}"
    return f"{value:.4f}"


def format_number(value: Any, *, class_names: Sequence[str] = ()) -> str:
    """Write one value for a table cell, as its kind reads.

    Parameters
    ----------
    value : number, bool, str or None
        A :class:`~mnistlab.study.quantities.ClassLabel` is written with its
        class name (from ``class_names``) where that is not the digit itself;
        a :class:`~mnistlab.study.quantities.Percent` as a percentage; any
        other ``int`` with thousands separators; any other ``float`` rounded.
    class_names : sequence of str, optional
        The names of the class labels.

    Example
    -------
    >>> from mnistlab.study.quantities import ClassLabel, Percent
    >>> format_number(0.956543), format_number(2164.2201), format_number(Percent(0.5))
    ('0.9565', '2,164.22', '50.0%')
    >>> format_number(ClassLabel(5), class_names=["T-shirt/top", "Trouser", "Pullover",
    ...     "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
    '5 (Sandal)'
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, ClassLabel):
        return _class_text(int(value), class_names)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(float(value))
        if isinstance(value, Percent):
            return format_percent(value)
        return _measured_text(value)
    return str(value)


def exact_text(value: Any) -> str | None:
    """The unrounded text of a ``float`` (shown on hover), or ``None`` for anything else.

    Example
    -------
    >>> exact_text(0.1 + 0.2), exact_text(3)
    ('0.30000000000000004', None)
    """
    return repr(float(value)) if isinstance(value, float) else None


def format_seconds(seconds: float) -> str:
    """Format a duration for people.

    Example
    -------
    >>> format_seconds(0.123), format_seconds(75.2), format_seconds(3725)
    ('0.12 s', '1 min 15 s', '1 h 2 min')
    """
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
