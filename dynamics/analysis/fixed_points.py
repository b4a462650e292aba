"""Fixed points of a continuous-time model and their linear stability.

A fixed point x* solves f(t, x*) = 0. :func:`find_fixed_points` runs a damped Newton
iteration (Deuflhard 2004, ch. 3: Newton step J dx = -f, the step halved until the residual
norm decreases by the Armijo factor) from many starting states inside compiled code, with the
model's analytic Jacobian kernel when it has one and central differences otherwise, then
merges the starts that reached the same point. Each point is classified by the eigenvalues
of the Jacobian there (Strogatz 2015, ch. 5-6; Guckenheimer & Holmes 1983, sec. 1.3):

* all Re(lambda) < 0: a stable node (all eigenvalues real) or a stable focus (a complex pair);
* all Re(lambda) > 0: an unstable node or an unstable focus;
* both signs: a saddle of index k, k = the number of eigenvalues with Re(lambda) > 0
  (the dimension of the unstable manifold);
* some Re(lambda) = 0 (to a relative tolerance): non-hyperbolic -- linearisation decides
  nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
from numba import types

from dynamics.analysis._kernels import (
    F8,
    JAC_T,
    MAT,
    RHS_T,
    VEC,
    evaluate_jacobian,
    lu_solve,
    model_kernels,
    numeric_jacobian,
)
from dynamics.models.base import Model

__all__ = ["FixedPoint", "find_fixed_points", "classify_eigenvalues", "default_bounds"]

#: relative size of Re(lambda) below which an eigenvalue counts as zero (non-hyperbolic)
HYPERBOLIC_TOL = 1e-7


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """An equilibrium x* of a model, f(x*) = 0, with its linear stability.

    Attributes
    ----------
    x : (n,) the state.
    eigenvalues : (n,) eigenvalues of the Jacobian at x, sorted by decreasing real part.
    label : "stable node", "stable focus", "saddle (index k)", "unstable node",
        "unstable focus" or "non-hyperbolic".
    stable : True when every eigenvalue has a negative real part.
    index : the number of eigenvalues with a positive real part.
    residual : max_i |f_i(x)|.
    jacobian : (n, n) the Jacobian at x.
    """

    x: np.ndarray
    eigenvalues: np.ndarray
    label: str
    stable: bool
    index: int
    residual: float
    jacobian: np.ndarray

    def __repr__(self) -> str:
        xs = np.array2string(self.x, precision=4, threshold=6)
        return f"FixedPoint(x={xs}, label={self.label!r}, residual={self.residual:.2e})"


def classify_eigenvalues(eigenvalues: Any, tol: float = HYPERBOLIC_TOL) -> tuple[str, bool, int]:
    """(label, stable, index) of a fixed point whose Jacobian has these eigenvalues.

    An eigenvalue with |Re(lambda)| <= tol * max(1, max |lambda|) counts as zero real part
    (the point is then "non-hyperbolic"); a pair with |Im(lambda)| above the same threshold
    makes a node a focus.
    """
    lam = np.asarray(eigenvalues, dtype=np.complex128).ravel()
    if lam.size == 0:
        raise ValueError("eigenvalues: expected at least one eigenvalue")
    thresh = tol * max(1.0, float(np.max(np.abs(lam))))
    re = lam.real
    index = int(np.sum(re > thresh))
    if np.any(np.abs(re) <= thresh):
        return "non-hyperbolic", False, index
    oscillating = bool(np.any(np.abs(lam.imag) > thresh))
    if index == 0:
        return ("stable focus" if oscillating else "stable node"), True, 0
    if index == lam.size:
        return ("unstable focus" if oscillating else "unstable node"), False, index
    return f"saddle (index {index})", False, index


def default_bounds(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """The box the random Newton starts are drawn from when ``bounds`` is not given.

    * A model with a method ``fixed_point_bounds()`` returning ``(lo, hi)`` uses it (the
      random rate network: |x_i| <= g sum_j |J_ij|, since x = g J tanh(x)).
    * A :class:`~dynamics.models.hopfield.ContinuousHopfield` network: every fixed point
      satisfies leak_i u_i = sum_j W_ij V_j + I_i with |V_j| <= 1 for all three gains, hence
      |u_i| <= (sum_j |W_ij| + |I_i|) / leak_i.
    * Any other model: the box [-1, 1]^n (pass ``bounds`` for a better one).
    """
    n = model.n_states
    method = getattr(model, "fixed_point_bounds", None)
    if callable(method):
        lo, hi = method()
        return _check_bounds((lo, hi), n)
    from dynamics.models.hopfield import ContinuousHopfield

    if isinstance(model, ContinuousHopfield):
        reach = (np.abs(model.W).sum(axis=1) + np.abs(model.I)) / model.leak
        reach = np.maximum(reach, 1e-3)
        return -reach, reach.copy()
    return -np.ones(n), np.ones(n)


def _check_bounds(bounds: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise TypeError(
            "bounds: expected a pair (lo, hi) of numbers or arrays of shape "
            f"({n},), got {type(bounds).__name__}"
        )
    try:
        lo = np.broadcast_to(np.asarray(bounds[0], dtype=np.float64), (n,)).copy()
        hi = np.broadcast_to(np.asarray(bounds[1], dtype=np.float64), (n,)).copy()
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"bounds: expected lo and hi as numbers or arrays of shape ({n},)"
        ) from exc
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError("bounds: expected finite values")
    if np.any(hi < lo):
        raise ValueError("bounds: expected lo <= hi in every coordinate")
    return lo, hi


@nb.njit(cache=True)
def _inf_norm(v):
    s = 0.0
    for i in range(v.shape[0]):
        a = abs(v[i])
        if not a <= s:  # also propagates NaN
            s = a
    return s


def _newton_all(rhs, jac_kernel, has_jac, p, t, starts, tol, max_iter):
    """Damped Newton from every row of ``starts``; returns (X, residual, converged)."""
    m, n = starts.shape
    X = starts.copy()
    residual = np.empty(m)
    converged = np.zeros(m, dtype=np.bool_)
    x = np.empty(n)
    x_try = np.empty(n)
    f = np.empty(n)
    f_try = np.empty(n)
    jac = np.empty((n, n))
    rhs_vec = np.empty(n)
    dx = np.empty(n)
    xw = np.empty(n)
    fp = np.empty(n)
    fm = np.empty(n)
    normal = np.empty((n, n))
    for s in range(m):
        for i in range(n):
            x[i] = X[s, i]
        rhs(t, x, p, f)
        r = _inf_norm(f)
        for _ in range(max_iter):
            if not r > tol:
                break
            evaluate_jacobian(rhs, jac_kernel, has_jac, t, x, p, jac, xw, fp, fm)
            for i in range(n):
                rhs_vec[i] = -f[i]
            ok = lu_solve(jac.copy(), rhs_vec, dx)
            if not ok:
                # singular Jacobian: a Levenberg-Marquardt step (J^T J + mu I) dx = -J^T f
                mu = 1e-8
                for i in range(n):
                    mu = max(mu, 1e-8 * abs(jac[i, i]))
                for i in range(n):
                    acc = 0.0
                    for k in range(n):
                        acc -= jac[k, i] * f[k]
                    rhs_vec[i] = acc
                    for j in range(n):
                        acc2 = 0.0
                        for k in range(n):
                            acc2 += jac[k, i] * jac[k, j]
                        normal[i, j] = acc2
                    normal[i, i] += mu
                if not lu_solve(normal, rhs_vec, dx):
                    break
            lam = 1.0
            accepted = False
            while lam >= 1.0 / 1024.0:
                for i in range(n):
                    x_try[i] = x[i] + lam * dx[i]
                rhs(t, x_try, p, f_try)
                r_try = _inf_norm(f_try)
                if r_try <= (1.0 - 1e-4 * lam) * r:
                    accepted = True
                    break
                lam *= 0.5
            if not accepted:
                # accept the smallest step anyway when it does not blow up: the residual
                # (in the max norm) may rise briefly on the way to a root
                if not math.isfinite(r_try):
                    break
            for i in range(n):
                x[i] = x_try[i]
                f[i] = f_try[i]
            r = r_try
        for i in range(n):
            X[s, i] = x[i]
        residual[s] = r
        converged[s] = r <= tol
    return X, residual, converged


_compiled: list = []


def _newton_engine():
    if not _compiled:
        sig = (RHS_T, JAC_T, types.boolean, VEC, F8, MAT, F8, types.int64)
        _compiled.append(nb.njit([sig], cache=True)(_newton_all))
    return _compiled[0]


def _check_model(model: Any) -> Model:
    if not isinstance(model, Model):
        raise TypeError(
            f"model: expected a dynamics Model (e.g. ContinuousHopfield, UserModel), "
            f"got {type(model).__name__}"
        )
    return model


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value}")
    return int(value)


def _check_positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name}: expected a finite number > 0, got {value}")
    return v


def _dedupe(points: np.ndarray, merge_tol: float) -> list[int]:
    """Indices of representatives: a point joins the first kept point within
    merge_tol * (1 + |x|) in the max norm."""
    keep: list[int] = []
    for i in range(points.shape[0]):
        x = points[i]
        scale = merge_tol * (1.0 + np.max(np.abs(x)))
        if not any(np.max(np.abs(points[k] - x)) <= scale for k in keep):
            keep.append(i)
    return keep


def find_fixed_points(
    model: Model,
    n_starts: int = 64,
    seed: int | np.random.Generator | None = None,
    *,
    bounds: tuple[Any, Any] | None = None,
    starts: Any = None,
    t: float = 0.0,
    tol: float = 1e-10,
    max_iter: int = 50,
    merge_tol: float = 1e-6,
) -> list[FixedPoint]:
    """The fixed points f(t, x) = 0 of ``model`` reached by damped Newton from many starts.

    Parameters
    ----------
    model: a :class:`~dynamics.models.base.Model`.
    n_starts: number of random starts, drawn uniformly from ``bounds`` (may be 0 when
        ``starts`` is given).
    seed: int or ``numpy.random.Generator`` for the random starts.
    bounds: ``(lo, hi)``, numbers or arrays of shape (n,), the box of the random starts.
        Default :func:`default_bounds`: the box that must contain every fixed point for the
        Hopfield and random rate networks, [-1, 1]^n otherwise.
    starts: extra starting states, shape (m, n) (or (n,)), used in addition to the random ones.
    t: the time at which f is evaluated (for non-autonomous models).
    tol: a start has converged when max_i |f_i(x)| <= tol.
    max_iter: Newton iterations per start.
    merge_tol: converged points closer than merge_tol * (1 + max|x|) (max norm) are one point.

    Returns
    -------
    The distinct converged fixed points, stable ones first, then by index and by state.
    The Newton step uses the model's ``jacobian`` kernel when present, else central
    differences; the whole iteration over all starts runs in one compiled call.
    """
    model = _check_model(model)
    n = model.n_states
    n_starts = _check_int(n_starts, "n_starts", 0)
    max_iter = _check_int(max_iter, "max_iter", 1)
    tol = _check_positive(tol, "tol")
    merge_tol = _check_positive(merge_tol, "merge_tol")
    if isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)):
        raise TypeError(f"t: expected a number, got {type(t).__name__}")
    if not math.isfinite(float(t)):
        raise ValueError(f"t: expected a finite number, got {t}")
    if seed is not None and not isinstance(seed, (int, np.integer, np.random.Generator)):
        raise TypeError(
            f"seed: expected an int or numpy.random.Generator, got {type(seed).__name__}"
        )
    lo, hi = default_bounds(model) if bounds is None else _check_bounds(bounds, n)
    extra = np.empty((0, n))
    if starts is not None:
        try:
            extra = np.asarray(starts, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"starts: expected a numeric array of shape (m, {n})") from exc
        if extra.ndim == 1:
            extra = extra[None, :]
        if extra.ndim != 2 or extra.shape[1] != n:
            raise ValueError(f"starts: expected shape (m, {n}), got {np.shape(starts)}")
        if not np.all(np.isfinite(extra)):
            raise ValueError("starts: expected finite values")
    if n_starts + extra.shape[0] == 0:
        raise ValueError("n_starts: expected > 0 when no starts are given")
    rng = np.random.default_rng(seed)
    random_starts = lo + (hi - lo) * rng.random((n_starts, n))
    all_starts = np.ascontiguousarray(np.vstack([random_starts, extra]))

    rhs, jac_k, has_jac = model_kernels(model)
    X, residual, converged = _newton_engine()(
        rhs, jac_k, has_jac, model.kernel_params(), float(t), all_starts, tol, max_iter
    )
    X, residual = X[converged], residual[converged]
    points: list[FixedPoint] = []
    for i in _dedupe(X, merge_tol):
        x = np.ascontiguousarray(X[i])
        jac = numeric_jacobian(model, x, float(t))
        lam = np.linalg.eigvals(jac)
        lam = lam[np.lexsort((-lam.imag, -lam.real))]
        label, stable, index = classify_eigenvalues(lam)
        points.append(
            FixedPoint(x=x, eigenvalues=lam, label=label, stable=stable, index=index,
                       residual=float(residual[i]), jacobian=jac)
        )
    points.sort(key=lambda fp: (not fp.stable, fp.index, tuple(np.round(fp.x, 9))))
    return points
