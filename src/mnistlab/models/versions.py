"""The earlier import path of the version functions, which live in :mod:`mnistlab.versions`."""

from __future__ import annotations

from mnistlab.versions import (
    MUST_MATCH,
    current_versions,
    incompatible_versions,
    installed_version,
    release,
)

__all__ = [
    "MUST_MATCH",
    "current_versions",
    "incompatible_versions",
    "installed_version",
    "release",
]
