"""``mnistlab serve``: the draw-a-digit web page and its JSON API.

The command loads one model from the store, once (unless ``--model`` names
another: the most accurate model that classifies one image within
``LIVE_MAX_MS``, since the page asks after every stroke), builds the app with
:func:`mnistlab.web.app.create_app` and runs it under uvicorn on loopback
unless told otherwise. Before any model is trained it stops with one line that
says how to train one. Once listening, it caps glibc's heaps, so that memory stays flat
under load (:mod:`mnistlab.web.malloc`); once the model is loaded, it leaves
what start-up loaded out of Python's garbage collector (:func:`freeze_loaded_objects`). Example::

    mnistlab serve --port 8000 --model knn-deskew

Several worker processes on the socket this command opened need uvicorn's
``Multiprocess`` supervisor, which uvicorn does not document
(:mod:`mnistlab.private_apis`, key ``uvicorn-multiprocess``). Where it is not
usable (an unverified uvicorn, or ``MNISTLAB_PUBLIC_APIS_ONLY=1``), the command
serves from one process, with the same responses. uvicorn's public way to
several workers, ``uvicorn.run(..., fd=..., workers=N)``, is no substitute: it
takes any inherited socket for a Unix one (``socket.fromfd(fd, AF_UNIX, ...)``
in ``Config.bind_socket``), so uvloop serves our TCP socket as a pipe, without
TCP_NODELAY, and every response on a kept-alive connection waits about 40 ms
for the client's delayed ACK (measured with uvicorn 0.55 and uvloop 0.23:
100 requests on one connection take 4.5 s instead of 0.03 s).
"""

from __future__ import annotations

import gc
import os
import socket
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from mnistlab.cli.options import ModelsDirOption, build_settings
from mnistlab.config import MODELS_DIR_ENV
from mnistlab.errors import ConfigError
from mnistlab.private_apis import usable

if TYPE_CHECKING:
    from fastapi import FastAPI

HostOption = Annotated[
    str,
    typer.Option(
        "--host",
        help="Address to listen on. The default is this machine only; 0.0.0.0 opens it "
        "to the network (no authentication: only on a network you trust).",
    ),
]
PortOption = Annotated[int, typer.Option("--port", help="TCP port to listen on.", min=0, max=65535)]
#: Most server processes started without --workers (each holds a copy of the model).
MAX_DEFAULT_WORKERS = 4
#: The key of uvicorn's process supervisor in mnistlab.private_apis.
PRIVATE_SUPERVISOR = "uvicorn-multiprocess"

WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Server processes, each with its own copy of the model: more answer more "
        "requests at once on more CPU cores, at the cost of memory. Default: one per "
        f"CPU core this process may use, at most {MAX_DEFAULT_WORKERS}.",
        min=1,
        max=64,
        show_default=False,
    ),
]
#: The page predicts after every stroke, for everyone drawing at once: by default
#: serve the most accurate model that classifies one image this fast (the
#: "one image ms" of `mnistlab leaderboard`). The ensemble, at about 5 ms, would
#: keep 16 people drawing at once waiting 0.1 s each on 2 cores.
LIVE_MAX_MS = 2.0

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="A trained model's name (see `mnistlab models`); default: the most accurate one "
        f"that classifies one image within {LIVE_MAX_MS:g} ms.",
        show_default=False,
    ),
]


def default_workers() -> int:
    """One server process per CPU core this process may run on, at most ``MAX_DEFAULT_WORKERS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


def listen(host: str, port: int) -> socket.socket:
    """Open the listening socket, or say in one line why it cannot be opened.

    Binding here rather than inside uvicorn turns "address already in use" into
    a clear error with exit code 2 instead of a log line and a bare exit.

    Raises
    ------
    ConfigError
        If the address cannot be resolved or the port is taken or not allowed.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host!r}: {exc.strerror}; check --host") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port"
        ) from None
    sock.set_inheritable(True)
    return sock


# How the parent tells its worker processes which model to load (see worker_app).
WORKER_MODEL_ENV = "MNISTLAB_SERVE_MODEL"


def worker_app() -> FastAPI:
    """Build the app in a worker process of ``serve --workers N``.

    uvicorn starts each worker afresh and imports this factory; the parent has
    already checked that the model loads, and passes its name and directory in
    the environment, the only channel to a newly started process.
    """
    from mnistlab.models.store import ModelStore
    from mnistlab.web.app import create_app

    settings = build_settings(None, None, None)
    store = ModelStore(settings.models_dir)
    app = create_app(model=store.load(os.environ[WORKER_MODEL_ENV]), store=store)
    freeze_loaded_objects()
    return app


def freeze_loaded_objects() -> None:
    """Leave every object loaded so far out of the garbage collector's passes.

    The libraries and the model leave about 200,000 objects that live as long
    as the server. Python's full collection, which runs now and then as
    requests allocate, walks all of them: 60–70 ms on this machine, during
    which the process answers nothing, and the slowest requests wait at least
    that long. Frozen (:func:`gc.freeze`), they are never walked again; the
    requests' own objects are still collected as before.
    """
    gc.collect()
    gc.freeze()


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    model: ModelOption = None,
    models_dir: ModelsDirOption = None,
    workers: WorkersOption = None,
) -> None:
    """Serve the page to draw or upload a digit and see the model's prediction.

    Serves the drawing page at http://HOST:PORT/, /api/predict for programs
    and /docs for the API. The model is loaded once, at start (once in each
    worker process with --workers); Ctrl-C stops.
    """
    try:
        import uvicorn

        from mnistlab.web.app import create_app
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"the web app needs {exc.name!r}; install it with: pip install 'mnistlab[web]'"
        ) from None
    from mnistlab.models.leaderboard import best_within
    from mnistlab.models.store import ModelStore
    from mnistlab.web.malloc import cap_malloc_arenas

    settings = build_settings(None, None, models_dir)
    store = ModelStore(settings.models_dir)
    name = model if model is not None else best_within(store, LIVE_MAX_MS)
    trained = store.load(name)  # a model that cannot load stops here, before any worker starts
    sock = listen(host, port)
    cap_malloc_arenas()  # before the server's threads and worker processes start
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    workers = default_workers() if workers is None else workers
    if workers > 1 and not usable(PRIVATE_SUPERVISOR):
        workers = 1  # the public path: one process (the reason is logged once)
    processes = "1 process" if workers == 1 else f"{workers} processes"
    Console(stderr=True, highlight=False).print(
        f"Serving model {name} on http://{shown_host}:{bound_port}/ with {processes} "
        "(API docs at /docs; Ctrl-C to stop)",
        markup=False,
    )
    with sock:
        if workers == 1:
            app = create_app(model=trained, store=store)
            freeze_loaded_objects()
            config = uvicorn.Config(app, host=host, port=bound_port, log_level="warning")
            uvicorn.Server(config).run(sockets=[sock])
            return
        del trained  # each worker loads its own copy
        os.environ[WORKER_MODEL_ENV] = name
        os.environ[MODELS_DIR_ENV] = str(settings.models_dir)
        config = uvicorn.Config(
            "mnistlab.cli.serve:worker_app",
            factory=True,
            host=host,
            port=bound_port,
            workers=workers,
            log_level="warning",
        )
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
