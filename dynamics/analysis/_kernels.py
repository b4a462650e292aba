"""Compiled helpers shared by the analysis routines: finite-difference Jacobians and a
pivoted LU solve that reports a singular matrix instead of raising.

The analysis routines receive a model's kernels as numba first-class function values (as the
integrators do), so one compiled routine serves every model and is cached on disk.
"""

from __future__ import annotations

import math
import warnings

import numba as nb
import numpy as np
from numba import types
from numba.core.errors import NumbaExperimentalFeatureWarning

from dynamics.models.base import JACOBIAN_SIGNATURE, RHS_SIGNATURE, Model, kernel_handle

warnings.filterwarnings(
    "ignore", message="First-class function type", category=NumbaExperimentalFeatureWarning
)

F8 = types.float64
VEC = types.float64[::1]
MAT = types.float64[:, ::1]
RHS_T = types.FunctionType(RHS_SIGNATURE)
JAC_T = types.FunctionType(JACOBIAN_SIGNATURE)


@nb.njit(JACOBIAN_SIGNATURE, cache=True)
def no_jacobian(t, x, p, jac):
    """Placeholder Jacobian kernel for models without one (never called)."""
    jac[0, 0] = math.nan


@nb.njit(cache=True)
def evaluate_jacobian(rhs, jac_kernel, has_jac, t, x, p, jac, xw, f_plus, f_minus):
    """J = df/dx at x: the model's kernel when it has one, else central differences
    (step h_j = eps^(1/3) (1 + |x_j|), error O(h^2)); ``xw``, ``f_plus``, ``f_minus`` are
    scratch vectors of length n."""
    if has_jac:
        jac_kernel(t, x, p, jac)
        return
    n = x.shape[0]
    for j in range(n):
        xw[j] = x[j]
    for j in range(n):
        h = 6.0554544523933395e-06 * (1.0 + abs(x[j]))  # cbrt(2.2e-16)
        xw[j] = x[j] + h
        rhs(t, xw, p, f_plus)
        xw[j] = x[j] - h
        rhs(t, xw, p, f_minus)
        xw[j] = x[j]
        inv = 1.0 / (2.0 * h)
        for i in range(n):
            jac[i, j] = (f_plus[i] - f_minus[i]) * inv


@nb.njit(cache=True)
def lu_solve(a, b, out):
    """Solve a out = b by Gaussian elimination with partial pivoting, overwriting ``a``
    and ``b``. Returns False (leaving ``out`` undefined) when a pivot is below
    1e-13 max|a|, i.e. the matrix is numerically singular."""
    n = a.shape[0]
    scale = 0.0
    for i in range(n):
        for j in range(n):
            scale = max(scale, abs(a[i, j]))
    if not scale > 0.0:
        return False
    for k in range(n):
        piv = k
        best = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > best:
                best = abs(a[i, k])
                piv = i
        if not best > 1e-13 * scale:
            return False
        if piv != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[piv, j]
                a[piv, j] = tmp
            tmp = b[k]
            b[k] = b[piv]
            b[piv] = tmp
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            factor = a[i, k] * inv
            if factor != 0.0:
                a[i, k] = 0.0
                for j in range(k + 1, n):
                    a[i, j] -= factor * a[k, j]
                b[i] -= factor * b[k]
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= a[i, j] * out[j]
        out[i] = s / a[i, i]
    return True


def model_kernels(model: Model) -> tuple:
    """(rhs handle, Jacobian handle, has_jacobian) of ``model`` for the compiled routines."""
    has_jac = model.jacobian_kernel is not None
    return (
        kernel_handle(model.rhs_kernel, RHS_SIGNATURE),
        kernel_handle(model.jacobian_kernel if has_jac else no_jacobian, JACOBIAN_SIGNATURE),
        has_jac,
    )


def numeric_jacobian(model: Model, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """The Jacobian of ``model`` at ``x``: analytic kernel if present, else central differences."""
    rhs, jac_k, has_jac = model_kernels(model)
    n = model.n_states
    jac = np.empty((n, n))
    xs = np.ascontiguousarray(x, dtype=np.float64)
    _jacobian_at(rhs, jac_k, has_jac, float(t), xs, model.kernel_params(), jac)
    return jac


@nb.njit(cache=True)
def _jacobian_at(rhs, jac_kernel, has_jac, t, x, p, jac):
    n = x.shape[0]
    evaluate_jacobian(rhs, jac_kernel, has_jac, t, x, p, jac, np.empty(n), np.empty(n),
                      np.empty(n))
