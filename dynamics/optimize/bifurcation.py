"""Simulated bifurcation (SB): ballistic (bSB) and discrete (dSB) variants.

Goto, Tatsumura & Dixon (2019), "Combinatorial optimization by simulating adiabatic
bifurcations in nonlinear Hamiltonian systems", Sci. Adv. 5, eaav2372; Goto, Endo, Suzuki,
Sakai, Kanao, Hamakawa, Hidaka, Yamasaki & Tatsumura (2021), "High-performance combinatorial
optimization based on classical mechanics", Sci. Adv. 7, eabe7953.

Each spin ``i`` is a Kerr-free oscillator with position ``x_i`` and momentum ``y_i``, with
perfectly inelastic walls at ``|x_i| = 1``. For the Ising energy
``E(s) = -1/2 s^T J s - h^T s`` the equations of motion are (Goto et al. 2021, eqs. 4-7)::

    dx_i/dt = a0 y_i
    dy_i/dt = -(a0 - a(t)) x_i + c0 f_i
    bSB:  f_i = sum_j J_ij x_j + h_i          dSB:  f_i = sum_j J_ij sgn(x_j) + h_i
    if |x_i| > 1:  x_i <- sgn(x_i),  y_i <- 0

integrated with the symplectic Euler method (momentum first, then position with the new
momentum) at step ``dt`` while the pump ``a(t)`` is ramped linearly from 0 to ``a0``. The
published parameters are ``a0 = 1`` and ``c0 = 0.5 / (sigma sqrt(N))`` with
``sigma = sqrt(sum_ij J_ij^2 / (N (N - 1)))``, ``dt = 1.25``. The spins are ``sgn(x)``.
Adding ``h`` to the force is the gradient of the energy in ``x``.

Many agents (independent trajectories) run at once: positions and momenta are ``(N, M)``
arrays, so the force is one matrix-matrix product ``J X`` (BLAS-3) per step, or one
sparse-dense product (``scipy.sparse``) when ``J`` is sparse. The element-wise update of
``x``, ``y``, the walls and ``sgn(x)`` is one fused compiled pass. The energies of all agents
are evaluated every ``check_every`` steps and the best configuration ever seen is kept (the
trajectory is not monotone; its last state need not be its best).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numba as nb
import numpy as np
import scipy.sparse as sp

from dynamics.optimize._ising_common import (
    IsingResult,
    Tracker,
    as_rng,
    check_ising,
    positive_float,
    positive_int,
)
from dynamics.optimize.qubo import Ising

__all__ = ["simulated_bifurcation", "stable_dt", "SB_VARIANTS"]

SB_VARIANTS = ("discrete", "ballistic")


@nb.njit(cache=True, fastmath=False)
def _sb_update(X, Y, F, S, damp_dt, c0_dt, a0_dt):
    """One symplectic Euler step with walls, in place; writes sgn(X) into S."""
    n, m = X.shape
    for i in range(n):
        for k in range(m):
            y = Y[i, k] + (damp_dt * X[i, k] + c0_dt * F[i, k])
            x = X[i, k] + a0_dt * y
            if x > 1.0:
                x = 1.0
                y = 0.0
            elif x < -1.0:
                x = -1.0
                y = 0.0
            X[i, k] = x
            Y[i, k] = y
            S[i, k] = 1.0 if x >= 0.0 else -1.0


def stable_dt(problem: Ising, a0: float = 1.0, c0: float | None = None) -> float:
    """0.88 x the largest stable symplectic Euler step of the linearised SB dynamics.

    Along an eigenvector of ``J`` with eigenvalue ``lambda`` the linear (bSB) dynamics is a
    harmonic oscillator of stiffness ``a0 (a0 - a(t) - c0 lambda)``; symplectic Euler is
    stable for ``dt^2 x stiffness < 4``. The stiffest mode is the most negative eigenvalue at
    ``a = 0``: ``dt < 2 / sqrt(a0 (a0 + c0 |lambda_min|))``. The factor 0.88 is the margin
    of the published ``dt = 1.25`` on zero-mean couplings (``c0 |lambda_min| ~ 1``).
    Couplings with a large negative mode (max-cut on graphs of positive weights, whose
    ``J = -w/2`` has ``lambda_min ~ -mean degree / 2``) need a smaller step.
    """
    from scipy.sparse.linalg import eigsh

    problem = check_ising(problem)
    n = problem.n
    if c0 is None:
        sigma = problem.coupling_rms()
        c0 = 0.5 / (sigma * math.sqrt(n)) if sigma > 0 else 1.0
    if n <= 256:
        lam_min = float(np.linalg.eigvalsh(problem.dense_couplings())[0])
    else:
        lam_min = float(eigsh(problem.J, k=1, which="SA", tol=1e-3,
                              return_eigenvectors=False)[0])
    stiffness = a0 * (a0 + c0 * max(-lam_min, 0.0))
    return 0.88 * 2.0 / math.sqrt(stiffness)


def _agent_energies(J, h, S, offset):
    """E for each column of S (N, M): -1/2 sum(S * J S) - h S + offset (in S's dtype)."""
    JS = J @ S
    return -0.5 * np.einsum("ij,ij->j", S, JS) - h @ S + offset


def simulated_bifurcation(
    problem: Ising,
    variant: str = "discrete",
    agents: int = 64,
    steps: int = 2000,
    dt: float | None = None,
    a0: float = 1.0,
    c0: float | None = None,
    time_limit: float | None = None,
    max_rounds: int | None = None,
    check_every: int = 25,
    target: float | None = None,
    polish: bool = False,
    dtype: str = "float32",
    seed: Any = None,
) -> IsingResult:
    """Minimise an Ising (or QUBO) energy by simulated bifurcation (module docstring).

    Parameters
    ----------
    problem: an :class:`~dynamics.optimize.qubo.Ising` or QUBO.
    variant: "discrete" (dSB) or "ballistic" (bSB).
    agents: trajectories M run together (columns of one (N, M) matrix).
    steps: symplectic Euler steps per round; ``a(t)`` goes from 0 to ``a0`` over them.
    dt: the time step; default ``min(1.25, stable_dt(problem))`` -- the published 1.25
        (Goto et al. 2021, for zero-mean couplings such as K2000), reduced where the
        symplectic Euler step would be unstable (see :func:`stable_dt`).
    a0: the final pump amplitude (published: 1).
    c0: coupling scale; default ``0.5 / (sigma sqrt(N))`` (Goto et al. 2021).
    time_limit: seconds; rounds (fresh random starts) are repeated until it is used up. A
        round in progress stops at the limit. Without it, ``max_rounds`` rounds (default 1).
    max_rounds: the most rounds to run.
    check_every: evaluate all agents' energies every this many steps.
    target: stop as soon as an energy <= target is found.
    polish: finish with a one-flip :func:`hopfield_descent` from the best configuration
        (reported as method "dsb+descent" / "bsb+descent").
    dtype: "float32" (default; the dynamics tolerate it and BLAS runs twice as fast) or
        "float64". Reported energies are always recomputed exactly in float64.
    seed: int or numpy Generator (initial positions and momenta, uniform in [-0.1, 0.1]).
    """
    problem = check_ising(problem)
    if variant not in SB_VARIANTS:
        raise ValueError(f"variant: expected one of {SB_VARIANTS}, got {variant!r}")
    agents = positive_int(agents, "agents")
    steps = positive_int(steps, "steps")
    a0 = positive_float(a0, "a0")
    time_limit = positive_float(time_limit, "time_limit", allow_none=True)
    max_rounds = (positive_int(max_rounds, "max_rounds") if max_rounds is not None
                  else (1 if time_limit is None else 10**9))
    check_every = positive_int(check_every, "check_every")
    if target is not None:
        target = float(target)
        if not math.isfinite(target):
            raise ValueError(f"target: expected a finite number, got {target}")
    if not isinstance(polish, bool):
        raise TypeError(f"polish: expected a bool, got {type(polish).__name__}")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
    n = problem.n
    if c0 is None:
        sigma = problem.coupling_rms()
        c0 = 0.5 / (sigma * math.sqrt(n)) if sigma > 0 else 1.0
    else:
        c0 = positive_float(c0, "c0")
    dt = min(1.25, stable_dt(problem, a0, c0)) if dt is None else positive_float(dt, "dt")
    rng = as_rng(seed)
    ft = np.dtype(dtype).type
    J = problem.J.astype(ft) if problem.sparse else np.ascontiguousarray(problem.J, dtype=ft)
    if problem.sparse:
        J = sp.csr_matrix(J)
    h = problem.h.astype(ft)
    has_h = bool(np.any(problem.h != 0))
    discrete = variant == "discrete"
    pumps = a0 * np.arange(1, steps + 1) / steps

    start = time.perf_counter()
    tracker = Tracker(problem, start)
    status, rounds, total = 0, 0, 0
    done = False
    while rounds < max_rounds and not done:
        X = rng.uniform(-0.1, 0.1, (n, agents)).astype(ft)
        Y = rng.uniform(-0.1, 0.1, (n, agents)).astype(ft)
        S = np.where(X >= 0, ft(1), ft(-1))
        for k in range(steps):
            F = J @ (S if discrete else X)
            if has_h:
                F += h[:, None]
            F = np.ascontiguousarray(F, dtype=ft)
            _sb_update(X, Y, F, S, ft(-(a0 - pumps[k]) * dt), ft(c0 * dt), ft(a0 * dt))
            total += 1
            last = k == steps - 1
            if (k + 1) % check_every == 0 or last:
                e = _agent_energies(J, h, S, ft(problem.offset))
                best = int(np.argmin(e))
                now = time.perf_counter()
                if float(e[best]) < tracker.best_e + 1e-3 * (1.0 + abs(tracker.best_e)):
                    tracker.offer(S[:, best], now)
                else:
                    tracker.record(now)
                if target is not None and tracker.best_e <= target:
                    done = True
                    break
                if time_limit is not None and now - start >= time_limit:
                    status, done = 1, True
                    break
        rounds += 1
        if not np.isfinite(X).all():
            status, done = -1, True
    method = "dsb" if discrete else "bsb"
    msg = f"{rounds} round(s) of {steps} steps x {agents} agents"
    if status == 1:
        msg += "; time limit reached"
    elif status == -1:
        msg += "; failed: non-finite positions"
    if target is not None and tracker.best_e <= target:
        msg += f"; target {target:g} reached"
    if polish:
        from dynamics.optimize.ising_networks import hopfield_descent

        polished = hopfield_descent(problem, s0=tracker.best_s, seed=rng)
        tracker.offer(polished.spins, time.perf_counter())
        method += "+descent"
        msg += "; polished by one-flip descent"
    return tracker.result(method, seed, time.perf_counter(), total, rounds, agents=agents,
                          status=status, message=msg, c0=c0, dt=dt, a0=a0)
