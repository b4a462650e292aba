"""Projection networks for convex quadratic programs.

The problem::

    minimise   f(x) = 1/2 x^T Q x + c^T x       (Q symmetric positive semidefinite)
    subject to A_ub x <= b_ub,   A_eq x = b_eq,   l <= x <= u.

* :class:`ProjectionNetwork` -- box constraints only (Xia & Wang 1998, "A general methodology
  for designing globally convergent optimization neural networks", IEEE TNN 9(6); Xia,
  Leung & Wang 2002, IEEE TCAS-I 49(4))::

      dx/dt = lambda (P_Omega(x - alpha (Q x + c)) - x),    P_Omega(v) = clip(v, l, u).

  The box is invariant, and for a start inside it ``f`` is a Lyapunov function: the
  projection inequality gives ``grad f^T (P - x) <= -|P - x|^2 / alpha``, so
  ``df/dt <= -(lambda / alpha) |P - x|^2``. It is the model's energy.

* :class:`PrimalDualNetwork` -- linear equality and inequality constraints, the network for
  linear projection equations of Xia & Wang (2000), "A recurrent neural network for solving
  linear projection equations", Neural Networks 13, 337-350, applied to the KKT conditions.
  With multipliers ``y >= 0`` (inequalities) and ``z`` (equalities), ``w = (x, y, z)``::

      M = [[Q, A_ub^T, -A_eq^T], [-A_ub, 0, 0], [A_eq, 0, 0]],   q = (c, b_ub, -b_eq)
      Omega = box x R_+^p x R^m
      dw/dt = lambda (I + alpha M^T) (P_Omega(w - alpha (M w + q)) - w)

  ``M + M^T = diag(2Q, 0, 0)`` is positive semidefinite (the KKT map is monotone), for which
  Xia & Wang (2000) prove global convergence to a solution of ``w = P_Omega(w - alpha (M w +
  q))``, i.e. to a KKT point: ``x`` optimal and ``y``, ``z`` its Lagrange multipliers. The
  Lyapunov function of the proof needs the solution, so the model has no energy; the
  objective along the trajectory is reported by :func:`solve_qp`.

Both are :class:`~dynamics.models.base.Model` s, solved with :func:`dynamics.solve`. Their
parameters are described by one :class:`~dynamics.models.layout.ParamLayout` (``layout``):
the size N in its header, then ``lam``, ``alpha``, the bounds ``lo`` and ``hi`` (N each,
possibly infinite), ``M`` (N, N) and ``q`` (N) (M = Q and q = c for the box network). The
products M w and the residual are taken from the solvers' work area (``work_size``): the
kernels never write ``params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np

from dynamics.models._work import take
from dynamics.models.base import ENERGY_SIGNATURE, RHS_SIGNATURE, Model
from dynamics.models.layout import ParamLayout
from dynamics.optimize.qubo import _vector

__all__ = ["ProjectionNetwork", "PrimalDualNetwork", "solve_qp", "QPResult"]


# ---------------------------------------------------------------- kernels

# Both networks: one ParamLayout, the size N in its header; the box network has M = Q, q = c.
_LAYOUT = ParamLayout(
    [("lam", ()), ("alpha", ()), ("lo", ("N",)), ("hi", ("N",)), ("M", ("N", "N")),
     ("q", ("N",))],
    dims=("N",),
    infinite=("lo", "hi"),  # an infinite bound is no bound
)
_unpack = _LAYOUT.unpacker(work=True)


def _pack(lam, alpha, lo, hi, M, q) -> np.ndarray:
    return _LAYOUT.pack(lam=lam, alpha=alpha, lo=lo, hi=hi, M=M, q=q)


@nb.njit(RHS_SIGNATURE, cache=True)
def box_projection_rhs(t, x, p, out):
    """dx/dt = lambda (clip(x - alpha (Q x + c), lo, hi) - x)."""
    n, lam, alpha, lo, hi, Q, c, work = _unpack(p)
    g, _ = take(work, n)
    np.dot(Q, x, g)
    for i in range(n):
        v = x[i] - alpha * (g[i] + c[i])
        v = min(max(v, lo[i]), hi[i])
        out[i] = lam * (v - x[i])


@nb.njit(ENERGY_SIGNATURE, cache=True)
def box_projection_energy(x, p):
    """f(x) = 1/2 x^T Q x + c^T x."""
    n, lam, alpha, lo, hi, Q, c, work = _unpack(p)
    g, _ = take(work, n)
    np.dot(Q, x, g)
    e = 0.0
    for i in range(n):
        e += 0.5 * x[i] * g[i] + c[i] * x[i]
    return e


@nb.njit(RHS_SIGNATURE, cache=True)
def primal_dual_rhs(t, w, p, out):
    """dw/dt = lambda (I + alpha M^T) (P(w - alpha (M w + q)) - w)."""
    N, lam, alpha, lo, hi, M, q, work = _unpack(p)
    g, rest = take(work, N)
    r, _ = take(rest, N)
    np.dot(M, w, g)
    for i in range(N):
        v = w[i] - alpha * (g[i] + q[i])
        v = min(max(v, lo[i]), hi[i])
        r[i] = v - w[i]
    np.dot(M.T, r, g)
    for i in range(N):
        out[i] = lam * (r[i] + alpha * g[i])


# ---------------------------------------------------------------- checks


def _matrix(M: Any, argument: str, shape: tuple[int | None, int | None]) -> np.ndarray:
    if isinstance(M, (str, bytes)):
        raise TypeError(f"{argument}: expected a numeric matrix, got {type(M).__name__}")
    try:
        arr = np.atleast_2d(np.asarray(M, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{argument}: expected a numeric matrix") from exc
    if arr.ndim != 2 or any(
        s is not None and s != a for s, a in zip(shape, arr.shape, strict=True)
    ):
        want = tuple("k" if s is None else s for s in shape)
        raise ValueError(f"{argument}: expected shape {want}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{argument}: expected finite values")
    return np.ascontiguousarray(arr)


def _vec(v: Any, n: int, argument: str, default: float | None = None) -> np.ndarray:
    """A length-n vector (a scalar is broadcast); infinite entries allowed (bounds)."""
    if v is None and default is None:
        raise ValueError(f"{argument}: required")
    return _vector(default if v is None else v, n, argument, finite=False)


def _convex(Q: Any) -> np.ndarray:
    Q = _matrix(Q, "Q", (None, None))
    if Q.shape[0] != Q.shape[1]:
        raise ValueError(f"Q: expected a square matrix, got shape {Q.shape}")
    if not np.allclose(Q, Q.T, rtol=1e-10, atol=1e-12 * (1 + np.abs(Q).max())):
        raise ValueError("Q: expected a symmetric matrix")
    lam_min = float(np.linalg.eigvalsh(Q)[0])
    if lam_min < -1e-10 * (1.0 + np.abs(Q).max()):
        raise ValueError(
            f"Q: expected positive semidefinite (convex problem), smallest eigenvalue {lam_min:g}"
        )
    return Q


def _bounds(bounds: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    if bounds is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    try:
        lo, hi = bounds
    except (TypeError, ValueError) as exc:
        raise TypeError("bounds: expected a pair (lower, upper) of scalars or arrays") from exc
    lo = _vec(-np.inf if lo is None else lo, n, "bounds lower")
    hi = _vec(np.inf if hi is None else hi, n, "bounds upper")
    if np.any(lo > hi):
        raise ValueError("bounds: expected lower <= upper")
    return lo, hi


def _rate(value: float | None, name: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a positive number, got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return float(value)


# ---------------------------------------------------------------- models


class ProjectionNetwork(Model):
    """Projection network for ``min 1/2 x^T Q x + c^T x`` over a box (module docstring).

    Parameters
    ----------
    Q, c: the convex objective (Q symmetric positive semidefinite).
    bounds: ``(lower, upper)``, scalars or arrays; ``None`` / infinite entries are unbounded.
    lam: the rate lambda (default 1).
    alpha: the step inside the projection (default ``1 / ||Q||_2``).
    """

    name = "projection network"

    def __init__(self, Q: Any, c: Any, bounds: Any = None, lam: float | None = None,
                 alpha: float | None = None) -> None:
        Q = _convex(Q)
        n = Q.shape[0]
        c = _vector(c, n, "c")
        lo, hi = _bounds(bounds, n)
        norm = float(np.linalg.norm(Q, 2))
        self.lam = _rate(lam, "lam", 1.0)
        self.alpha = _rate(alpha, "alpha", 1.0 / norm if norm > 0 else 1.0)
        self.n_states = n
        self.Q, self.c, self.lower, self.upper = Q, c, lo, hi
        self.layout = _LAYOUT
        self.params = _pack(self.lam, self.alpha, lo, hi, Q, c)
        self.work_size = n  # Q x
        self.rhs_kernel = box_projection_rhs
        self.energy_kernel = box_projection_energy

    def objective(self, x: Any) -> float:
        """``f(x) = 1/2 x^T Q x + c^T x``."""
        x = self._state(x)
        return float(0.5 * x @ self.Q @ x + self.c @ x)

    def residual(self, x: Any) -> float:
        """``max |P(x - alpha grad f) - x|``: zero exactly at the optimum."""
        x = self._state(x)
        v = np.clip(x - self.alpha * (self.Q @ x + self.c), self.lower, self.upper)
        return float(np.max(np.abs(v - x)))

    def project(self, x: Any) -> np.ndarray:
        """``x`` clipped into the box (a feasible start)."""
        return np.clip(self._state(x), self.lower, self.upper)


class PrimalDualNetwork(Model):
    """Primal-dual projection network for a convex QP with linear constraints (Xia & Wang
    2000; see the module docstring). The state is ``w = (x, y, z)``: ``n`` primal variables,
    ``p`` inequality multipliers (``y >= 0``), ``m`` equality multipliers."""

    name = "primal-dual projection network"

    def __init__(self, Q: Any, c: Any, A_ub: Any = None, b_ub: Any = None, A_eq: Any = None,
                 b_eq: Any = None, bounds: Any = None, lam: float | None = None,
                 alpha: float | None = None) -> None:
        Q = _convex(Q)
        n = Q.shape[0]
        c = _vector(c, n, "c")
        G, d = self._pair(A_ub, b_ub, n, "A_ub", "b_ub")
        A, b = self._pair(A_eq, b_eq, n, "A_eq", "b_eq")
        p, m = G.shape[0], A.shape[0]
        N = n + p + m
        lo_x, hi_x = _bounds(bounds, n)
        M = np.zeros((N, N))
        M[:n, :n] = Q
        M[:n, n : n + p] = G.T
        M[:n, n + p :] = -A.T
        M[n : n + p, :n] = -G
        M[n + p :, :n] = A
        q = np.concatenate([c, d, -b])
        lo = np.concatenate([lo_x, np.zeros(p), np.full(m, -np.inf)])
        hi = np.concatenate([hi_x, np.full(p, np.inf), np.full(m, np.inf)])
        norm = float(np.linalg.norm(M, 2))
        self.lam = _rate(lam, "lam", 1.0)
        self.alpha = _rate(alpha, "alpha", 1.0 / norm if norm > 0 else 1.0)
        self.n, self.p, self.m, self.n_states = n, p, m, N
        self.Q, self.c, self.A_ub, self.b_ub, self.A_eq, self.b_eq = Q, c, G, d, A, b
        self.lower, self.upper, self.M, self.q = lo, hi, M, q
        self.layout = _LAYOUT
        self.params = _pack(self.lam, self.alpha, lo, hi, M, q)
        self.work_size = 2 * N  # M w (then M^T r) and r
        self.rhs_kernel = primal_dual_rhs

    @staticmethod
    def _pair(A: Any, b: Any, n: int, a_name: str, b_name: str):
        if A is None and b is None:
            return np.zeros((0, n)), np.zeros(0)
        if A is None or b is None:
            raise ValueError(f"{a_name}, {b_name}: give both or neither")
        A = _matrix(A, a_name, (None, n))
        b = _vector(b, A.shape[0], b_name)
        return A, b

    def objective(self, w: Any) -> float:
        """``f(x)`` of the primal part of ``w`` (or of ``x`` itself, shape (n,))."""
        x = np.asarray(w, dtype=np.float64)[: self.n]
        return float(0.5 * x @ self.Q @ x + self.c @ x)

    def residual(self, w: Any) -> float:
        """``max |P(w - alpha (M w + q)) - w|``: zero exactly at a KKT point."""
        w = self._state(w)
        v = np.clip(w - self.alpha * (self.M @ w + self.q), self.lower, self.upper)
        return float(np.max(np.abs(v - w)))

    def initial_state(self, x0: Any = None) -> np.ndarray:
        """``(clip(x0), 0, 0)``: a primal start in the box, zero multipliers."""
        x = np.zeros(self.n) if x0 is None else _vec(x0, self.n, "x0")
        w = np.zeros(self.n_states)
        w[: self.n] = np.clip(x, self.lower[: self.n], self.upper[: self.n])
        return w


# ---------------------------------------------------------------- solve_qp


@dataclass
class QPResult:
    """Result of :func:`solve_qp`.

    x : the final primal state (projected onto the bounds); objective : f(x);
    t, objective_trace : the objective along the trajectory at the saved times;
    trajectory : (n, n_times) primal states;
    multipliers_ub / multipliers_eq : Lagrange multipliers (primal-dual network; empty for
    the box network); residual : the projection residual at the end (0 at the optimum);
    status : 0 ran to t_end, 1 equilibrium reached (``residual <= tol``), -1 failure;
    message; network : the model; solution : the :class:`~dynamics.Solution`.
    """

    x: np.ndarray
    objective: float
    t: np.ndarray
    objective_trace: np.ndarray
    trajectory: np.ndarray
    multipliers_ub: np.ndarray
    multipliers_eq: np.ndarray
    residual: float
    status: int
    message: str
    network: Model
    solution: Any


def solve_qp(
    Q: Any,
    c: Any = None,
    A_ub: Any = None,
    b_ub: Any = None,
    A_eq: Any = None,
    b_eq: Any = None,
    bounds: Any = None,
    x0: Any = None,
    t_end: float = 1e6,
    tol: float = 1e-9,
    lam: float | None = None,
    alpha: float | None = None,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> QPResult:
    """Solve ``min 1/2 x^T Q x + c^T x`` s.t. ``A_ub x <= b_ub``, ``A_eq x = b_eq``, bounds,
    by integrating a projection network with :func:`dynamics.solve` until it comes to rest.

    Box constraints only: :class:`ProjectionNetwork` (energy = objective); otherwise
    :class:`PrimalDualNetwork`. The run stops at equilibrium (``max |dw/dt| < lam * tol``)
    or at ``t_end`` (a safety limit: the time to converge grows with the condition number of
    ``Q``); ``status`` is 1 when the projection residual is at most ``tol``.
    """
    from dynamics.integrate import solve

    t_end = _rate(t_end, "t_end", 1e6)
    tol = _rate(tol, "tol", 1e-9)
    linear = any(v is not None for v in (A_ub, b_ub, A_eq, b_eq))
    if linear:
        net: Model = PrimalDualNetwork(Q, c, A_ub, b_ub, A_eq, b_eq, bounds, lam, alpha)
        w0 = net.initial_state(x0)
        n = net.n
    else:
        net = ProjectionNetwork(Q, c, bounds, lam, alpha)
        n = net.n_states
        start = np.zeros(n) if x0 is None else _vec(x0, n, "x0")
        w0 = net.project(np.where(np.isfinite(start), start, 0.0))
    sol = solve(net, (0.0, t_end), w0, rtol=rtol, atol=atol, stop_at_equilibrium=True,
                eq_tol=net.lam * tol, max_steps=2_000_000)
    # the flow of the primal-dual network need not stay inside Omega on the way; the answer
    # read out is the final state projected onto it (w* = P(w*) at the equilibrium)
    w = np.clip(sol.y[:, -1], net.lower, net.upper)
    X = sol.y[:n]
    trace = 0.5 * np.einsum("it,ij,jt->t", X, net.Q, X) + net.c @ X
    residual = net.residual(w)
    if sol.status < 0:
        status, message = -1, sol.message
    elif residual <= tol * max(1.0, float(np.max(np.abs(w)))):
        status, message = 1, f"equilibrium reached at t={sol.t[-1]:.4g} (residual {residual:.2g})"
    else:
        status, message = 0, f"t_end={t_end:g} reached before equilibrium (residual {residual:.2g})"
    y = w[n : n + net.p] if linear else np.zeros(0)
    z = w[n + net.p :] if linear else np.zeros(0)
    x = w[:n].copy()
    objective = float(0.5 * x @ net.Q @ x + net.c @ x)
    return QPResult(x, objective, sol.t, trace, X, y, z, residual, status, message, net, sol)
