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

A stop signal or Ctrl-C that arrives while a module is being imported is held
back until the import is over. Importing a compiled library runs its C++
initialisers, which call back into Python; an exception raised in one of those
callbacks (PyTorch's, which scikit-learn's estimator discovery imports when
skops loads) ends the process with ``std::terminate`` and no cleanup at all.
The signal is sent again every few milliseconds until no import is running.

Once the command is over, the process only tears the interpreter down (a
second or more with the scientific libraries loaded): signals are then
ignored, so the exit code stays the command's.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, field
from types import FrameType

__all__ = ["EXIT_INTERRUPTED", "STOP_SIGNALS", "StopSignals", "Terminated"]

EXIT_INTERRUPTED = 130
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)
#: How long a signal that arrived during an import waits before it is sent again (seconds).
RETRY_SECONDS = 0.005
#: The file name CPython gives the frames of its import machinery.
_IMPORT_FRAMES = "<frozen importlib._bootstrap"


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
    ctrl_c: bool = False

    @classmethod
    def install(cls) -> StopSignals:
        """Handle SIGTERM and SIGHUP in the main thread from now on.

        A signal that the parent chose to ignore stays ignored (``nohup``
        ignores SIGHUP); in another thread nothing is installed, as only the
        main thread may set handlers. Ctrl-C keeps raising ``KeyboardInterrupt``
        each time, as Python's own handler does, but not inside an import.
        """
        stop = cls()
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is signal.SIG_DFL:
                    signal.signal(signum, stop.handle)
                    stop.installed.append(signum)
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, stop.handle_ctrl_c)
                stop.ctrl_c = True
        return stop

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """Raise :class:`Terminated` for the first stop signal; ignore the ones after it.

        A second signal (supervisors often repeat theirs) must not cut the
        cleanup of the first one short.
        """
        if self.received is None:
            if _importing(frame):
                _send_again(signum)
                return
            self.received = signum
            raise Terminated(signum)

    def handle_ctrl_c(self, signum: int, frame: FrameType | None) -> None:
        """Raise ``KeyboardInterrupt``, as Python does, once no import is running."""
        if _importing(frame):
            _send_again(signum)
            return
        raise KeyboardInterrupt

    def finish(self) -> None:
        """Ignore Ctrl-C and the stop signals handled here: the command is over."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in self.installed:
            signal.signal(signum, signal.SIG_IGN)
        if self.ctrl_c or signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def uninstall(self) -> None:
        """Give the signals handled here their default action back (for in-process use)."""
        for signum in self.installed:
            signal.signal(signum, signal.SIG_DFL)
        self.installed.clear()
        if self.ctrl_c:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.ctrl_c = False

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


def _importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside an import (a module's code or a library's initialiser)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith(_IMPORT_FRAMES):
            return True
        frame = frame.f_back
    return False


def _send_again(signum: int) -> None:
    """Send ``signum`` to this process again shortly, from a thread that does not block exit."""
    timer = threading.Timer(RETRY_SECONDS, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()
