"""The study's expensive fits of its linear model, ``SGDClassifier``.

Each function is one cacheable computation: it takes the context and returns
a :class:`CacheEntry` of JSON values and arrays, never the fitted models.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler

from mnistlab.study.cache import CacheEntry
from mnistlab.study.context import SOME_DIGIT_INDEX, StudyContext
from mnistlab.study.folds import FitJob, collect_folds, run_fits, split_folds

_FIRST = slice(SOME_DIGIT_INDEX, SOME_DIGIT_INDEX + 1)


def binary_sgd(ctx: StudyContext, deps: dict[str, CacheEntry]) -> CacheEntry:
    """SGD 5-detector: the full fit and the three fold fits (steps 2–8).

    The full fit answers for ``some_digit``; each fold model gives its
    accuracy, predictions and decision scores on its held-out third, which is
    what ``cross_val_score``, the hand-written loop and both
    ``cross_val_predict`` calls compute.
    """
    X, y = ctx.X_train, ctx.y_train_positive
    sgd = SGDClassifier(random_state=42)
    splits = split_folds(X, y, cv=3)
    methods = ("predict", "decision_function")
    jobs = [FitJob(sgd, X, y, slice(None), _FIRST, methods)]
    jobs += [FitJob(sgd, X, y, train, test, methods) for train, test in splits]
    results = run_fits(jobs, n_jobs=ctx.n_jobs)
    (_, full), folds = results[0], collect_folds(splits, results[1:], len(y))
    # The chapter's hand-written loop counts correct predictions and divides.
    manual = [
        int(np.sum(folds.out_of_fold["predict"][test] == y[test])) / len(test)
        for test in folds.test_indices
    ]
    return CacheEntry(
        values={
            "prediction": bool(full["predict"][0]),
            "decision_score": float(full["decision_function"][0]),
            "cv_accuracies": folds.accuracies.tolist(),
            "manual_accuracies": manual,
        },
        arrays={
            "oof_predict": folds.out_of_fold["predict"],
            "oof_scores": folds.out_of_fold["decision_function"],
        },
    )


def multiclass_sgd(ctx: StudyContext, deps: dict[str, CacheEntry]) -> CacheEntry:
    """10-class SGD: full fit, 3-fold accuracy raw and after StandardScaler (steps 10–11).

    As in the chapter, the scaler is fitted on the whole training set before
    cross-validation (not inside a pipeline). All seven fits are independent
    and share the workers.
    """
    X, y = ctx.X_train, ctx.y_train
    X_scaled = StandardScaler().fit_transform(X.astype("float64"))
    sgd = SGDClassifier(random_state=42)
    splits = split_folds(X, y, cv=3)
    # Longest fits first: on scaled pixels SGD runs about three times longer
    # than on raw ones, and handing those out first keeps both workers busy to
    # the end (seven unequal jobs on two workers). The order changes no number.
    jobs = [FitJob(sgd, X_scaled, y, train, test, ("predict",)) for train, test in splits]
    jobs += [FitJob(sgd, X, y, slice(None), _FIRST, ("predict", "decision_function"))]
    jobs += [FitJob(sgd, X, y, train, test, ()) for train, test in splits]
    results = run_fits(jobs, n_jobs=ctx.n_jobs)
    scaled = collect_folds(splits, results[0:3], len(y))
    full = results[3][1]
    raw = collect_folds(splits, results[4:7], len(y))
    return CacheEntry(
        values={
            "prediction": int(full["predict"][0]),
            "decision_scores": full["decision_function"][0].tolist(),
            "cv_accuracies": raw.accuracies.tolist(),
            "scaled_cv_accuracies": scaled.accuracies.tolist(),
        },
        arrays={"scaled_oof_predict": scaled.out_of_fold["predict"]},
    )
