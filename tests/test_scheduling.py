"""``--scheduler``: its values, and a real cluster of ``dask scheduler`` and ``dask worker``.

The cluster runs on loopback with ports the system picks (the scheduler
writes its address to a file), exactly as docs/scaling.md tells users to
start one: a search sent to it gives the same result as in this process, a
task that kills its worker ends in one clear error, and both processes stop
cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mnistlab import scheduling
from mnistlab.data import Dataset
from mnistlab.errors import ClusterError, ConfigError
from mnistlab.models.tuning import tune_model
from mnistlab.scheduling import (
    check_local_workers,
    check_scheduler_reachable,
    dask_engine,
    parse_scheduler,
)

DASK = Path(sys.executable).with_name("dask")
# The scheduler unpickles tasks and the worker runs them: both import this
# file by name (tests.test_scheduling) for _kill_this_worker.
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
LOOPBACK = ["--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0", "--no-dashboard"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("local", "local"),
        (" LOCAL ", "local"),
        ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("tcp://scheduler.example:8786", "tcp://scheduler.example:8786"),
        ("tls://10.1.2.3:8786", "tls://10.1.2.3:8786"),
    ],
)
def test_scheduler_values_that_are_understood(value: str | None, expected: str | None) -> None:
    assert parse_scheduler(value) == expected


@pytest.mark.parametrize(
    "value",
    ["locale", "127.0.0.1:8786", "tcp://127.0.0.1", "http://h:1", "tcp://:8786", "tcp://h:x"],
)
def test_scheduler_values_that_are_refused(value: str) -> None:
    with pytest.raises(ConfigError, match=r"--scheduler .* is not understood; use 'local'"):
        parse_scheduler(value)


def test_no_scheduler_starts_nothing() -> None:
    with dask_engine(None, local_description="here") as engine:
        assert (engine.scheduler, engine.description, engine.client) == (None, "here", None)
        assert engine.n_workers is None and engine.n_threads is None
        with engine.broadcast([1, 2, 3]):
            pass


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduling, "CONNECT_TIMEOUT_S", 1)
    with (
        pytest.raises(
            ConfigError, match=r"Cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1 "
        ),
        dask_engine("tcp://127.0.0.1:1"),
    ):
        pytest.fail("connected to nothing")


def test_reachability_is_checked_for_a_remote_scheduler_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scheduling, "CONNECT_TIMEOUT_S", 1)
    check_scheduler_reachable(None)
    check_scheduler_reachable("local")
    with pytest.raises(
        ConfigError, match=r"Cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1 "
    ):
        check_scheduler_reachable("tcp://127.0.0.1:1")


def test_a_number_of_workers_is_for_this_machine_only() -> None:
    check_local_workers(None, 2, option="--n-jobs")
    check_local_workers("local", 2, option="--n-jobs")
    check_local_workers("tcp://127.0.0.1:8786", None, option="--n-jobs")
    with pytest.raises(
        ConfigError, match=r"the cluster at tcp://127\.0\.0\.1:8786 .*drop --n-jobs$"
    ):
        check_local_workers("tcp://127.0.0.1:8786", 2, option="--n-jobs")


@dataclass
class Cluster:
    """A ``dask scheduler`` process and, once started, a ``dask worker`` process."""

    address: str
    scheduler: subprocess.Popen[bytes]
    logs: Path
    worker: subprocess.Popen[bytes] | None = None

    def start_worker(self) -> None:
        command = [str(DASK), "worker", self.address, "--nworkers", "1", "--nthreads", "1"]
        with (self.logs / "worker.log").open("wb") as log:
            self.worker = subprocess.Popen([*command, *LOOPBACK], stdout=log, stderr=log, env=ENV)


def _start_scheduler(directory: Path) -> Cluster:
    address_file = directory / "scheduler.json"
    # One failure kills a task's worker for good: the "killed its worker" case
    # below then costs one worker restart, not four.
    env = {**ENV, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    command = [str(DASK), "scheduler", "--port", "0", "--scheduler-file", str(address_file)]
    with (directory / "scheduler.log").open("wb") as log:
        process = subprocess.Popen([*command, *LOOPBACK], stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if address_file.is_file() and address_file.stat().st_size:
            address = json.loads(address_file.read_text())["address"]
            return Cluster(address, process, directory)
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"dask scheduler did not start: {(directory / 'scheduler.log').read_text()}")


def _stop(process: subprocess.Popen[bytes] | None) -> int | None:
    if process is None or process.poll() is not None:
        return None if process is None else process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A scheduler without workers yet; stopped (worker first) after the module."""
    if not DASK.is_file():
        pytest.skip("the dask command is not installed: pip install 'mnistlab[dask]'")
    running = _start_scheduler(tmp_path_factory.mktemp("dask-cluster"))
    yield running
    _stop(running.worker)
    _stop(running.scheduler)


@pytest.mark.slow
def test_a_scheduler_without_workers_is_one_clear_error(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduling, "CONNECT_TIMEOUT_S", 1)
    with (
        pytest.raises(ConfigError, match="has no workers after 1 s: start some with 'dask worker"),
        dask_engine(cluster.address),
    ):
        pytest.fail("ran on no workers")


@pytest.mark.slow
def test_a_search_on_a_cluster_gives_the_same_result(mnist: Dataset, cluster: Cluster) -> None:
    cluster.start_worker()
    options: dict[str, Any] = {"grid": {"n_neighbors": ["3", "4"]}, "n_subset": 2000, "folds": 3}
    here = tune_model("knn-tuned", mnist, n_workers=1, **options)
    there = tune_model("knn-tuned", mnist, scheduler=cluster.address, **options)
    assert there.where == f"Dask cluster at {cluster.address}: 1 worker, 1 thread"
    assert (there.rows, there.best_settings) == (here.rows, here.best_settings)


@pytest.mark.slow
def test_every_task_runs_on_the_cluster_even_with_one_thread(cluster: Cluster) -> None:
    from joblib import Parallel, delayed

    if cluster.worker is None:
        cluster.start_worker()
    # joblib's own Dask backend would run these here: one slot means "sequential" to it.
    with dask_engine(cluster.address) as engine:
        assert engine.n_threads == 1
        pids = Parallel(n_jobs=-1)(delayed(os.getpid)() for _ in range(3))
    assert os.getpid() not in pids


def _kill_this_worker() -> None:
    from distributed import get_worker

    get_worker()  # raises ValueError outside a Dask worker: never end the test process
    os._exit(3)


@pytest.mark.slow
def test_a_task_that_kills_its_worker_is_one_clear_error(cluster: Cluster) -> None:
    from joblib import Parallel, delayed

    if cluster.worker is None:
        cluster.start_worker()
    with (
        pytest.raises(
            ClusterError, match=r"cluster \(tcp://.*\) failed during the work: KilledWorker"
        ),
        dask_engine(cluster.address),
    ):
        Parallel(n_jobs=-1)(delayed(_kill_this_worker)() for _ in range(1))


@pytest.mark.slow
def test_the_cluster_stops_cleanly(cluster: Cluster) -> None:
    port = int(cluster.address.rsplit(":", 1)[1])
    if cluster.worker is None:
        cluster.start_worker()
    assert _stop(cluster.worker) == 0
    assert _stop(cluster.scheduler) == 0
    assert "End scheduler" in (cluster.logs / "scheduler.log").read_text()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
