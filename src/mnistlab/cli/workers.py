"""joblib's worker processes leave Ctrl-C to the command that started them.

A terminal sends Ctrl-C to the whole job: to ``mnistlab`` and to the joblib
(loky) processes it fits models in. The command stops cleanly and ends its
workers itself, but a worker that received the signal too prints Python's
``KeyboardInterrupt`` traceback, and one that is still importing when it
arrives cannot be stopped from doing so. Workers started with SIGINT blocked
never see it: a blocked signal stays blocked across ``fork`` and ``exec``, and
every thread (loky's manager thread, which starts replacement workers, among
them) takes the signal mask of the thread that created it.

This is for the command line only. In a notebook an interrupt reaches the
kernel alone, and the library leaves joblib as it is.

The backend subclasses ``joblib.parallel.LokyBackend``, a class joblib does not
document (:mod:`mnistlab.private_apis`, key ``joblib-loky-backend``). Where it
is not usable (an unverified joblib, or ``MNISTLAB_PUBLIC_APIS_ONLY=1``),
nothing is registered: joblib's default backend runs the work, with the same
results, and a worker may print a traceback on Ctrl-C.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing import resource_tracker
from typing import Any

from joblib import register_parallel_backend

from mnistlab.private_apis import usable

__all__ = ["BACKEND_NAME", "ctrl_c_held", "start_workers_without_ctrl_c"]

#: The name under which the backend is registered with joblib.
BACKEND_NAME = "loky-without-ctrl-c"
#: The key of joblib's loky backend class in mnistlab.private_apis.
PRIVATE_LOKY_BACKEND = "joblib-loky-backend"


@contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C back from this thread, and from what it starts, until the block ends.

    Processes and threads started meanwhile keep SIGINT blocked. A Ctrl-C is
    not lost: if no other thread takes it (and Python raises
    ``KeyboardInterrupt`` in the main thread at once, as usual), it waits for
    this thread and is delivered as soon as the block is left.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@functools.cache
def _loky_without_ctrl_c() -> type:
    """Build the backend class; only where the private base class may be used."""
    from joblib.parallel import LokyBackend

    class LokyWithoutCtrlC(LokyBackend):
        """joblib's loky backend, whose workers are started with SIGINT blocked.

        loky starts missing workers (and its manager thread) inside ``submit``.
        Starting a worker also starts Python's own resource tracker the first
        time, which on Python 3.11 unblocks SIGINT in the calling thread when it
        is done (it unblocks rather than restoring the mask it found): it is
        started once the executor is configured, before any worker.
        """

        def configure(self, *args: Any, **kwargs: Any) -> int:
            n_jobs = int(super().configure(*args, **kwargs))
            resource_tracker.ensure_running()
            return n_jobs

        def submit(
            self, func: Callable[[], Any], callback: Callable[..., Any] | None = None
        ) -> Any:
            with ctrl_c_held():
                return super().submit(func, callback=callback)

    return LokyWithoutCtrlC


def start_workers_without_ctrl_c() -> None:
    """Make joblib's default backend, in this process, start workers that ignore Ctrl-C.

    Parallel calls that name no backend use it, scikit-learn's included, with
    their hints (``prefer="threads"``, ``require="sharedmem"``) still obeyed;
    a backend chosen with :func:`joblib.parallel_config` (Dask's) is left alone.
    Does nothing where joblib's loky backend class may not be used (logged once).
    """
    if not usable(PRIVATE_LOKY_BACKEND):
        return
    register_parallel_backend(BACKEND_NAME, _loky_without_ctrl_c(), make_default=True)
