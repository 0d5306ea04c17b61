"""Stop signals end a command the way Ctrl-C does: cleanly, with a telling exit code.

Python turns SIGINT (Ctrl-C) into ``KeyboardInterrupt``, so ``finally`` blocks
and context managers run and every temporary file is removed. SIGTERM, which
``kill``, ``timeout``, systemd and container runtimes send, and SIGHUP (the
terminal was closed) would instead end the process on the spot, leaving
temporary files and half-swapped directories behind. While a command runs they
raise :class:`Terminated`, a ``KeyboardInterrupt``, so the same cleanup runs;
the exit code then says which signal it was, 128 + its number (143 for SIGTERM,
129 for SIGHUP), as a shell reports a process that the signal killed. Ctrl-C
keeps Python's own handling and exit code 130.

Once the command is over, the process only tears the interpreter down (a
second or more with the scientific libraries loaded): signals are then
ignored, so the exit code stays the command's.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass, field
from types import FrameType

__all__ = ["EXIT_INTERRUPTED", "STOP_SIGNALS", "StopSignals", "Terminated"]

EXIT_INTERRUPTED = 130
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when a stop signal arrives, so cleanup runs as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


@dataclass
class StopSignals:
    """Stop signals turned into :class:`Terminated` for the process's one command.

    Attributes
    ----------
    received : int or None
        The number of the first stop signal received.

    Example
    -------
    >>> stop = StopSignals.install()  # doctest: +SKIP
    >>> code = run(argv)              # doctest: +SKIP
    >>> stop.finish()                 # doctest: +SKIP
    >>> stop.exit_code(code)          # doctest: +SKIP
    """

    received: int | None = None
    installed: list[signal.Signals] = field(default_factory=list)

    @classmethod
    def install(cls) -> StopSignals:
        """Handle SIGTERM and SIGHUP in the main thread from now on.

        A signal that the parent chose to ignore stays ignored (``nohup``
        ignores SIGHUP); in another thread nothing is installed, as only the
        main thread may set handlers.
        """
        stop = cls()
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is signal.SIG_DFL:
                    signal.signal(signum, stop.handle)
                    stop.installed.append(signum)
        return stop

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """Raise :class:`Terminated` for the first stop signal; ignore the ones after it.

        A second signal (supervisors often repeat theirs) must not cut the
        cleanup of the first one short.
        """
        if self.received is None:
            self.received = signum
            raise Terminated(signum)

    def finish(self) -> None:
        """Ignore Ctrl-C and the stop signals handled here: the command is over."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in self.installed:
            signal.signal(signum, signal.SIG_IGN)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def uninstall(self) -> None:
        """Give the signals handled here their default action back (for in-process use)."""
        for signum in self.installed:
            signal.signal(signum, signal.SIG_DFL)
        self.installed.clear()

    def exit_code(self, code: int) -> int:
        """Return the process's exit code: 128 + the signal's number if one stopped it.

        Example
        -------
        >>> StopSignals(received=15).exit_code(130)
        143
        >>> StopSignals().exit_code(130)
        130
        """
        if self.received is not None and code == EXIT_INTERRUPTED:
            return 128 + self.received
        return code
