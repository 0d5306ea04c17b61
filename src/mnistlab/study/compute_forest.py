"""The study's random forest: out-of-fold probabilities of the 5-detector (step 9).

A cacheable computation: it takes the context and returns a :class:`CacheEntry`
of arrays, never the fitted models.
"""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier

from mnistlab.study.cache import CacheEntry
from mnistlab.study.context import StudyContext
from mnistlab.study.folds import FitJob, collect_folds, run_fits, split_folds


def forest(ctx: StudyContext, deps: dict[str, CacheEntry]) -> CacheEntry:
    """Random forest 5-detector: out-of-fold ``predict_proba`` (step 9).

    Folds run one after another with the forest's own ``n_jobs``: trees are
    seeded before they are built, so ``n_jobs`` does not change them, and three
    folds would not share two cores evenly.
    """
    X, y = ctx.X_train, ctx.y_train_positive
    rf = RandomForestClassifier(random_state=42, n_jobs=ctx.n_jobs)
    splits = split_folds(X, y, cv=3)
    jobs = [
        FitJob(rf, X, y, train, test, ("predict_proba",), predict_in_worker=True)
        for train, test in splits
    ]
    folds = collect_folds(splits, run_fits(jobs, n_jobs=1), len(y))
    return CacheEntry(values={}, arrays={"oof_proba": folds.out_of_fold["predict_proba"]})
