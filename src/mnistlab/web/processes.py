"""How the server runs: in this process, or as worker processes on one socket.

Each worker process holds its own copy of the model, so more of them answer
more requests at once on more CPU cores, at the cost of memory. They run under
uvicorn's ``Multiprocess`` supervisor, which uvicorn does not document
(:mod:`mnistlab.private_apis`, key ``uvicorn-multiprocess``). Where it is not
usable (an unverified uvicorn, or ``MNISTLAB_PUBLIC_APIS_ONLY=1``), one process
serves, with the same responses. uvicorn's public way to several workers,
``uvicorn.run(..., fd=..., workers=N)``, is no substitute: it takes any
inherited socket for a Unix one (``socket.fromfd(fd, AF_UNIX, ...)`` in
``Config.bind_socket``), so uvloop serves our TCP socket as a pipe, without
TCP_NODELAY, and every response on a kept-alive connection waits about 40 ms
for the client's delayed ACK (measured with uvicorn 0.55 and uvloop 0.23:
100 requests on one connection take 4.5 s instead of 0.03 s).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mnistlab.config import MODELS_DIR_ENV, Locations
from mnistlab.errors import ConfigError
from mnistlab.private_apis import usable
from mnistlab.web.collector import freeze_loaded_objects

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "MAX_DEFAULT_WORKERS",
    "PRIVATE_SUPERVISOR",
    "WORKER_DATASET_ENV",
    "WORKER_MODEL_ENV",
    "check_workers",
    "default_workers",
    "run_in_this_process",
    "run_worker_processes",
    "server_processes",
    "worker_app",
]

#: Most server processes started when none are asked for (each holds a copy of the model).
MAX_DEFAULT_WORKERS = 4
#: The key of uvicorn's process supervisor in mnistlab.private_apis.
PRIVATE_SUPERVISOR = "uvicorn-multiprocess"
#: How the parent tells its worker processes which model to load (see worker_app).
WORKER_MODEL_ENV = "MNISTLAB_SERVE_MODEL"
#: And of which data set's models.
WORKER_DATASET_ENV = "MNISTLAB_SERVE_DATASET"
#: Where uvicorn finds the factory that builds each worker's app.
WORKER_APP = f"{__name__}:worker_app"
#: uvicorn's own log: warnings and errors only.
LOG_LEVEL = "warning"


def default_workers() -> int:
    """One server process per CPU this process may use, at most ``MAX_DEFAULT_WORKERS``.

    Example
    -------
    >>> 1 <= default_workers() <= MAX_DEFAULT_WORKERS
    True
    """
    from mnistlab.system import cpu_count  # imports joblib: only when counting

    return min(cpu_count(), MAX_DEFAULT_WORKERS)


def check_workers(workers: int | None) -> None:
    """Check a number of server processes asked for (``None``: the default).

    Raises
    ------
    ConfigError
        If ``workers`` is less than 1.
    """
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")


def server_processes(workers: int | None = None) -> int:
    """How many processes serve: ``workers`` (default :func:`default_workers`) where allowed.

    Several processes need uvicorn's private supervisor; where it may not be
    used, one process serves (the reason is logged once).

    Raises
    ------
    ConfigError
        If ``workers`` is less than 1.
    """
    check_workers(workers)
    wanted = default_workers() if workers is None else workers
    if wanted > 1 and not usable(PRIVATE_SUPERVISOR):
        return 1  # the public path
    return wanted


def worker_app() -> FastAPI:
    """Build the app in a worker process started by :func:`run_worker_processes`.

    uvicorn starts each worker afresh and imports this factory; the parent has
    already checked that the model loads, and passes its name, data set and
    directory in the environment, the only channel to a newly started process.
    """
    from mnistlab.models.store import DEFAULT_DATASET, ModelStore
    from mnistlab.web.app import create_app

    dataset = os.environ.get(WORKER_DATASET_ENV, DEFAULT_DATASET)
    store = ModelStore(Locations.resolve().models_dir, dataset)
    app = create_app(model=store.load(os.environ[WORKER_MODEL_ENV]), store=store)
    freeze_loaded_objects()
    return app


def run_in_this_process(app: FastAPI, sock: socket.socket, *, host: str) -> None:
    """Serve ``app`` on the listening ``sock`` from this process until stopped.

    Parameters
    ----------
    app : FastAPI
        The app, already built around its model.
    sock : socket.socket
        The listening socket (see :func:`mnistlab.web.sockets.listen`).
    host : str
        The host it listens on, for uvicorn's own messages.
    """
    import uvicorn

    freeze_loaded_objects()
    config = uvicorn.Config(app, host=host, port=sock.getsockname()[1], log_level=LOG_LEVEL)
    uvicorn.Server(config).run(sockets=[sock])


def run_worker_processes(
    sock: socket.socket,
    *,
    model: str,
    models_dir: Path,
    host: str,
    workers: int,
    dataset: str = "mnist",
) -> None:
    """Serve from ``workers`` processes on the listening ``sock`` until stopped.

    Each process loads the model ``model`` from ``models_dir`` itself (see
    :func:`worker_app`); uvicorn's supervisor starts them and replaces any
    that dies. Call it only where :func:`server_processes` allows more than one.

    Parameters
    ----------
    sock : socket.socket
        The listening socket, inheritable (see :func:`mnistlab.web.sockets.listen`).
    model : str
        The name of the model each process serves.
    models_dir : Path
        The models directory it is loaded from (the top one, as ``Locations`` has it).
    host : str
        The host ``sock`` listens on, for uvicorn's own messages.
    workers : int
        How many processes serve.
    dataset : str, default "mnist"
        The data set whose store holds ``model``.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        WORKER_APP,
        factory=True,
        host=host,
        port=sock.getsockname()[1],
        workers=workers,
        log_level=LOG_LEVEL,
    )
    values = {WORKER_MODEL_ENV: model, WORKER_DATASET_ENV: dataset, MODELS_DIR_ENV: str(models_dir)}
    with _environment(values):
        Multiprocess(config, sockets=[sock]).run()


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    # Set for the processes started inside the block (and restarted ones);
    # the caller's environment is as it was afterwards.
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
