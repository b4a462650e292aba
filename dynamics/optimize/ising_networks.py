"""Network solvers of Ising / QUBO problems: binary Hopfield descent, Glauber annealing, and the
graded (mean-field) network.

All three descend the Ising energy ``E(s) = -1/2 s^T J s - h^T s + offset``. With the local
fields ``F = J s + h`` (kept up to date incrementally, O(degree) per flip, through the CSR
rows of ``J``), flipping spin ``i`` changes the energy by ``dE_i = 2 s_i F_i``.

* :func:`hopfield_descent` -- asynchronous binary Hopfield dynamics (Hopfield 1982):
  ``s_i <- sgn(F_i)`` for spins in a random order each sweep; only energy-lowering flips are
  made, so ``E`` never increases, and a sweep without a flip is a local minimum (no single
  flip lowers ``E``).
* :func:`glauber_annealing` -- stochastic Hopfield / Boltzmann-machine dynamics (Glauber 1963;
  Kirkpatrick, Gelatt & Vecchi 1983): spin ``i`` flips with probability
  ``1 / (1 + exp(dE_i / T))``, with the temperature lowered geometrically
  ``T_k = T0 (T1 / T0)^(k / (K - 1))`` over ``K`` sweeps, then a zero-temperature descent.
* :func:`graded_network` -- the continuous Hopfield network (Hopfield 1984)
  ``du/dt = -u + J tanh(beta u) + h`` integrated with :func:`dynamics.solve`, at a sequence of
  increasing gains ``beta`` (mean-field annealing, Peterson & Anderson 1987; Van den Bout &
  Miller 1989) starting just below the critical gain ``beta_c = 1 / lambda_max(J)`` at which
  ``u = 0`` loses stability; the spins are ``sgn(u)`` at the end.
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
    spins_or_random,
)
from dynamics.optimize.qubo import Ising

__all__ = ["hopfield_descent", "glauber_annealing", "graded_network"]


def csr_couplings(problem: Ising) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of ``J`` in CSR form (dense J is converted)."""
    J = problem.J if problem.sparse else sp.csr_matrix(problem.J)
    J = sp.csr_matrix(J)
    J.sort_indices()
    return (np.ascontiguousarray(J.indptr, dtype=np.int64),
            np.ascontiguousarray(J.indices, dtype=np.int64),
            np.ascontiguousarray(J.data, dtype=np.float64))


@nb.njit(cache=True)
def _fields(indptr, indices, data, h, s, F):
    n = s.size
    for i in range(n):
        acc = h[i]
        for k in range(indptr[i], indptr[i + 1]):
            acc += data[k] * s[indices[k]]
        F[i] = acc


@nb.njit(cache=True, inline="always")
def _flip(indptr, indices, data, s, F, i):
    """Flip spin i and update the fields of its neighbours (J symmetric)."""
    s[i] = -s[i]
    two_si = 2.0 * s[i]
    for k in range(indptr[i], indptr[i + 1]):
        F[indices[k]] += two_si * data[k]


@nb.njit(cache=True)
def _shuffle(order, rng_u):
    """Fisher-Yates shuffle driven by uniform numbers rng_u (len(order) values)."""
    for k in range(order.size - 1, 0, -1):
        r = int(rng_u[k] * (k + 1))
        if r > k:
            r = k
        tmp = order[k]
        order[k] = order[r]
        order[r] = tmp


@nb.njit(cache=True)
def _descent_kernel(indptr, indices, data, h, s, energy0, max_sweeps, uniforms, trace):
    """Asynchronous descent from s (in place). Returns (sweeps done, energy, converged)."""
    n = s.size
    F = np.empty(n)
    _fields(indptr, indices, data, h, s, F)
    order = np.arange(n)
    e = energy0
    for sweep in range(max_sweeps):
        _shuffle(order, uniforms[sweep % uniforms.shape[0]])
        flips = 0
        for k in range(n):
            i = order[k]
            d = 2.0 * s[i] * F[i]
            if d < 0.0:
                e += d
                _flip(indptr, indices, data, s, F, i)
                flips += 1
        trace[sweep] = e
        if flips == 0:
            return sweep + 1, e, True
    return max_sweeps, e, False


@nb.njit(cache=True)
def _anneal_kernel(indptr, indices, data, h, s, energy0, temperatures, uniforms, trace):
    """Glauber sweeps at the given temperatures (in place); returns the final energy."""
    n = s.size
    F = np.empty(n)
    _fields(indptr, indices, data, h, s, F)
    e = energy0
    for sweep in range(temperatures.size):
        inv_t = 1.0 / temperatures[sweep]
        u = uniforms[sweep]
        for i in range(n):
            d = 2.0 * s[i] * F[i]
            x = d * inv_t
            # flip probability 1 / (1 + exp(dE / T)), written to avoid overflow
            if x > 0.0:
                q = math.exp(-x)
                p_flip = q / (1.0 + q)
            else:
                p_flip = 1.0 / (1.0 + math.exp(x))
            if u[i] < p_flip:
                e += d
                _flip(indptr, indices, data, s, F, i)
        trace[sweep] = e
    return e


def _descend(problem, csr, s, rng, max_sweeps):
    """One descent from s (float64, modified in place); returns (sweeps, energy, converged,
    per-sweep energies)."""
    n = problem.n
    block = min(max_sweeps, 64)
    uniforms = rng.random((block, n))
    trace = np.empty(max_sweeps)
    sweeps, e, converged = _descent_kernel(*csr, problem.h, s, problem.energy(s), max_sweeps,
                                           uniforms, trace)
    return int(sweeps), float(e), bool(converged), trace[:sweeps]


def hopfield_descent(
    problem: Ising,
    s0: Any = None,
    restarts: int = 1,
    max_sweeps: int = 10_000,
    seed: Any = None,
    time_limit: float | None = None,
) -> IsingResult:
    """Asynchronous binary Hopfield descent to a local minimum (see the module docstring).

    Parameters
    ----------
    problem: an :class:`~dynamics.optimize.qubo.Ising` (a QUBO is converted).
    s0: start configuration (n,) in {-1, +1}, used for the first restart; random otherwise.
    restarts: independent descents from random starts; the best is returned.
    max_sweeps: sweep limit per descent (status 0 with a message if one is reached).
    seed: int or numpy Generator (sweep orders and starts).
    time_limit: stop starting new restarts after this many seconds.

    ``result.extra["sweep_energy"]`` holds the energy after every sweep of the first descent
    (non-increasing).
    """
    problem = check_ising(problem)
    restarts = positive_int(restarts, "restarts")
    max_sweeps = positive_int(max_sweeps, "max_sweeps")
    time_limit = positive_float(time_limit, "time_limit", allow_none=True)
    rng = as_rng(seed)
    first = spins_or_random(s0, problem.n, rng)
    csr = csr_couplings(problem)
    start = time.perf_counter()
    tracker = Tracker(problem, start)
    total, done, unconverged, status = 0, 0, 0, 0
    for r in range(restarts):
        if time_limit is not None and r > 0 and time.perf_counter() - start > time_limit:
            status = 1
            break
        s = first if r == 0 else spins_or_random(None, problem.n, rng)
        t0 = time.perf_counter()
        sweeps, _, converged, trace = _descend(problem, csr, s, rng, max_sweeps)
        t1 = time.perf_counter()
        if r == 0:
            sweep_energy = trace.copy()
        for k, e in enumerate(trace):
            tracker.record(t0 + (k + 1) / sweeps * (t1 - t0), float(e))
        tracker.offer(s, t1)
        total += sweeps
        done += 1
        unconverged += not converged
    msg = "local minimum reached" if unconverged == 0 else (
        f"{unconverged} descent(s) stopped at max_sweeps before a local minimum")
    if status == 1:
        msg += f"; time limit reached after {done} restart(s)"
    return tracker.result("descent", seed, time.perf_counter(), total, done, status=status,
                          message=msg, sweep_energy=sweep_energy)


def _default_temperatures(problem: Ising) -> tuple[float, float]:
    """T0 = 2 x the rms local field at a random state (most uphill moves accepted),
    T1 = the smallest nonzero |dE| / ln(100) (uphill moves of that size accepted with
    probability about 1 %)."""
    J = problem.J
    sq = np.asarray(J.multiply(J).sum(axis=1)).ravel() if problem.sparse else np.sum(J**2, 1)
    rms_field = math.sqrt(float(np.mean(sq + problem.h**2)))
    data = J.data if problem.sparse else J[J != 0]
    nonzero = np.abs(np.concatenate([np.asarray(data).ravel(), problem.h[problem.h != 0]]))
    t0 = 2.0 * rms_field if rms_field > 0 else 1.0
    smallest = float(nonzero.min()) if nonzero.size else 1.0
    t1 = min(2.0 * smallest / math.log(100.0), t0 / 10.0)
    return t0, t1


def glauber_annealing(
    problem: Ising,
    sweeps: int = 1000,
    T0: float | None = None,
    T1: float | None = None,
    restarts: int = 1,
    seed: Any = None,
    time_limit: float | None = None,
    s0: Any = None,
) -> IsingResult:
    """Stochastic (Glauber) annealing with a geometric schedule, then a greedy descent.

    Parameters
    ----------
    problem: an Ising (or QUBO) problem.
    sweeps: sweeps K per restart; the temperature goes geometrically from ``T0`` to ``T1``.
    T0, T1: start and end temperatures (defaults: 2 x the rms local field, and the smallest
        coupling scale / ln 100, see :func:`_default_temperatures`).
    restarts: independent annealing runs; the best final state is returned.
    seed: int or numpy Generator.
    time_limit: stop starting new restarts after this many seconds.
    s0: start configuration of the first restart (random otherwise).

    ``result.extra["sweep_energy"]`` holds the energy after every sweep of the first restart
    (annealing, then descent); ``energy_trace`` is the best final energy so far.
    """
    problem = check_ising(problem)
    sweeps = positive_int(sweeps, "sweeps")
    restarts = positive_int(restarts, "restarts")
    time_limit = positive_float(time_limit, "time_limit", allow_none=True)
    d0, d1 = _default_temperatures(problem)
    T0 = d0 if T0 is None else positive_float(T0, "T0")
    T1 = min(d1, T0) if T1 is None else positive_float(T1, "T1")
    if T1 > T0:
        raise ValueError(f"T1: expected T1 <= T0, got T1={T1} > T0={T0}")
    temps = T0 * (T1 / T0) ** (np.arange(sweeps) / max(sweeps - 1, 1))
    rng = as_rng(seed)
    first = spins_or_random(s0, problem.n, rng)
    csr = csr_couplings(problem)
    start = time.perf_counter()
    tracker = Tracker(problem, start)
    total, done, status = 0, 0, 0
    for r in range(restarts):
        if time_limit is not None and r > 0 and time.perf_counter() - start > time_limit:
            status = 1
            break
        s = first if r == 0 else spins_or_random(None, problem.n, rng)
        t0 = time.perf_counter()
        trace = np.empty(sweeps)
        uniforms = rng.random((sweeps, problem.n))
        _anneal_kernel(*csr, problem.h, s, problem.energy(s), temps, uniforms, trace)
        q_sweeps, _, _, q_trace = _descend(problem, csr, s, rng, 10_000)
        t1 = time.perf_counter()
        for k, e in enumerate(q_trace):  # the descent only lowers E: these are reached
            tracker.record(t0 + (k + 1) / q_trace.size * (t1 - t0), float(e))
        tracker.offer(s, t1)
        if r == 0:
            sweep_energy = np.concatenate([trace, q_trace])
        total += sweeps + q_sweeps
        done += 1
    msg = f"annealed from T0={T0:.4g} to T1={T1:.4g} in {sweeps} sweeps, then descended"
    if status == 1:
        msg += f"; time limit reached after {done} restart(s)"
    return tracker.result("anneal", seed, time.perf_counter(), total, done, status=status,
                          message=msg, T0=T0, T1=T1, sweep_energy=sweep_energy)


def graded_network(
    problem: Ising,
    stages: int = 12,
    beta_start: float = 0.9,
    beta_end: float = 20.0,
    t_stage: float = 20.0,
    noise: float = 1e-3,
    restarts: int = 1,
    seed: Any = None,
    time_limit: float | None = None,
) -> IsingResult:
    """The graded (continuous) Hopfield network under mean-field annealing, via dyn.solve.

    Each stage integrates ``du/dt = -u + J tanh(beta u) + h`` (:class:`ContinuousHopfield`
    with ``W = J``, ``I = h``, gain ``tanh``, slope ``beta``) for ``t_stage`` time units with
    :func:`dynamics.solve` (Dormand-Prince, stopping at equilibrium), its Lyapunov energy
    tracked. ``beta`` runs geometrically from ``beta_start * beta_c`` to ``beta_end * beta_c``
    over ``stages`` stages, ``beta_c = 1 / lambda_max(J)``; the output ``V = tanh(beta u)``
    is kept continuous across stages (``u`` rescaled by ``beta_old / beta_new``). The spins
    are ``sgn(u)`` after the last stage. ``J`` is made dense (O(n^2) memory).

    The energies of the continuous network at the end of each stage are in
    ``result.extra["network_energy"]``; ``energy_trace`` is the Ising energy of ``sgn(u)``.
    """
    from dynamics.integrate import solve
    from dynamics.models import ContinuousHopfield

    problem = check_ising(problem)
    stages = positive_int(stages, "stages")
    beta_start = positive_float(beta_start, "beta_start")
    beta_end = positive_float(beta_end, "beta_end")
    if beta_end < beta_start:
        raise ValueError(f"beta_end: expected >= beta_start={beta_start}, got {beta_end}")
    t_stage = positive_float(t_stage, "t_stage")
    noise = positive_float(noise, "noise")
    restarts = positive_int(restarts, "restarts")
    time_limit = positive_float(time_limit, "time_limit", allow_none=True)
    rng = as_rng(seed)
    J = problem.dense_couplings()
    lam_max = float(np.linalg.eigvalsh(J)[-1]) if problem.n > 1 else 0.0
    beta_c = 1.0 / lam_max if lam_max > 1e-12 else 1.0
    betas = beta_c * beta_start * (beta_end / beta_start) ** (
        np.arange(stages) / max(stages - 1, 1))
    models = [ContinuousHopfield(J, problem.h, gain="tanh", gain_scale=float(b)) for b in betas]
    start = time.perf_counter()
    tracker = Tracker(problem, start)
    net_energy: list[float] = []
    status, message, done, total = 0, "", 0, 0
    for r in range(restarts):
        if time_limit is not None and r > 0 and time.perf_counter() - start > time_limit:
            status = 1
            message = f"time limit reached after {done} restart(s)"
            break
        u = noise * rng.standard_normal(problem.n)
        for k, model in enumerate(models):
            if k > 0:
                u = u * betas[k - 1] / betas[k]
            sol = solve(model, (0.0, t_stage), u, rtol=1e-5, atol=1e-8,
                        stop_at_equilibrium=True, eq_tol=1e-5)
            u = sol.y[:, -1].copy()
            total += 1
            if sol.status < 0:
                status, message = -1, f"stage {k}: {sol.message}"
                break
            if r == 0:
                net_energy.append(float(sol.energy[-1]))
            s = np.where(u >= 0.0, 1.0, -1.0)
            tracker.offer(s, time.perf_counter())
        done += 1
        if status < 0:
            break
    if tracker.best_s is None:
        tracker.offer(np.where(u >= 0.0, 1.0, -1.0), time.perf_counter())
    return tracker.result("graded", seed, time.perf_counter(), total, done, status=status,
                          message=message or f"{stages} gain stages, beta_c={beta_c:.4g}",
                          network_energy=net_energy, betas=betas.tolist())
