"""Keep the server's memory flat: cap glibc's per-thread heaps.

glibc gives each thread that allocates a heap of its own (an "arena", up to
eight per core) and keeps freed memory inside it for reuse. A web server
answers on many threads, so under steady load its memory climbs in steps for
minutes: with 32 clients for ten minutes it rose by 300 MB with glibc's
default, and stayed flat with two arenas while serving more requests
(``benchmarks/bench_web_sustained.py``, results in docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys

#: Heaps the server keeps: the main thread's and one shared by all others.
SERVER_ARENAS = 2
#: The environment variable glibc reads when a process starts.
ARENA_ENV = "MALLOC_ARENA_MAX"
#: ``M_ARENA_MAX`` in glibc's ``malloc.h``: mallopt's parameter for the cap.
_M_ARENA_MAX = -8


def cap_malloc_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Cap glibc's heaps in this process and in every process it starts.

    Call it before the threads that allocate start. A cap the user set in
    ``MALLOC_ARENA_MAX`` is kept, and other platforms are left alone.

    Parameters
    ----------
    arenas : int, default=SERVER_ARENAS
        The most heaps a process may have.

    Returns
    -------
    bool
        True if this call set the cap, False if it left things as they were.
    """
    if not sys.platform.startswith("linux") or ARENA_ENV in os.environ:
        return False
    with contextlib.suppress(OSError, AttributeError):  # not glibc (e.g. musl): no arenas
        if ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas) == 1:  # this process, from now on
            os.environ[ARENA_ENV] = str(arenas)  # processes started later (--workers)
            return True
    return False
