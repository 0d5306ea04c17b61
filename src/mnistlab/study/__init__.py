"""The chapter's study of MNIST, step by step, with exactly scikit-learn's numbers.

Computing only: nothing here imports a plotting library. The figures of each
step are drawn by :mod:`mnistlab.report.figures`.

Example
-------
>>> from mnistlab.study import StudyData, run_study          # doctest: +SKIP
>>> results = run_study(StudyData.from_dataset(ds), cache_dir=cache)   # doctest: +SKIP
>>> roc = run_step("roc", ds)          # one step, from the command's cache   # doctest: +SKIP
"""

from mnistlab.study.data import StudyData
from mnistlab.study.results import STEPS, StepResult, StepSpec, StudyResults, find_step
from mnistlab.study.runner import run_study
from mnistlab.study.settings import StudySettings
from mnistlab.study.single_step import run_step
from mnistlab.study.threshold import precision_threshold_classifier, threshold_for_precision

__all__ = [
    "STEPS",
    "StepResult",
    "StepSpec",
    "StudyData",
    "StudyResults",
    "StudySettings",
    "find_step",
    "precision_threshold_classifier",
    "run_step",
    "run_study",
    "threshold_for_precision",
]
