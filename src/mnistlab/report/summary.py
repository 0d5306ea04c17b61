"""The facts at the top of the report: the data set's name, the settings, where the work ran."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mnistlab.data.registry import get_dataset_spec
from mnistlab.errors import UnknownDatasetError
from mnistlab.report.formats import format_number
from mnistlab.study.quantities import ClassLabel
from mnistlab.study.results import subset_line

if TYPE_CHECKING:
    from mnistlab.scheduling import Engine
    from mnistlab.study.results import StudyResults

__all__ = ["dataset_title", "prose_sizes", "settings_rows", "subset_banner", "where_it_ran"]


def dataset_title(name: str) -> str:
    """Return a data set's name as people write it, or ``name`` for an unregistered one.

    Example
    -------
    >>> dataset_title("fashion-mnist"), dataset_title("my-digits")
    ('Fashion-MNIST', 'my-digits')
    """
    try:
        return get_dataset_spec(name).title
    except UnknownDatasetError:
        return name


def subset_banner(results: StudyResults) -> str:
    """The line that labels a subset study (the quick study) on the page; empty for the whole data.

    Example
    -------
    >>> subset_banner(run_study(data, quick=True, steps=["look"]))  # doctest: +SKIP
    'Quick study: 10,000 of 60,000 training and 2,000 of 10,000 test images (stratified, ...'
    """
    if results.subset is None:
        return ""
    return (
        f"{subset_line(results.subset)}. Every number is scikit-learn's on this subset, "
        "not the chapter's on all the images."
    )


def prose_sizes(results: StudyResults) -> dict[str, int]:
    """The training images of the SVCs and of the grid search, for the prose of a subset study.

    Empty for the whole data: the prose then names the chapter's sizes.

    Example
    -------
    >>> prose_sizes(run_study(data, quick=True, steps=["look"]))  # doctest: +SKIP
    {'svc_train_size': 333, 'grid_train_size': 1667}
    """
    subset = results.subset or {}
    return {k: int(subset[k]) for k in ("svc_train_size", "grid_train_size") if k in subset}


def where_it_ran(results: StudyResults, engine: Engine) -> str:
    """Say where the study's computations ran, for the report.

    Example
    -------
    >>> where_it_ran(results, engine)  # doctest: +SKIP
    'Dask LocalCluster on this machine: 2 workers, 2 threads'
    """
    if results.steps and all(step.cached for step in results.steps.values()):
        return f"{engine.description}; nothing computed, every step came from the cache"
    return engine.description


def settings_rows(
    results: StudyResults, class_names: Sequence[str], engine: Engine | None
) -> dict[str, str]:
    """The study's settings as the report's table shows them, label to text.

    Example
    -------
    >>> settings_rows(results, [str(d) for d in range(10)], None)["Class pair"]  # doctest: +SKIP
    '3 and 5'
    """
    s = results.settings

    def named(c: int) -> str:
        return format_number(ClassLabel(c), class_names=class_names)

    positive, pair = s.chosen_classes()
    # Classes the study chose itself say how, beside them.
    how = "" if results.class_choice is None else " (automatic: the two classes confused most)"
    rows = {
        "Positive class": named(positive) + how,
        "Class pair": " and ".join(named(c) for c in pair) + how,
        "Target precision": f"{s.target_precision:.0%}",
    }
    # On a Dask cluster the workers decide the parallelism, and the
    # description counts them; n_jobs only sized a LocalCluster.
    if engine is None or engine.client is None:
        rows["Parallel jobs"] = "all CPUs" if s.n_jobs is None else str(s.n_jobs)
    if engine is not None:
        rows["Where the work ran"] = where_it_ran(results, engine)
    return rows
