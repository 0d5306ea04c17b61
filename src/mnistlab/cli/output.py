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
from contextlib import contextmanager, nullcontext
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, ProgressColumn

__all__ = ["PIPE_WIDTH", "note", "progress_bar", "status", "stderr_console", "stdout_console"]

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
def status(console: Console, text: str) -> Iterator[Any]:
    """Show a spinner with ``text`` on ``console`` while the block runs, on a terminal only."""
    context = console.status(text) if console.is_terminal else nullcontext()
    with context as shown:
        yield shown
