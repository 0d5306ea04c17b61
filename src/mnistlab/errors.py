"""The one tree of errors that mnistlab raises on purpose.

Every class also inherits the matching built-in exception, so callers that
already catch ``ValueError`` or ``OSError`` keep working. A message says what
failed, what was seen, and what to do about it; the CLI prints it as one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import TypeVar

_T = TypeVar("_T")


class MnistlabError(Exception):
    """Base class of every error mnistlab raises on purpose."""


class ConfigError(MnistlabError, ValueError):
    """A setting, option or argument has a value that cannot be used."""


class UnknownDatasetError(MnistlabError, ValueError):
    """A data set name that the registry does not know."""


class DataFormatError(MnistlabError, ValueError):
    """A file is not a well-formed IDX file (header, sizes or length disagree)."""


class DataIntegrityError(MnistlabError, ValueError):
    """Data whose checksum differs from the pinned one: wrong data set or corrupted."""


class DataSourceError(MnistlabError, OSError):
    """A source of data could not deliver (missing files, no network, all sources failed)."""


class StudyError(MnistlabError, RuntimeError):
    """A step of the study could not run with the given data or settings."""


class ImageInputError(MnistlabError, ValueError):
    """An image given for prediction cannot be read or holds no ink."""


class UnknownModelError(ConfigError):
    """A model name that the model registry does not know."""


class ModelNotTrainedError(MnistlabError, LookupError):
    """A model was asked for that has not been trained yet."""


class ModelFileError(MnistlabError, ValueError):
    """A model file that must not be loaded: tampered, foreign, damaged or from another version."""


class ClusterError(MnistlabError, RuntimeError):
    """The Dask cluster running the work failed: workers lost for good, or the scheduler gone."""


def lookup(
    table: Mapping[str, _T], name: str, *, what: str, error: type[ConfigError] = ConfigError
) -> _T:
    """Return the entry of ``table`` called ``name``, or say which names there are.

    Parameters
    ----------
    table : mapping of str to object
        The entries by name, in the order the message lists them.
    name : str
        The name asked for.
    what : str
        What an entry is, for the message ("corruption", "photo variant").
    error : type of ConfigError, default=ConfigError
        The error raised for a name the table does not hold.

    Returns
    -------
    object
        ``table[name]``.

    Raises
    ------
    ConfigError
        Of type ``error``, if ``table`` holds no ``name``; the message lists the names there are.

    Example
    -------
    >>> lookup({"a": 1, "b": 2}, "c", what="letter")
    Traceback (most recent call last):
    ...
    mnistlab.errors.ConfigError: no letter called 'c'; choose one of: a, b
    """
    try:
        return table[name]
    except KeyError:
        raise error(f"no {what} called {name!r}; choose one of: {', '.join(table)}") from None


def brief(exc: BaseException, *, limit: int = 200, with_type: bool = True) -> str:
    """Shorten another library's exception to a clause that fits in one line of ours.

    Only the first sentence of the first line is kept (libraries such as Dask
    go on about internals after it), whitespace collapsed, cut to ``limit``
    characters; the exception's type name leads unless ``with_type`` is false.

    Example
    -------
    >>> brief(OSError("Connection refused. Is the scheduler running?\\nDetails"))
    'OSError: Connection refused'
    >>> brief(ValueError(""))
    'ValueError'
    >>> brief(TimeoutError("timed out"), with_type=False)
    'timed out'
    """
    lines = str(exc).strip().splitlines()
    text = " ".join(lines[0].split()) if lines else ""
    text = text.split(". ")[0].rstrip(".")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    name = type(exc).__name__
    if not text:
        return name
    return f"{name}: {text}" if with_type else text


class ExitCode(IntEnum):
    """The exit codes of the ``mnistlab`` command, one per kind of outcome.

    A command ends with :data:`DONE` when it did what it was asked;
    :data:`REFUSED` when the system refused (a full disk, no permission, a
    network or source that cannot be reached, a cluster that failed);
    :data:`USAGE` for bad usage or bad input (an unknown option, model or data
    set, a missing or unreadable input file, a file that is not an image, a
    directory given for a file); and 128 + the signal's number when a signal
    stopped it.
    """

    DONE = 0
    REFUSED = 1
    USAGE = 2
    SIGHUP = 129
    INTERRUPTED = 130
    SIGTERM = 143


#: What each exit code means, in the words the help and the README use.
EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.DONE: "done",
    ExitCode.REFUSED: (
        "the system refused (disk full, no permission, network or source unreachable)"
    ),
    ExitCode.USAGE: (
        "bad usage or input (unknown option, model or data set; missing or unreadable input "
        "file; not an image; a directory given for a file)"
    ),
    ExitCode.INTERRUPTED: "Ctrl-C",
    ExitCode.SIGTERM: "SIGTERM",
    ExitCode.SIGHUP: "SIGHUP",
}

# Errors of this tree that say the system or the network refused, not the user.
_REFUSED_ERRORS: tuple[type[MnistlabError], ...] = (DataSourceError, ClusterError)


def exit_code_for(exc: BaseException) -> ExitCode:
    """Return the exit code that ends a command stopped by ``exc``.

    Errors of this tree are bad usage or input, except those that say a
    source or a cluster could not be reached or failed; any other ``OSError``
    is the system refusing; an interrupt is Ctrl-C (a stop signal turns it
    into 143 or 129 later, where the signal is known).

    Example
    -------
    >>> exit_code_for(UnknownModelError("no such model"))
    <ExitCode.USAGE: 2>
    >>> exit_code_for(DataSourceError("no mirror answered"))
    <ExitCode.REFUSED: 1>
    >>> exit_code_for(PermissionError(13, "Permission denied", "/srv/report"))
    <ExitCode.REFUSED: 1>
    """
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(exc, _REFUSED_ERRORS):
        return ExitCode.REFUSED
    if isinstance(exc, MnistlabError):
        return ExitCode.USAGE
    if isinstance(exc, OSError):
        return ExitCode.REFUSED
    return ExitCode.USAGE


def exit_codes_text() -> str:
    """Return the table of exit codes as one sentence, for help texts and documents.

    Example
    -------
    >>> exit_codes_text()[:30]
    'Exit codes: 0 done; 1 the syst'
    """
    parts = [f"{int(code)} {meaning}" for code, meaning in EXIT_CODE_MEANINGS.items()]
    return "Exit codes: " + "; ".join(parts) + "."
