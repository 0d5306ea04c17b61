"""Run the study: steps in the chapter's order, shared computations once, cached on disk."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from mnistlab.errors import ConfigError, StudyError
from mnistlab.study import (
    compute_forest,
    compute_linear,
    compute_neighbors,
    compute_svc,
    steps_binary,
    steps_multiclass,
)
from mnistlab.study.cache import CacheEntry, ResultCache, cache_key
from mnistlab.study.classes import resolve_settings, skip_reason
from mnistlab.study.context import StudyContext
from mnistlab.study.data import StudyData
from mnistlab.study.results import (
    STEP_NAMES,
    STEPS,
    Entries,
    StepOutput,
    StepResult,
    StepSpec,
    StudyResults,
)
from mnistlab.study.settings import StudySettings
from mnistlab.study.subset import QUICK_N_TEST, QUICK_N_TRAIN, SUBSET_SEED
from mnistlab.study.threshold import PrecisionNotReached

ComputeFn = Callable[[StudyContext, Entries], CacheEntry]
StepFn = Callable[[StudyContext, Entries], StepOutput]

#: Bump when the cache layout of every computation changes.
COMPUTATION_VERSION = 1


@dataclass(frozen=True)
class Computation:
    """A cacheable unit of work, the other computations it reads, and the settings it uses.

    ``version`` is part of the cache key: bump it when the function's output
    changes, so stale entries of that one computation are not reused.
    ``sizes`` names the numbers of training images the chapter fixes for the
    whole data that the work uses, with their full-data values; a stratified
    subset scales them (:meth:`StudyContext.scaled_size`).
    """

    function: ComputeFn
    depends_on: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    version: int = 1
    sizes: tuple[tuple[str, int], ...] = ()


COMPUTATIONS: dict[str, Computation] = {
    "binary_sgd": Computation(compute_linear.binary_sgd, settings=("positive_class",), version=2),
    "forest": Computation(compute_forest.forest, settings=("positive_class",)),
    "svc": Computation(
        compute_svc.svc, version=2, sizes=(("svc_train_size", compute_svc.SVC_TRAIN_SIZE),)
    ),
    "multiclass_sgd": Computation(compute_linear.multiclass_sgd, version=2),
    # Version 2: rows tied at the k-th distance are searched as scikit-learn 1.9 does.
    "multilabel": Computation(compute_neighbors.multilabel, version=2),
    "denoising": Computation(compute_neighbors.denoising, version=2),
    "grid_search": Computation(
        compute_neighbors.grid_search,
        version=2,
        sizes=(("grid_train_size", compute_neighbors.GRID_TRAIN_SIZE),),
    ),
    "knn_test": Computation(compute_neighbors.knn_test, depends_on=("grid_search",), version=2),
}

STEP_FUNCTIONS: dict[str, tuple[StepFn, tuple[str, ...]]] = {
    "look": (steps_binary.look, ()),
    "binary": (steps_binary.binary, ("binary_sgd",)),
    "cross_validation": (steps_binary.cross_validation, ("binary_sgd",)),
    "confusion": (steps_binary.confusion, ("binary_sgd",)),
    "precision_recall": (steps_binary.precision_recall, ("binary_sgd",)),
    "decision_threshold": (steps_binary.decision_threshold, ("binary_sgd",)),
    "tradeoff": (steps_binary.tradeoff, ("binary_sgd",)),
    "roc": (steps_binary.roc, ("binary_sgd",)),
    "forest": (steps_binary.forest, ("binary_sgd", "forest")),
    "multiclass": (steps_multiclass.multiclass, ("svc", "multiclass_sgd")),
    "error_analysis": (steps_multiclass.error_analysis, ("multiclass_sgd",)),
    "multilabel": (steps_multiclass.multilabel, ("multilabel",)),
    "denoising": (steps_multiclass.denoising, ("denoising",)),
    "tuning": (steps_multiclass.tuning, ("grid_search", "knn_test")),
}


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries whose results the study depends on."""
    versions = {"python": platform.python_version()}
    for dist in ("numpy", "scikit-learn", "scipy", "matplotlib", "mnistlab"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "unknown"
    return versions


def scaled_sizes(ctx: StudyContext) -> dict[str, int]:
    """Every size the chapter fixes for the whole data, as this study's data uses it.

    Example
    -------
    >>> scaled_sizes(StudyContext(data.stratified(), StudySettings()))  # doctest: +SKIP
    {'svc_train_size': 333, 'grid_train_size': 1667}
    """
    return {
        name: ctx.scaled_size(full) for comp in COMPUTATIONS.values() for name, full in comp.sizes
    }


def computation_key(
    name: str,
    ctx: StudyContext,
    deps: Mapping[str, CacheEntry],
    versions: Mapping[str, str],
) -> str:
    """The cache key of one computation of the study.

    It holds the computation's name and versions, the data's checksum, the
    settings the computation uses, the values of the computations it reads and
    the library versions. The sizes the computation scales (``sizes`` of
    :class:`Computation`) join the key only where they differ from the
    full-data size, so a full study's keys stay what they always were, and an
    entry computed with other sizes is never read in their place.

    Example
    -------
    >>> computation_key("svc", ctx, {}, library_versions())  # doctest: +SKIP
    '0023e141522c4496bc689cf02c3e91f2'
    """
    comp = COMPUTATIONS[name]
    settings = ctx.settings.as_dict()
    parts: dict[str, Any] = {
        "computation": name,
        "format": COMPUTATION_VERSION,
        "version": comp.version,
        "checksum": ctx.data.checksum,
        "settings": {s: settings[s] for s in comp.settings},
        "depends_on": {d: deps[d].values for d in comp.depends_on},
        "versions": dict(versions),
    }
    sizes = {size: ctx.scaled_size(full) for size, full in comp.sizes}
    if any(sizes[size] != full for size, full in comp.sizes):
        parts["sizes"] = sizes
    return cache_key(parts)


class _Computer:
    """Runs computations once per study, through the cache when there is one."""

    def __init__(
        self,
        ctx: StudyContext,
        cache: ResultCache | None,
        use_cache: bool,
        versions: dict[str, str],
    ) -> None:
        self.ctx, self.cache, self.use_cache = ctx, cache, use_cache
        self.versions = {k: v for k, v in versions.items() if k != "matplotlib"}
        self.done: dict[str, tuple[CacheEntry, bool]] = {}

    def get(self, name: str) -> tuple[CacheEntry, bool]:
        if name in self.done:
            return self.done[name]
        comp = COMPUTATIONS[name]
        deps = {dep: self.get(dep)[0] for dep in comp.depends_on}
        key = computation_key(name, self.ctx, deps, self.versions)
        entry = self.cache.load(key) if self.cache is not None and self.use_cache else None
        cached = entry is not None
        if entry is None:
            entry = comp.function(self.ctx, deps)
            if self.cache is not None:
                self.cache.save(key, entry)
        self.done[name] = (entry, cached)
        return entry, cached


def subset_to_run(
    data: StudyData, *, quick: bool = False, n_train: int | None = None, n_test: int | None = None
) -> StudyData:
    """The data a study with these options runs on: ``data``, or a stratified subset of it.

    Example
    -------
    >>> len(subset_to_run(data, quick=True).y_train)  # doctest: +SKIP
    10000
    """
    if not quick and n_train is None and n_test is None:
        return data
    if not quick and (n_train is None or n_test is None):
        raise ConfigError(
            "give both n_train and n_test for a subset study, or quick=True "
            f"({QUICK_N_TRAIN:,} training and {QUICK_N_TEST:,} test images)."
        )
    sizes = (
        QUICK_N_TRAIN if n_train is None else n_train,
        QUICK_N_TEST if n_test is None else n_test,
    )
    subset = data.subset
    if subset is not None and (subset.n_train, subset.n_test, subset.seed) == (
        *sizes,
        SUBSET_SEED,
    ):
        return data  # already the subset asked for
    return data.stratified(*sizes, seed=SUBSET_SEED)


def run_study(
    data: StudyData,
    settings: StudySettings | None = None,
    *,
    steps: Sequence[str] | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress: Callable[[StepSpec, str], None] | None = None,
    quick: bool = False,
    n_train: int | None = None,
    n_test: int | None = None,
) -> StudyResults:
    """Run the steps of the study and return every number and curve.

    Parameters
    ----------
    data : StudyData
        The whole data, or a subset of it (:meth:`StudyData.stratified`,
        :meth:`StudyData.head`).
    settings : StudySettings, optional
        Defaults to ``StudySettings.automatic()``: the classes are chosen for
        the data (:func:`mnistlab.study.classes.resolve_settings`), the
        chapter's 5, and 3 and 5, for MNIST and Fashion-MNIST (the same study,
        cache entries and report as ``StudySettings()``), the two classes
        confused most for any other data set. Set classes must be classes of
        the data.
    steps : sequence of str, optional
        Step slugs to run (see ``STEPS``); all 14 when omitted. The hidden
        computations they share run once.
    cache_dir : Path, optional
        Results are cached under ``cache_dir / "study"``; no cache when omitted.
    use_cache : bool, default=True
        False computes everything again and overwrites the cache.
    progress : callable, optional
        Called as ``progress(spec, "start")`` and ``progress(spec, "done")``
        around each step.
    quick : bool, default=False
        Run the quick study: every step on a stratified, seeded subset of
        10,000 training and 2,000 test images (``data.stratified()``), with
        the SVCs' and the grid search's images scaled alike (333 and 1,667).
    n_train, n_test : int, optional
        Run on a stratified subset of this many training and test images
        instead (``data.stratified(n_train, n_test)``); give both, or either
        with ``quick`` (the other is then the quick study's).

    Notes
    -----
    Called inside :func:`mnistlab.scheduling.dask_engine`, the independent
    fits (folds, the forest's trees, the one-versus-rest SVCs) run on Dask
    through joblib's Dask backend. Every number, and so every cache entry, is
    the same as without it: where the work ran is not part of a cache key.

    Returns
    -------
    StudyResults
        Its ``settings`` have the classes chosen. A step that needs more
        classes than the data has (:func:`mnistlab.study.classes.skip_reason`:
        step 10 needs 3, step 12 needs 8), or the target precision no
        threshold reaches (steps 7 and 8), is there with ``skipped`` set to
        the reason and no values.

    Raises
    ------
    StudyError
        For an unknown step name.
    ConfigError
        For subset sizes out of range, only one of ``n_train`` and
        ``n_test`` without ``quick``, or a set class the data does not have.

    Example
    -------
    >>> results = run_study(data.head(6000, 1000), steps=["roc"])   # doctest: +SKIP
    >>> quick = run_study(data, quick=True)                          # doctest: +SKIP
    >>> quick.subset["svc_train_size"]                               # doctest: +SKIP
    333
    >>> results.steps["roc"].values["roc_auc"]                      # doctest: +SKIP
    >>> with dask_engine("tcp://10.0.0.1:8786"):                     # doctest: +SKIP
    ...     same = run_study(data.head(6000, 1000), steps=["roc"])
    """
    settings = StudySettings.automatic() if settings is None else settings
    data = subset_to_run(data, quick=quick, n_train=n_train, n_test=n_test)
    wanted = STEP_NAMES if steps is None else tuple(steps)
    unknown = [s for s in wanted if s not in STEP_NAMES]
    if unknown:
        raise StudyError(f"Unknown study steps {unknown}; choose from {list(STEP_NAMES)}.")
    started = time.perf_counter()
    # Chosen on the data the steps run on, so that a subset study's classes are its own.
    settings, choice = resolve_settings(settings, data)
    versions = library_versions()
    cache = ResultCache(Path(cache_dir) / "study") if cache_dir is not None else None
    ctx = StudyContext(data, settings)
    computer = _Computer(ctx, cache, use_cache, versions)
    results: dict[str, StepResult] = {}
    for spec in STEPS:
        if spec.name not in wanted:
            continue
        if progress is not None:
            progress(spec, "start")
        t0 = time.perf_counter()
        reason = skip_reason(spec.name, ctx.n_classes)
        if reason is not None:
            results[spec.name] = StepResult(
                spec=spec, values={}, arrays={}, seconds=0.0, cached=False, skipped=reason
            )
            if progress is not None:
                progress(spec, "done")
            continue
        function, needs = STEP_FUNCTIONS[spec.name]
        fetched = {name: computer.get(name) for name in needs}
        cached = bool(fetched) and all(was_cached for _, was_cached in fetched.values())
        try:
            values, arrays = function(ctx, {name: entry for name, (entry, _) in fetched.items()})
        except PrecisionNotReached as exc:
            # A weak detector (a hard positive class, many classes) is a fact about
            # the data, not a failure: the steps that need the threshold say so.
            results[spec.name] = StepResult(
                spec=spec,
                values={},
                arrays={},
                seconds=time.perf_counter() - t0,
                cached=cached,
                skipped=exc.reason,
            )
        else:
            results[spec.name] = StepResult(
                spec=spec,
                values=values,
                arrays=arrays,
                seconds=time.perf_counter() - t0,
                cached=cached,
            )
        if progress is not None:
            progress(spec, "done")
    # Remembered beside the results, for their views in a notebook.
    return StudyResults(
        data_name=data.name,
        checksum=data.checksum,
        settings=settings,
        steps=results,
        versions=versions,
        seconds=time.perf_counter() - started,
        subset=None if data.subset is None else data.subset.as_dict(scaled_sizes(ctx)),
        class_choice=None if choice is None or choice.method == "registry" else choice.as_dict(),
    ).with_data(data)
