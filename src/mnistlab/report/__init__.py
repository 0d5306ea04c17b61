"""The HTML report of a study run: one self-contained page, its figures and numbers.

``write_report`` writes ``index.html`` (opens from disk, offline),
``results.json`` (every number, unrounded) and ``figures/<slug>.png|.svg``.

Modules: ``writer`` (the report directory, swapped in whole), ``page`` and
``templates/`` (the page), ``sections``, ``prose``, ``values``, ``step_tables``,
``tables``, ``labels`` and ``formats`` (what each step shows), ``book`` (the
book's printed numbers beside ours), ``ladder`` (the models past the chapter),
``summary`` (the facts at the top), ``figures`` and ``figure_files`` (drawing
and writing the figures), ``results_json`` (every number) and ``target``
(where a report may be written).

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
    from mnistlab.report.writer import write_report

__all__ = ["write_report"]


def __getattr__(name: str) -> Any:
    # The writer imports matplotlib: only when it is asked for, so that the light
    # parts of the package (``report.target``) load in no time.
    if name in __all__:
        return getattr(importlib.import_module("mnistlab.report.writer"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
