"""One exact search behind the classifier and the study, equal to KNeighborsClassifier on MNIST.

``NeighborSearch`` (what the study runs) and ``FastKNeighborsClassifier`` (what
the models run) must give scikit-learn's very neighbours, votes and
probabilities, on real images and on real images that tie at every odd k.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.data import Dataset
from mnistlab.knn import FastKNeighborsClassifier, NeighborSearch
from mnistlab.study import compute_neighbors

WEIGHTS = ["uniform", "distance"]
MAX_K = 6


@pytest.fixture(scope="module", params=["images", "images twice with other labels"])
def data(request, mnist: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training rows, labels and queries, float64 as the chapter has them."""
    X, y = mnist.X_train[:4000].astype(np.float64), mnist.y_train[:4000]
    Q = np.vstack([mnist.X_test[:500], mnist.X_train[:100]]).astype(np.float64)
    if request.param == "images":
        return X, y, Q
    # Each image twice with different labels: neighbours come in pairs at equal
    # distances, so every query ties at the k-th neighbour for odd k.
    return np.vstack([X[:2000]] * 2), np.concatenate([y[:2000], (y[:2000] + 1) % 10]), Q


@pytest.fixture(scope="module")
def search(data) -> NeighborSearch:
    X, _, Q = data
    return NeighborSearch.run(X, Q, max_k=MAX_K)


@pytest.fixture(scope="module")
def fitted(data) -> FastKNeighborsClassifier:
    X, y, _ = data
    return FastKNeighborsClassifier().fit(X, y)


def test_the_study_runs_the_same_search() -> None:
    assert compute_neighbors.NeighborSearch is NeighborSearch


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("k", [1, 3, 4, 5, MAX_K])
def test_search_and_classifier_answer_as_scikit_learn(
    data, search: NeighborSearch, fitted: FastKNeighborsClassifier, k: int, weights: str
) -> None:
    X, y, Q = data
    plain = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X, y)
    fast = fitted.set_params(n_neighbors=k, weights=weights)

    dist, ind = search.neighbors(k)
    plain_dist, plain_ind = plain.kneighbors(Q)
    np.testing.assert_array_equal(dist, plain_dist)
    # The same set of rows; equidistant rows inside it may come in another order.
    np.testing.assert_array_equal(np.sort(ind, axis=1), np.sort(plain_ind, axis=1))

    predicted = plain.predict(Q)
    for ours in (search.predict(y, k=k, weights=weights), fast.predict(Q)):
        assert ours.dtype == predicted.dtype
        np.testing.assert_array_equal(ours, predicted)
    probabilities = plain.predict_proba(Q)
    for ours in (search.predict_proba(y, k=k, weights=weights), fast.predict_proba(Q)):
        np.testing.assert_array_equal(ours, probabilities)


def test_one_search_answers_every_k(data, search: NeighborSearch) -> None:
    _, _, Q = data
    assert search.distances.shape == search.indices.shape == (len(Q), MAX_K + 1)
    assert np.all(np.diff(search.distances, axis=1) >= 0)
    with pytest.raises(ValueError, match=rf"k must be in 1\.\.{MAX_K}"):
        search.neighbors(MAX_K + 1)
