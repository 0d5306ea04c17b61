"""Fit an ``SGDClassifier`` with the compiled loop, or with scikit-learn when it does not apply.

:func:`fit_sgd` returns an estimator whose ``coef_``, ``intercept_``,
``n_iter_``, ``t_``, ``classes_``, ``n_features_in_`` and predictions are the
very ones ``clone(estimator).fit(X, y)`` gives, bit for bit. The loop
(:mod:`mnistlab.sgd.kernel`) is used only for the settings it reproduces
(:func:`kernel_supports` says why not otherwise) and only while
``mnistlab.private_apis.usable("sklearn-sgd-arithmetic")``; every other case
is scikit-learn's own fit.

Example
-------
>>> from sklearn.linear_model import SGDClassifier
>>> clf = fit_sgd(SGDClassifier(random_state=42), X, y_5)          # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import validate_data

from mnistlab.private_apis import usable
from mnistlab.sgd.grid import code_grid

__all__ = ["PRIVATE_API", "fit_sgd", "kernel_supports"]

#: The key of :data:`mnistlab.private_apis.PRIVATE_APIS` that guards the loop.
PRIVATE_API = "sklearn-sgd-arithmetic"

#: The parameters the loop reproduces, at exactly these values.
FIXED_PARAMS: dict[str, object] = {
    "loss": "hinge",
    "penalty": "l2",
    "alpha": 0.0001,
    "l1_ratio": 0.15,
    "fit_intercept": True,
    "shuffle": True,
    "verbose": 0,
    "epsilon": 0.1,
    "learning_rate": "optimal",
    "eta0": 0.01,
    "power_t": 0.5,
    "early_stopping": False,
    "validation_fraction": 0.1,
    "n_iter_no_change": 5,
    "class_weight": None,
    "warm_start": False,
    "average": False,
}
#: ``np.iinfo(np.int32).max``: scikit-learn draws every seed below it.
MAX_INT = 2147483647
#: Rows with at most this share of nonzero entries are read as CSR (zeros skipped).
SPARSE_BELOW = 0.5


def kernel_supports(estimator: object, X: object, y: object) -> str | None:
    """Why the compiled loop cannot fit ``estimator`` on (X, y), or None when it can.

    Parameters
    ----------
    estimator : object
        The unfitted estimator.
    X, y : object
        The training data as the caller would pass it to ``fit``.

    Returns
    -------
    str or None
        A short reason, or None: an ``SGDClassifier`` with the settings of
        :data:`FIXED_PARAMS` (``max_iter``, ``tol``, ``random_state`` an int
        and ``n_jobs`` free), a dense 2-D float64 or integer ``X``, a 1-D ``y``
        of as many rows, numba importable and the private API usable.
    """
    if not isinstance(estimator, SGDClassifier) or type(estimator) is not SGDClassifier:
        return f"{type(estimator).__name__} is not an SGDClassifier"
    params = estimator.get_params(deep=False)
    for name, value in FIXED_PARAMS.items():
        given = params[name]
        if type(given) is not type(value) or given != value:
            return f"{name}={given!r} (the loop reproduces {name}={value!r} only)"
    reason = _free_params_reason(params)
    if reason is not None:
        return reason
    if type(X) is not np.ndarray or X.ndim != 2:
        return "X is not a 2-D numpy array"
    if X.dtype != np.float64 and X.dtype.kind not in "biu":
        return f"X has dtype {X.dtype} (float64 or integers only)"
    if X.shape[0] < 1 or X.shape[1] < 1:
        return "X is empty"
    if np.ndim(y) != 1 or len(y) != X.shape[0]:  # type: ignore[arg-type]
        return "y is not one label per row"
    if importlib.util.find_spec("numba") is None:
        return "numba is not installed"
    if not usable(PRIVATE_API):
        return f"the private API {PRIVATE_API} is not usable here"
    return None


def _free_params_reason(params: dict[str, Any]) -> str | None:
    max_iter, tol, seed = params["max_iter"], params["tol"], params["random_state"]
    if not isinstance(max_iter, numbers.Integral) or isinstance(max_iter, bool) or max_iter < 1:
        return f"max_iter={max_iter!r}"
    if tol is not None and (
        not isinstance(tol, numbers.Real) or isinstance(tol, bool) or not math.isfinite(tol)
    ):
        return f"tol={tol!r}"
    if (
        not isinstance(seed, numbers.Integral)
        or isinstance(seed, bool)
        or not 0 <= int(seed) < 2**32
    ):
        return f"random_state={seed!r} (an int seed only)"
    return None


def fit_sgd(estimator: SGDClassifier, X: Any, y: Any, *, n_threads: int = 1) -> SGDClassifier:
    """Return ``clone(estimator)`` fitted on (X, y), through the compiled loop when it applies.

    Parameters
    ----------
    estimator : SGDClassifier
        The unfitted template; it is not changed.
    X : array-like of shape (n_samples, n_features)
        Training rows.
    y : array-like of shape (n_samples,)
        Labels.
    n_threads : int, default=1
        Threads sharing the one-versus-rest problems (the answer is the same
        for any number).

    Returns
    -------
    SGDClassifier
        Fitted; the same numbers as ``clone(estimator).fit(X, y)``, which is
        what runs whenever :func:`kernel_supports` gives a reason.
    """
    if kernel_supports(estimator, X, y) is not None:
        return clone(estimator).fit(X, y)
    fitted = _fit_with_kernel(clone(estimator), X, y, max(1, int(n_threads)))
    return clone(estimator).fit(X, y) if fitted is None else fitted


def _fit_with_kernel(
    est: SGDClassifier, X_in: np.ndarray, y_in: Any, n_threads: int
) -> SGDClassifier | None:
    # None: scikit-learn must decide (an error to raise, or a case the loop leaves to it).
    from mnistlab.sgd import kernel

    try:
        est.coef_ = None
        est.intercept_ = None
        est.t_ = 1.0
        y_checked = validate_data(est, y=y_in)
        if type_of_target(y_checked) not in ("binary", "multiclass"):
            return None
        X, y = validate_data(
            est, X_in, y_checked, dtype=[np.float64, np.float32], order="C", reset=True
        )
    except (ValueError, TypeError):
        return None
    classes = unique_labels(np.unique(y))
    n_classes = len(classes)
    if n_classes < 2:
        return None
    est.classes_ = classes
    est._expanded_class_weight = compute_class_weight(None, classes=classes, y=y)

    positives = classes[1:] if n_classes == 2 else classes
    targets = np.ones((len(positives), X.shape[0]))
    for k, label in enumerate(positives):
        targets[k, y != label] = -1.0
    seeds = _problem_seeds(int(est.random_state), len(positives))
    coef = np.zeros((len(positives), X.shape[1]))
    intercept = np.zeros(len(positives))
    n_iter = np.zeros(len(positives), dtype=np.int64)

    alpha = est.alpha
    typw = np.sqrt(1.0 / np.sqrt(alpha))
    # The first step's rate is typw / max(1, hinge gradient at (1, -typw)) = typw / 1.0.
    optimal_init = float(1.0 / ((typw / 1.0) * alpha))
    tol = -np.inf if est.tol is None else float(est.tol)
    rows = _rows(X)
    grid = code_grid(X) if rows[0] else None
    if grid is None:
        grid = (np.zeros((0, 0), dtype=np.uint8), np.zeros(0), np.zeros(0), np.zeros(0))

    def run(problems: np.ndarray) -> int:
        return int(
            kernel.fit_one_vs_rest(
                *rows,
                targets,
                seeds,
                problems,
                coef,
                intercept,
                n_iter,
                alpha,
                optimal_init,
                int(est.max_iter),
                tol,
                int(est.n_iter_no_change),
                *grid,
            )
        )

    groups = [g for g in np.array_split(np.arange(len(positives)), n_threads) if len(g)]
    if len(groups) == 1:
        status = [run(groups[0])]
    else:
        # Round robin, so that each thread gets several problems to interleave.
        groups = [np.arange(start, len(positives), len(groups)) for start in range(len(groups))]
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            status = list(pool.map(run, groups))
    if any(code != kernel.OK for code in status):
        return None

    est._loss_function_ = est._get_loss_function(est.loss)
    n_iter_ = max(int(n) for n in n_iter)
    if n_classes == 2:
        est.coef_ = coef.reshape(1, -1)
        est.intercept_ = np.atleast_1d(intercept[0])
    else:
        est.coef_ = coef
        est.intercept_ = intercept
    est.t_ += n_iter_ * X.shape[0]
    est.n_iter_ = n_iter_
    if est.tol is not None and est.tol > -np.inf and n_iter_ == est.max_iter:
        warnings.warn(
            "Maximum number of iteration reached before convergence. Consider "
            "increasing max_iter to improve the fit.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return est


def _problem_seeds(random_state: int, n_problems: int) -> np.ndarray:
    """The shuffle seed of each one-versus-rest problem, drawn as scikit-learn draws them.

    Each problem's generator first gives the data set's own seed (unused by a
    shuffled pass), then the seed of the loop.
    """
    if n_problems == 1:
        generators = [np.random.RandomState(random_state)]
    else:
        outer = np.random.RandomState(random_state)
        generators = [np.random.RandomState(s) for s in outer.randint(MAX_INT, size=n_problems)]
    seeds = np.empty(n_problems, dtype=np.int64)
    for k, generator in enumerate(generators):
        generator.randint(1, MAX_INT)
        seeds[k] = generator.randint(MAX_INT)
    return seeds


def _rows(X: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows as the loop reads them: dense, or CSR without the zero entries."""
    nonzero = X != 0
    counts = nonzero.sum(axis=1)
    if counts.sum() >= SPARSE_BELOW * X.size:
        empty = np.zeros(0, dtype=np.int64)
        return True, X, np.zeros(0), empty, empty
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    row_of, indices = np.nonzero(nonzero)
    del row_of
    return False, np.zeros((0, 0)), X[nonzero], indices.astype(np.int64), indptr
