"""Continuous extensions as data: the compiled helpers every engine uses to build and to
evaluate a step's interpolant (see :mod:`dynamics.integrate.tableaus` for the forms).

A step's interpolant is ``M`` coefficient vectors ``r_1 .. r_M`` (rows of ``r``) in the nested
form of Hairer's codes (DOPRI5's ``CONTD5``, DOP853's ``CONTD8``; Hairer, Norsett & Wanner
1993, II.6):

    y(t_n + theta h) = r1 + theta (r2 + (1-theta) (r3 + theta (r4 + (1-theta) (r5 + ...)))),

built from the stages ``K`` (including any extra stages) and the method's coefficient rows
``D``: with the Hermite start

    r1 = y_n, r2 = y_{n+1} - y_n, r3 = h f_n - r2, r4 = r2 - h f_{n+1} - r3,
    r_{5+j} = h sum_i D[j, i] k_i,

(so the interpolant ends exactly at ``y_{n+1}`` with slope ``f_{n+1}``), otherwise
``r1 = y_n`` and ``r_{2+j} = h sum_i D[j, i] k_i`` (a power-form interpolant such as tsit5's).
"""

from __future__ import annotations

import numba as nb

__all__ = ["continuous_extension", "interpolate", "n_rows"]

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def n_rows(D, hermite):
    """M, the number of coefficient vectors of the interpolant."""
    return D.shape[0] + (4 if hermite else 1)


@_jit
def continuous_extension(y, y_new, f_old, f_new, K, D, hermite, h, r):
    """Fill ``r`` (M, n) with the interpolation coefficients of one step (module docstring).

    ``K`` holds the stages (rows ``0 .. D.shape[1] - 1`` are read where ``D`` is nonzero);
    indexes, no row views, so no reference counting in the loops.
    """
    n = y.shape[0]
    first = 1
    for i in range(n):
        r[0, i] = y[i]
    if hermite:
        first = 4
        for i in range(n):
            r2 = y_new[i] - y[i]
            r3 = h * f_old[i] - r2
            r[1, i] = r2
            r[2, i] = r3
            r[3, i] = r2 - h * f_new[i] - r3
    for j in range(D.shape[0]):
        row = first + j
        for i in range(n):
            r[row, i] = 0.0
        for st in range(D.shape[1]):
            a = h * D[j, st]
            if a != 0.0:
                for i in range(n):
                    r[row, i] += a * K[st, i]


@_jit
def interpolate(r, theta, out):
    """The continuous extension at fraction ``theta`` of the step: the nested form over the
    M rows of ``r``, evaluated from the innermost row outwards (Horner)."""
    t1 = 1.0 - theta
    m = r.shape[0]
    for i in range(out.shape[0]):
        acc = r[m - 1, i]
        for k in range(m - 1, 0, -1):
            acc = r[k - 1, i] + (theta if k % 2 == 1 else t1) * acc
        out[i] = acc
