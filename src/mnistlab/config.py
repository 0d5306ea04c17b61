"""Where mnistlab reads data and keeps its cache and models.

One ``Locations`` object is built once at the entry point and passed down.

The order of precedence is: explicit argument, then environment variable,
then the user cache directory of the platform. Nothing deeper in the library
reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "MNISTLAB_DATA_DIR"
CACHE_DIR_ENV = "MNISTLAB_CACHE_DIR"
MODELS_DIR_ENV = "MNISTLAB_MODELS_DIR"
DATASETS_DIR_ENV = "MNISTLAB_DATASETS_DIR"
#: The XDG Base Directory list of system data directories (``datasets/NAME`` inside each).
SYSTEM_DATA_DIRS_ENV = "XDG_DATA_DIRS"
#: Its value when unset or empty, as the XDG specification defines it.
DEFAULT_SYSTEM_DATA_DIRS = "/usr/local/share:/usr/share"
#: Where Debian's dataset packages put their files (``/usr/share/datasets/NAME``),
#: searched even when ``XDG_DATA_DIRS`` leaves it out.
SYSTEM_SHARE = Path("/usr/share")


def default_cache_dir() -> Path:
    """Return the platform's user cache directory for mnistlab."""
    return Path(platformdirs.user_cache_dir("mnistlab", appauthor=False))


def default_models_dir() -> Path:
    """Return where trained models live by default: the platform's user data directory."""
    return Path(platformdirs.user_data_dir("mnistlab", appauthor=False)) / "models"


def default_datasets_dir() -> Path:
    """Return where data sets added by the user live by default: beside the models."""
    return Path(platformdirs.user_data_dir("mnistlab", appauthor=False)) / "datasets"


def system_data_dirs(value: str | None = None) -> tuple[Path, ...]:
    """Return the system data directories, in the order they are searched.

    Parameters
    ----------
    value : str or None
        A value of ``XDG_DATA_DIRS`` (colon-separated); ``None`` or empty for
        the specification's default.

    Returns
    -------
    tuple of Path
        The absolute directories of ``value``, then ``/usr/share`` if missing.

    Example
    -------
    >>> system_data_dirs("/opt/share")
    (PosixPath('/opt/share'), PosixPath('/usr/share'))
    """
    # The specification says relative entries are invalid and to be ignored.
    listed = [Path(p) for p in (value or DEFAULT_SYSTEM_DATA_DIRS).split(":") if p.startswith("/")]
    directories = [*listed, SYSTEM_SHARE]
    return tuple(dict.fromkeys(directories))


@dataclass(frozen=True)
class Locations:
    """Where mnistlab reads data and keeps its cache and models.

    Parameters
    ----------
    data_dir : Path or None
        A directory of IDX files (``train-images-idx3-ubyte.gz`` and its three
        siblings) to use before any remote source; ``None`` for none.
    cache_dir : Path
        Where verified data sets and the study's results are cached.
    models_dir : Path
        Where trained models and their metadata records are kept. Unlike the
        cache, its files are the product of long training: nothing deletes them.
    system_data_dirs : tuple of Path
        System data directories: a data set installed by the system's package
        manager is in ``DIR/datasets/NAME`` (Debian's ``dataset-fashion-mnist``
        puts Fashion-MNIST in ``/usr/share/datasets/fashion-mnist``).
    datasets_dir : Path
        Where the data sets a user added (``mnistlab data add``) are kept, one
        directory each; like the models, nothing deletes them but
        ``mnistlab data remove``.

    Example
    -------
    >>> locations = Locations.resolve(data_dir="../shared/data/mnist")
    """

    data_dir: Path | None
    cache_dir: Path
    models_dir: Path = field(default_factory=default_models_dir)
    system_data_dirs: tuple[Path, ...] = field(default_factory=system_data_dirs)
    datasets_dir: Path = field(default_factory=default_datasets_dir)

    @classmethod
    def resolve(
        cls,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        models_dir: str | os.PathLike[str] | None = None,
        datasets_dir: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Locations:
        """Build the locations from arguments, then the environment, then defaults.

        Parameters
        ----------
        data_dir, cache_dir, models_dir, datasets_dir : path-like or None
            Explicit values; they win over the environment.
        environ : mapping, optional
            The environment to read (``os.environ`` when omitted); the system
            data directories come from its ``XDG_DATA_DIRS``.

        Returns
        -------
        Locations
        """
        env = os.environ if environ is None else environ
        data = data_dir if data_dir is not None else env.get(DATA_DIR_ENV) or None
        cache = cache_dir if cache_dir is not None else env.get(CACHE_DIR_ENV) or None
        models = models_dir if models_dir is not None else env.get(MODELS_DIR_ENV) or None
        added = datasets_dir if datasets_dir is not None else env.get(DATASETS_DIR_ENV) or None
        return cls(
            data_dir=Path(data).expanduser() if data is not None else None,
            cache_dir=Path(cache).expanduser() if cache is not None else default_cache_dir(),
            models_dir=Path(models).expanduser() if models is not None else default_models_dir(),
            system_data_dirs=system_data_dirs(env.get(SYSTEM_DATA_DIRS_ENV)),
            datasets_dir=Path(added).expanduser() if added is not None else default_datasets_dir(),
        )
