"""Which library versions a model was made with, and which of them must match to load it.

A scikit-learn model file holds the estimator's internal attributes, which
may change between minor releases, so the major.minor version must match. A
PyTorch file holds only tensors keyed by our own layer names, which any
PyTorch 2.x reads.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping
from importlib import metadata

__all__ = [
    "MUST_MATCH",
    "current_versions",
    "incompatible_versions",
    "installed_version",
    "release",
]

# family -> {package: how many leading version parts must match}
MUST_MATCH: Mapping[str, Mapping[str, int]] = {
    "classical": {"scikit-learn": 2, "skops": 2},
    "cnn": {"torch": 1},
    "ensemble": {"torch": 1},
}
_RECORDED = ("mnistlab", "numpy", "scikit-learn", "skops", "torch")


def installed_version(package: str) -> str | None:
    """Return the installed version of ``package``, or ``None`` if it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def release(version: str) -> tuple[int, ...] | None:
    """The release numbers of a version string, or ``None`` when it has none.

    Example
    -------
    >>> release("1.9.1"), release("1.8.0rc1"), release("unknown")
    ((1, 9, 1), (1, 8, 0), None)
    """
    match = re.match(r"\d+(\.\d+)*", version.strip())
    return tuple(int(p) for p in match.group(0).split(".")) if match else None


def current_versions() -> dict[str, str]:
    """Return the versions to record beside a new model file."""
    found = {"python": platform.python_version()}
    for package in _RECORDED:
        version = installed_version(package)
        if version is not None:
            found[package] = version
    return found


def _leading(version: str, parts: int) -> tuple[str, ...]:
    return tuple(version.split("+")[0].split(".")[:parts])


def incompatible_versions(recorded: Mapping[str, str], *, family: str) -> str:
    """Describe the recorded versions that this installation cannot load, or return ``""``."""
    problems = []
    for package, parts in MUST_MATCH.get(family, {}).items():
        then = recorded.get(package)
        now = installed_version(package)
        if then is None or now is None or _leading(then, parts) != _leading(now, parts):
            problems.append(f"{package} {then or 'unknown'} (installed: {now or 'none'})")
    return ", ".join(problems)
