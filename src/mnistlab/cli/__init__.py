"""The ``mnistlab`` command: a thin layer over the library.

Each command parses its options, calls one library function and prints the
result. Errors that mnistlab raises on purpose become one line on stderr and a
non-zero exit code; ``--debug`` shows the traceback instead.

Stopping a command is always clean: Ctrl-C (exit code 130), SIGTERM (143) and
SIGHUP (129) all remove what was half-written and keep the previous files; see
:mod:`mnistlab.cli.signals`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from mnistlab.cli.signals import EXIT_INTERRUPTED, StopSignals
from mnistlab.models.openmp import prefer_passive_openmp

if TYPE_CHECKING:
    from mnistlab.cli.app import app

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    # The Typer app is imported on first use, so that main() can install its
    # signal handlers before the second or so that importing every command takes.
    if name == "app":
        from mnistlab.cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line as the process's entry point; return the exit code.

    From the start, SIGTERM and SIGHUP stop the command as Ctrl-C does, and
    joblib's workers leave Ctrl-C to the command (:mod:`mnistlab.cli.workers`);
    once it is over, signals are ignored while the process exits. Before any
    command imports torch, its OpenMP threads are told to wait passively
    (:func:`mnistlab.models.openmp.prefer_passive_openmp`). In-process callers
    (tests) use :func:`mnistlab.cli.app.run`, which leaves signals and the
    environment alone.
    """
    prefer_passive_openmp()
    stop = StopSignals.install()
    try:
        from mnistlab.cli.app import run
        from mnistlab.cli.workers import start_workers_without_ctrl_c

        start_workers_without_ctrl_c()
        code = run(argv if argv is not None else sys.argv[1:])
    except KeyboardInterrupt:
        # Stopped while the commands were still being imported, before run()
        # catches interrupts itself: nothing was written yet.
        sys.stderr.write("interrupted\n")
        code = EXIT_INTERRUPTED
    stop.finish()
    return stop.exit_code(code)
