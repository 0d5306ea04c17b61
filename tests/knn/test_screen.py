"""The screen finds the exact nearest distances, and its error bound holds."""

from __future__ import annotations

import numpy as np
import pytest

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError
from mnistlab.knn import screen as screen_module
from mnistlab.knn.screen import (
    Screen,
    _points,
    as_pixels,
    gram_bound,
    n_threads,
    screen_error,
)
from mnistlab.robustness.corruptions import get_corruption
from mnistlab.system import cpu_count


@pytest.fixture(scope="module")
def real(mnist: Dataset) -> tuple[Screen, np.ndarray, np.ndarray]:
    """A screen of 10,000 training images, 300 test images and their exact distances."""
    X64, compact = as_pixels(mnist.X_train[:10_000])
    Q = mnist.X_test[:300].astype(np.float64)
    d = np.einsum("ij,ij->i", Q, Q)[:, None] + np.einsum("ij,ij->i", X64, X64) - 2 * Q @ X64.T
    return Screen.build(X64, compact, n_components=112, n_jobs=2), Q, d


def _check_search(screen: Screen, Q: np.ndarray, d: np.ndarray, n_search: int) -> None:
    sq, rows = screen.search(Q, n_search=n_search, n_jobs=2)
    assert np.array_equal(sq, np.sort(d, axis=1)[:, :n_search])
    assert np.array_equal(np.take_along_axis(d, rows, axis=1), sq)
    assert all(len(set(r)) == n_search for r in rows)


@pytest.mark.parametrize("n_search", [1, 6, 10])
def test_real_distances_are_the_exact_smallest(real, n_search: int) -> None:
    screen, Q, d = real
    _check_search(screen, Q, d, n_search)


@pytest.mark.parametrize("n_components", [1, 5, 20])
def test_any_axes_give_the_exact_smallest_among_many_ties(n_components: int) -> None:
    # Pixels 0–1 in 24 features: distances are counts of differing pixels, so
    # the k-th distance is shared by many rows.
    rng = np.random.RandomState(0)
    X64, compact = as_pixels(rng.randint(0, 2, (3000, 24)).astype(np.float64))
    Q = rng.randint(0, 2, (200, 24)).astype(np.float64)
    d = np.einsum("ij,ij->i", Q, Q)[:, None] + np.einsum("ij,ij->i", X64, X64) - 2 * Q @ X64.T
    screen = Screen.build(X64, compact, n_components=n_components, n_jobs=2)
    _check_search(screen, Q, d, 6)


def test_queries_far_from_every_row_get_the_same_rows_either_way(
    real, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A grey background (every pixel +120) defeats the screen: distances come directly."""
    screen, Q, d_real = real
    far = np.minimum(Q[:100] + 120, 255)
    X64 = screen.X64
    d = np.einsum("ij,ij->i", far, far)[:, None] + np.einsum("ij,ij->i", X64, X64) - 2 * far @ X64.T
    found = {}
    for share in (screen_module.DIRECT_SHARE, np.inf, 0.0):  # default, never, always direct
        monkeypatch.setattr(screen_module, "DIRECT_SHARE", share)
        _check_search(screen, far, d, 6)
        _check_search(screen, Q, d_real, 10)
        found[share] = screen.search(far, n_search=6, n_jobs=2)[1]
    # Among equal distances both ways take the lowest rows: the same rows, not only distances.
    assert all(np.array_equal(rows, found[0.0]) for rows in found.values())


def test_only_queries_whose_candidates_are_most_rows_go_direct(
    real, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Speckled digits (shot noise) leave many groups of rows in play but few rows: those queries
    # keep the screened path, which gathers only the candidates; a grey background
    # (brightness) leaves most rows and goes direct.
    screen, Q, _ = real
    images = Q[:64].astype(np.uint8)
    direct: list[int] = []
    nearest_of_all = Screen._nearest_of_all

    def counted(self: Screen, Q: np.ndarray, *args: object) -> object:
        direct.append(len(Q))
        return nearest_of_all(self, Q, *args)

    monkeypatch.setattr(Screen, "_nearest_of_all", counted)
    for name, expected in (("shot_noise", []), ("brightness", [64])):
        direct.clear()
        corrupted = get_corruption(name)(images, 0).astype(np.float64)
        screen.search(corrupted, n_search=6, n_jobs=1)
        assert direct == expected, name


def test_gram_bound_bounds_the_spectral_norm() -> None:
    rng = np.random.RandomState(0)
    for shape in [(3, 10), (112, 784), (50, 50)]:
        W = rng.standard_normal(shape)
        assert np.linalg.norm(W, 2) ** 2 <= gram_bound(W)


def test_screen_error_bounds_the_float32_scores(mnist: Dataset, real) -> None:
    # |(||x̃||² - 2T̂) - L| ≤ the bound, with L from float64 points (their own
    # error is about 1e-9 of the bound) and T̂ the float32 product the screen uses.
    screen, Q, d = real
    X64 = mnist.X_train[:10_000].astype(np.float64)
    W, center = screen.components, screen.center
    assert np.linalg.norm(W, 2) <= 1.0
    px, sqx = _points(Q, center, W, 1)
    py, sqy = _points(X64, center, W, 2)
    scaled = np.column_stack([px, np.ones(len(px))]).astype(np.float32)
    scores = (scaled @ screen.table[:, : len(X64)]).astype(np.float64)
    L = sqx[:, None] + sqy[None, :] - 2 * px @ py.T
    error = np.abs(sqx[:, None] - 2 * scores - L)
    bound = screen_error(W.shape[0], W.shape[1], np.sqrt(sqx), screen.max_radius)
    assert np.all(error <= bound[:, None])
    # L really is a lower bound of the squared distance.
    assert np.all(d + 1e-6 * d.max() >= L)


def test_pixels_are_stored_compactly_and_checked() -> None:
    X64, compact = as_pixels(np.array([[0.0, 255.0], [3.0, 4.0]]))
    assert X64.dtype == np.float64 and compact.dtype == np.uint8
    assert as_pixels(np.array([[-1, 300]]))[1].dtype == np.int16
    with pytest.raises(ConfigError, match="integer pixel values"):
        as_pixels(np.array([[np.nan, 1.0]]))
    with pytest.raises(ConfigError, match="too large for exact"):
        as_pixels(np.array([[1e9, 1.0]]))
    with pytest.raises(ConfigError, match="2-D array"):
        as_pixels(np.zeros(3))


def test_the_number_of_threads_does_not_change_the_answer(mnist: Dataset) -> None:
    # Threads only share out fixed chunks of rows; each real image appears twice
    # (ties everywhere), so even the choice among equal distances must agree.
    X64, compact = as_pixels(np.vstack([mnist.X_train[:3000]] * 2))
    Q = mnist.X_test[:700].astype(np.float64)
    screen = Screen.build(X64, compact, n_components=112, n_jobs=1)
    assert np.array_equal(
        screen.table, Screen.build(X64, compact, n_components=112, n_jobs=3).table
    )
    one = screen.search(Q, n_search=6, n_jobs=1)
    for n_jobs in (2, 3, n_threads(None)):
        many = screen.search(Q, n_search=6, n_jobs=n_jobs)
        assert np.array_equal(one[0], many[0]) and np.array_equal(one[1], many[1])


def test_threads_default_to_one_per_physical_core() -> None:
    assert n_threads(None) == n_threads(-1) == cpu_count(physical=True)
    assert n_threads(0) == 1 and n_threads(3) == 3
