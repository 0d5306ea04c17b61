"""The code grid behind the loop's margin proof, and fits that lean on it, on real MNIST.

Scaled pixels lie on a grid per feature; the loop proves most rows keep
their margin from one-byte codes and skips their exact dot product. A wrong
proof would change a weight, so every fit here is compared bit for bit with
scikit-learn's.
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
from mnistlab.sgd import fit_sgd
from mnistlab.sgd.grid import FIT_SHARE, code_grid

N_TRAIN = 1500


@pytest.fixture(scope="module")
def scaled(mnist: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The first training images, scaled as the chapter scales them, and their labels."""
    X = mnist.X_train[:N_TRAIN].reshape(N_TRAIN, -1).astype(np.float64)
    return StandardScaler().fit_transform(X), mnist.y_train[:N_TRAIN].astype(np.int64)


def test_scaled_pixels_sit_on_a_grid_of_at_most_256_codes(
    scaled: tuple[np.ndarray, np.ndarray],
) -> None:
    X, _ = scaled
    grid = code_grid(X)
    assert grid is not None
    codes, lo, step, err = grid
    assert codes.dtype == np.uint8 and codes.shape == X.shape
    rebuilt = lo + codes * step
    # Every value is back within a hair of a step; the error weight covers the residual.
    residual = np.abs(X - rebuilt).max(axis=0)
    assert np.all(residual <= FIT_SHARE * step)
    assert np.all(err >= residual) and np.all(err < 1e-6)
    # A feature of one value (a corner pixel) has every code 0.
    constant = np.ptp(X, axis=0) == 0
    assert constant.any() and not codes[:, constant].any()


def test_rows_off_any_grid_give_no_codes(scaled: tuple[np.ndarray, np.ndarray]) -> None:
    X, _ = scaled
    rng = np.random.default_rng(0)
    assert code_grid(X + rng.normal(scale=1e-3, size=X.shape)) is None
    # More than 256 distinct values on a feature's grid cannot be one byte.
    wide = X.copy()
    wide[:, 300] = np.arange(len(X)) * 0.5
    assert code_grid(wide) is None


def fit_both(estimator: SGDClassifier, X: np.ndarray, y: np.ndarray):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        theirs = clone(estimator).fit(X, y)
        ours = fit_sgd(estimator, X, y)
    kinds = [w.category for w in caught]
    return ours, theirs, kinds


def assert_same(ours: SGDClassifier, theirs: SGDClassifier) -> None:
    assert np.array_equal(ours.coef_, theirs.coef_)
    assert np.array_equal(ours.intercept_, theirs.intercept_)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_


@pytest.mark.parametrize("random_state", [42, 11])
def test_a_long_ten_class_fit_with_the_proof_is_bit_identical(
    scaled: tuple[np.ndarray, np.ndarray], random_state: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The chapter's settings on scaled pixels, each class to its own stopping epoch (over
    # a hundred): in the late epochs nearly every row is proven, so a wrong proof would show.
    X, y = scaled
    grids = []

    def recorded(X: np.ndarray):
        grids.append(code_grid(X))
        return grids[-1]

    monkeypatch.setattr(sgd_fit, "code_grid", recorded)
    ours, theirs, kinds = fit_both(SGDClassifier(random_state=random_state), X, y)
    assert len(grids) == 1 and grids[0] is not None  # the fit had codes to prove with
    assert_same(ours, theirs)
    assert ours.n_iter_ > 100
    assert kinds.count(ConvergenceWarning) in (0, 2)  # warned by both or by neither


def test_without_a_grid_the_loop_gives_the_same_weights(
    scaled: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = scaled
    estimator = SGDClassifier(random_state=42, max_iter=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # both fits reach max_iter alike
        proven = fit_sgd(estimator, X, y)
        monkeypatch.setattr(sgd_fit, "code_grid", lambda X: None)
        exact = fit_sgd(estimator, X, y)
    assert_same(proven, exact)
