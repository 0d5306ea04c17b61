"""The HTML report of a study run: one self-contained page, its figures and numbers.

``write_report`` writes ``index.html`` (opens from disk, offline),
``results.json`` (every number, unrounded) and ``figures/<slug>.png|.svg``.

Example
-------
>>> from mnistlab.report import write_report
>>> write_report(results, data, "report", source="local")  # doctest: +SKIP
PosixPath('/home/me/report/index.html')
"""

from mnistlab.report.writer import best_test_accuracy, display_name, write_report

__all__ = ["best_test_accuracy", "display_name", "write_report"]
