"""The one tree of errors that mnistlab raises on purpose.

Every class also inherits the matching built-in exception, so callers that
already catch ``ValueError`` or ``OSError`` keep working. A message says what
failed, what was seen, and what to do about it; the CLI prints it as one line.
"""

from __future__ import annotations


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
