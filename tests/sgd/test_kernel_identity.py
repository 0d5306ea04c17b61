"""The compiled SGD loop gives scikit-learn's very SGDClassifier, bit for bit, on real MNIST.

Every comparison is ``np.array_equal`` (never a tolerance) against
``clone(estimator).fit(X, y)``: the weights, the intercepts, the epoch count,
``t_``, the classes and every prediction and decision value.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler

import mnistlab.sgd.fit as sgd_fit
from mnistlab.data import Dataset
from mnistlab.private_apis import public_apis_only
from mnistlab.sgd import fit_sgd, kernel_supports

N_TRAIN = 2000
N_QUERY = 500


@pytest.fixture(scope="module")
def pixels(mnist: Dataset) -> dict[str, np.ndarray]:
    """The first training images (raw and scaled float64), their labels, and query rows."""
    X = mnist.X_train[:N_TRAIN].astype(np.float64)
    scaler = StandardScaler().fit(X)
    Q = mnist.X_test[:N_QUERY].astype(np.float64)
    return {
        "raw": X,
        "scaled": scaler.transform(X),
        "query_raw": Q,
        "query_scaled": scaler.transform(Q),
        "y": mnist.y_train[:N_TRAIN].astype(np.int64),
    }


class KernelSpy:
    """Counts the calls of the compiled loop."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = sgd_fit._fit_with_kernel

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(sgd_fit, "_fit_with_kernel", counted)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> KernelSpy:
    return KernelSpy(monkeypatch)


def assert_identical(ours: SGDClassifier, theirs: SGDClassifier, Q: np.ndarray) -> None:
    for name in ("coef_", "intercept_", "classes_"):
        mine, reference = getattr(ours, name), getattr(theirs, name)
        assert mine.dtype == reference.dtype and mine.shape == reference.shape, name
        assert np.array_equal(mine, reference), name
    assert type(ours.n_iter_) is type(theirs.n_iter_) and ours.n_iter_ == theirs.n_iter_
    assert type(ours.t_) is type(theirs.t_) and ours.t_ == theirs.t_
    assert ours.n_features_in_ == theirs.n_features_in_
    assert sorted(vars(ours)) == sorted(vars(theirs))
    assert np.array_equal(ours.decision_function(Q), theirs.decision_function(Q))
    assert np.array_equal(ours.predict(Q), theirs.predict(Q))


def fit_both(
    estimator: SGDClassifier, X: np.ndarray, y: np.ndarray, **kwargs: int
) -> tuple[SGDClassifier, SGDClassifier, bool, bool]:
    """Both fits, and whether each warned that max_iter was reached."""
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always", ConvergenceWarning)
        theirs = clone(estimator).fit(X, y)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always", ConvergenceWarning)
        ours = fit_sgd(estimator, X, y, **kwargs)

    def warned(caught: list[warnings.WarningMessage]) -> bool:
        return any(issubclass(w.category, ConvergenceWarning) for w in caught)

    return ours, theirs, warned(ours_warned), warned(theirs_warned)


@pytest.mark.parametrize("scaling", ["raw", "scaled"])
@pytest.mark.parametrize("random_state", [42, 7])
def test_binary_fit_is_bit_identical(
    pixels: dict[str, np.ndarray], spy: KernelSpy, scaling: str, random_state: int
) -> None:
    y_5 = pixels["y"] == 5
    estimator = SGDClassifier(random_state=random_state)
    ours, theirs, *_ = fit_both(estimator, pixels[scaling], y_5)
    assert spy.calls == 1
    assert_identical(ours, theirs, pixels[f"query_{scaling}"])


@pytest.mark.parametrize(
    ("scaling", "random_state", "max_iter", "n_threads"),
    [("raw", 42, 40, 1), ("scaled", 42, 40, 2), ("raw", 3, 25, 2), ("scaled", 0, 30, 1)],
)
def test_ten_class_fit_is_bit_identical(
    pixels: dict[str, np.ndarray],
    spy: KernelSpy,
    scaling: str,
    random_state: int,
    max_iter: int,
    n_threads: int,
) -> None:
    # A small max_iter keeps this quick; some classes stop by tol before it, others reach it.
    estimator = SGDClassifier(random_state=random_state, max_iter=max_iter)
    ours, theirs, ours_warned, theirs_warned = fit_both(
        estimator, pixels[scaling], pixels["y"], n_threads=n_threads
    )
    assert spy.calls == 1
    assert ours_warned == theirs_warned
    assert_identical(ours, theirs, pixels[f"query_{scaling}"])


def test_a_fit_stopped_by_tol_and_one_stopped_by_max_iter(
    pixels: dict[str, np.ndarray], spy: KernelSpy
) -> None:
    X, y_5 = pixels["raw"], pixels["y"] == 5
    stopped, theirs, warned, theirs_warned = fit_both(SGDClassifier(random_state=42), X, y_5)
    assert stopped.n_iter_ < 1000 and not warned and not theirs_warned
    assert_identical(stopped, theirs, pixels["query_raw"])
    capped, theirs, warned, theirs_warned = fit_both(
        SGDClassifier(random_state=42, max_iter=5), X, y_5
    )
    assert capped.n_iter_ == 5 and warned and theirs_warned
    assert_identical(capped, theirs, pixels["query_raw"])
    assert spy.calls == 2


@pytest.mark.slow
def test_the_full_default_ten_class_fit_on_raw_pixels(
    pixels: dict[str, np.ndarray], spy: KernelSpy
) -> None:
    # The study's own settings, every class to its own stopping epoch.
    X, y = pixels["raw"][:1000], pixels["y"][:1000]
    ours, theirs, ours_warned, theirs_warned = fit_both(SGDClassifier(random_state=42), X, y)
    assert spy.calls == 1 and ours_warned == theirs_warned
    assert_identical(ours, theirs, pixels["query_raw"])


@pytest.mark.parametrize(
    "params",
    [
        {"loss": "log_loss"},
        {"alpha": 1e-3},
        {"penalty": "l1"},
        {"average": True},
        {"class_weight": "balanced"},
        {"learning_rate": "constant", "eta0": 0.1},
        {"early_stopping": True},
        {"random_state": None},
        {"fit_intercept": False},
    ],
)
def test_other_settings_take_scikit_learns_path(
    pixels: dict[str, np.ndarray], spy: KernelSpy, params: dict[str, object]
) -> None:
    X, y = pixels["scaled"][:300], pixels["y"][:300]
    estimator = SGDClassifier(max_iter=5, tol=None, **{"random_state": 0, **params})
    assert kernel_supports(estimator, X, y) is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = fit_sgd(estimator, X, y)
    assert spy.calls == 0
    if params.get("random_state", 0) is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            theirs = clone(estimator).fit(X, y)
        assert np.array_equal(ours.coef_, theirs.coef_)


def test_other_inputs_take_scikit_learns_path(pixels: dict[str, np.ndarray]) -> None:
    estimator = SGDClassifier(random_state=0)
    X, y = pixels["raw"][:50], pixels["y"][:50]
    assert kernel_supports(estimator, X, y) is None
    assert kernel_supports(estimator, X.astype(np.float32), y) is not None
    assert kernel_supports(estimator, X.tolist(), y) is not None
    assert kernel_supports(estimator, X, y[:10]) is not None
    with pytest.raises(ValueError):  # scikit-learn's own error for a single class
        fit_sgd(estimator, X, np.zeros(50))


def test_public_apis_only_takes_scikit_learns_path(
    pixels: dict[str, np.ndarray], spy: KernelSpy
) -> None:
    X, y = pixels["raw"][:500], pixels["y"][:500] == 5
    estimator = SGDClassifier(random_state=42, max_iter=20, tol=None)
    with public_apis_only():
        assert kernel_supports(estimator, X, y) is not None
        ours = fit_sgd(estimator, X, y)
    assert spy.calls == 0
    assert_identical(ours, clone(estimator).fit(X, y), pixels["query_raw"])
