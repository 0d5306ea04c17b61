"""Dense rows as one-byte codes on a grid per feature, for the loop's margin proof.

Scaled pixels take at most 256 values per feature, on a grid: ``x_j = lo_j +
c_j step_j`` for an integer code ``c_j`` in 0..255, up to a rounding residual.
:func:`code_grid` finds the grid of each feature of ``X`` (its step is the
greatest common divisor of the values' distances from the lowest one) and
gives the codes and the error weight of each feature that
:func:`mnistlab.sgd.kernel._grid_state` turns into a rigorous bound. Rows off
any such grid give no codes, and the loop runs without the proof.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Unit roundoff of float64.
UNIT_ROUNDOFF = 2.0**-53
#: A grid fits a feature when every value lies within this share of a step of a grid point.
FIT_SHARE = 1e-6
#: Remainders within this share of a feature's range count as zero in the grid's step.
GCD_SHARE = 1e-9
#: Codes are one byte.
MAX_CODE = 255


@njit(cache=True, nogil=True)
def _common_step(a: float, b: float, tol: float) -> float:  # pragma: no cover - compiled
    """The greatest common divisor of two positive gaps, remainders below ``tol`` taken as 0."""
    while b > tol:
        r = a % b  # exact for positive floats, as fmod
        if b - r <= tol:
            r = 0.0
        a, b = b, r
    return a


@njit(cache=True, nogil=True)
def _grid_steps(
    X: np.ndarray, lo: np.ndarray, hi: np.ndarray, step: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Per feature: the lowest and highest value and the common step of ``x - lo`` (0: constant)."""
    n, d = X.shape
    for j in range(d):
        lo[j] = X[0, j]
        hi[j] = X[0, j]
        step[j] = 0.0
    for i in range(n):
        for j in range(d):
            lo[j] = min(lo[j], X[i, j])
            hi[j] = max(hi[j], X[i, j])
    for i in range(n):
        for j in range(d):
            above = X[i, j] - lo[j]
            tol = GCD_SHARE * (hi[j] - lo[j])
            if above > tol:
                step[j] = _common_step(step[j], above, tol) if step[j] > 0.0 else above


@njit(cache=True, nogil=True)
def _fit_codes(
    X: np.ndarray,
    lo: np.ndarray,
    step: np.ndarray,
    codes: np.ndarray,
    resid: np.ndarray,
    fits: np.ndarray,
) -> None:
    """Code every feature on its grid; ``fits`` says where the grid holds."""
    n, d = X.shape
    for j in range(d):
        fits[j] = True
        resid[j] = 0.0
    for i in range(n):
        for j in range(d):
            c = np.rint((X[i, j] - lo[j]) / step[j])
            if not c <= MAX_CODE:
                fits[j] = False
                continue
            r = abs(X[i, j] - (lo[j] + c * step[j]))
            if not r <= FIT_SHARE * step[j]:
                fits[j] = False
            codes[i, j] = np.uint8(c)
            resid[j] = max(resid[j], r)


def code_grid(
    X: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The codes of ``X`` (float64, C order) and each feature's grid, or None without one.

    Returns
    -------
    (codes, lo, step, err) or None
        ``codes`` of shape ``X.shape`` (uint8) with ``X[i, j] = lo[j] +
        codes[i, j] * step[j]`` up to ``resid[j]``; ``err[j]`` is ``resid[j]``
        widened by the rounding of the residual's own computation and by the
        weight of feature ``j`` in the rounding of a ``d``-term dot product
        (``gamma (|lo_j| + 257 |step_j| + max_i |x_ij|)`` with ``gamma = 2 (d
        + 2) u``), the feature's share of the bound the loop uses.
    """
    n, d = X.shape
    lo, hi, step = np.empty(d), np.empty(d), np.empty(d)
    _grid_steps(X, lo, hi, step)
    step[step == 0.0] = 1.0  # a constant feature: every code 0
    codes = np.zeros((n, d), dtype=np.uint8)
    resid = np.zeros(d)
    fits = np.zeros(d, dtype=np.bool_)
    _fit_codes(X, lo, step, codes, resid, fits)
    if not fits.all():
        return None
    gamma = 2.0 * (d + 2) * UNIT_ROUNDOFF
    magnitude = np.maximum(np.abs(lo), np.abs(hi))
    rounding = 4.0 * UNIT_ROUNDOFF * (np.abs(lo) + 256.0 * step)
    err = resid + rounding + gamma * (np.abs(lo) + 257.0 * step + magnitude)
    return codes, lo, step, err
