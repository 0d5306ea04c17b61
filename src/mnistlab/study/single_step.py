"""One step of the study on its own, for a notebook cell: ``run_step("roc", data)``."""

from __future__ import annotations

import os
from typing import Any

from mnistlab.config import Locations
from mnistlab.study.data import StudyData
from mnistlab.study.results import StepResult, find_step, remember_source
from mnistlab.study.runner import run_study
from mnistlab.study.settings import StudySettings

__all__ = ["run_step"]


def run_step(
    step: str | int,
    data: Any,
    settings: StudySettings | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> StepResult:
    """Run one step of the study and return its result.

    Only the computations the step needs run (the binary SGD for steps 2–8, the
    SVC and the ten-class SGD for step 10, ...), through the same cache as the
    ``mnistlab study`` command: a step the command has already computed comes
    back in a moment, and a step computed here is one the command need not
    compute again.

    Parameters
    ----------
    step : str or int
        The step's slug (``"roc"``; ``"cross-validation"`` works too) or number (``8``).
    data : StudyData or Dataset
        The data to run on; a :class:`~mnistlab.data.Dataset` from
        :func:`mnistlab.data.load` is turned into :class:`StudyData`.
    settings : StudySettings, optional
        Defaults to ``StudySettings.automatic()``: the chapter's classes for
        MNIST and Fashion-MNIST, the two classes confused most for any other
        data set (see :func:`mnistlab.study.run_study`).
    cache_dir : path-like, optional
        The cache directory; by default the command's own
        (``MNISTLAB_CACHE_DIR``, else the user cache directory). Results live in
        its ``study`` subdirectory.
    use_cache : bool, default=True
        False computes again (and refreshes the cache), as ``--no-cache`` does.

    Returns
    -------
    StepResult
        It prints as a few lines and shows its tables and figures in Jupyter.

    Raises
    ------
    ConfigError
        For an unknown step; the message lists the steps there are.

    Example
    -------
    >>> from mnistlab.data import load
    >>> roc = run_step("roc", load("mnist"))        # doctest: +SKIP
    >>> roc.values["roc_auc"]                        # doctest: +SKIP
    0.9604938554008616
    """
    spec = find_step(step)
    study_data = data if isinstance(data, StudyData) else StudyData.from_dataset(data)
    cache = Locations.resolve(cache_dir=cache_dir).cache_dir
    results = run_study(
        study_data, settings, steps=[spec.name], cache_dir=cache, use_cache=use_cache
    )
    result = results.steps[spec.name]
    for shown in (results, result):
        remember_source(shown, data=study_data, study=results)
    return result
