"""The Hopfield-Tank network for the travelling salesman problem (Hopfield & Tank 1985).

n^2 graded neurons ``V[X, i]`` (city X at tour position i), ``V = g(u) = (1 + tanh(u/u0))/2``,
with the energy of Hopfield & Tank (1985, Biol. Cybern. 52:141-152, eq. 5)::

    E(V) = A/2 sum_X sum_i sum_{j != i} V_Xi V_Xj              (one position per city)
         + B/2 sum_i sum_X sum_{Y != X} V_Xi V_Yi              (one city per position)
         + C/2 (sum_X sum_i V_Xi - n_tilde)^2                  (n cities in the tour)
         + D/2 sum_X sum_{Y != X} sum_i d_XY V_Xi (V_Y,i+1 + V_Y,i-1)   (tour length)

and the equation of motion ``du_Xi/dt = -u_Xi / tau - dE/dV_Xi`` (their eq. 6), where::

    dE/dV_Xi = A (R_X - V_Xi) + B (S_i - V_Xi) + C (T - n_tilde) + D (d P)_Xi,

``R_X = sum_i V_Xi`` (row sums), ``S_i = sum_X V_Xi`` (column sums), ``T = sum V`` and
``P[Y, i] = V_Y,i+1 + V_Y,i-1`` (V shifted by one position either way, cyclically).
The field is computed matrix-free: the row and column sums, the total and one (n, n) x (n, n)
matrix product ``d P`` -- memory O(n^2), a step O(n^3); the n^2 x n^2 weights are never built
(:meth:`HopfieldTank.dense_weights` builds them for checks and benchmarks only).

Energy. The quadratic form of E is symmetric (d is symmetric, and the shift by +1 and -1
positions is symmetric), so the network is a graded Hopfield network (Hopfield 1984) and
its Lyapunov function is the published E plus the leak integral::

    L(u) = E(V) + (1/tau) sum_Xi int_{1/2}^{V_Xi} g^-1(v) dv,
    int_{1/2}^{V} g^-1 = (u0/2) (V ln V + (1 - V) ln(1 - V) + ln 2)  >= 0,

with ``dL/dt = -sum_Xi g'(u_Xi) (du_Xi/dt)^2 <= 0`` for *every* parameter set with a
symmetric distance matrix and tau > 0 (the regime where non-increase holds; the tests check
it along trajectories). The published E alone decreases only in the high-gain limit
u0 -> 0, where the integral term (at most (u0/2) ln 2 per neuron) vanishes. The model's
energy kernel is L; :meth:`HopfieldTank.published_energy` returns E and its four terms.

Defaults are the published ones for 10 cities: A = B = 500, C = 200, D = 500, u0 = 0.02,
tau = 1, n_tilde = 15 (``1.5 n`` in general), starts ``u00 = -(u0/2) ln(n - 1)`` (so that
sum V = n) plus noise uniform in +-0.1 u0 (Hopfield & Tank 1985; Wilson & Pawley 1988).

The parameters are described by the module's :class:`~dynamics.models.layout.ParamLayout`
(``HopfieldTank.layout``): the number of cities n in its header, then the scalars A, B, C,
D, n_tilde, u0, inv_tau (= 1/tau) and the (n, n) distance block ``d``. The kernels take V,
P, d P and the column sums (3 n^2 + n floats, ``work_size``) from the solvers' work area
and never write ``params``; the batched kernel takes 3 n^2 more floats per state
(``rhs_batch_work``) from the ensemble's work area, allocating nothing.
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np

from dynamics.models._work import take, take_matrix
from dynamics.models.base import ENERGY_SIGNATURE, RHS_BATCH_SIGNATURE, RHS_SIGNATURE, Model
from dynamics.models.layout import ParamLayout
from dynamics.optimize.tsplib import TSPInstance

__all__ = ["HopfieldTank"]

_LAYOUT = ParamLayout(
    [("A", ()), ("B", ()), ("C", ()), ("D", ()), ("n_tilde", ()), ("u0", ()), ("inv_tau", ()),
     ("d", ("n", "n"))],
    dims=("n",),
)
_unpack = _LAYOUT.unpacker(work=True)


@nb.njit(cache=True)
def _outputs(u, u0, v):
    for k in range(u.size):
        v[k] = 0.5 * (1.0 + math.tanh(u[k] / u0))


@nb.njit(cache=True)
def _shifted(v, n, w):
    """w[Y, i] = v[Y, i+1] + v[Y, i-1] (cyclic positions); v, w flat (n*n,)."""
    for y in range(n):
        row = y * n
        for i in range(n):
            w[row + i] = v[row + (i + 1) % n] + v[row + (i - 1) % n]


@nb.njit(cache=True)
def _field(u, v, dp, n, a, b, c, dd, n_tilde, inv_tau, col, out):
    """out = -u/tau - dE/dV given V and dp = d P (all flat (n*n,)); ``col`` (n,) is room
    for the column sums."""
    total = 0.0
    for k in range(n * n):
        total += v[k]
    col[:] = 0.0
    for x in range(n):
        for i in range(n):
            col[i] += v[x * n + i]
    ct = c * (total - n_tilde)
    for x in range(n):
        row_sum = 0.0
        for i in range(n):
            row_sum += v[x * n + i]
        for i in range(n):
            k = x * n + i
            grad = a * (row_sum - v[k]) + b * (col[i] - v[k]) + ct + dd * dp[k]
            out[k] = -u[k] * inv_tau - grad


@nb.njit(RHS_SIGNATURE, cache=True)
def hopfield_tank_rhs(t, x, p, out):
    """du/dt = -u/tau - dE/dV, matrix-free: sums and one product d @ P."""
    n, a, b, c, dd, n_tilde, u0, inv_tau, d, work = _unpack(p)
    nn = n * n
    v, rest = take(work, nn)
    w, rest = take(rest, nn)
    dp, rest = take(rest, nn)
    col, _ = take(rest, n)
    _outputs(x, u0, v)
    _shifted(v, n, w)
    np.dot(d, w.reshape((n, n)), dp.reshape((n, n)))
    _field(x, v, dp, n, a, b, c, dd, n_tilde, inv_tau, col, out)


@nb.njit(RHS_BATCH_SIGNATURE, cache=True)
def hopfield_tank_rhs_batch(t, X, p, OUT):
    """The field of m states at once: the products d @ P_r of all m states as one BLAS-3
    product d @ [P_1 | P_2 | ... | P_m] of shape (n, n) x (n, m n).

    Allocates nothing: after the single-state work area (3 n^2 + n floats) the ensemble engine
    passes 3 n^2 floats per state (``rhs_batch_work``) for V, [P_1 | ... | P_m] and its
    product; called with ``kernel_params()`` alone, it evaluates the states one by one."""
    n, a, b, c, dd, n_tilde, u0, inv_tau, d, work = _unpack(p)
    m = X.shape[0]
    nn = n * n
    single = 3 * nn + n
    if work.shape[0] < single + 3 * m * nn:
        for r in range(m):
            hopfield_tank_rhs(t[r], X[r], p, OUT[r])
        return
    _, rest = take(work, nn)  # V of the single-state kernel: unused here
    w, rest = take(rest, nn)
    dp, rest = take(rest, nn)
    col, rest = take(rest, n)
    v, rest = take_matrix(rest, m, nn)
    wide, rest = take_matrix(rest, n, m * n)
    dwide, _ = take_matrix(rest, n, m * n)
    for r in range(m):
        _outputs(X[r], u0, v[r])
        _shifted(v[r], n, w)
        for y in range(n):
            for i in range(n):
                wide[y, r * n + i] = w[y * n + i]
    np.dot(d, wide, dwide)
    for r in range(m):
        for y in range(n):
            for i in range(n):
                dp[y * n + i] = dwide[y, r * n + i]
        _field(X[r], v[r], dp, n, a, b, c, dd, n_tilde, inv_tau, col, OUT[r])


@nb.njit(cache=True)
def _leak_integral(x):
    """V ln V + (1 - V) ln(1 - V) + ln 2 for V = (1 + tanh x)/2, accurate when V saturates."""
    a = abs(x)
    e = math.exp(-2.0 * a)
    s = math.log1p(e)
    small = e / (1.0 + e)  # 1 - max(V, 1 - V)
    return -s - 2.0 * a * small + math.log(2.0)


@nb.njit(cache=True)
def _published_terms(x, p):
    n, a, b, c, dd, n_tilde, u0, inv_tau, d, work = _unpack(p)
    nn = n * n
    v, rest = take(work, nn)
    w, rest = take(rest, nn)
    dp, _ = take(rest, nn)
    _outputs(x, u0, v)
    _shifted(v, n, w)
    np.dot(d, w.reshape((n, n)), dp.reshape((n, n)))
    ea = 0.0
    eb = 0.0
    total = 0.0
    sq = 0.0
    for k in range(nn):
        total += v[k]
        sq += v[k] * v[k]
    for x_ in range(n):
        r = 0.0
        for i in range(n):
            r += v[x_ * n + i]
        ea += r * r
    for i in range(n):
        s = 0.0
        for x_ in range(n):
            s += v[x_ * n + i]
        eb += s * s
    ed = 0.0
    for k in range(nn):
        ed += v[k] * dp[k]
    return (0.5 * a * (ea - sq), 0.5 * b * (eb - sq), 0.5 * c * (total - n_tilde) ** 2,
            0.5 * dd * ed)


@nb.njit(ENERGY_SIGNATURE, cache=True)
def hopfield_tank_energy(x, p):
    """L = E_A + E_B + E_C + E_D + (1/tau) sum (u0/2)(V ln V + (1-V) ln(1-V) + ln 2)."""
    ea, eb, ec, ed = _published_terms(x, p)
    _, _, _, _, _, _, u0, inv_tau, _, _ = _unpack(p)
    leak = 0.0
    for k in range(x.size):
        leak += _leak_integral(x[k] / u0)
    return ea + eb + ec + ed + inv_tau * 0.5 * u0 * leak


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return v


def _nonnegative(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
    return v


def distances_of(problem: Any) -> np.ndarray:
    """The float distance matrix of a :class:`TSPInstance` or a square matrix (checked)."""
    if isinstance(problem, TSPInstance):
        return problem.distances.astype(np.float64)
    return TSPInstance.from_matrix(problem).distances.astype(np.float64)


class HopfieldTank(Model):
    """The Hopfield-Tank TSP network (Hopfield & Tank 1985); see the module docstring.

    Parameters
    ----------
    problem:
        A :class:`~dynamics.optimize.TSPInstance` or a symmetric (n, n) distance matrix.
    A, B, C, D, u0, tau:
        The published constants (defaults A = B = 500, C = 200, D = 500, u0 = 0.02, tau = 1).
    n_tilde:
        The target neuron count of the C term; default 1.5 n (15 for 10 cities, as published).
    distance_scale:
        The distances are multiplied by this factor (default 1). The published constants
        assume cities in the unit square; :func:`~dynamics.optimize.solve_tsp` rescales
        instances whose longest edge exceeds 1 to a longest edge of 1.

    The state is ``u`` flattened row-major: ``u[X * n + i]``. :meth:`output` gives ``V``
    as (..., n, n) matrices.
    """

    name = "Hopfield-Tank TSP"

    def __init__(
        self,
        problem: Any,
        A: float = 500.0,
        B: float = 500.0,
        C: float = 200.0,
        D: float = 500.0,
        u0: float = 0.02,
        n_tilde: float | None = None,
        tau: float = 1.0,
        distance_scale: float = 1.0,
    ) -> None:
        d = distances_of(problem)
        n = d.shape[0]
        consts = [_nonnegative(v, k) for k, v in (("A", A), ("B", B), ("C", C), ("D", D))]
        self.u0 = _positive(u0, "u0")
        self.tau = _positive(tau, "tau")
        self.n_tilde = 1.5 * n if n_tilde is None else _positive(n_tilde, "n_tilde")
        scale = _positive(distance_scale, "distance_scale")
        self.n_cities = n
        self.n_states = n * n
        self.A, self.B, self.C, self.D = consts
        self.distances = d * scale
        self.layout = _LAYOUT
        self.params = _LAYOUT.pack(
            A=consts[0], B=consts[1], C=consts[2], D=consts[3], n_tilde=self.n_tilde,
            u0=self.u0, inv_tau=1.0 / self.tau, d=self.distances,
        )
        self.work_size = 3 * n * n + n  # V, P, d P and the column sums of one state
        self.rhs_batch_work = 3 * n * n  # V, P and d P of each state of an ensemble block
        self.rhs_kernel = hopfield_tank_rhs
        self.rhs_batch_kernel = hopfield_tank_rhs_batch
        self.energy_kernel = hopfield_tank_energy

    @property
    def u00(self) -> float:
        """The published starting potential -(u0/2) ln(n - 1): all V = 1/n, sum V = n."""
        return -0.5 * self.u0 * math.log(self.n_cities - 1)

    def initial_states(self, m: int = 1, seed: int | np.random.Generator | None = None,
                       noise: float = 0.1) -> np.ndarray:
        """``m`` starts ``u00 + delta``, delta uniform in [-noise u0, noise u0] (default 0.1 u0,
        Hopfield & Tank 1985); shape (m, n*n)."""
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise ValueError(f"m: expected a positive int, got {m!r}")
        noise = _nonnegative(noise, "noise")
        rng = np.random.default_rng(seed)
        return self.u00 + noise * self.u0 * rng.uniform(-1.0, 1.0, size=(int(m), self.n_states))

    def output(self, u: Any) -> np.ndarray:
        """V = (1 + tanh(u/u0))/2 reshaped to (..., n, n) (city X, position i)."""
        arr = np.asarray(u, dtype=np.float64)
        if arr.shape[-1] != self.n_states:
            raise ValueError(f"u: expected a last axis of length {self.n_states}, got {arr.shape}")
        return (0.5 * (1.0 + np.tanh(arr / self.u0))).reshape(*arr.shape[:-1], self.n_cities,
                                                              self.n_cities)

    def published_energy(self, u: Any) -> dict[str, float]:
        """The published energy E and its terms at state ``u``: keys A, B, C, D, E."""
        x = self._state(u, "u")
        ea, eb, ec, ed = _published_terms(x, self.kernel_params())
        return {"A": ea, "B": eb, "C": ec, "D": ed, "E": ea + eb + ec + ed}

    def dense_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """The explicit n^2 x n^2 weights T and bias I with dE/dV = -(T V + I) (for checks and
        benchmarks; the model never builds them)::

            T_Xi,Yj = -A d_XY (1 - d_ij) - B d_ij (1 - d_XY) - C - D d_XY (d_j,i+1 + d_j,i-1),
            I_Xi = C n_tilde   (d_.. the Kronecker delta, d_XY the distance)."""
        n = self.n_cities
        eye = np.eye(n)
        shift = np.roll(eye, 1, axis=1) + np.roll(eye, -1, axis=1)
        t = (-self.A * np.kron(eye, 1.0 - eye) - self.B * np.kron(1.0 - eye, eye)
             - self.C * np.ones((n * n, n * n)) - self.D * np.kron(self.distances, shift))
        return t, np.full(n * n, self.C * self.n_tilde)

    def __repr__(self) -> str:
        return (f"HopfieldTank(n={self.n_cities}, A={self.A:g}, B={self.B:g}, C={self.C:g}, "
                f"D={self.D:g}, u0={self.u0:g}, n_tilde={self.n_tilde:g})")
