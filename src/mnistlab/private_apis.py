"""The private parts of other libraries that mnistlab relies on, and when it may use them.

Some of mnistlab's speed and a few of its repairs rest on names another
library does not promise to keep: scikit-learn's own neighbour search, a
joblib backend class, uvicorn's process supervisor. Each is listed here, in
:data:`PRIVATE_APIS`, with the versions the test suite passed on
(:data:`VERIFIED`). A caller asks :func:`usable` before it touches one; the
answer is False when

* the installed version of the package is outside the verified range,
* the private names cannot be imported, or
* the public paths are forced: the environment variable
  ``MNISTLAB_PUBLIC_APIS_ONLY=1`` (read here and nowhere else; child processes
  inherit it) or, within this process, :func:`public_apis_only`.

The caller then takes its public path, which gives the same numbers, more
slowly, or does without a repair (see ``docs/private-apis.md``). The first
time in a process that an API is refused, one warning line on the
``mnistlab`` logger names it, the version seen, the reason and the public
path taken.

Example
-------
>>> from mnistlab.private_apis import public_apis_only, usable
>>> with public_apis_only():
...     usable("sklearn-argkmin")
False
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from mnistlab.versions import installed_version, release

#: Set to 1 to make every caller take the public path.
PUBLIC_APIS_ONLY_ENV = "MNISTLAB_PUBLIC_APIS_ONLY"

#: The versions the test suite passed on, lowest and highest, both included.
#: Edit here, and only here, when a release has been verified.
VERIFIED: dict[str, tuple[str, str]] = {
    "scikit-learn": ("1.8.0", "1.9.1"),
    "joblib": ("1.5.0", "1.6.0"),
    "uvicorn": ("0.51.0", "0.55.0"),
    "numpy": ("2.2.0", "2.4.6"),
    "typer": ("0.16.0", "0.29.2"),
}

logger = logging.getLogger("mnistlab")


@dataclass(frozen=True)
class PrivateAPI:
    """One private API of another library, what it is for, and what replaces it.

    Attributes
    ----------
    key : str
        The name callers pass to :func:`usable`.
    package : str
        The distribution that provides it, as pip names it.
    names : tuple of str
        The private names used, ``module.attribute`` (several when they serve
        one purpose together).
    used_in : tuple of str
        mnistlab's modules that use them.
    purpose : str
        What mnistlab gets from them.
    fallback : str
        The public path taken without them.
    checks : tuple of str
        ``module:attribute.path`` that must import for the API to be usable;
        empty for names only written as strings (in allow-lists), which have
        no runtime path to switch.
    """

    key: str
    package: str
    names: tuple[str, ...]
    used_in: tuple[str, ...]
    purpose: str
    fallback: str
    checks: tuple[str, ...] = ()

    @property
    def verified(self) -> tuple[str, str]:
        """The lowest and highest verified versions of :attr:`package`."""
        return VERIFIED[self.package]


_SEARCH = "sklearn.metrics._pairwise_distances_reduction"

#: Every private API mnistlab uses; ``docs/private-apis.md`` is the same table in prose.
PRIVATE_APIS: tuple[PrivateAPI, ...] = (
    PrivateAPI(
        key="sklearn-argkmin",
        package="scikit-learn",
        names=(
            f"{_SEARCH}.ArgKmin",
            f"{_SEARCH}.ArgKminClassMode",
            "sklearn.utils._openmp_helpers._openmp_effective_n_threads",
            "sklearn.neighbors.NearestNeighbors._fit_method",
            "scikit-learn's rule for ArgKmin's strategy='auto' (copied as brute_strategy)",
        ),
        used_in=("mnistlab.knn.plain", "mnistlab.knn.search"),
        purpose="search rows with tied neighbours exactly as KNeighborsClassifier does, "
        "so that the fast KNN paths return its very predictions",
        fallback="KNeighborsClassifier's own predict on the whole query set",
        checks=(
            f"{_SEARCH}:ArgKmin.compute",
            f"{_SEARCH}:ArgKminClassMode.is_usable_for",
            "sklearn.utils._openmp_helpers:_openmp_effective_n_threads",
        ),
    ),
    PrivateAPI(
        key="sklearn-sgd-arithmetic",
        package="scikit-learn",
        names=(
            "sklearn.linear_model._sgd_fast._plain_sgd64",
            "sklearn.utils._weight_vector.WeightVector64",
            "sklearn.utils._seq_dataset.ArrayDataset64",
            "sklearn.linear_model._stochastic_gradient.fit_binary",
            "sklearn.linear_model.SGDClassifier._get_loss_function",
        ),
        used_in=("mnistlab.sgd.fit", "mnistlab.sgd.kernel"),
        purpose="fit SGDClassifier (hinge, L2, optimal rate) with a compiled loop that repeats "
        "scikit-learn's private arithmetic and seeding operation for operation, so that "
        "coef_, intercept_, n_iter_ and t_ are bit-identical, several times faster",
        fallback="SGDClassifier's own fit",
        checks=(
            "sklearn.linear_model._sgd_fast:_plain_sgd64",
            "sklearn.linear_model._stochastic_gradient:fit_binary",
            "sklearn.linear_model:SGDClassifier._get_loss_function",
        ),
    ),
    PrivateAPI(
        key="joblib-dask-backend",
        package="joblib",
        names=(
            "joblib._dask.DaskDistributedBackend",
            "joblib._dask.DaskDistributedBackend._collect",
        ),
        used_in=("mnistlab.scheduling",),
        purpose="keep every task of a one-slot cluster on Dask, and report a task that "
        "killed its workers (KilledWorker) instead of waiting for ever",
        fallback="joblib's own Dask backend, without the two repairs",
        checks=("joblib._dask:DaskDistributedBackend._collect",),
    ),
    PrivateAPI(
        key="joblib-loky-backend",
        package="joblib",
        names=("joblib.parallel.LokyBackend",),
        used_in=("mnistlab.cli.workers",),
        purpose="start the command line's worker processes with Ctrl-C blocked, so that "
        "an interrupt prints no traceback from them",
        fallback="joblib's default backend, whose workers may print a traceback on Ctrl-C",
        checks=("joblib.parallel:LokyBackend.configure", "joblib.parallel:LokyBackend.submit"),
    ),
    PrivateAPI(
        key="uvicorn-multiprocess",
        package="uvicorn",
        names=("uvicorn.supervisors.Multiprocess",),
        used_in=("mnistlab.web.processes",),
        purpose="run `serve --workers N` as N processes on the socket the command opened",
        fallback="one server process on that socket",
        checks=("uvicorn.supervisors:Multiprocess",),
    ),
    PrivateAPI(
        key="sklearn-skops-types",
        package="scikit-learn",
        names=(
            "sklearn.calibration._CalibratedClassifier",
            "sklearn.calibration._TemperatureScaling",
            "sklearn.decomposition._pca.PCA",
            "sklearn.svm._classes.SVC",
        ),
        used_in=("mnistlab.models.classical.archive",),
        purpose="the types a stored model file may name (skops writes a class's module path)",
        fallback="none at run time: a model file that names a class under another module "
        "path is refused on loading (ModelFileError naming the type); the allow-list "
        "then needs the new path",
    ),
    PrivateAPI(
        key="typer-argument-display",
        package="typer",
        names=(
            "typer.core.TyperArgument._usage_display_name",
            "typer.core.TyperArgument.display_type_rich",
        ),
        used_in=("mnistlab.cli.app",),
        purpose="show a named argument in the help as its name alone (`IMAGE...`, `MODEL`), "
        "without braces or a type beside it",
        fallback="Typer's own look (`{IMAGE}...`, the type beside the name); set only where "
        "the attributes exist, so nothing else changes",
    ),
    PrivateAPI(
        key="numpy-reconstruct",
        package="numpy",
        names=("numpy._core.multiarray._reconstruct", "numpy.core.multiarray._reconstruct"),
        used_in=("mnistlab.data.pypi_copy",),
        purpose="the one function a pickled numpy array calls, allowed by the data copy's "
        "restricted unpickler",
        fallback="numpy.core.multiarray._reconstruct (numpy 1); a pickle naming anything "
        "else is refused as not a numpy array",
    ),
)

_BY_KEY = {api.key: api for api in PRIVATE_APIS}

# Forced within this process by public_apis_only(); a context variable, so that
# a block forces only the work it encloses (and asyncio tasks it starts).
_forced: ContextVar[bool] = ContextVar("mnistlab_public_apis_only", default=False)
# Keys already reported: the warning is said once per process, not per call.
_reported: set[str] = set()
_report_lock = threading.Lock()


def get_api(key: str) -> PrivateAPI:
    """Return the record of ``key``.

    Raises
    ------
    KeyError
        If no private API has that key.
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"no private API {key!r}; known: {sorted(_BY_KEY)}") from None


@contextmanager
def public_apis_only() -> Iterator[None]:
    """Take the public path of every private API inside the block, as the environment variable does.

    For tests and notebooks. It reaches the work done in this thread (and the
    asyncio tasks started from it); set ``MNISTLAB_PUBLIC_APIS_ONLY=1`` for
    other processes.

    Example
    -------
    >>> with public_apis_only():                                    # doctest: +SKIP
    ...     FastKNeighborsClassifier().fit(X, y).predict(Q)  # KNeighborsClassifier's path
    """
    token = _forced.set(True)
    try:
        yield
    finally:
        _forced.reset(token)


def forced_reason() -> str | None:
    """Why the public paths are forced, or None when they are not."""
    if os.environ.get(PUBLIC_APIS_ONLY_ENV, "").strip() == "1":
        return f"{PUBLIC_APIS_ONLY_ENV}=1 is set"
    if _forced.get():
        return "mnistlab.private_apis.public_apis_only() is in effect"
    return None


def usable(key: str) -> bool:
    """Whether the private API ``key`` may be used here and now.

    False when its package's version is outside :data:`VERIFIED`, its names do
    not import, or the public paths are forced; the first False of each key in
    a process is logged as one warning on the ``mnistlab`` logger.

    Parameters
    ----------
    key : str
        A key of :data:`PRIVATE_APIS`, e.g. ``"sklearn-argkmin"``.

    Returns
    -------
    bool

    Raises
    ------
    KeyError
        If no private API has that key.
    """
    api = get_api(key)
    reason = forced_reason() or _refusal(key)
    if reason is None:
        return True
    with _report_lock:
        first = key not in _reported
        _reported.add(key)
    if first:
        logger.warning(
            "%s %s: not using %s (%s) because %s; taking the slower public path: %s.",
            api.package,
            installed_version(api.package) or "(not installed)",
            key,
            api.names[0],
            reason,
            api.fallback,
        )
    return False


def in_verified_range(package: str, version: str) -> bool:
    """Whether ``version`` of ``package`` lies within :data:`VERIFIED`, both ends included.

    Only the release numbers count: 1.9.1rc1 and 1.9.1.post1 are 1.9.1.
    """
    low, high = VERIFIED[package]
    return _release(low) <= _release(version) <= _release(high)


@functools.cache
def _refusal(key: str) -> str | None:
    # Versions and imports do not change while a process runs: checked once.
    api = _BY_KEY[key]
    version = installed_version(api.package)
    if version is None:
        return f"{api.package} is not installed"
    if not in_verified_range(api.package, version):
        low, high = api.verified
        return f"it was verified on {api.package} {low} to {high} only"
    for check in api.checks:
        module, _, path = check.partition(":")
        try:
            found: object = importlib.import_module(module)
            for part in path.split("."):
                found = getattr(found, part)
        except Exception as exc:  # ImportError, AttributeError, or whatever the import raises
            return f"{module}.{path} cannot be imported ({type(exc).__name__}: {exc})"
    return None


def _release(version: str) -> tuple[int, ...]:
    # "1.9.1rc1" -> (1, 9, 1, 0, ...): the leading numbers, padded for comparison.
    numbers = release(version) or (0,)
    return numbers + (0,) * (6 - len(numbers))
