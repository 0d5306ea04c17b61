"""Run the study: steps in the chapter's order, shared computations once, cached on disk."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from mnistlab.errors import StudyError
from mnistlab.study import (
    compute_forest,
    compute_linear,
    compute_neighbors,
    compute_svc,
    steps_binary,
    steps_multiclass,
)
from mnistlab.study.cache import CacheEntry, ResultCache, cache_key
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

ComputeFn = Callable[[StudyContext, Entries], CacheEntry]
StepFn = Callable[[StudyContext, Entries], StepOutput]

#: Bump when the cache layout of every computation changes.
COMPUTATION_VERSION = 1


@dataclass(frozen=True)
class Computation:
    """A cacheable unit of work, the other computations it reads, and the settings it uses.

    ``version`` is part of the cache key: bump it when the function's output
    changes, so stale entries of that one computation are not reused.
    """

    function: ComputeFn
    depends_on: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    version: int = 1


COMPUTATIONS: dict[str, Computation] = {
    "binary_sgd": Computation(compute_linear.binary_sgd, settings=("positive_class",), version=2),
    "forest": Computation(compute_forest.forest, settings=("positive_class",)),
    "svc": Computation(compute_svc.svc, version=2),
    "multiclass_sgd": Computation(compute_linear.multiclass_sgd, version=2),
    # Version 2: rows tied at the k-th distance are searched as scikit-learn 1.9 does.
    "multilabel": Computation(compute_neighbors.multilabel, version=2),
    "denoising": Computation(compute_neighbors.denoising, version=2),
    "grid_search": Computation(compute_neighbors.grid_search, version=2),
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
        settings = self.ctx.settings.as_dict()
        key = cache_key(
            {
                "computation": name,
                "format": COMPUTATION_VERSION,
                "version": comp.version,
                "checksum": self.ctx.data.checksum,
                "settings": {s: settings[s] for s in comp.settings},
                "depends_on": {d: deps[d].values for d in comp.depends_on},
                "versions": self.versions,
            }
        )
        entry = self.cache.load(key) if self.cache is not None and self.use_cache else None
        cached = entry is not None
        if entry is None:
            entry = comp.function(self.ctx, deps)
            if self.cache is not None:
                self.cache.save(key, entry)
        self.done[name] = (entry, cached)
        return entry, cached


def run_study(
    data: StudyData,
    settings: StudySettings | None = None,
    *,
    steps: Sequence[str] | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress: Callable[[StepSpec, str], None] | None = None,
) -> StudyResults:
    """Run the steps of the study and return every number and curve.

    Parameters
    ----------
    data : StudyData
    settings : StudySettings, optional
        Defaults to ``StudySettings()``.
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

    Notes
    -----
    Called inside :func:`mnistlab.scheduling.dask_engine`, the independent
    fits (folds, the forest's trees, the one-versus-rest SVCs) run on Dask
    through joblib's Dask backend. Every number, and so every cache entry, is
    the same as without it: where the work ran is not part of a cache key.

    Returns
    -------
    StudyResults

    Raises
    ------
    StudyError
        For an unknown step name.

    Example
    -------
    >>> results = run_study(data.head(6000, 1000), steps=["roc"])   # doctest: +SKIP
    >>> results.steps["roc"].values["roc_auc"]                      # doctest: +SKIP
    >>> with dask_engine("tcp://10.0.0.1:8786"):                     # doctest: +SKIP
    ...     same = run_study(data.head(6000, 1000), steps=["roc"])
    """
    settings = StudySettings() if settings is None else settings
    wanted = STEP_NAMES if steps is None else tuple(steps)
    unknown = [s for s in wanted if s not in STEP_NAMES]
    if unknown:
        raise StudyError(f"Unknown study steps {unknown}; choose from {list(STEP_NAMES)}.")
    started = time.perf_counter()
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
        function, needs = STEP_FUNCTIONS[spec.name]
        fetched = {name: computer.get(name) for name in needs}
        values, arrays = function(ctx, {name: entry for name, (entry, _) in fetched.items()})
        results[spec.name] = StepResult(
            spec=spec,
            values=values,
            arrays=arrays,
            seconds=time.perf_counter() - t0,
            cached=bool(fetched) and all(cached for _, cached in fetched.values()),
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
    ).with_data(data)
