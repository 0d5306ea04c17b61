"""The ``mnistlab`` command: a thin layer over the library.

Each command parses its options, calls one library function and prints the
result. Errors that mnistlab raises on purpose become one line on stderr and a
non-zero exit code; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys

from mnistlab.cli.app import app

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from mnistlab.cli.app import run

    return run(argv if argv is not None else sys.argv[1:])
