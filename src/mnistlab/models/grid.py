"""What ``mnistlab tune`` can search: each classical model's settings, and how their values read.

A grid maps registry setting names to the values to try. Values come typed
from a notebook or as text from the command line (``"3,4,5"``, ``"true"``);
:func:`parse_grid` accepts both and returns them typed, or says in one line
what a key accepts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnistlab.errors import ConfigError
from mnistlab.models.registry import MODELS, get_model_spec

__all__ = ["TUNABLE_MODELS", "TUNABLE_SETTINGS", "GridSetting", "grid_kind", "parse_grid"]

TUNABLE_MODELS: tuple[str, ...] = tuple(s.name for s in MODELS if s.family == "classical")


def _to_int(value: Any) -> int:
    if isinstance(value, bool | np.bool_):
        raise ValueError
    if isinstance(value, str):
        return int(value.strip())
    if isinstance(value, float | np.floating) and not float(value).is_integer():
        raise ValueError
    return int(value)


def _to_float(value: Any) -> float:
    if isinstance(value, bool | np.bool_):
        raise ValueError
    return float(value.strip() if isinstance(value, str) else value)


def _whole(low: int, high: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        number = _to_int(value)
        if number < low or (high is not None and number > high):
            raise ValueError
        return number

    return parse


def _positive(value: Any) -> float:
    number = _to_float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError
    return number


def _gamma(value: Any) -> float | str:
    if isinstance(value, str) and value.strip().lower() in ("scale", "auto"):
        return value.strip().lower()
    return _positive(value)


def _one_of(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError
        return text

    return parse


def _flag(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError


@dataclass(frozen=True)
class GridSetting:
    """How one tunable setting reads.

    Attributes
    ----------
    parse : callable
        Text or a typed value in, the typed value out; ``ValueError`` if it
        does not fit.
    accepts, example : str
        What the setting accepts, and example values, for error messages.
    feature : bool
        True if the setting changes only the images a model sees (computed
        once per value, before the folds), False for a parameter of the model
        fitted in each fold.
    """

    parse: Callable[[Any], Any]
    accepts: str
    example: str
    feature: bool = False


TUNABLE_SETTINGS: Mapping[str, Mapping[str, GridSetting]] = {
    "knn": {
        "n_neighbors": GridSetting(_whole(1), "a whole number ≥ 1", "3,4,5"),
        "weights": GridSetting(
            _one_of("uniform", "distance"), "uniform or distance", "uniform,distance"
        ),
        "shift": GridSetting(_whole(0, 3), "a whole number of pixels 0–3", "0,1"),
        "deskew": GridSetting(_flag, "true or false", "false,true", feature=True),
    },
    "svc": {
        "n_components": GridSetting(_whole(1), "a whole number ≥ 1", "50,100"),
        "C": GridSetting(_positive, "a number > 0", "1,5,25"),
        "gamma": GridSetting(_gamma, "a number > 0, scale or auto", "0.06,0.12"),
        "deskew": GridSetting(_flag, "true or false", "false,true", feature=True),
        "features": GridSetting(
            _one_of("hog", "pixels"), "hog or pixels", "hog,pixels", feature=True
        ),
    },
}


def grid_kind(name: str) -> str:
    """Return the kind (``knn`` or ``svc``) of a tunable model; ``ConfigError`` for others."""
    spec = get_model_spec(name)
    if spec.family != "classical":
        raise ConfigError(
            f"model {name!r} cannot be tuned here (a search over its training runs would take "
            f"hours on a CPU); tune one of: {', '.join(TUNABLE_MODELS)}"
        )
    return str(spec.settings["kind"])


def parse_grid(name: str, grid: Mapping[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Check a grid over model ``name``'s settings and return its values typed.

    Parameters
    ----------
    name : str
        A model of ``TUNABLE_MODELS``.
    grid : mapping
        Setting name -> values. Values may be text (``"3"``, ``"true"``), as
        the command line gives them, or typed; a text value may also hold
        several, separated by commas (``"3,4,5"``). Repeated values count once.

    Returns
    -------
    dict of str to tuple
        Registry setting name -> typed values, in the order given.

    Raises
    ------
    ConfigError
        For a model that cannot be tuned, an empty grid, a key that is not a
        tunable setting (the message lists those that are) or a value that
        does not parse (the message says what the key accepts).

    Example
    -------
    >>> parse_grid("knn-tuned", {"n_neighbors": "3,4", "weights": ["distance"]})
    {'n_neighbors': (3, 4), 'weights': ('distance',)}
    """
    kind = grid_kind(name)
    known = TUNABLE_SETTINGS[kind]
    valid = ", ".join(known)
    if not grid:
        raise ConfigError(f"the grid is empty; give values for one or more of: {valid}")
    parsed: dict[str, tuple[Any, ...]] = {}
    for key, raw in grid.items():
        if key not in known:
            raise ConfigError(f"grid key {key!r} is not a setting {name} can tune; use: {valid}")
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        values: list[Any] = []
        for item in items:
            try:
                value = known[key].parse(item)
            except (TypeError, ValueError):
                raise ConfigError(
                    f"grid {key}: {item!r} is not {known[key].accepts}; "
                    f"e.g. {key}={known[key].example}"
                ) from None
            if value not in values:
                values.append(value)
        if not values:
            raise ConfigError(f"grid {key}: no values; give one or more, e.g. {key}=1,2")
        parsed[key] = tuple(values)
    return parsed
