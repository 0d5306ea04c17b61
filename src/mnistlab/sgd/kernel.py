"""The compiled loop: scikit-learn's plain SGD for the hinge loss, operation for operation.

One call trains several one-versus-rest problems on the same rows at once.
Each problem keeps exactly the arithmetic of scikit-learn's ``_plain_sgd``
(``sklearn/linear_model/_sgd_fast.pyx.tp``) with a ``WeightVector``
(``sklearn/utils/_weight_vector.pyx.tp``) over an ``ArrayDataset``
(``sklearn/utils/_seq_dataset.pyx.tp``) for ``loss="hinge"``,
``penalty="l2"``, ``learning_rate="optimal"``, ``fit_intercept=True``,
``shuffle=True``, unit sample and class weights and no averaging:

* per epoch the row order is shuffled by Fisher-Yates with the xorshift
  generator ``our_rand_r``, always from the problem's own seed (the seed is
  passed by value, so every epoch applies the same swaps to the order the
  previous epoch left);
* per row: ``p = (sum_j w_j x_j) * wscale + intercept`` summed in feature
  order; ``eta = 1 / (alpha (optimal_init + t - 1))``; the objective gains the
  hinge loss, then ``alpha (0.5 |w|^2)``; the weights shrink by
  ``c = max(0, 1 - eta alpha)`` through ``wscale`` (and ``|w|^2`` by ``c c``);
  when the margin is violated ``w_j += x_j (update / wscale)`` and
  ``|w|^2`` is summed afresh over every feature in order;
* per epoch end: the mean objective against the best one less ``tol``
  decides the stopping count.

Four liberties, each exact: the problems' independent sums are interleaved
(each problem's own order of additions is kept); zero entries of ``x`` are
skipped in the dot product and the update (``w`` stays finite and never
``-0.0``, so adding ``+-0.0`` changes nothing); and the L1 norm, multiplied by
``l1_ratio = 0`` in the objective, is not tracked (it adds ``+0.0`` while the
weights are finite; a non-finite objective makes the caller take
scikit-learn's path instead); and, for dense rows given as small integer
codes on a grid per feature (scaled pixels are), a row whose margin is
proven to hold skips the exact dot product. Such a row changes nothing but
``wscale``, ``t`` and the objective's penalty term, and its hinge loss is
``0.0`` whatever ``p`` is to the last bit; the proof is a cheap, freely
summed dot product over the one-byte codes with a rigorous bound on its
distance from scikit-learn's sum, and every row it cannot prove takes the
exact path. Only that estimate (:func:`_approx_dot4`) is compiled with
reassociation and contraction; everything that reaches a result is compiled
without ``fastmath``, so no reassociation and no fused multiply-add.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: ``wscale`` below this folds the scale into the weights (``reset_wscale``, float64).
WSCALE_RESET = 1e-9
#: ``our_rand_r`` returns its state modulo ``RAND_R_MAX + 1``.
RAND_MODULUS = 2147483648
#: Kernel return codes.
OK = 0
NONFINITE_WEIGHTS = 1
NONFINITE_OBJECTIVE = 2


@njit(cache=True, nogil=True)
def _next_random(state: int) -> tuple[int, int]:  # pragma: no cover - compiled
    """One step of scikit-learn's xorshift generator: the new state and the value drawn."""
    if state == 0:
        state = 1
    state ^= (state << 13) & 0xFFFFFFFF
    state ^= state >> 17
    state ^= (state << 5) & 0xFFFFFFFF
    return state, state % RAND_MODULUS


@njit(cache=True, nogil=True)
def shuffle_order(order: np.ndarray, seed: int) -> None:  # pragma: no cover - compiled
    """Permute ``order`` in place as ``SequentialDataset.shuffle(seed)`` permutes its index."""
    n = order.shape[0]
    state = seed
    for i in range(n - 1):
        state, drawn = _next_random(state)
        j = i + drawn % (n - i)
        held = order[i]
        order[i] = order[j]
        order[j] = held


#: Problems whose sums run side by side (independent chains fill the floating-point units).
GROUP = 4


@njit(cache=True, nogil=True)
def _dot4(w0, x0, w1, x1, w2, x2, w3, x3, n):  # pragma: no cover
    """Four dense dot products over the first ``n`` features, each summed in order."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for j in range(n):
        s0 += w0[j] * x0[j]
        s1 += w1[j] * x1[j]
        s2 += w2[j] * x2[j]
        s3 += w3[j] * x3[j]
    return s0, s1, s2, s3


@njit(cache=True, nogil=True)
def _sparse_dot4(w0, i0, v0, w1, i1, v1, w2, i2, v2, w3, i3, v3, n):  # pragma: no cover
    """Four sparse dot products over the first ``n`` stored entries, each summed in order."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for j in range(n):
        s0 += w0[i0[j]] * v0[j]
        s1 += w1[i1[j]] * v1[j]
        s2 += w2[i2[j]] * v2[j]
        s3 += w3[i3[j]] * v3[j]
    return s0, s1, s2, s3


@njit(cache=True, nogil=True)
def _sparse_dot_tail(total, w, ind, val, lo):  # pragma: no cover
    """Continue the sum ``total`` over the stored entries from ``lo`` on."""
    for j in range(lo, ind.shape[0]):
        total += w[ind[j]] * val[j]
    return total


@njit(cache=True, nogil=True)
def _sq4(w0, w1, w2, w3):  # pragma: no cover
    """Four sums of squares over every feature, each in feature order."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for j in range(w0.shape[0]):
        s0 += w0[j] * w0[j]
        s1 += w1[j] * w1[j]
        s2 += w2[j] * w2[j]
        s3 += w3[j] * w3[j]
    return s0, s1, s2, s3


@njit(cache=True, nogil=True)
def _sq1(w):  # pragma: no cover
    """One sum of squares over every feature, in feature order."""
    total = 0.0
    for j in range(w.shape[0]):
        total += w[j] * w[j]
    return total


@njit(cache=True, nogil=True)
def _dot1(w, x):  # pragma: no cover
    """One dense dot product, in feature order."""
    total = 0.0
    for j in range(w.shape[0]):
        total += w[j] * x[j]
    return total


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _approx_dot4(u0, c0, u1, c1, u2, c2, u3, c3, n):  # pragma: no cover
    """Four estimates ``sum_j u_j c_j`` over one-byte codes, summed in any order.

    Only ever compared against a bound (see :func:`_grid_state`); never part
    of a result.
    """
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for j in range(n):
        s0 += u0[j] * c0[j]
        s1 += u1[j] * c1[j]
        s2 += u2[j] * c2[j]
        s3 += u3[j] * c3[j]
    return s0, s1, s2, s3


@njit(cache=True, nogil=True)
def _grid_state(w, grid_lo, grid_step, grid_err, u):  # pragma: no cover
    """Refresh a problem's weights on the code grid; return its offset and error bound.

    A row is ``x_j = lo_j + c_j step_j + r_j`` with ``|r_j| <= resid_j``, so
    ``sum_j w_j x_j`` is ``sum_j u_j c_j + sum_j w_j lo_j`` (``u_j = w_j
    step_j``) within ``sum_j |w_j| resid_j``. ``grid_err_j`` adds to
    ``resid_j`` the rounding of scikit-learn's ordered sum, of the offset and
    of the estimate in any order (see :func:`mnistlab.sgd.grid.code_grid`),
    so ``sum_j |w_j| grid_err_j`` bounds how far the estimate can be from
    scikit-learn's dot product, up to the final additions (left to the
    caller's slack). 1% more covers this sum's own rounding.
    """
    offset = 0.0
    bound = 0.0
    for j in range(w.shape[0]):
        u[j] = w[j] * grid_step[j]
        offset += w[j] * grid_lo[j]
        bound += abs(w[j]) * grid_err[j]
    return offset, bound * 1.01


@njit(cache=True, nogil=True)
def _prove_margins(
    n_active,
    slot,
    row,
    problems,
    targets,
    codes,
    grid_w,
    grid_offset,
    grid_bound,
    wscale,
    intercept,
    estimate,
    proven,
    moved_slot,
    moved_row,
):  # pragma: no cover
    """Move the problems whose row provably keeps its margin to the end; return how many remain.

    ``z = y (p)`` is proven above 1 when the estimate's ``z`` less
    ``wscale`` times the bound, and a slack of ``1e-14`` of the magnitudes
    for the last roundings, is still above 1. The order within each part is
    kept.
    """
    n_features = codes.shape[1]
    for g in range(0, n_active, GROUP):
        m = min(GROUP, n_active - g)
        b1 = g + 1 if m > 1 else g
        b2 = g + 2 if m > 2 else g
        b3 = g + 3 if m > 3 else g
        s0, s1, s2, s3 = _approx_dot4(
            grid_w[slot[g]],
            codes[row[g]],
            grid_w[slot[b1]],
            codes[row[b1]],
            grid_w[slot[b2]],
            codes[row[b2]],
            grid_w[slot[b3]],
            codes[row[b3]],
            n_features,
        )
        estimate[g] = s0
        estimate[b1] = s1
        estimate[b2] = s2
        estimate[b3] = s3
    for b in range(n_active):
        a = slot[b]
        k = problems[a]
        total = estimate[b] + grid_offset[a]
        z = targets[k, row[b]] * (total * wscale[a] + intercept[k])
        slack = wscale[a] * grid_bound[a] + 1e-14 * (
            abs(total) * wscale[a] + abs(intercept[k]) + 1.0
        )
        proven[b] = z - slack > 1.0
    n_exact = 0
    for b in range(n_active):
        if not proven[b]:
            moved_slot[n_exact] = slot[b]
            moved_row[n_exact] = row[b]
            n_exact += 1
    n_sure = n_exact
    for b in range(n_active):
        if proven[b]:
            moved_slot[n_sure] = slot[b]
            moved_row[n_sure] = row[b]
            n_sure += 1
    slot[:n_active] = moved_slot[:n_active]
    row[:n_active] = moved_row[:n_active]
    return n_exact


@njit(cache=True, nogil=True)
def fit_one_vs_rest(
    dense: bool,
    X: np.ndarray,
    data: np.ndarray,
    indices: np.ndarray,
    indptr: np.ndarray,
    targets: np.ndarray,
    seeds: np.ndarray,
    problems: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    n_iter: np.ndarray,
    alpha: float,
    optimal_init: float,
    max_iter: int,
    tol: float,
    n_iter_no_change: int,
    codes: np.ndarray,
    grid_lo: np.ndarray,
    grid_step: np.ndarray,
    grid_err: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Train the binary problems ``problems`` in one interleaved loop.

    Parameters
    ----------
    dense : bool
        Read rows from ``X`` (True) or from the CSR arrays (False), whose rows
        hold the nonzero entries in increasing feature order.
    X : ndarray of shape (n_samples, n_features) or (0, 0)
        The rows, float64, C order (used when ``dense``).
    data, indices, indptr : ndarray
        The same rows as CSR arrays (used when not ``dense``).
    targets : ndarray of shape (n_problems_total, n_samples)
        +1.0 for the problem's positive rows, -1.0 for the others.
    seeds : ndarray of shape (n_problems_total,)
        Each problem's shuffle seed (the ``seed`` scikit-learn passes to
        ``_plain_sgd``).
    problems : ndarray of int64
        The problems (rows of ``targets``, ``coef``, ...) this call trains.
    coef : ndarray of shape (n_problems_total, n_features)
        Zeros on entry; the fitted weights of ``problems`` on return.
    intercept, n_iter : ndarray of shape (n_problems_total,)
        Set for ``problems`` on return.
    alpha, optimal_init : float
        The regularisation and scikit-learn's ``optimal_init``.
    max_iter, n_iter_no_change : int
        As in ``SGDClassifier``.
    tol : float
        As in ``SGDClassifier``, ``-inf`` for ``tol=None``.
    codes : ndarray of uint8, shape (n_samples, n_features) or (0, 0)
        The dense rows as codes on a grid per feature, or empty for none.
    grid_lo, grid_step, grid_err : ndarray of shape (n_features,)
        The grid (``x_j = lo_j + c_j step_j`` up to the residual) and each
        feature's error weight (see :func:`_grid_state`); used with ``codes``.

    Returns
    -------
    int
        :data:`OK`, or why scikit-learn's own path must decide
        (:data:`NONFINITE_WEIGHTS`: it raises; :data:`NONFINITE_OBJECTIVE`).
    """
    n_samples = targets.shape[1]
    n_features = coef.shape[1]
    n_problems = problems.shape[0]
    train_count = float(n_samples)

    order = np.empty((n_problems, n_samples), dtype=np.int64)
    for a in range(n_problems):
        for i in range(n_samples):
            order[a, i] = i
    wscale = np.ones(n_problems)
    sq_norm = np.zeros(n_problems)
    t = np.ones(n_problems)
    best = np.full(n_problems, np.inf)
    stale = np.zeros(n_problems, dtype=np.int64)
    objective = np.zeros(n_problems)
    for a in range(n_problems):
        intercept[problems[a]] = 0.0

    # The live problems of this epoch (positions in ``problems``).
    active = np.arange(n_problems)
    n_active = n_problems
    # Per row of the interleaved loop: the problems sorted by their row's length.
    slot = np.empty(n_problems, dtype=np.int64)
    row = np.empty(n_problems, dtype=np.int64)
    start = np.empty(n_problems, dtype=np.int64)
    length = np.empty(n_problems, dtype=np.int64)
    acc = np.empty(n_problems)
    updated = np.empty(n_problems, dtype=np.int64)
    norm_acc = np.empty(n_problems)
    # The margin proof on the code grid (dense rows only): weights on the grid,
    # offsets and error bounds per problem; all zero for the zero weights.
    use_codes = dense and codes.shape[0] == n_samples
    grid_w = np.zeros((n_problems, n_features))
    grid_offset = np.zeros(n_problems)
    grid_bound = np.zeros(n_problems)
    estimate = np.empty(n_problems)
    proven = np.zeros(n_problems, dtype=np.bool_)
    moved_slot = np.empty(n_problems, dtype=np.int64)
    moved_row = np.empty(n_problems, dtype=np.int64)

    for epoch in range(max_iter):
        if n_active == 0:
            break
        for b in range(n_active):
            a = active[b]
            shuffle_order(order[a], seeds[problems[a]])
            objective[a] = 0.0

        for i in range(n_samples):
            # --- the dot products, one chain per problem, interleaved.
            for b in range(n_active):
                a = active[b]
                s = order[a, i]
                acc[b] = 0.0
                if dense:
                    slot[b] = a
                    row[b] = s
                else:
                    # Insertion by decreasing row length: the longest chains run longest.
                    size = indptr[s + 1] - indptr[s]
                    c = b
                    while c > 0 and length[c - 1] < size:
                        slot[c] = slot[c - 1]
                        row[c] = row[c - 1]
                        start[c] = start[c - 1]
                        length[c] = length[c - 1]
                        c -= 1
                    slot[c] = a
                    row[c] = s
                    start[c] = indptr[s]
                    length[c] = size
            n_exact = n_active
            if use_codes:
                n_exact = _prove_margins(
                    n_active,
                    slot,
                    row,
                    problems,
                    targets,
                    codes,
                    grid_w,
                    grid_offset,
                    grid_bound,
                    wscale,
                    intercept,
                    estimate,
                    proven,
                    moved_slot,
                    moved_row,
                )
            for g in range(0, n_exact, GROUP):
                # Up to GROUP problems side by side; a short group repeats its first one.
                m = min(GROUP, n_exact - g)
                b0 = g
                b1 = g + 1 if m > 1 else g
                b2 = g + 2 if m > 2 else g
                b3 = g + 3 if m > 3 else g
                w0 = coef[problems[slot[b0]]]
                w1 = coef[problems[slot[b1]]]
                w2 = coef[problems[slot[b2]]]
                w3 = coef[problems[slot[b3]]]
                if dense:
                    if m == 1:
                        acc[b0] = _dot1(w0, X[row[b0]])
                        continue
                    s0, s1, s2, s3 = _dot4(
                        w0, X[row[b0]], w1, X[row[b1]], w2, X[row[b2]], w3, X[row[b3]], n_features
                    )
                else:
                    e0 = start[b0]
                    e1 = start[b1]
                    e2 = start[b2]
                    e3 = start[b3]
                    i0 = indices[e0 : e0 + length[b0]]
                    i1 = indices[e1 : e1 + length[b1]]
                    i2 = indices[e2 : e2 + length[b2]]
                    i3 = indices[e3 : e3 + length[b3]]
                    v0 = data[e0 : e0 + length[b0]]
                    v1 = data[e1 : e1 + length[b1]]
                    v2 = data[e2 : e2 + length[b2]]
                    v3 = data[e3 : e3 + length[b3]]
                    if m == 1:
                        acc[b0] = _sparse_dot_tail(0.0, w0, i0, v0, 0)
                        continue
                    # Sorted by decreasing length: the group's last member is the shortest.
                    common = length[g + m - 1]
                    s0, s1, s2, s3 = _sparse_dot4(
                        w0, i0, v0, w1, i1, v1, w2, i2, v2, w3, i3, v3, common
                    )
                    s0 = _sparse_dot_tail(s0, w0, i0, v0, common)
                    s1 = _sparse_dot_tail(s1, w1, i1, v1, common)
                    s2 = _sparse_dot_tail(s2, w2, i2, v2, common)
                    s3 = _sparse_dot_tail(s3, w3, i3, v3, common)
                acc[b0] = s0
                acc[b1] = s1
                acc[b2] = s2
                acc[b3] = s3

            # --- the scalar part of each problem's step, then its update.
            n_updated = 0
            for b in range(n_active):
                a = slot[b]
                k = problems[a]
                s = row[b]
                eta = 1.0 / (alpha * (optimal_init + t[a] - 1.0))
                y = targets[k, s]
                if b < n_exact:
                    p = acc[b] * wscale[a] + intercept[k]
                    z = p * y
                else:
                    z = 2.0  # proven above 1: no loss, no update, whatever p is exactly
                loss = 1.0 - z if z <= 1.0 else 0.0
                objective[a] += loss
                norm = math.sqrt(sq_norm[a])
                objective[a] += alpha * (0.5 * (norm * norm))
                dloss = -y if z <= 1.0 else 0.0
                update = -eta * dloss
                shrink = 1.0 - eta * alpha
                if not shrink > 0.0:
                    shrink = 0.0
                wscale[a] *= shrink
                sq_norm[a] *= shrink * shrink
                changed = False
                if wscale[a] < WSCALE_RESET:
                    for j in range(n_features):
                        coef[k, j] *= wscale[a]
                    wscale[a] = 1.0
                    changed = True
                if update != 0.0:
                    changed = True
                    step = update / wscale[a]
                    if dense:
                        for j in range(n_features):
                            coef[k, j] += X[s, j] * step
                    else:
                        for e in range(indptr[s], indptr[s + 1]):
                            coef[k, indices[e]] += data[e] * step
                    updated[n_updated] = a
                    n_updated += 1
                    intercept[k] += update
                if use_codes and changed:
                    grid_offset[a], grid_bound[a] = _grid_state(
                        coef[k], grid_lo, grid_step, grid_err, grid_w[a]
                    )
                t[a] += 1.0

            # --- |w|^2 of each updated problem, summed over every feature in order.
            for g in range(0, n_updated, GROUP):
                m = min(GROUP, n_updated - g)
                u0 = g
                u1 = g + 1 if m > 1 else g
                u2 = g + 2 if m > 2 else g
                u3 = g + 3 if m > 3 else g
                if m == 1:
                    norm_acc[u0] = _sq1(coef[problems[updated[u0]]])
                    continue
                q0, q1, q2, q3 = _sq4(
                    coef[problems[updated[u0]]],
                    coef[problems[updated[u1]]],
                    coef[problems[updated[u2]]],
                    coef[problems[updated[u3]]],
                )
                norm_acc[u0] = q0
                norm_acc[u1] = q1
                norm_acc[u2] = q2
                norm_acc[u3] = q3
            for u in range(n_updated):
                a = updated[u]
                sq_norm[a] = norm_acc[u] * (wscale[a] * wscale[a])

        # --- the end of the epoch: the checks and the stopping rule, per problem.
        kept = 0
        for b in range(n_active):
            a = active[b]
            k = problems[a]
            if not math.isfinite(intercept[k]):
                return NONFINITE_WEIGHTS
            for j in range(n_features):
                if not math.isfinite(coef[k, j]):
                    return NONFINITE_WEIGHTS
            if not math.isfinite(objective[a]):
                return NONFINITE_OBJECTIVE
            mean = objective[a] / train_count
            if tol > -np.inf and mean > best[a] - tol:
                stale[a] += 1
            else:
                stale[a] = 0
            if mean < best[a]:
                best[a] = mean
            if stale[a] >= n_iter_no_change or epoch + 1 == max_iter:
                n_iter[k] = epoch + 1
            else:
                active[kept] = a
                kept += 1
        n_active = kept

    # reset_wscale: fold the scale into the weights.
    for a in range(n_problems):
        k = problems[a]
        for j in range(n_features):
            coef[k, j] *= wscale[a]
    return OK
