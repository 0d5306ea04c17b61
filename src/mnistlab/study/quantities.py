"""The kinds of number the study reports, each declared where it is computed.

A step says what each of its numbers is: a whole number (a count, a position,
a pixel level), a measured number, a probability, a share read as a
percentage, a class label, an accuracy on the test set. Each kind is a
subclass of ``int`` or ``float`` that adds nothing but its type: it compares,
hashes, computes and serialises to JSON exactly like the plain number, so
``results.json`` holds plain numbers and every comparison with scikit-learn
holds bit for bit. The report reads the kind to choose how to show a number.

Example
-------
>>> precision = Number(0.8370879772350012)
>>> precision == 0.8370879772350012, isinstance(precision, float)
(True, True)
>>> each(Percent, [[0.5, 0.25]])
[[0.5, 0.25]]
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = [
    "ClassLabel",
    "Integer",
    "Number",
    "Percent",
    "Probability",
    "TestAccuracy",
    "each",
]


class Integer(int):
    """A whole number: how many of something, a position, a pixel level."""

    __slots__ = ()


class ClassLabel(int):
    """A class label (0–9), shown with the name of its class where that is not the digit."""

    __slots__ = ()


class Number(float):
    """A measured number: a score, an accuracy, a threshold, an error."""

    __slots__ = ()


class Probability(Number):
    """A probability a model gives a class."""

    __slots__ = ()


class TestAccuracy(Number):
    """A share of the test images classified right: the candidates for the report's headline."""

    __test__ = False  # a number, not a test class for pytest to collect
    __slots__ = ()


class Percent(float):
    """A share between 0 and 1, read as a percentage."""

    __slots__ = ()


Kind = TypeVar("Kind", Integer, ClassLabel, Number, Probability, TestAccuracy, Percent)


def each(kind: type[Kind], values: Any) -> Any:
    """Declare every number of ``values`` (a number or nested lists of numbers) as ``kind``.

    Lists and tuples come back as lists; anything else is converted by ``kind``.

    Example
    -------
    >>> each(Integer, [[53892, 687], [1891, 3530]])
    [[53892, 687], [1891, 3530]]
    >>> type(each(ClassLabel, [3, 5])[1]).__name__
    'ClassLabel'
    """
    if isinstance(values, list | tuple):
        return [each(kind, v) for v in values]
    return kind(values)
