"""Fit each cross-validation fold once and derive every per-fold quantity from it.

The chapter calls ``cross_val_score``, a hand-written ``StratifiedKFold`` loop,
``cross_val_predict`` and ``cross_val_predict(method="decision_function")`` on
the same estimator and data. With ``cv=3`` on a classifier all of them split with
``StratifiedKFold(3)`` without shuffling and fit the same three models, so one
fit per fold gives all their numbers exactly.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pickle import PicklingError

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import check_cv

from mnistlab.errors import StudyError
from mnistlab.sgd import fit_sgd

METHODS = ("predict", "decision_function", "predict_proba")


@dataclass(frozen=True)
class FoldOutputs:
    """What the fold models said about their held-out rows.

    Attributes
    ----------
    test_indices : list of ndarray
        The held-out rows of each fold, in fold order.
    accuracies : ndarray of float, shape (n_folds,)
        Accuracy of each fold model on its held-out rows (``cross_val_score``).
    out_of_fold : dict of str to ndarray
        For each method, the out-of-fold outputs in the order of the rows
        (``cross_val_predict``).
    """

    test_indices: list[np.ndarray]
    accuracies: np.ndarray
    out_of_fold: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class FitJob:
    """One fit: clone ``estimator``, fit on ``X[train]``, call ``methods`` on ``X[test]``."""

    estimator: BaseEstimator
    X: np.ndarray
    y: np.ndarray
    train: np.ndarray | slice
    test: np.ndarray | slice
    methods: tuple[str, ...]
    #: Call ``methods`` in the worker instead of the parent process. Only for
    #: models whose predictions use no BLAS (trees) and that are costly to send.
    predict_in_worker: bool = False


def _fit_model(
    estimator: BaseEstimator, X: np.ndarray, y: np.ndarray, train: np.ndarray | slice
) -> BaseEstimator:
    with warnings.catch_warnings():
        # The chapter's SGD on raw pixels stops at max_iter without converging;
        # that is the behaviour under study, not a fault to report per fit.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if isinstance(estimator, SGDClassifier):
            # The same model as scikit-learn's fit, bit for bit, through the
            # compiled loop where it applies (mnistlab.sgd).
            return fit_sgd(estimator, X[train], y[train])
        return clone(estimator).fit(X[train], y[train])


def _evaluate(
    model: BaseEstimator,
    X: np.ndarray,
    y: np.ndarray,
    test: np.ndarray | slice,
    methods: tuple[str, ...],
) -> tuple[float, dict[str, np.ndarray]]:
    X_test = X[test]
    outputs = {m: np.asarray(getattr(model, m)(X_test)) for m in methods}
    predicted = outputs["predict"] if "predict" in outputs else np.asarray(model.predict(X_test))
    # accuracy_score is the mean of a boolean array; so is this, bit for bit.
    accuracy = float(np.average(y[test] == predicted))
    return accuracy, outputs


def _fit_one(
    estimator: BaseEstimator,
    X: np.ndarray,
    y: np.ndarray,
    train: np.ndarray | slice,
    test: np.ndarray | slice,
    methods: tuple[str, ...] | None,
) -> BaseEstimator | tuple[float, dict[str, np.ndarray]]:
    # The data are separate arguments, not fields of one FitJob, because
    # joblib's backends share arguments, not their parts: loky memory-maps a
    # large array once, and the Dask backend scatters it once per call to the
    # workers, where a FitJob holding X would be pickled whole into every task.
    model = _fit_model(estimator, X, y, train)
    return model if methods is None else _evaluate(model, X, y, test, methods)


def run_fits(
    jobs: Sequence[FitJob], *, n_jobs: int = 1
) -> list[tuple[float, dict[str, np.ndarray]]]:
    """Run independent fits, ``n_jobs`` at a time, and return (accuracy, outputs) per job.

    Processes, each fitting one model at a time: the forest's and scikit-learn's
    own fits would fight over the GIL in threads. joblib hands the training
    matrix to the workers as a shared memory map; inside
    :func:`mnistlab.scheduling.dask_engine` the fits are Dask tasks instead
    (joblib's Dask backend, which decides the number of workers itself and
    sends each distinct array to the cluster once). An ``SGDClassifier`` is
    fitted by :func:`mnistlab.sgd.fit_sgd`, the same model as its own fit.
    Every fit is independent and seeded, so neither ``n_jobs`` nor the engine
    ever changes a number.

    Example
    -------
    >>> run_fits([FitJob(SGDClassifier(random_state=42), X, y, slice(None), slice(0, 1),
    ...                  ("predict",))])                        # doctest: +SKIP
    """
    for job in jobs:
        unknown = set(job.methods) - set(METHODS)
        if unknown:
            raise ValueError(f"Unknown fold methods {sorted(unknown)}; use some of {METHODS}.")
    n_workers = max(1, min(n_jobs, len(jobs)))
    try:
        fitted = Parallel(n_jobs=n_workers)(
            delayed(_fit_one)(
                job.estimator,
                job.X,
                job.y,
                job.train,
                job.test,
                job.methods if job.predict_in_worker else None,
            )
            for job in jobs
        )
    except PicklingError as exc:
        # loky writes large arrays for its workers to JOBLIB_TEMP_FOLDER (/dev/shm
        # or the temp directory); when that disk is full, the OSError reaches us
        # only as text inside this PicklingError.
        raise StudyError(
            "could not hand the training data to the worker processes; if the disk of "
            "JOBLIB_TEMP_FOLDER (or /dev/shm, or the temp directory) is full, free some "
            "space, point JOBLIB_TEMP_FOLDER elsewhere, or run with --n-jobs 1"
        ) from exc
    # Predictions of linear models are matrix products, and BLAS sums them in an
    # order that depends on its thread count: joblib's and Dask's workers run
    # BLAS on one thread, the plain scikit-learn call on all cores, and the last
    # bits of the decision scores differ. So the fitted models come back and are
    # evaluated here, under the same BLAS settings as the plain call.
    return [
        result if job.predict_in_worker else _evaluate(result, job.X, job.y, job.test, job.methods)
        for job, result in zip(jobs, fitted, strict=True)
    ]


def split_folds(
    X: np.ndarray, y: np.ndarray, *, cv: int = 3
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) index pairs that ``cross_val_score(..., cv=cv)`` uses for a classifier."""
    return list(check_cv(cv, y, classifier=True).split(X, y))


def collect_folds(
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    results: Sequence[tuple[float, dict[str, np.ndarray]]],
    n_samples: int,
) -> FoldOutputs:
    """Assemble per-fold results into accuracies and out-of-fold arrays."""
    test_indices = [test for _, test in splits]
    out_of_fold: dict[str, np.ndarray] = {}
    for method in results[0][1]:
        parts = [outputs[method] for _, outputs in results]
        merged = np.empty((n_samples, *parts[0].shape[1:]), dtype=np.result_type(*parts))
        for test, part in zip(test_indices, parts, strict=True):
            merged[test] = part
        out_of_fold[method] = merged
    return FoldOutputs(
        test_indices=test_indices,
        accuracies=np.array([acc for acc, _ in results], dtype=np.float64),
        out_of_fold=out_of_fold,
    )
