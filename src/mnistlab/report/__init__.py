"""The HTML report of a study run: one self-contained page, its figures and numbers.

``write_report`` writes ``index.html`` (opens from disk, offline),
``results.json`` (every number, unrounded) and ``figures/<slug>.png|.svg``.

Example
-------
>>> from mnistlab.report import write_report
>>> write_report(results, data, "report", source="local")  # doctest: +SKIP
PosixPath('/home/me/report/index.html')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mnistlab.report.writer import best_test_accuracy, display_name, write_report

__all__ = ["best_test_accuracy", "display_name", "write_report"]


def __getattr__(name: str) -> Any:
    # The writer imports matplotlib: only when one of its names is asked for, so
    # that the light parts of the package (``report.target``) load in no time.
    if name in __all__:
        return getattr(importlib.import_module("mnistlab.report.writer"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
