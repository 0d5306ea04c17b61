"""The root Typer application, its global options and its error handling."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer
import typer.main
from rich.markup import escape

from mnistlab import __version__
from mnistlab.cli.failures import INTERRUPTED_NOTE, describe_os_error, interrupted_note
from mnistlab.cli.output import stderr_console
from mnistlab.errors import ExitCode, MnistlabError, exit_code_for, exit_codes_text

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_SYSTEM_ERROR",
    "EXIT_USER_ERROR",
    "GLOBAL_FLAGS",
    "app",
    "describe_os_error",
    "run",
]

EXIT_SYSTEM_ERROR = int(ExitCode.REFUSED)
EXIT_USER_ERROR = int(ExitCode.USAGE)
EXIT_INTERRUPTED = int(ExitCode.INTERRUPTED)
#: Options of the root command that are also accepted after the command's name.
GLOBAL_FLAGS = ("--debug",)
#: Help options of every command.
HELP_OPTIONS = ["-h", "--help"]

app = typer.Typer(
    name="mnistlab",
    help="The classic MNIST classification study, and models past it: data, study, report, models.",
    epilog=(
        f"{exit_codes_text()} A stopped or failed command keeps the previous report, cache "
        "and models and leaves no half-written file. Results go to stdout; progress, notes "
        "and errors to stderr. Global options (--debug) may also follow the command."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": HELP_OPTIONS},
)

_state: dict[str, Any] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mnistlab {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show full tracebacks and debug logging (before or after the command)."
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """The classic MNIST classification study, and models past it: data, study, report, models.

    Examples:

      mnistlab study                   # the 14 steps, report in report/

      mnistlab data show --grid 100    # a PNG of the first 100 digits

      mnistlab predict scan.png --json # which digit a scan shows
    """
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _register_commands() -> None:
    import mnistlab.cli.data as data_commands
    import mnistlab.cli.models as model_commands
    import mnistlab.cli.predict as predict_commands
    import mnistlab.cli.robustness as robustness_commands
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
    app.command(name="robustness")(robustness_commands.robustness)


_register_commands()


def _hoist_global_flags(argv: list[str]) -> list[str]:
    """Move global flags given after the command's name to the front, where Typer reads them.

    Example
    -------
    >>> _hoist_global_flags(["predict", "a.png", "--debug"])
    ['--debug', 'predict', 'a.png']
    """
    end = argv.index("--") if "--" in argv else len(argv)
    flags = [arg for arg in argv[:end] if arg in GLOBAL_FLAGS]
    rest = [arg for arg in argv[:end] if arg not in GLOBAL_FLAGS]
    return [*flags, *rest, *argv[end:]]


def _plain_flags(command: Any) -> None:
    """Show flags and named arguments without a type (no ``<bool>``) in every help, -h too."""
    context = typer.Context(command, help_option_names=HELP_OPTIONS)
    params = [*command.params, command.get_help_option(context)]
    for param in params:
        if param is not None and getattr(param, "is_flag", False):
            param.metavar = ""
        elif (
            param is not None
            and param.param_type_name == "argument"
            and param.metavar
            and hasattr(param, "_usage_display_name")
            and hasattr(param, "display_type_rich")
        ):
            # An argument's name is its metavar already (IMAGE..., MODEL): no type beside
            # it, and the usage line shows it as it is, not in braces. Private to Typer
            # (docs/private-apis.md): where it is missing, Typer's own look stays.
            param.display_type_rich = lambda ctx: None
            param._usage_display_name = lambda name=param.metavar: name
    for sub in getattr(command, "commands", {}).values():
        _plain_flags(sub)


def build_command() -> Any:
    """Return the click command of the app, with the help as ``mnistlab`` shows it."""
    command = typer.main.get_command(app)
    _plain_flags(command)
    return command


def run(argv: list[str]) -> int:
    """Run the app on ``argv`` and turn errors into one line and an exit code.

    The exit codes are :class:`mnistlab.errors.ExitCode`: 0 done, 1 the
    system refused, 2 bad usage or input, 130 interrupted (``main`` turns an
    interrupt by SIGTERM or SIGHUP into 143 or 129).
    """
    err = stderr_console()
    interrupted_note(INTERRUPTED_NOTE)
    try:
        # In standalone mode Typer prints usage errors itself and ends with
        # SystemExit (2 for usage, 130 for Ctrl-C, 0 for --help); only our own
        # errors and the system's come through as exceptions.
        build_command().main(
            args=_hoist_global_flags(argv), prog_name="mnistlab", standalone_mode=True
        )
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except (MnistlabError, OSError) as exc:
        # Whatever was being written was removed (files are written whole or not at all).
        if _state["debug"]:
            raise
        text = str(exc) if isinstance(exc, MnistlabError) else describe_os_error(exc)
        err.print(f"[bold red]error:[/] {escape(text)}", markup=True)
        return int(exit_code_for(exc))
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    else:
        code = 0
    if code == EXIT_INTERRUPTED:
        err.print(interrupted_note(), markup=False)
    return code
