"""FastKNeighborsClassifier as a scikit-learn estimator: the generic checks, and their contracts.

scikit-learn's checks fit fractional values, which this classifier refuses
(its exactness rests on integer pixels), so the checks that fit data are
expected to fail for that reason alone. The contracts they would verify are
checked below on integer data instead.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.knn import FastKNeighborsClassifier
from tests.estimator_checks import CHECKS_ON_GENERATED_DATA, parametrize_with_expected_failures

FRACTIONAL_DATA = (
    "the check fits fractional values; FastKNeighborsClassifier takes integer pixels only "
    "and refuses them with ConfigError"
)
#: The checks that fit the generic fractional data, which the classifier refuses.
EXPECTED_FAILURES: dict[str, str] = dict.fromkeys(
    [
        *CHECKS_ON_GENERATED_DATA,
        "check_classifiers_classes",
        "check_classifiers_one_label",
        "check_classifiers_train",
        "check_estimators_nan_inf",
        "check_supervised_y_2d",
    ],
    FRACTIONAL_DATA,
)


def _expected_failures(estimator: FastKNeighborsClassifier) -> dict[str, str]:
    return EXPECTED_FAILURES


@parametrize_with_expected_failures([FastKNeighborsClassifier()], _expected_failures)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)


# ------------------------------------------------------------------ the same contracts on pixels


def _pixels(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Pixels 0–3 in 12 columns: small integers with many equidistant neighbours.
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 4, (120, 12)).astype(np.float64)
    return X, rng.randint(0, 3, len(X)), rng.randint(0, 4, (40, 12)).astype(np.float64)


def test_fit_returns_self_and_sets_what_it_learned() -> None:
    X, y, Q = _pixels()
    fast = FastKNeighborsClassifier(3)
    with pytest.raises(NotFittedError):
        fast.predict(Q)
    assert fast.fit(X, y) is fast
    assert fast.n_features_in_ == 12 and fast.n_samples_fit_ == 120
    np.testing.assert_array_equal(fast.classes_, [0, 1, 2])


def test_clone_pickle_and_refit_keep_the_predictions() -> None:
    X, y, Q = _pixels()
    fast = FastKNeighborsClassifier(4, weights="distance", n_components=5).fit(X, y)
    expected = KNeighborsClassifier(4, weights="distance").fit(X, y).predict_proba(Q)
    before = {name: id(value) for name, value in vars(fast).items()}
    np.testing.assert_array_equal(fast.predict_proba(Q), expected)
    assert {name: id(value) for name, value in vars(fast).items()} == before

    copy = clone(fast)
    assert copy.get_params() == fast.get_params() and not hasattr(copy, "screen_")
    np.testing.assert_array_equal(copy.fit(X, y).predict_proba(Q), expected)
    np.testing.assert_array_equal(copy.fit(X, y).predict_proba(Q), expected)
    restored = pickle.loads(pickle.dumps(fast))
    np.testing.assert_array_equal(restored.predict_proba(Q), expected)


def test_a_column_of_labels_is_one_label_per_row_as_in_scikit_learn() -> None:
    X, y, Q = _pixels(seed=1)
    with pytest.warns(DataConversionWarning):
        fast = FastKNeighborsClassifier(5).fit(X, y[:, np.newaxis])
    np.testing.assert_array_equal(fast.predict(Q), KNeighborsClassifier().fit(X, y).predict(Q))


def test_malformed_arrays_get_scikit_learns_messages() -> None:
    X, y, _ = _pixels()
    fast = FastKNeighborsClassifier()
    with pytest.raises(ValueError, match="Input X contains NaN"):
        fast.fit(np.where(X == 0, np.nan, X), y)
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        fast.fit(X[:0], y[:0])
    with pytest.raises(TypeError, match="Sparse data was passed"):
        fast.fit(scipy.sparse.csr_matrix(X), y)
    with pytest.raises(ValueError, match="requires y to be passed"):
        fast.fit(X, None)
    with pytest.raises(ValueError, match="Unknown label type"):
        fast.fit(X, y + 0.5)
    with pytest.raises(ValueError, match="Reshape your data"):
        fast.fit(X, y).predict(X[0])
