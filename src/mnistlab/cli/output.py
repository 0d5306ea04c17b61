"""Where a command's words go: results on stdout, everything else on stderr.

Standard output carries results only (a table, a path, JSON), so that
``p=$(mnistlab data show --out x.png)`` holds exactly the path. Progress,
notes and warnings go to standard error, and progress bars are drawn only when
standard error is a terminal. When standard output is not a terminal, tables
are printed at their full width: a row is never wrapped at 80 columns and a
path is never split.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from mnistlab.progress import ProgressCallback

__all__ = [
    "PIPE_WIDTH",
    "model_bar",
    "note",
    "progress_bar",
    "status",
    "stderr_console",
    "stdout_console",
    "task_bar",
    "task_bars",
]

#: The width of a table printed to a file or pipe: wide enough never to wrap a row.
PIPE_WIDTH = 10_000


def stdout_console() -> Console:
    """Return the console for results: terminal width on a terminal, no wrapping elsewhere."""
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=True, width=PIPE_WIDTH)
    return console


def stderr_console() -> Console:
    """Return the console for progress, notes and warnings."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def note(console: Console, text: str) -> None:
    """Print one line of ``text`` (no markup) to ``console``, which should be stderr."""
    console.print(escape(text), markup=True)


def progress_bar(console: Console, *columns: ProgressColumn | str) -> Progress:
    """Return a rich progress display on ``console``, silent unless it is a terminal."""
    return Progress(*columns, console=console, disable=not console.is_terminal)


@contextmanager
def task_bars(
    console: Console, count: str, *, close_all: bool = False
) -> Iterator[ProgressCallback]:
    """Draw one bar per task named in the progress reports; yield the callback that feeds them.

    Parameters
    ----------
    console : Console
        Where the bars are drawn (only on a terminal).
    count : str
        The text column after each bar, e.g. ``"{task.percentage:>3.0f}%"``.
    close_all : bool, default=False
        When the block ends without an error, fill every bar (also those
        whose work reported no total).

    Yields
    ------
    ProgressCallback
        ``report(task, completed, total)``: a new task name adds a bar.

    Example
    -------
    >>> with task_bars(stderr_console(), "{task.completed}/{task.total}") as report:
    ...     report("download", 1, 2)
    """
    with progress_bar(
        console,
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn(count),
        TimeElapsedColumn(),
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(task: str, completed: float, total: float | None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=completed, total=total)

        yield report
        if close_all:
            for task_id in tasks.values():
                total = bar.tasks[task_id].total or 1
                bar.update(task_id, total=total, completed=total)


@contextmanager
def task_bar(
    console: Console,
    *columns: ProgressColumn | str,
    starting: str,
    total: float | None,
    **fields: Any,
) -> Iterator[ProgressCallback]:
    """Draw one bar whose description is the task last reported; yield the callback.

    Parameters
    ----------
    console : Console
        Where the bar is drawn (only on a terminal).
    *columns : ProgressColumn or str
        The bar's columns.
    starting : str
        The description until the first report.
    total : float or None
        The total until the first report (``None``: not known yet).
    **fields
        Fields the columns show, e.g. ``model`` for ``{task.fields[model]}``.

    Yields
    ------
    ProgressCallback
        ``report(task, completed, total)``: sets the bar's description,
        completed and total.

    Example
    -------
    >>> with task_bar(stderr_console(), BarColumn(), starting="starting", total=None) as report:
    ...     report("saved", 1, 1)
    """
    with progress_bar(console, *columns) as bar:
        task_id = bar.add_task(starting, total=total, **fields)

        def report(task: str, completed: float, total: float | None) -> None:
            bar.update(task_id, description=task, completed=completed, total=total)

        yield report


def model_bar(
    console: Console, count: str, *, model: str, starting: str, total: float | None
) -> AbstractContextManager[ProgressCallback]:
    """A :func:`task_bar` for work on one model: its name, the bar, ``count``, time, step.

    Parameters
    ----------
    console, count
        As for :func:`task_bars` (``count`` is the column after the bar).
    model : str
        The model's name, shown first in bold.
    starting, total
        As for :func:`task_bar`.

    Returns
    -------
    context manager of ProgressCallback

    Example
    -------
    >>> with model_bar(stderr_console(), "{task.percentage:>3.0f}%", model="cnn",
    ...                starting="starting", total=None) as report:
    ...     report("saved", 1, 1)
    """
    return task_bar(
        console,
        TextColumn("[bold]{task.fields[model]}[/]"),
        BarColumn(),
        TextColumn(count),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        starting=starting,
        total=total,
        model=model,
    )


@contextmanager
def status(console: Console, text: str) -> Iterator[Any]:
    """Show a spinner with ``text`` on ``console`` while the block runs, on a terminal only."""
    context = console.status(text) if console.is_terminal else nullcontext()
    with context as shown:
        yield shown
