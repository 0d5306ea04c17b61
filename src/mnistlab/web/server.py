"""Serve the draw-a-digit page and its JSON API: the one call behind ``mnistlab serve``.

:func:`serve` loads one model from the store, once (unless ``model`` names
another: among the models that classify one image within :data:`LIVE_MAX_MS`,
since the page asks after every stroke, the most robust one accurate enough,
else the most accurate; see :func:`mnistlab.models.store.preferred`), opens the
listening socket (:mod:`mnistlab.web.sockets`), caps glibc's heaps so that
memory stays flat under load (:mod:`mnistlab.web.malloc`) and runs the app of
:func:`mnistlab.web.app.create_app` under uvicorn, from this process or from
worker processes (:mod:`mnistlab.web.processes`), until stopped. What start-up
loaded is left out of Python's garbage collector (:mod:`mnistlab.web.collector`).

Example
-------
>>> from mnistlab.web.server import serve
>>> serve(model="knn-deskew", port=8000, on_start=print)    # doctest: +SKIP
Serving model knn-deskew on http://127.0.0.1:8000/ with 2 processes (API docs at /docs; ...)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mnistlab.config import Locations
from mnistlab.errors import ConfigError
from mnistlab.web.malloc import cap_malloc_arenas
from mnistlab.web.processes import (
    check_workers,
    run_in_this_process,
    run_worker_processes,
    server_processes,
)
from mnistlab.web.sockets import listen, url

if TYPE_CHECKING:
    from mnistlab.models.store import Choice, ModelStore

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "LIVE_MAX_MS",
    "ServerStart",
    "live_choice",
    "live_model",
    "serve",
]

#: This machine only: the app has no authentication.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: The page predicts after every stroke, for everyone drawing at once: by default
#: serve the preferred model among those that classify one image this fast (the
#: "one image ms" of `mnistlab leaderboard`). The ensemble, at about 5 ms, would
#: keep 16 people drawing at once waiting 0.1 s each on 2 cores.
LIVE_MAX_MS = 2.0

logger = logging.getLogger("mnistlab")


@dataclass(frozen=True)
class ServerStart:
    """What is served, where, and by how many processes, once the socket listens.

    Attributes
    ----------
    model : str
        The name of the model that answers.
    url : str
        The page's address, e.g. ``http://127.0.0.1:8000/``.
    processes : int
        How many processes serve (1 where worker processes are not usable).
    skipped : tuple of str
        One line for each model passed over because its file is missing or
        damaged (only when no model was named).
    dataset : str
        The data set the model was trained on.
    """

    model: str
    url: str
    processes: int
    skipped: tuple[str, ...] = ()
    dataset: str = "mnist"

    @property
    def line(self) -> str:
        """The line ``Serving model ... [of DATASET] on URL with N processes (...)``."""
        processes = "1 process" if self.processes == 1 else f"{self.processes} processes"
        of = "" if self.dataset == "mnist" else f" of {self.dataset}"
        return (
            f"Serving model {self.model}{of} on {self.url} with {processes} "
            "(API docs at /docs; Ctrl-C to stop)"
        )

    def __str__(self) -> str:
        """The models skipped, one line each, then :attr:`line`."""
        return "\n".join([*self.skipped, self.line])


def live_model(store: ModelStore) -> str:
    """The model served when none is named: the preferred one within :data:`LIVE_MAX_MS`.

    Raises
    ------
    ModelNotTrainedError
        If no model is trained (the message says how to train one).
    """
    return live_choice(store).name


def live_choice(store: ModelStore) -> Choice:
    """Like :func:`live_model`, with the models passed over as unusable."""
    from mnistlab.models.leaderboard import choose_within

    return choose_within(store, LIVE_MAX_MS)


def serve(
    model: str | None = None,
    *,
    models_dir: str | os.PathLike[str] | None = None,
    dataset: str = "mnist",
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int | None = None,
    on_start: Callable[[ServerStart], None] | None = None,
) -> None:
    """Serve the page to draw or upload a digit, ``/api/predict`` and ``/docs``, until stopped.

    The model is loaded once, here, before anything listens (and once more in
    each worker process); Ctrl-C (an interrupted kernel in a notebook) stops.

    Parameters
    ----------
    model : str, optional
        A trained model's name; default: :func:`live_model`.
    models_dir : path-like, optional
        The models directory; default: ``MNISTLAB_MODELS_DIR``, else the user's.
    dataset : str, default "mnist"
        The data set whose models are served; the app answers with its class
        names (``Sneaker`` for ``fashion-mnist``).
    host : str, default "127.0.0.1"
        The address to listen on; ``"0.0.0.0"`` opens the app to the network,
        which has no authentication.
    port : int, default 8000
        The TCP port; 0 asks the system for a free one (see ``on_start``).
    workers : int, optional
        Server processes, each with its own copy of the model; default: one
        per CPU this process may use, at most
        :data:`~mnistlab.web.processes.MAX_DEFAULT_WORKERS`. One process serves
        where uvicorn's supervisor may not be used.
    on_start : callable, optional
        Told what is served where, once the socket listens and before the first
        request (``print`` shows the line ``Serving model ...``); by default
        that line is logged at INFO on the ``mnistlab`` logger, and each model
        skipped (file missing or damaged) at WARNING.

    Raises
    ------
    ConfigError
        If the web extra is not installed, ``workers`` is less than 1, or the
        address cannot be listened on.
    UnknownDatasetError
        If the data set registry has no data set called ``dataset``.
    ModelNotTrainedError, UnknownModelError, ModelFileError
        If the model cannot be loaded (a model of another data set never is):
        nothing listens then.
    """
    check_workers(workers)
    try:
        import uvicorn  # noqa: F401  (checked here, used by mnistlab.web.processes)

        from mnistlab.web.app import create_app
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"the web app needs {exc.name!r}; install it with: pip install 'mnistlab[web]'"
        ) from None
    from mnistlab.models.store import ModelStore

    locations = Locations.resolve(models_dir=models_dir)
    store = ModelStore(locations.models_dir, dataset)
    skipped: tuple[str, ...] = ()
    if model is not None:
        name = model
    else:
        choice = live_choice(store)
        name = choice.name
        skipped = tuple(f"skipped model {s.name}: {s.problem}" for s in choice.skipped)
    trained = store.load(name)  # a model that cannot load stops here, before anything listens
    with listen(host, port) as sock:
        cap_malloc_arenas()  # before the server's threads and worker processes start
        processes = server_processes(workers)
        address = url(host, sock.getsockname()[1])
        start = ServerStart(
            model=name,
            url=address,
            processes=processes,
            skipped=skipped,
            dataset=store.dataset,
        )
        if on_start is None:
            for line in skipped:
                logger.warning("%s", line)
            logger.info("%s", start.line)
        else:
            on_start(start)
        if processes == 1:
            run_in_this_process(create_app(model=trained, store=store), sock, host=host)
            return
        del trained  # each worker loads its own copy
        run_worker_processes(
            sock,
            model=name,
            models_dir=locations.models_dir,
            host=host,
            workers=processes,
            dataset=store.dataset,
        )
