"""Where a report may be written: checked before the study, not after it.

Kept apart from :mod:`mnistlab.report.writer`, which imports matplotlib, so
that the command line can check its ``--out`` within a second of starting.
"""

from __future__ import annotations

import os
from pathlib import Path

from mnistlab.errors import ConfigError
from mnistlab.files import check_writable_directory

__all__ = ["REPORT_FILES", "check_report_target"]

#: Files that mark a directory as a mnistlab report, which a new report may replace.
REPORT_FILES = ("index.html", "results.json")


def check_report_target(out_dir: str | os.PathLike[str]) -> None:
    """Check that a report can be written to ``out_dir``, before any work is done.

    Parameters
    ----------
    out_dir : path-like
        The report directory: missing, empty, or holding an earlier report.

    Raises
    ------
    ConfigError
        When ``out_dir`` is a file, a non-empty directory that is not a
        mnistlab report, or in a directory that cannot be written.

    Example
    -------
    >>> check_report_target("report")
    """
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"cannot write the report to {out_dir}: it is a file; choose a directory")
    is_report = any((out_dir / name).exists() for name in REPORT_FILES)
    # The swap deletes the old directory, so it must be one of ours: never wipe a
    # directory of someone's files because of a mistyped --out.
    if out_dir.is_dir() and any(out_dir.iterdir()) and not is_report:
        raise ConfigError(
            f"{out_dir} exists and is not a mnistlab report (no index.html or "
            "results.json); refusing to replace it: choose another --out or empty it"
        )
    # The new report is written beside the target, then swapped in.
    check_writable_directory(out_dir.parent, option="--out")
