"""Where parallel work runs: this machine's processes, or a Dask cluster.

``--scheduler`` takes ``local`` (a ``dask.distributed.LocalCluster`` that the
tool starts on loopback and stops when done) or the address of a running
scheduler, ``tcp://HOST:PORT``. Inside :func:`dask_engine` scikit-learn's and
our own joblib calls go through joblib's Dask backend (two of its faults
mended, where its private class is usable: see ``_joblib_backend``), so the
same code runs on one machine or many;
every task is seeded and independent, so the results do not depend on where
they ran. A remote cluster must run the same mnistlab, scikit-learn and numpy
as this process (checked on connecting): its scheduler unpickles every task.

Example
-------
>>> with dask_engine("local", n_workers=2) as engine:     # doctest: +SKIP
...     search.fit(X, y)                                   # fits run on the workers
...     print(engine.description)
Dask LocalCluster on this machine: 2 workers, 2 threads

A worker that dies in the middle (killed, out of memory, its machine gone) is
replaced or left out by the scheduler, which runs its tasks again elsewhere;
what the tasks read must therefore not live on one worker only, which is what
:meth:`Engine.broadcast` is for.
"""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mnistlab.errors import ClusterError, ConfigError, brief
from mnistlab.private_apis import usable

LOCAL = "local"
#: How long to wait for a remote scheduler before giving up.
CONNECT_TIMEOUT_S = 10
_INSTALL_HINT = "install it with: pip install 'mnistlab[dask]'"
#: joblib's name for the mended Dask backend (see _joblib_backend).
JOBLIB_BACKEND = "mnistlab-dask"
#: The name joblib registers its own Dask backend under: the public path.
JOBLIB_OWN_BACKEND = "dask"
#: The key of joblib's private Dask backend class in mnistlab.private_apis.
PRIVATE_DASK_BACKEND = "joblib-dask-backend"


@dataclass(frozen=True)
class Engine:
    """The parallel engine in use.

    Attributes
    ----------
    scheduler : str or None
        ``None`` (this process and joblib's worker processes), ``"local"`` or
        a ``tcp://HOST:PORT`` address.
    description : str
        Where the work ran, in words, for reports and logs.
    client : distributed.Client or None
        The Dask client, for work that submits tasks directly.
    """

    scheduler: str | None
    description: str
    client: Any = None

    @property
    def n_workers(self) -> int | None:
        """Number of Dask workers right now (None without Dask)."""
        if self.client is None:
            return None
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    @property
    def n_threads(self) -> int | None:
        """Threads of all Dask workers together right now (None without Dask)."""
        if self.client is None:
            return None
        return sum(int(n) for n in self.client.ncores().values())

    @contextmanager
    def broadcast(self, *data: Any) -> Iterator[None]:
        """Keep a copy of ``data`` on every worker during the joblib calls made inside.

        joblib's Dask backend otherwise sends each large argument to one
        worker, and the scheduler's memory manager removes copies that no
        waiting task needs: if the worker holding the last copy dies, the
        input is gone and every task that reads it fails ("cancelled ...
        already forgotten"). So the data go to every worker, and the memory
        manager (ReduceReplicas) pauses until the block ends. Losing a worker
        then loses nothing; a replacement worker fetches from the others.
        Without Dask this does nothing.

        Parameters
        ----------
        *data : object
            The very objects (same identity) later passed to joblib's calls.

        Example
        -------
        >>> with engine.broadcast(X, y):                          # doctest: +SKIP
        ...     GridSearchCV(model, grid, n_jobs=-1).fit(X, y)
        """
        if self.client is None:
            yield
            return
        from joblib import parallel_config

        # Paused for the whole cluster, which other clients of a shared
        # cluster will notice only as more memory in use until the block ends.
        managing = bool(self.client.amm.running())
        if managing:
            self.client.amm.stop()
        try:
            with parallel_config(backend=_joblib_backend(), scatter=list(data)):
                yield
        finally:
            if managing:
                self.client.amm.start()


def unreachable_scheduler(scheduler: str) -> ConfigError:
    """The one-line error for a scheduler address where nothing answers.

    Example
    -------
    >>> str(unreachable_scheduler("tcp://127.0.0.1:8786"))[:44]
    'Cannot reach the Dask scheduler at tcp://127'
    """
    return ConfigError(
        f"Cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT_S} s: start "
        f"one with 'dask scheduler' and workers with 'dask worker {scheduler}', or use "
        "--scheduler local."
    )


def parse_scheduler(value: str | None) -> str | None:
    """Check a ``--scheduler`` value and return it normalised.

    Raises
    ------
    ConfigError
        If it is neither ``local`` nor ``tcp://HOST:PORT``.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.lower() == LOCAL:
        return LOCAL
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or port is None:
        raise ConfigError(
            f"--scheduler {text!r} is not understood; use 'local' or the address a "
            "'dask scheduler' prints, e.g. tcp://127.0.0.1:8786."
        )
    return text


def check_scheduler_reachable(scheduler: str | None) -> None:
    """Check that a remote Dask scheduler accepts connections, without starting any work.

    ``None`` (this machine's processes) and ``"local"`` (a cluster started for
    the work itself) need no check.

    Parameters
    ----------
    scheduler : str or None
        What :func:`parse_scheduler` returned.

    Raises
    ------
    ConfigError
        If nothing accepts a connection at its address within ``CONNECT_TIMEOUT_S``.
    """
    if scheduler is None or scheduler == LOCAL:
        return
    parts = urlsplit(scheduler)
    host, port = parts.hostname, parts.port
    if host is None or port is None:  # parse_scheduler lets no such value through
        raise ConfigError(f"--scheduler {scheduler!r}: no host and port in it")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError:
        raise unreachable_scheduler(scheduler) from None


def check_local_workers(scheduler: str | None, n_workers: int | None, *, option: str) -> None:
    """Refuse a number of workers for a remote cluster, which has the workers it was given.

    A number of workers sizes this machine's processes or a LocalCluster only.

    Parameters
    ----------
    scheduler : str or None
        What :func:`parse_scheduler` returned.
    n_workers : int or None
        The number asked for; ``None`` asks for none.
    option : str
        The option that asked, named in the message (e.g. ``"--n-jobs"``).

    Raises
    ------
    ConfigError
        If ``n_workers`` is given with a remote scheduler.
    """
    if scheduler not in (None, LOCAL) and n_workers is not None:
        raise ConfigError(
            f"{option} sizes this machine's processes or a LocalCluster; the cluster at "
            f"{scheduler} has the workers its 'dask worker' commands started: drop {option}"
        )


def _describe(scheduler: str, client: Any) -> str:
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    threads = sum(int(w.get("nthreads", 1)) for w in workers)
    count = f"{len(workers)} worker{'s' * (len(workers) != 1)}, {threads} thread"
    count += "s" * (threads != 1)
    if scheduler == LOCAL:
        return f"Dask LocalCluster on this machine: {count}"
    return f"Dask cluster at {scheduler}: {count}"


@contextmanager
def dask_engine(
    scheduler: str | None, *, n_workers: int | None = None, local_description: str = ""
) -> Iterator[Engine]:
    """Run the enclosed joblib work on the given scheduler.

    Parameters
    ----------
    scheduler : str or None
        ``None`` changes nothing (joblib's own processes); ``"local"`` starts a
        LocalCluster on 127.0.0.1 for the duration; ``tcp://HOST:PORT``
        connects to a running scheduler.
    n_workers : int, optional
        Workers of the LocalCluster, one thread each; default: one per CPU
        this process may use (:func:`mnistlab.system.cpu_count`).
    local_description : str
        The description to report when ``scheduler`` is None.

    Raises
    ------
    ConfigError
        If Dask is not installed; the scheduler cannot be reached, has no
        workers, or runs other versions of mnistlab, scikit-learn or numpy
        than this process.
    ClusterError
        If the cluster fails during the work (a task killed its
        workers repeatedly, the scheduler went away).
    """
    scheduler = parse_scheduler(scheduler)
    if scheduler is None:
        yield Engine(None, local_description or "this machine (joblib processes)")
        return
    from mnistlab.system import cpu_count

    try:
        import distributed
        from joblib import parallel_config
    except ImportError as exc:
        raise ConfigError(f"--scheduler needs Dask, which is missing: {_INSTALL_HINT}.") from exc
    with ExitStack() as stack:
        stack.enter_context(_logs_as_configured())
        if scheduler == LOCAL:
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=cpu_count() if n_workers is None else n_workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # Without a dashboard the scheduler still serves /health on
                    # port 8787 (another port and a warning if that is taken):
                    # any free port of loopback instead.
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = stack.enter_context(
                    distributed.Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
                )
            except (OSError, TimeoutError) as exc:
                raise unreachable_scheduler(scheduler) from exc
            _wait_for_a_worker(client, scheduler)
            _check_environment(client, scheduler)
        stack.enter_context(parallel_config(backend=_joblib_backend()))
        try:
            yield Engine(scheduler, _describe(scheduler, client), client)
        except _cluster_failures() as exc:
            raise ClusterError(
                f"the Dask cluster ({scheduler}) failed during the work: {brief(exc)}; "
                "check its workers (memory, logs), or run without --scheduler."
            ) from exc


def _joblib_backend() -> str:
    """The name of the joblib backend for Dask: the mended one where it may be used.

    The mended backend subclasses a private class of joblib and rewrites one of
    its private coroutines (:mod:`mnistlab.private_apis`, key
    ``joblib-dask-backend``). Where that is not usable (an unverified joblib,
    or ``MNISTLAB_PUBLIC_APIS_ONLY=1``) the work goes through joblib's own
    Dask backend, public, which computes the same results but has both faults
    :func:`_mended_backend` describes: a one-slot cluster's tasks run in this
    process, and a task that kills its workers leaves the caller waiting.
    """
    if usable(PRIVATE_DASK_BACKEND):
        return _mended_backend()
    return JOBLIB_OWN_BACKEND


@functools.cache
def _mended_backend() -> str:
    """Register joblib's Dask backend with two faults mended; return its name.

    * joblib runs a call in the calling process, one task after another, when
      the backend reports one worker slot: a Dask cluster of one thread, or a
      cluster of two right after losing one. The work would then not run
      where the engine says, and a fault of this process would be one of the
      cluster. Reporting at least two slots keeps every task on Dask, whose
      scheduler queues what its workers cannot take yet.
    * A task that Dask itself gives up on (KilledWorker: it killed its workers
      again and again, e.g. out of memory) is never reported to joblib, whose
      caller then waits for ever (joblib 1.6). Here the error reaches the
      caller, and ``dask_engine`` turns it into one line.
    """
    import asyncio

    from joblib import register_parallel_backend

    # The backend class lives in a private module of joblib; this is the class
    # that parallel_config(backend="dask") would register itself.
    from joblib._dask import DaskDistributedBackend

    class DistributedBackend(DaskDistributedBackend):
        def effective_n_jobs(self, n_jobs: int | None) -> int:
            return max(2, int(super().effective_n_jobs(n_jobs)))

        async def _collect(self) -> None:
            # joblib's own loop, plus the callback on errors (see above).
            while self._continue:
                async for future, result in self.waiting_futures:
                    done = self._results.pop(future)
                    callback = self._callbacks.pop(future)
                    if future.status == "error":
                        error = result[1]
                        done.set_exception(error)
                        callback(error)  # joblib raises an exception it is given
                    else:
                        done.set_result(result)
                        callback(result)
                await asyncio.sleep(0.01)

    register_parallel_backend(JOBLIB_BACKEND, DistributedBackend)
    return JOBLIB_BACKEND


@contextmanager
def _logs_as_configured() -> Iterator[None]:
    # Dask sets its "distributed" logger to INFO, and its records reach the
    # application's handlers whatever their level: a LocalCluster would fill
    # the terminal with start-up and shut-down chatter. While the engine runs,
    # that logger takes the level the application gave the root logger
    # (WARNING by default, DEBUG with --debug).
    chatty = logging.getLogger("distributed")
    before = chatty.level
    chatty.setLevel(logging.getLogger().getEffectiveLevel())
    try:
        yield
    finally:
        chatty.setLevel(before)


def _wait_for_a_worker(client: Any, scheduler: str) -> None:
    # Tasks sent to a scheduler without workers wait for ever: say so instead.
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"The Dask scheduler at {scheduler} has no workers after {CONNECT_TIMEOUT_S} s: "
            f"start some with 'dask worker {scheduler}'."
        ) from exc


#: Packages whose versions must be the same on the scheduler, the workers and here.
MATCHING_PACKAGES = ("mnistlab", "scikit-learn", "numpy")


def _check_environment(client: Any, scheduler: str) -> None:
    # The scheduler unpickles every task and the workers run them, so both need
    # the classes the tasks name, in the versions that made them. A scheduler
    # that cannot unpickle a task logs an error, and the task waits for ever:
    # say what differs instead.
    found = client.get_versions(check=False, packages=list(MATCHING_PACKAGES))
    here = found["client"]["packages"]
    places = {"the scheduler": found["scheduler"]}
    places.update({f"worker {address}": info for address, info in found["workers"].items()})
    wrong = [
        f"{package} {info['packages'].get(package) or 'missing'} on {where}"
        for where, info in places.items()
        for package in MATCHING_PACKAGES
        if info["packages"].get(package) != here[package]
    ]
    if wrong:
        wanted = ", ".join(f"{package} {here[package]}" for package in MATCHING_PACKAGES)
        raise ConfigError(
            f"The Dask cluster at {scheduler} runs other software than this machine "
            f"({'; '.join(wrong[:3])}): install {wanted} on its scheduler and workers."
        )


def _cluster_failures() -> tuple[type[BaseException], ...]:
    # A worker lost once is survived (its tasks run again); these mean the
    # cluster itself gave up: a task that killed its worker several times
    # (KilledWorker), results lost with no copy left (FutureCancelledError),
    # or the connection to the scheduler closed.
    from distributed.client import FutureCancelledError
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    return (KilledWorker, FutureCancelledError, CommClosedError)
