"""The one-search KNN path equals KNeighborsClassifier.predict, ties included."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from mnistlab.knn import NeighborSearch


def _plain(X_fit, y_fit, X_query, k, weights):
    return KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X_fit, y_fit).predict(X_query)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_real_mnist_every_k(study_data, k: int, weights: str) -> None:
    X = study_data.X_train[:5000].astype(np.float64)
    y = study_data.y_train[:5000]
    search = NeighborSearch.run(X[:4000], X[4000:], max_k=6)
    assert np.array_equal(
        search.predict(y[:4000], k=k, weights=weights),
        _plain(X[:4000], y[:4000], X[4000:], k, weights),
    )


def _tied_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Training points on a grid of integer coordinates; queries at the centre of
    # squares have several neighbours at exactly the same distance, with
    # different labels — and duplicates of a point with conflicting labels.
    rng = np.random.RandomState(0)
    grid = np.array([[i, j] for i in range(6) for j in range(6)], dtype=np.float64)
    X_fit = np.vstack([grid, grid[:10]])  # duplicates of the first ten points
    y_fit = rng.randint(0, 3, len(X_fit))
    X_query = np.vstack([grid[::5] + 0.5, grid[:10], grid[5:15] + np.array([0.5, 0.0])])
    return X_fit, y_fit, X_query


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_constructed_ties(k: int, weights: str) -> None:
    X_fit, y_fit, X_query = _tied_data()
    search = NeighborSearch.run(X_fit, X_query, max_k=6)
    # The data really has ties at the k-th neighbour.
    assert np.any(search.distances[:, :-1] == search.distances[:, 1:])
    assert np.array_equal(
        search.predict(y_fit, k=k, weights=weights), _plain(X_fit, y_fit, X_query, k, weights)
    )


@pytest.mark.parametrize("k", [2, 4, 5])
def test_boundary_ties_are_searched_again(k: int) -> None:
    X_fit, _, X_query = _tied_data()
    search = NeighborSearch.run(X_fit, X_query, max_k=6)
    tied = search.distances[:, k - 1] == search.distances[:, k]
    assert tied.any()
    _, ind = search.neighbors(k)
    _, plain_ind = NearestNeighbors(n_neighbors=k).fit(X_fit).kneighbors(X_query)
    # Same neighbour sets as a direct search for k, on every row.
    assert np.array_equal(np.sort(ind, axis=1), np.sort(plain_ind, axis=1))


def test_multioutput_matches() -> None:
    X_fit, y_fit, X_query = _tied_data()
    y2 = np.c_[y_fit >= 1, y_fit % 2 == 1]
    search = NeighborSearch.run(X_fit, X_query, max_k=6)
    assert np.array_equal(search.predict(y2, k=5), _plain(X_fit, y2, X_query, 5, "uniform"))


def test_zero_distance_rows_use_only_exact_matches() -> None:
    X_fit = np.array([[0.0], [0.0], [1.0], [2.0], [3.0]])
    y_fit = np.array([1, 0, 2, 2, 2])
    X_query = np.array([[0.0], [2.5]])
    search = NeighborSearch.run(X_fit, X_query, max_k=4)
    got = search.predict(y_fit, k=4, weights="distance")
    assert np.array_equal(got, _plain(X_fit, y_fit, X_query, 4, "distance"))


def test_k_out_of_range() -> None:
    X_fit, y_fit, X_query = _tied_data()
    search = NeighborSearch.run(X_fit, X_query, max_k=3)
    with pytest.raises(ValueError, match=r"k must be in 1\.\.3"):
        search.predict(y_fit, k=4)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize(
    ("n_fit", "n_query", "n_features"),
    # Brute search parallel on the training rows (300 queries), on the queries
    # (2,500 > 2,000 training rows), and a KD-tree (12 features).
    [(2000, 300, 20), (2000, 2500, 20), (2000, 300, 12)],
)
@pytest.mark.parametrize("k", [3, 4, 5])
def test_many_ties_in_every_search_strategy(
    n_fit: int, n_query: int, n_features: int, k: int, weights: str
) -> None:
    # Pixels 0-2 and every training row twice with other labels: most rows tie
    # at the k-th distance, so only searching them exactly like the classifier
    # gives its answers.
    rng = np.random.RandomState(0)
    base = rng.randint(0, 3, (n_fit // 2, n_features))
    X = np.vstack([base, base]).astype(np.float64)
    y = rng.randint(0, 4, len(X))
    Q = rng.randint(0, 3, (n_query, n_features)).astype(np.float64)
    search = NeighborSearch.run(X, Q, max_k=6)
    assert np.mean(search.distances[:, k - 1] == search.distances[:, k]) > 0.1
    expected = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X, y).predict(Q)
    np.testing.assert_array_equal(search.predict(y, k=k, weights=weights), expected)


@pytest.mark.parametrize("k", [3, 5])
def test_real_images_twice_with_other_labels_multilabel(study_data, k: int) -> None:
    # Integer pixels take the exact screen; every training image appears twice
    # with different multilabel targets, so every query ties at every odd k.
    X = study_data.X_train[:3000].astype(np.float64)
    X_fit = np.vstack([X[:2000], X[:2000]])
    y = study_data.y_train[:2000]
    y_fit = np.vstack([np.c_[y >= 7, y % 2 == 1], np.c_[y < 7, y % 2 == 0]])
    X_query = np.vstack([X[2000:], X[:500]])  # 500 queries that are training images
    search = NeighborSearch.run(X_fit, X_query, max_k=6)
    assert np.mean(search.distances[:, k - 1] == search.distances[:, k]) > 0.9
    np.testing.assert_array_equal(
        search.predict(y_fit, k=k), _plain(X_fit, y_fit, X_query, k, "uniform")
    )


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("k", [8, 9, 10])
def test_many_neighbours_with_ties_inside_the_set(k: int, weights: str) -> None:
    # Every training row three times and pixels 0-2: most rows have equidistant
    # neighbours inside their k nearest as well as at the k-th, where from 8 on the
    # order of a distance vote's additions may matter.
    rng = np.random.RandomState(1)
    base = rng.randint(0, 3, (600, 16))
    X = np.vstack([base, base, base]).astype(np.float64)
    y = rng.randint(0, 5, len(X))
    Q = rng.randint(0, 3, (400, 16)).astype(np.float64)
    search = NeighborSearch.run(X, Q, max_k=10)
    assert np.mean(np.any(search.distances[:, : k - 1] == search.distances[:, 1:k], axis=1)) > 0.5
    expected = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X, y).predict(Q)
    np.testing.assert_array_equal(search.predict(y, k=k, weights=weights), expected)
