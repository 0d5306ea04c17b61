"""The chapter's study of MNIST, step by step, with exactly scikit-learn's numbers.

Computing only: nothing here imports a plotting library. The figures of each
step are drawn by :mod:`mnistlab.report.figures`.

Example
-------
>>> from mnistlab.study import StudyData, run_study          # doctest: +SKIP
>>> results = run_study(StudyData.from_dataset(ds), cache_dir=cache)   # doctest: +SKIP
"""

from mnistlab.study.data import StudyData
from mnistlab.study.results import STEPS, StepResult, StepSpec, StudyResults
from mnistlab.study.runner import run_study
from mnistlab.study.settings import StudySettings
from mnistlab.study.threshold import precision_threshold_classifier, threshold_for_precision

__all__ = [
    "STEPS",
    "StepResult",
    "StepSpec",
    "StudyData",
    "StudyResults",
    "StudySettings",
    "precision_threshold_classifier",
    "run_study",
    "threshold_for_precision",
]
