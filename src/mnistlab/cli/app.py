"""The root Typer application, its global options and its error handling."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from mnistlab import __version__
from mnistlab.cli.signals import EXIT_INTERRUPTED
from mnistlab.errors import MnistlabError
from mnistlab.files import DISK_FULL_ERRNOS

__all__ = ["EXIT_INTERRUPTED", "EXIT_SYSTEM_ERROR", "EXIT_USER_ERROR", "app", "run"]

EXIT_SYSTEM_ERROR = 1
EXIT_USER_ERROR = 2

app = typer.Typer(
    name="mnistlab",
    help="The classic MNIST classification study, and models past it: data, study, report, models.",
    epilog=(
        "Exit codes: 0 done; 1 the system refused (disk full, no permission); 2 bad usage "
        "or data; 130 Ctrl-C; 143 SIGTERM; 129 SIGHUP. A stopped or failed command keeps "
        "the previous report, cache and models and leaves no half-written file."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mnistlab {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show full tracebacks and debug logging.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """The classic MNIST classification study, and models past it: data, study, report, models."""
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _register_commands() -> None:
    import mnistlab.cli.data as data_commands
    import mnistlab.cli.models as model_commands
    import mnistlab.cli.predict as predict_commands
    import mnistlab.cli.serve as serve_commands
    import mnistlab.cli.study as study_commands
    import mnistlab.cli.tune as tune_commands

    app.add_typer(data_commands.app, name="data")
    app.command(name="study")(study_commands.study)
    app.command(name="tune")(tune_commands.tune)
    app.command(name="train")(model_commands.train)
    app.command(name="evaluate")(model_commands.evaluate)
    app.command(name="models")(model_commands.models)
    app.command(name="leaderboard")(model_commands.leaderboard_command)
    app.command(name="predict")(predict_commands.predict)
    app.command(name="serve")(serve_commands.serve)


_register_commands()


def describe_os_error(exc: OSError) -> str:
    """Say in one line which file the system refused, why, and what to do.

    Example
    -------
    >>> describe_os_error(OSError(13, "Permission denied", "/srv/models"))
    'Permission denied: /srv/models'
    """
    reason = exc.strerror or str(exc)
    if exc.errno in DISK_FULL_ERRNOS:
        where = exc.filename if exc.filename is not None else "a file"
        return (
            f"cannot write {where}: {reason}; free some disk space (or write elsewhere) "
            "and run again"
        )
    return reason if exc.filename is None else f"{reason}: {exc.filename}"


def run(argv: list[str]) -> int:
    """Run the app on ``argv`` and turn errors into one line and an exit code.

    Exit codes: 0 done, 1 the system refused (a full disk, a missing
    permission), 2 a usage or data error, 130 interrupted (``main`` turns
    an interrupt by SIGTERM or SIGHUP into 143 or 129).
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        # In standalone mode Typer prints usage errors itself and ends with
        # SystemExit (2 for usage, 130 for Ctrl-C, 0 for --help); only our own
        # errors and the system's come through as exceptions.
        app(args=argv, prog_name="mnistlab", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except MnistlabError as exc:
        if _state["debug"]:
            raise
        err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        return EXIT_USER_ERROR
    except OSError as exc:
        # Whatever was being written was removed (files are written whole or not at all).
        if _state["debug"]:
            raise
        err.print(f"[bold red]error:[/] {escape(describe_os_error(exc))}", markup=True)
        return EXIT_SYSTEM_ERROR
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    else:
        code = 0
    if code == EXIT_INTERRUPTED:
        err.print("interrupted: nothing half-written was kept", markup=False)
    return code
