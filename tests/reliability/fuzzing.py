"""What every hostile-input test shares: case counts, hypothesis settings, and the bounds.

Each fuzz test tries ``cases(default)`` inputs: a handful in the ordinary suite
(CI's time is short), as many as ``MNISTLAB_RELIABILITY_CASES`` says when
``scripts/reliability.py`` runs the tests to write ``docs/reliability.md``.
The ordinary suite draws the same inputs every time (derandomized); a
reliability run draws new ones, which is its point.

Every case runs under ``bounded``: it must end within a few seconds (a hang
fails the test instead of stopping the run) and may end only by returning or
by raising one of mnistlab's own errors. ``assert_memory_bounded`` checks
afterwards that no case made the process grow by more than a bound, so a
reader that allocates what a hostile header asks for fails even when the
machine happens to have the memory.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import resource
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, settings

from mnistlab.errors import MnistlabError

CASES_ENV = "MNISTLAB_RELIABILITY_CASES"


def cases(default: int) -> int:
    """How many inputs a fuzz test tries: ``default``, or ``MNISTLAB_RELIABILITY_CASES``."""
    value = os.environ.get(CASES_ENV)
    return int(value) if value else default


def fuzz_settings(max_examples: int, *, deadline_ms: int = 10_000) -> settings:
    """Hypothesis settings of a fuzz test that tries ``max_examples`` inputs."""
    return settings(
        max_examples=max_examples,
        deadline=deadline_ms,
        derandomize=not os.environ.get(CASES_ENV),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class CaseTimeout(Exception):
    """A case ran longer than its bound: a hang, as far as the test is concerned."""


@contextlib.contextmanager
def bounded(seconds: float = 20.0) -> Iterator[None]:
    """Run one case: fail if it takes longer than ``seconds`` or raises a foreign error.

    ``SIGALRM`` interrupts a case stuck in Python code; a case stuck inside C
    code is stopped by faulthandler a little later, which dumps every thread's
    stack and ends the process, so a hang is never silent.
    """

    def expire(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"the case ran longer than {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds + 30, exit=True, file=sys.stderr)
    try:
        yield
    except MnistlabError:
        pass
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def rss_mb() -> float:
    """The resident memory of this process now, in MB (Linux ``/proc``)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


@contextlib.contextmanager
def memory_bounded(megabytes: float, *, every: float = 0.002) -> Iterator[None]:
    """Fail if the process's resident memory grows by more than ``megabytes`` inside.

    A thread samples the resident memory every ``every`` seconds (the peak
    counter of ``getrusage`` cannot see growth below an earlier peak); memory
    has to be touched to count, and touching a large allocation takes far
    longer than the interval.
    """
    before = rss_mb()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        done.set()
        sampler.join()
    grown = max(peak[0], rss_mb()) - before
    if grown > megabytes:
        raise AssertionError(f"memory grew by {grown:.0f} MB, more than {megabytes:.0f} MB")
