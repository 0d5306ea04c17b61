"""A Dask worker killed (SIGKILL) in the middle of a search: the search ends with the same result.

A LocalCluster of two single-thread workers runs a nearest-neighbour search
whose fits take a second or two each. Once fits are running, one worker
process that is running a fit is killed outright; the scheduler runs its fits
again on the other worker (and on the replacement its nanny starts), and the
search must return exactly what it returns without the fault. Each case kills
at another moment, from the first fits to the middle of the fitting, timed
from the first fit of an undisturbed run of the same search.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mnistlab.data import Dataset
from mnistlab.models.tuning import TuneResult, tune_model
from tests.reliability.fuzzing import cases

#: Worker kills tried, one search each (about 5 s a search on two cores).
KILL_CASES = min(cases(2), 12)
GRID = {"n_neighbors": [3, 4], "weights": ["distance"], "shift": [1]}
# Each fit: 3,000 training images shifted 4 ways (15,000 rows), 1,500 queries, one thread.
N_SUBSET = 4500


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two single-thread workers on loopback, and a client to watch and kill them."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.CRITICAL,
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        yield client


def same_search(a: TuneResult, b: TuneResult) -> bool:
    """Identical scores, order and best settings (not the time it took)."""
    return (a.rows, a.best_settings, a.where) == (b.rows, b.best_settings, b.where)


def search_into(found: dict[str, TuneResult], data: Dataset, options: dict[str, Any]) -> None:
    found["result"] = tune_model("knn-shift", data, **options)


def fitting_seconds(client: Any, search: threading.Thread) -> float:
    """Seconds from the first to the last moment a worker was fitting, while ``search`` runs."""
    first = last = None
    while search.is_alive():
        if any(keys for keys in client.processing().values()):
            last = time.monotonic()
            first = first if first is not None else last
        time.sleep(0.02)
    if first is None or last is None:
        pytest.fail("no worker ever ran a fit: is the search running on the cluster?")
    return last - first


def kill_a_busy_worker(client: Any, search: threading.Thread, *, after: float) -> int:
    """SIGKILL a worker running a fit, ``after`` seconds after fits began; return its pid."""
    pids = client.run(os.getpid)
    first_fit = None
    while search.is_alive():
        busy = [worker for worker, keys in client.processing().items() if keys]
        if busy and first_fit is None:
            first_fit = time.monotonic()
        if busy and first_fit is not None and time.monotonic() - first_fit >= after:
            os.kill(pids[busy[0]], signal.SIGKILL)
            return int(pids[busy[0]])
        time.sleep(0.02)
    pytest.fail("the search ended before a worker was killed: give it longer fits")


@pytest.mark.slow
@pytest.mark.fault("kill a Dask worker (SIGKILL) in the middle of a search", cases=KILL_CASES)
def test_a_search_survives_a_killed_worker(mnist: Dataset, cluster: Any) -> None:
    options: dict[str, Any] = {
        "grid": GRID, "n_subset": N_SUBSET, "scheduler": cluster.scheduler.address
    }  # fmt: skip
    found: dict[str, TuneResult] = {}
    search = threading.Thread(target=search_into, args=(found, mnist, options))
    search.start()
    # The kill moments are spread over the fits, not over the loading before them.
    fitting = fitting_seconds(cluster, search)
    search.join()
    expected = found["result"]
    assert expected.where.endswith(": 2 workers, 2 threads")
    for case in range(KILL_CASES):
        cluster.wait_for_workers(2, timeout=60)
        found: dict[str, TuneResult] = {}
        search = threading.Thread(target=search_into, args=(found, mnist, options))
        search.start()
        # Moments spread over the first half of the fitting: its first fits, then later ones.
        victim = kill_a_busy_worker(cluster, search, after=fitting * case / (2 * KILL_CASES))
        search.join(timeout=300)
        assert "result" in found, f"case {case}: the search did not finish"
        assert same_search(found["result"], expected), f"case {case}: another result"
        assert victim not in cluster.run(os.getpid).values()
