"""FastKNeighborsClassifier returns exactly what KNeighborsClassifier returns, ties included."""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError
from mnistlab.knn import FastKNeighborsClassifier

WEIGHTS = ["uniform", "distance"]


def _assert_same(fast: FastKNeighborsClassifier, X, y, Q, *, proba: bool = True) -> None:
    plain = KNeighborsClassifier(n_neighbors=fast.n_neighbors, weights=fast.weights).fit(X, y)
    ours, theirs = fast.predict(Q), plain.predict(Q)
    assert ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)
    if proba:
        assert np.array_equal(fast.predict_proba(Q), plain.predict_proba(Q))


def _tie_rows(X, Q, k: int) -> int:
    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(Q)
    return int(np.sum(dist[:, k - 1] == dist[:, k]))


# ------------------------------------------------------------------ real MNIST


@pytest.fixture(scope="module")
def subset(mnist: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """10,000 training images and 3,000 test images, float64 as the chapter has them."""
    return (
        mnist.X_train[:10_000].astype(np.float64),
        mnist.y_train[:10_000],
        mnist.X_test[:3_000].astype(np.float64),
    )


@pytest.fixture(scope="module")
def fitted(subset) -> FastKNeighborsClassifier:
    X, y, _ = subset
    return FastKNeighborsClassifier().fit(X, y)


@pytest.mark.slow
@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("k", [1, 3, 4, 5])
def test_real_subset(subset, fitted, k: int, weights: str) -> None:
    X, y, Q = subset
    _assert_same(fitted.set_params(n_neighbors=k, weights=weights), X, y, Q)


@pytest.mark.slow
@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("k", [1, 2, 5, 9])
def test_real_images_duplicated_with_other_labels(mnist: Dataset, k: int, weights: str) -> None:
    # Every training image appears twice with different labels, so neighbours
    # come in pairs at equal distances: odd k ties at the k-th neighbour on
    # every row, even k has ties inside the k nearest.
    X = np.vstack([mnist.X_train[:4000]] * 2).astype(np.float64)
    y = np.concatenate([mnist.y_train[:4000], (mnist.y_train[:4000] + 1) % 10])
    Q = mnist.X_test[:500].astype(np.float64)
    if k % 2:
        assert _tie_rows(X, Q, k) == len(Q)
    _assert_same(FastKNeighborsClassifier(k, weights=weights).fit(X, y), X, y, Q)


def test_uint8_input_is_the_float64_call(mnist: Dataset) -> None:
    X, y, Q = mnist.X_train[:3000], mnist.y_train[:3000], mnist.X_test[:300]
    fast = FastKNeighborsClassifier(weights="distance").fit(X, y)
    plain = KNeighborsClassifier(weights="distance").fit(X.astype(np.float64), y)
    assert np.array_equal(fast.predict(Q), plain.predict(Q.astype(np.float64)))


def test_threads_do_not_change_the_answer(subset) -> None:
    X, y, Q = subset
    one = FastKNeighborsClassifier(4, weights="distance", n_jobs=1).fit(X, y)
    two = FastKNeighborsClassifier(4, weights="distance", n_jobs=2).fit(X, y)
    assert np.array_equal(one.predict_proba(Q[:1000]), two.predict_proba(Q[:1000]))


# ------------------------------------------------------------------ constructed ties


def _tied_data(
    n_fit: int, n_query: int, n_features: int = 20, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Pixels 0–2: squared distances are small integers, so most queries have
    # many training rows at exactly the same distance. Each training row appears
    # twice with (usually) different labels, and half the queries are training
    # rows themselves (distance 0: distance weights become 0/1).
    rng = np.random.RandomState(seed)
    base = rng.randint(0, 3, (n_fit // 2, n_features))
    X = np.vstack([base, base]).astype(np.float64)
    y = rng.randint(0, 4, len(X))
    fresh = rng.randint(0, 3, (n_query - n_query // 2, n_features))
    return X, y, np.vstack([fresh, base[: n_query // 2]]).astype(np.float64)


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("k", [1, 3, 4, 5, 9])
@pytest.mark.parametrize(
    ("n_fit", "n_query", "n_features"),
    # scikit-learn's brute search runs parallel on the training rows for 300
    # queries and on the queries for 2,500 (more than the training rows); with
    # 12 features it builds a KD-tree instead; 40 training rows are too few for
    # the grouped screen.
    [(2000, 300, 20), (2000, 2500, 20), (2000, 300, 12), (40, 30, 20)],
)
def test_constructed_ties(n_fit: int, n_query: int, n_features: int, k: int, weights: str) -> None:
    X, y, Q = _tied_data(n_fit, n_query, n_features)
    assert _tie_rows(X, Q, k) >= len(Q) // 10
    _assert_same(FastKNeighborsClassifier(k, weights=weights).fit(X, y), X, y, Q)


@pytest.mark.parametrize("n_components", [1, 12, 50])
def test_any_number_of_axes_is_exact(n_components: int) -> None:
    X, y, Q = _tied_data(2000, 300, seed=1)
    fast = FastKNeighborsClassifier(5, weights="distance", n_components=n_components)
    _assert_same(fast.fit(X, y), X, y, Q)


def test_string_labels_and_every_row_a_neighbour() -> None:
    X, _, Q = _tied_data(40, 10, seed=2)
    y = np.array(["odd", "even"])[np.arange(40) % 2]
    _assert_same(FastKNeighborsClassifier(40).fit(X, y), X, y, Q)


# ------------------------------------------------------------------ refusals


def test_refuses_fractional_pixels() -> None:
    with pytest.raises(ConfigError, match="integer pixel values"):
        FastKNeighborsClassifier().fit(np.full((10, 4), 0.5), np.arange(10))


def test_refuses_multi_output_targets() -> None:
    with pytest.raises(ConfigError, match="one label per row"):
        FastKNeighborsClassifier().fit(np.zeros((10, 4)), np.zeros((10, 2)))


def test_refuses_more_neighbours_than_rows() -> None:
    fast = FastKNeighborsClassifier(11).fit(np.arange(40.0).reshape(10, 4), np.arange(10))
    with pytest.raises(ConfigError, match="lower n_neighbors"):
        fast.predict(np.zeros((1, 4)))


def test_refuses_other_widths_and_unknown_weights() -> None:
    fast = FastKNeighborsClassifier().fit(np.arange(40.0).reshape(10, 4), np.arange(10))
    with pytest.raises(ValueError, match="is expecting 4 features"):
        fast.predict(np.zeros((1, 5)))
    with pytest.raises(ConfigError, match="weights must be one of"):
        clone(fast).set_params(weights="gaussian").fit(np.zeros((10, 4)), np.arange(10))


# ------------------------------------------------------------------ full data (CI)


@pytest.mark.full
@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("MNISTLAB_FULL_STUDY") != "1",
    reason="the full-data comparison takes a minute; set MNISTLAB_FULL_STUDY=1 to run it",
)
@pytest.mark.parametrize(("k", "weights"), [(5, "uniform"), (4, "distance")])
def test_full_data_equals_scikit_learn(mnist: Dataset, k: int, weights: str) -> None:
    X, y = mnist.X_train.astype(np.float64), mnist.y_train
    Q = mnist.X_test.astype(np.float64)
    _assert_same(FastKNeighborsClassifier(k, weights=weights).fit(X, y), X, y, Q, proba=False)
