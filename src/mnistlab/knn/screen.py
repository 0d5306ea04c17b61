"""The exact nearest training rows of integer-pixel queries, found through a float32 screen.

Most training rows are ruled out by a cheap float32 product in a space of
``m + 2`` columns (``m = 112`` principal axes by default, instead of 784
pixels); exact distances are computed only for the few rows that survive,
about 50 per MNIST query instead of 60,000.

Why nothing is lost
-------------------
Let ``x`` be a query, ``y`` a training row, ``d = ||x - y||²`` and
``D₁ ≤ D₂ ≤ …`` the sorted values of ``d`` over the training rows.

1. *Exact distances.* Pixels are integers, so every product, every partial sum
   and ``||x||² + ||y||² - 2 x·y`` are integers below 2⁵³: float64 computes
   ``d`` exactly, in any summation order. scikit-learn's search computes the
   same integers, so distances and their square roots agree bit for bit.
2. *A lower bound.* ``W`` (``m × n``, the leading principal axes) is scaled
   until a rigorous bound gives ``||W||₂ ≤ 1``: ``||W||₂² = ||WWᵀ||₂ ≤
   max_i Σ_j |(WWᵀ)_ij|``, plus the rounding of the computed ``WWᵀ``. Then
   ``M = I - WᵀW`` is positive semi-definite, ``√(zᵀMz)`` is a seminorm, and
   for rows centred on an integer vector ``c`` (``x̃ = x - c``, ``ỹ = y - c``)::

       d = ||W(x̃-ỹ)||² + (x̃-ỹ)ᵀM(x̃-ỹ) ≥ ||a(x) - a(y)||² + (ρ(x) - ρ(y))² =: L

   with ``a(x) = Wx̃`` and ``ρ(x) = √(||x̃||² - ||Wx̃||²)`` (the seminorm's
   triangle inequality). The point ``p(x) = (a(x), ρ(x))`` has
   ``||p(x)|| = ||x̃||``, so ``L = ||x̃||² - 2T`` with
   ``T = p(x)·p(y) - ||ỹ||²/2``, one product of ``m + 2`` columns.
3. *Its rounding.* ``T̂`` is ``T`` computed in float32 from float32 copies of
   ``p``. With ``u = 2⁻²⁴``, ``γ = (m+2)u / (1 - (m+2)u)`` (the bound on a
   float32 dot product of ``m + 2`` terms in any order, fused or not), ``τ``
   the relative error of the float32 ``p`` (see :func:`screen_error`),
   ``R_x = ||x̃||`` and ``R`` the largest ``||ỹ||``::

       |(||x̃||² - 2T̂) - L| ≤ (2γ(1+τ)² + 4τ + 2τ²)·R_x·R + (γ(1+u) + u)·R²

   The margin ``E`` is twice this bound plus ``16·2⁻⁵³·(R_x + R)²``, which
   covers the float64 roundings in forming the threshold below.
4. *Screening.* Take any ``k + 1`` distinct rows (the best row of each of the
   ``k + 1`` best groups of columns of ``T̂``); the largest of their exact
   distances, ``U``, is at least ``D_{k+1}``. Keep every row with
   ``||x̃||² - 2T̂ - E ≤ U``, i.e. ``T̂ ≥ (||x̃||² - E - U)/2`` (rounded down to
   float32). A row with ``d ≤ D_{k+1}`` has ``||x̃||² - 2T̂ - E ≤ L ≤ d ≤ U`` and
   is kept; the ``k + 1`` smallest exact distances of the kept rows are
   therefore ``D₁ … D_{k+1}``, with rows that realise them.

Any axes would do: their quality changes only how many rows survive.

Queries far from every training row
-----------------------------------
A query unlike any training image (a digit on a grey background, speckled with
noise) has a weak bound: most rows survive, and gathering them for their exact
distances would take minutes. When the candidates of a chunk of queries are
more than :data:`DIRECT_SHARE` of all its (query, row) pairs, the chunk's
distances to every training row come from one float64 matrix product instead:
the same exact integers (step 1), and the same rows, since both ways take, among
equal distances, the lowest row numbers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import eigh
from threadpoolctl import threadpool_limits

from mnistlab.errors import ConfigError, MnistlabError
from mnistlab.system import cpu_count

#: Principal axes of the screen by default. Any number gives the same neighbours; it
#: trades the screen's cost against the number of exact distances.
SCREEN_COMPONENTS = 112
#: Query rows screened at once: 64 × 60,000 float32 scores are 15 MB, which stay in cache.
CHUNK_ROWS = 64
#: Training rows used to find the principal axes.
PCA_ROWS = 10_000
#: Training rows whose best score is found together.
GROUP_SIZE = 64
#: Query rows whose candidates' exact distances come from one matrix product.
EXACT_BLOCK = 8
#: Candidate rows gathered at once for their exact distances (4096 × 784 float64: 26 MB).
EXACT_ROWS = 4096
#: Share of a chunk's (query, row) pairs above which every distance is computed directly.
DIRECT_SHARE = 0.1
#: Largest ``n_features × max|pixel|²`` for which float64 distances stay exact integers.
EXACT_LIMIT = 2**50

_U32 = 2.0**-24
_U64 = 2.0**-53
_PAD_SCORE = np.float32(-3e38)


def as_pixels(X: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check integer pixels; return them as float64 rows and as the smallest integer copy.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_features)
        Pixel values, any dtype.

    Returns
    -------
    X64 : ndarray of float64, C-contiguous
        The rows scikit-learn searches (``X`` itself when it is one already).
    compact : ndarray
        The same values as uint8, int16 or int32, the smallest that holds them
        (what exact distances gather).

    Raises
    ------
    ConfigError
        If ``X`` is not a non-empty 2-D array of integer values small enough
        for exact float64 distances.
    """
    raw = np.asarray(X)
    if raw.ndim != 2 or raw.shape[0] == 0:
        raise ConfigError(f"X must be a non-empty 2-D array of pixels, got shape {raw.shape}.")
    X64 = np.ascontiguousarray(raw, dtype=np.float64)
    low, high = float(X64.min()), float(X64.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ConfigError(
            "X must hold integer pixel values (finite, no fractions); "
            "use KNeighborsClassifier for other data."
        )
    if X64.shape[1] * max(-low, high) ** 2 > EXACT_LIMIT:
        raise ConfigError(
            f"X has pixel values up to {max(-low, high):g}, too large for exact float64 "
            "distances; use KNeighborsClassifier."
        )
    dtype: type[np.integer[Any]] = np.int32  # EXACT_LIMIT keeps every value within int32
    for smaller in (np.int16, np.uint8):
        if np.iinfo(smaller).min <= low and high <= np.iinfo(smaller).max:
            dtype = smaller
    compact = raw if raw.dtype == dtype else X64.astype(dtype)
    if raw.dtype.kind not in "ui" and not np.array_equal(X64, compact):
        raise ConfigError(
            "X must hold integer pixel values (finite, no fractions); "
            "use KNeighborsClassifier for other data."
        )
    return X64, compact


@dataclass(frozen=True)
class Screen:
    """Training rows prepared for exact nearest-neighbour searches.

    Attributes
    ----------
    X64, compact : ndarray
        The training rows (see :func:`as_pixels`).
    sq_norms : ndarray of float64
        ``||y||²`` of each training row (exact).
    components : ndarray of shape (m, n_features)
        The scaled principal axes ``W``, ``||W||₂ ≤ 1``.
    center : ndarray of float64
        The integer vector ``c`` rows are centred on.
    table : ndarray of float32, shape (m + 2, n_padded)
        ``(p(y), -||ỹ||²/2)`` of each training row, in columns, padded to a
        multiple of ``GROUP_SIZE`` with columns that score -3e38.
    max_radius : float
        ``R``, the largest ``||ỹ||``, rounded up.

    Example
    -------
    >>> screen = Screen.build(*as_pixels(X_train), n_components=112, n_jobs=2)  # doctest: +SKIP
    >>> sq, rows = screen.search(as_pixels(X_test)[0], n_search=6, n_jobs=2)    # doctest: +SKIP
    """

    X64: np.ndarray
    compact: np.ndarray
    sq_norms: np.ndarray
    components: np.ndarray
    center: np.ndarray
    table: np.ndarray
    max_radius: float

    @classmethod
    def build(
        cls, X64: np.ndarray, compact: np.ndarray, *, n_components: int, n_jobs: int
    ) -> Screen:
        """Find the axes and the training rows' points (about a second for MNIST)."""
        n, n_features = X64.shape
        m = min(n_components, n_features)
        sample = X64[:: max(1, n // PCA_ROWS)]
        center = np.round(sample.mean(axis=0))
        # LAPACK's eigensolver on several BLAS threads can be 100× slower on a busy
        # machine, and these products are small: one thread. The axes only
        # decide how many rows survive, so a float32 covariance is enough.
        with threadpool_limits(limits=1, user_api="blas"):
            centred = (sample - center).astype(np.float32)
            covariance = (centred.T @ centred).astype(np.float64)
            _, axes = eigh(covariance, subset_by_index=[n_features - m, n_features - 1])
            W = np.ascontiguousarray(axes[:, ::-1].T)
            W /= np.sqrt(gram_bound(W)) * (1 + 1e-6)
            if gram_bound(W) > 1.0:
                raise MnistlabError("could not scale the screening axes to norm ≤ 1; report this.")
        points, sq = _points(X64, center, W, n_jobs)
        table = np.zeros((m + 2, -(-n // GROUP_SIZE) * GROUP_SIZE), dtype=np.float32)
        table[: m + 1, :n] = points.T
        table[m + 1, :n] = -sq / 2
        table[m + 1, n:] = _PAD_SCORE
        return cls(
            X64=X64,
            compact=compact,
            sq_norms=np.einsum("ij,ij->i", X64, X64),
            components=W,
            center=center,
            table=table,
            # Rounded up, so that sqrt's rounding cannot shrink the bounds.
            max_radius=float(np.sqrt(sq.max())) * (1 + 4 * _U64),
        )

    def search(self, Q: np.ndarray, *, n_search: int, n_jobs: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the exact squared distances and rows of the ``n_search`` nearest rows.

        Parameters
        ----------
        Q : ndarray of float64, shape (n_queries, n_features)
            Integer-valued query rows.
        n_search : int
            How many nearest rows, at most the number of training rows.
        n_jobs : int
            Threads.

        Returns
        -------
        sq : ndarray of float64, shape (n_queries, n_search)
            Sorted squared distances ``D₁ … D_{n_search}``.
        rows : ndarray of intp, shape (n_queries, n_search)
            Training rows at those distances (among equal distances, any).
        """
        W = self.components
        points, sq_centred = _points(Q, self.center, W, n_jobs)
        scaled = np.empty((len(Q), W.shape[0] + 2), dtype=np.float32)
        scaled[:, :-1] = points
        scaled[:, -1] = 1.0
        radii = np.sqrt(sq_centred) * (1 + 4 * _U64)
        R = self.max_radius
        margin = 2 * screen_error(W.shape[0], W.shape[1], radii, R) + 16 * _U64 * (radii + R) ** 2
        q_norms = np.einsum("ij,ij->i", Q, Q)
        # Group g holds rows g, g + n_groups, g + 2·n_groups, ...: each group's
        # best score is a maximum over contiguous slices. With too few rows for
        # n_search groups, every row is its own group.
        n = len(self.X64)
        group, table = GROUP_SIZE, self.table
        if n < GROUP_SIZE * n_search:
            group, table = 1, self.table[:, :n]
        n_groups = table.shape[1] // group
        sq = np.empty((len(Q), n_search))
        rows = np.empty((len(Q), n_search), dtype=np.intp)
        local = threading.local()  # one score buffer per thread, reused across chunks

        def chunk(start: int) -> None:
            part = slice(start, min(start + CHUNK_ROWS, len(Q)))
            if not hasattr(local, "buffer"):
                local.buffer = np.empty((CHUNK_ROWS, table.shape[1]), dtype=np.float32)
            scores = np.matmul(scaled[part], table, out=local.buffer[: part.stop - start])
            sq[part], rows[part] = self._screen(
                Q[part],
                q_norms[part],
                scores.reshape(-1, group, n_groups),
                sq_centred[part] - margin[part],
                n_search,
            )

        _in_threads(chunk, range(0, len(Q), CHUNK_ROWS), n_jobs)
        return sq, rows

    def _screen(
        self,
        Q: np.ndarray,
        q_norms: np.ndarray,
        grouped: np.ndarray,
        slack: np.ndarray,
        n_search: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        # grouped[i, t, g] = T̂ for query i and training row g + t·n_groups;
        # slack = ||x̃||² - E. Step 4 of the module docstring.
        nr, _, n_groups = grouped.shape
        best = grouped.max(axis=1)
        top = np.argpartition(best, n_groups - n_search, axis=1)[:, n_groups - n_search :]
        slot = grouped[np.arange(nr)[:, None], :, top].argmax(axis=2)
        owner = np.repeat(np.arange(nr), n_search)
        bound = self._exact(Q, q_norms, owner, (slot * n_groups + top).ravel())
        threshold = (slack - bound.reshape(nr, n_search).max(axis=1)) / 2
        low = threshold.astype(np.float32)
        low = np.where(low > threshold, np.nextafter(low, np.float32(-np.inf)), low)
        pair_row, pair_group = np.nonzero(best >= low[:, None])
        hit, slot = np.nonzero(grouped[pair_row, :, pair_group] >= low[pair_row, None])
        owner, cand = pair_row[hit], slot * n_groups + pair_group[hit]
        real = cand < len(self.X64)
        owner, cand = owner[real], cand[real]
        if len(cand) > DIRECT_SHARE * nr * len(self.X64):
            return self._nearest_of_all(Q, q_norms, n_search)
        d = self._exact(Q, q_norms, owner, cand)
        order = np.lexsort((cand, d, owner))
        owner, cand, d = owner[order], cand[order], d[order]
        starts = np.searchsorted(owner, np.arange(nr))
        if np.any(np.diff(np.append(starts, len(owner))) < n_search):
            raise MnistlabError("the exact screen kept too few rows; this is a bug, report it.")
        take = starts[:, None] + np.arange(n_search)
        return d[take], cand[take]

    def _nearest_of_all(
        self, Q: np.ndarray, q_norms: np.ndarray, n_search: int
    ) -> tuple[np.ndarray, np.ndarray]:
        # Exact distances to every training row (integers, see step 1); among
        # equal distances the lowest rows, as the screened path takes them.
        d = q_norms[:, None] + self.sq_norms[None, :] - 2 * (Q @ self.X64.T)
        kth = np.partition(d, n_search - 1, axis=1)[:, n_search - 1]
        sq = np.empty((len(Q), n_search))
        rows = np.empty((len(Q), n_search), dtype=np.intp)
        for i in range(len(Q)):
            cand = np.flatnonzero(d[i] <= kth[i])
            order = np.lexsort((cand, d[i, cand]))[:n_search]
            sq[i], rows[i] = d[i, cand[order]], cand[order]
        return sq, rows

    def _exact(
        self, Q: np.ndarray, q_norms: np.ndarray, owner: np.ndarray, cand: np.ndarray
    ) -> np.ndarray:
        # ||x||² + ||y||² - 2x·y for the pairs (Q[owner], X[cand]), owner sorted.
        # Every term is an integer below 2⁵³, so the float64 result is exact.
        # At most EXACT_ROWS rows are gathered at a time, whatever the candidates.
        dots = np.empty(len(owner))
        edges = np.searchsorted(owner, np.arange(0, len(Q) + EXACT_BLOCK, EXACT_BLOCK))
        blocks = zip(range(0, len(Q), EXACT_BLOCK), edges[:-1], edges[1:], strict=True)
        for first, start, stop in blocks:
            queries = Q[first : first + EXACT_BLOCK].T
            for p0 in range(start, stop, EXACT_ROWS):
                p1 = min(p0 + EXACT_ROWS, stop)
                rows = np.take(self.compact, cand[p0:p1], axis=0).astype(np.float64)
                block = rows @ queries
                dots[p0:p1] = block[np.arange(p1 - p0), owner[p0:p1] - first]
        return q_norms[owner] + self.sq_norms[cand] - 2 * dots


def gram_bound(W: np.ndarray) -> float:
    """An upper bound on ``||W||₂²``, rounding included.

    The ∞-norm of ``WWᵀ`` bounds its spectral norm, and each computed entry of
    ``WWᵀ`` is off by at most ``γₙ`` times the largest squared row norm.
    """
    m, n = W.shape
    gram = W @ W.T
    gamma_n = n * _U64 / (1 - n * _U64)
    row_sq = float(np.max(np.diag(gram))) / (1 - gamma_n)
    return float(np.max(np.abs(gram).sum(axis=1))) * (1 + 4 * m * _U64) + m * gamma_n * row_sq


def screen_error(m: int, n: int, radii: np.ndarray, R: float) -> np.ndarray:
    """The bound of step 3 on ``|(||x̃||² - 2T̂) - L|``, per query of radius ``R_x``."""
    gamma_n = n * _U64 / (1 - n * _U64)
    gamma_m = m * _U64 / (1 - m * _U64)
    # Relative error of float32 p(x): the m float64 products (each off by at most
    # γₙ·||x̃||), the square root of a difference of squared norms (off by at most
    # the square root of the difference's error), the float32 rounding; doubled.
    tau = 2 * (_U32 + np.sqrt(m) * gamma_n + np.sqrt(2 * np.sqrt(m) * gamma_n + gamma_m + 4 * _U64))
    gamma = (m + 2) * _U32 / (1 - (m + 2) * _U32)
    c1 = 2 * gamma * (1 + tau) ** 2 + 4 * tau + 2 * tau**2
    c2 = gamma * (1 + _U32) + _U32
    return c1 * radii * R + c2 * R**2


def n_threads(n_jobs: int | None) -> int:
    """Threads for ``n_jobs``: None or negative means one per physical core.

    The physical cores this process may use (:func:`mnistlab.system.cpu_count`,
    which honours a container's CPU quota). Only the speed depends on it: every
    query chunk is screened alone, with a one-thread BLAS, so any number of
    threads returns the same distances and rows (``tests/knn/test_screen.py``).
    """
    return cpu_count(physical=True) if n_jobs is None or n_jobs < 0 else max(1, n_jobs)


def _points(
    X64: np.ndarray, center: np.ndarray, W: np.ndarray, n_jobs: int
) -> tuple[np.ndarray, np.ndarray]:
    # p(x) = (W x̃, ρ(x)) in float64, and ||x̃||² (exact: a sum of squared integers).
    m = W.shape[0]
    points = np.empty((len(X64), m + 1))
    sq = np.empty(len(X64))
    step = 16 * CHUNK_ROWS

    def block(start: int) -> None:
        part = slice(start, start + step)
        centred = X64[part] - center
        projected = centred @ W.T
        points[part, :m] = projected
        sq[part] = np.einsum("ij,ij->i", centred, centred)
        rest = sq[part] - np.einsum("ij,ij->i", projected, projected)
        points[part, m] = np.sqrt(np.maximum(rest, 0.0))

    _in_threads(block, range(0, len(X64), step), n_jobs)
    return points, sq


def _in_threads(task: Callable[[int], None], starts: range, n_jobs: int) -> None:
    # task(start) for every start on up to n_jobs threads, each with a one-thread
    # BLAS: both cores busy without oversubscription (numpy releases the GIL).
    n_workers = max(1, min(n_jobs, len(starts)))
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(n_workers) as pool:
        for _ in pool.map(task, starts):
            pass
