"""Small dense matrix-vector products written for the compiler (no BLAS call).

For the matrices of small networks (n up to a few hundred) the cost of a BLAS ``dgemv`` call
through numba is dominated by its fixed overhead and its generic blocking: a loop that
computes four rows at a time, sharing each load of ``x`` between them, with the reduction
allowed to reassociate (``fastmath`` reassoc/contract only, so NaN and inf still propagate) so
that it vectorises to SIMD fused multiply-adds, is faster up to ``GEMV_CROSSOVER`` columns on
the machines measured (``benchmarks/profile_integrators.py``). :func:`matvec` picks this loop
or ``np.dot`` by size; the result equals ``A @ x`` to rounding (summation order differs).
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["matvec", "matvec_rows4", "GEMV_CROSSOVER"]

#: above this many columns ``matvec`` calls BLAS (``np.dot``); measured crossover on a
#: 2-core AVX-512 Xeon: the compiled loop was faster at every n from 16 to 512 (by 10-70 %),
#: so the bound only guards larger matrices, where BLAS's cache blocking matters
GEMV_CROSSOVER = 512

# reassociation (vectorised sums) and FMA contraction; no nnan/ninf, so NaN/inf propagate
_FAST = {"reassoc", "contract"}


@nb.njit(cache=True, fastmath=_FAST, error_model="numpy", nogil=True)
def matvec_rows4(a, x, out):
    """out = a @ x for a C-contiguous (m, n) ``a``, four rows at a time (allocates nothing).

    ``out`` must not alias ``x``.
    """
    m, n = a.shape
    i = 0
    while i + 4 <= m:
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for j in range(n):
            xj = x[j]
            s0 += a[i, j] * xj
            s1 += a[i + 1, j] * xj
            s2 += a[i + 2, j] * xj
            s3 += a[i + 3, j] * xj
        out[i] = s0
        out[i + 1] = s1
        out[i + 2] = s2
        out[i + 3] = s3
        i += 4
    while i < m:
        s = 0.0
        for j in range(n):
            s += a[i, j] * x[j]
        out[i] = s
        i += 1


@nb.njit(cache=True, nogil=True)
def matvec(a, x, out):
    """out = a @ x (``a`` (m, n) C-contiguous, ``x`` (n,), ``out`` (m,), out not aliasing x):
    the compiled four-row loop up to :data:`GEMV_CROSSOVER` columns, BLAS above."""
    if a.shape[1] <= GEMV_CROSSOVER:
        matvec_rows4(a, x, out)
    else:
        np.dot(a, x, out)
