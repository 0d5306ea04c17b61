"""``mnistlab serve``: the draw-a-digit web page and its JSON API.

The command parses its options and calls :func:`mnistlab.web.server.serve`,
which loads the model (by default the most accurate one that answers within
``LIVE_MAX_MS``), listens, and runs the app until Ctrl-C; the line saying what
is served where goes to stderr. Before any model is trained it stops with one
line that says how to train one. Example::

    mnistlab serve --port 8000 --model knn-deskew
"""

from __future__ import annotations

from typing import Annotated

import typer

from mnistlab.cli.checks import check_dataset, check_models_dir
from mnistlab.cli.failures import interrupted_note
from mnistlab.cli.options import DatasetOption, ModelsDirOption
from mnistlab.cli.output import stderr_console
from mnistlab.web import server
from mnistlab.web.processes import MAX_DEFAULT_WORKERS
from mnistlab.web.server import DEFAULT_HOST, DEFAULT_PORT, LIVE_MAX_MS, ServerStart

__all__ = ["LIVE_MAX_MS", "serve"]

HostOption = Annotated[
    str,
    typer.Option(
        "--host",
        metavar="HOST",
        help="Address to listen on. The default is this machine only; 0.0.0.0 opens it "
        "to the network (no authentication: only on a network you trust).",
    ),
]
PortOption = Annotated[
    int, typer.Option("--port", metavar="PORT", help="TCP port to listen on.", min=0, max=65535)
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        metavar="N",
        help="Web server processes (not training or tuning workers), each with its own copy "
        "of the model: more answer more requests at once on more CPU cores, at the cost of "
        f"memory. Default: one per CPU core this process may use, at most {MAX_DEFAULT_WORKERS}.",
        min=1,
        max=64,
        show_default=False,
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="MODEL",
        help="A trained model's name (see `mnistlab models`); default: the most accurate one "
        f"that classifies one image within {LIVE_MAX_MS:g} ms.",
        show_default=False,
    ),
]


def serve(
    host: HostOption = DEFAULT_HOST,
    port: PortOption = DEFAULT_PORT,
    model: ModelOption = None,
    dataset: DatasetOption = "mnist",
    models_dir: ModelsDirOption = None,
    workers: WorkersOption = None,
) -> None:
    """Serve the page to draw or upload a digit and see the model's prediction.

    Serves the drawing page at http://HOST:PORT/, /api/predict for programs
    and /docs for the API. The model is loaded once, at start (once in each
    worker process with --workers); Ctrl-C stops. Only models trained on the
    data set of -d are served; the page and API answer with its class names.

    Examples:

      mnistlab serve

      mnistlab serve --port 8080 --model knn-deskew

      mnistlab serve -d fashion-mnist

      mnistlab serve --host 0.0.0.0 --workers 2
    """
    check_models_dir(models_dir)
    spec = check_dataset(dataset)
    interrupted_note("stopped")
    err = stderr_console()

    def say(start: ServerStart) -> None:
        err.print(str(start), markup=False)

    server.serve(
        model,
        models_dir=models_dir,
        dataset=spec.name,
        host=host,
        port=port,
        workers=workers,
        on_start=say,
    )
