"""The chapter's study of MNIST, step by step, with exactly scikit-learn's numbers.

Example
-------
>>> from mnistlab.study import StudyData, run_study          # doctest: +SKIP
>>> results = run_study(StudyData.from_dataset(ds), cache_dir=cache)   # doctest: +SKIP
"""

from mnistlab.study.data import StudyData
from mnistlab.study.figures import draw_step_figures
from mnistlab.study.results import STEPS, FigureSpec, StepResult, StepSpec, StudyResults
from mnistlab.study.runner import run_study
from mnistlab.study.settings import StudySettings
from mnistlab.study.threshold import precision_threshold_classifier, threshold_for_precision

__all__ = [
    "STEPS",
    "FigureSpec",
    "StepResult",
    "StepSpec",
    "StudyData",
    "StudyResults",
    "StudySettings",
    "draw_step_figures",
    "precision_threshold_classifier",
    "run_study",
    "threshold_for_precision",
]
