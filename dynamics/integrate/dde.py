"""Delay differential equations by the method of steps: :func:`solve_dde`.

The delayed models (protocol in :mod:`dynamics.models.delay`) are

    dx/dt = f(t, x(t), x(t - tau_1(t)), ..., x(t - tau_m(t))),   t >= t0,
    x(t) = phi(t) for t < t0,   x(t0) = y0 (default phi(t0)),

with state-independent delays tau_j(t) >= 0 (constants or known functions of time).

Method (Bellen & Zennaro 2003, "Numerical Methods for Delay Differential Equations", ch. 3-4;
Hairer, Norsett & Wanner 1993, II.17):

* An adaptive FSAL Runge-Kutta method given as data (default Dormand-Prince 5(4),
  :data:`dynamics.integrate.tableaus.DOPRI5`; also bs32, tsit5, dop853 or a ``Tableau``), with
  the error control and step-size controller of :func:`dynamics.solve`.
* The past ``x(s)``, ``t0 <= s <= t``, is the method's own continuous extension (for dopri5
  the 4th-order dense output of Hairer's DOPRI5 code, five coefficient vectors per step; for
  dop853 the 7th-order one of DOP853, eight vectors and three extra stages per step; see
  ``tableaus.py``), stored for every accepted step. Before ``t0`` it is the history ``phi``,
  tabulated once as piecewise Chebyshev interpolants of degree 12 accurate to ~1e-13 (so a Python
  history function is never called from the compiled loop).
* Derivative discontinuities: a jump of ``x`` or of ``x'`` at ``t0`` propagates through the
  delays to ``t0 + tau_j``, ``t0 + tau_j + tau_k``, ... (for a time-varying delay, to the roots
  of ``t - tau_j(t) = xi`` for each earlier breakpoint ``xi``), each level smoothing one more
  derivative. The breakpoints up to level 5 (the order of the method; at most 20000 of them)
  are computed before the run, and the solver steps exactly onto each of them. A step ending
  on a breakpoint evaluates its last stages with the left limit of the past and restarts
  with ``f`` re-evaluated from the right (the FSAL stage is not reused across a breakpoint).
* Steps never exceed the smallest positive delay at the step's start, so every delayed
  argument of a stage lies in the already computed past (no iteration of the stage values is
  needed). For a time-varying delay that shrinks within a step, an argument that lands a
  little beyond the computed past is taken from the last step's continuous extension
  (extrapolated). A delay of exactly 0 uses the stage state itself.

The whole time loop is one numba function compiled (and cached on disk) for the kernel
signatures, like the ODE engine: every delayed model shares the same machine code.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numba as nb
import numpy as np
from numba import types
from scipy.optimize import brentq

from dynamics.integrate.control import FACOLD_START, propose_step
from dynamics.integrate.dense import continuous_extension, n_rows
from dynamics.integrate.engine import (
    REASON_MAX_STEPS,
    REASON_NONE,
    REASON_NONFINITE,
    REASON_STEP_UNDERFLOW,
    STATUS_FAILED,
    STATUS_SUCCESS,
    all_finite,
    combine_stages,
    grow_rows,
    grow_vector,
    has_nonzero,
    interpolate,
    no_energy,
    rms_norm,
    step_error,
)
from dynamics.integrate.solution import DenseOutput, Solution, energy_increase
from dynamics.integrate.solve import (
    _atol,
    _positive,
    _positive_int,
    _t_eval,
    _t_span,
    _tableau,
)
from dynamics.integrate.status import status_message
from dynamics.integrate.tableaus import Tableau
from dynamics.models.base import ENERGY_SIGNATURE, kernel_handle
from dynamics.models.delay import (
    DDE_RHS_SIGNATURE,
    DELAY_SIGNATURE,
    DelayModel,
    check_delays,
)

__all__ = ["solve_dde", "discontinuity_points"]

REASON_NEGATIVE_DELAY = 10

_HISTORY_DEGREE = 12
_HISTORY_MAX_SEGMENTS = 4096
_MAX_BREAKPOINTS = 20000
_EPS = 2.220446049250313e-16


# --------------------------------------------------------------------------- compiled part


@nb.njit(cache=True, inline="always")
def history_value(edges, coef, s, out, row):
    """The tabulated history at ``s`` into ``out[row]``: Clenshaw's recurrence on the
    Chebyshev segment holding ``s``."""
    m = coef.shape[0]
    a0 = edges[0]
    width = (edges[m] - a0) / m
    k = int((s - a0) / width) if width > 0.0 else 0
    k = min(max(k, 0), m - 1)
    a = edges[k]
    b = edges[k + 1]
    x = (2.0 * s - a - b) / (b - a) if b > a else 0.0
    deg = coef.shape[1] - 1
    for i in range(out.shape[1]):
        b1 = 0.0
        b2 = 0.0
        for dd in range(deg, 0, -1):
            b0 = 2.0 * x * b1 - b2 + coef[k, dd, i]
            b2 = b1
            b1 = b0
        out[row, i] = x * b1 - b2 + coef[k, 0, i]


@nb.njit(cache=True, inline="always")
def past_value(s, left, t0, T, R, n_stored, k, y_cur, f_cur, t_cur, edges, coef, out, row,
               linear):
    """x(s) into ``out[row]`` from the history (s < t0), the stored steps, or an
    extrapolation beyond the computed past; ``left`` picks the history's value at s = t0 (the
    left limit). ``k`` is the step where the previous search for this delay ended; the new
    one is returned. Indexes instead of slicing: no array views in the inner loop. ``linear``
    replaces the continuous extension by the chord between the step's end points (only to
    show what a low-order past costs in accuracy)."""
    n = out.shape[1]
    tol = 64.0 * _EPS * max(1.0, abs(t0), abs(s))
    if s < t0 - tol or (left and s <= t0 + tol):
        history_value(edges, coef, min(s, t0), out, row)
        return k
    if n_stored == 0 or s > T[n_stored] + tol:
        if n_stored == 0:
            for i in range(n):
                out[row, i] = y_cur[i] + (s - t_cur) * f_cur[i]
            return k
        k = n_stored - 1
    else:
        k = min(max(k, 0), n_stored - 1)
        while k < n_stored - 1 and s > T[k + 1]:
            k += 1
        while k > 0 and s < T[k]:
            k -= 1
    theta = max((s - T[k]) / (T[k + 1] - T[k]), 0.0)
    if linear:
        for i in range(n):
            out[row, i] = R[k, 0, i] + theta * R[k, 1, i]
        return k
    t1 = 1.0 - theta
    m = R.shape[1]
    # the continuous extension of step k: the nested form of dynamics.integrate.dense
    for i in range(n):
        acc = R[k, m - 1, i]
        for kk in range(m - 1, 0, -1):
            acc = R[k, kk - 1, i] + (theta if kk % 2 == 1 else t1) * acc
        out[row, i] = acc
    return k


@nb.njit(cache=True, inline="always")
def delayed_rhs(rhs, delay, p, q, t, x, left, t0, T, R, n_stored, ptr, taus, xd,
                y_cur, f_cur, t_cur, edges, coef, linear, out):
    """f(t, x, x(t - tau_1(t)), ...) into ``out``; returns False if a delay is negative."""
    delay(t, q, taus)
    ok = True
    for j in range(taus.shape[0]):
        tau = taus[j]
        if tau < 0.0 or not math.isfinite(tau):
            ok = False
        if tau == 0.0:
            for i in range(x.shape[0]):
                xd[j, i] = x[i]
        else:
            ptr[j] = past_value(t - tau, left, t0, T, R, n_stored, ptr[j], y_cur, f_cur,
                                t_cur, edges, coef, xd, j, linear)
    rhs(t, x, xd, p, out)
    return ok


def integrate_dde(rhs, delay, energy, p, q, n_delays, y0, t0, t1, edges, coef, A, b, c, e, e3,
                  D, hermite, error_exponent, beta, safety, factor_min, factor_max, h_init,
                  h_max, rtol, atol, breakpoints, t_eval, max_steps, has_energy, linear):
    """The method-of-steps time loop (see the module docstring). Returns ``(t, y, energy,
    status, reason, t_stop, nfev, nsteps, naccepted, nrejected, T, R)`` with ``y`` one row per
    saved time and ``T``, ``R`` the stored steps' breakpoints and dense-output coefficients."""
    n = y0.shape[0]
    s_ = b.shape[0]
    n_all = A.shape[0]  # the step's stages, then the continuous extension's extra stages
    has_e3 = has_nonzero(e3)
    K = np.empty((n_all, n))
    b_row = b.reshape((1, s_))
    y = y0.copy()
    y_new = np.empty(n)
    work = np.empty(n)
    f_new = np.empty(n)
    err_vec = np.empty(n)
    scale = np.empty(n)
    taus = np.empty(n_delays)
    xd = np.empty((n_delays, n))
    ptr = np.zeros(n_delays, dtype=np.int64)

    T = np.empty(65)
    R = np.empty((64, n_rows(D, hermite), n))
    T[0] = t0
    n_stored = 0

    use_t_eval = t_eval.shape[0] > 0
    cap = t_eval.shape[0] if use_t_eval else 64
    ts = np.empty(max(cap, 1))
    ys = np.empty((max(cap, 1), n))
    es = np.empty(max(cap, 1))
    n_saved = 0
    next_eval = 0

    status = STATUS_SUCCESS
    reason = REASON_NONE
    nfev = 0
    nsteps = 0
    nacc = 0
    nrej = 0
    t = t0
    span = t1 - t0

    if not delayed_rhs(rhs, delay, p, q, t, y, False, t0, T, R, n_stored, ptr, taus, xd,
                       y, y, t, edges, coef, linear, K[0]):
        status = STATUS_FAILED
        reason = REASON_NEGATIVE_DELAY
    nfev += 1
    if not all_finite(K[0]) or not all_finite(y):
        status = STATUS_FAILED
        reason = REASON_NONFINITE

    if use_t_eval:
        while next_eval < t_eval.shape[0] and t_eval[next_eval] <= t0:
            ts[n_saved] = t0
            ys[n_saved] = y
            es[n_saved] = energy(y, p) if has_energy else math.nan
            n_saved += 1
            next_eval += 1
    else:
        ts[0] = t0
        ys[0] = y
        es[0] = energy(y, p) if has_energy else math.nan
        n_saved = 1

    if h_init > 0.0:
        h = h_init
    else:
        # Hairer, Norsett & Wanner (1993), II.4: the first guess 0.01 ||y0|| / ||f0||
        for i in range(n):
            scale[i] = atol[i] + rtol * abs(y[i])
        d0 = rms_norm(y, scale)
        d1 = rms_norm(K[0], scale)
        h = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
        h = min(h, 0.01 * span)
    facold = FACOLD_START
    expo = error_exponent - 0.75 * beta
    last_rejected = False
    n_bp = breakpoints.shape[0]
    bp = 0

    # as in the ODE engine, nothing is reallocated inside the step loop (an array rebound
    # there costs reference counting on every step): the outer loop makes room for what one
    # step adds (one stored extension, one saved row) and the inner loop leaves to it when
    # it runs short
    need_room = False
    while True:
        if need_room:
            need_room = False
            R = grow_rows(R, n_stored + 1)
            T = grow_vector(T, n_stored + 2)
            if not use_t_eval:
                ts = grow_vector(ts, n_saved + 1)
                ys = grow_rows(ys, n_saved + 1)
                es = grow_vector(es, n_saved + 1)
        while status == STATUS_SUCCESS:
            if (n_stored >= R.shape[0] or n_stored + 2 > T.shape[0]
                    or (not use_t_eval and n_saved >= ts.shape[0])):
                need_room = True
                break
            if nsteps >= max_steps:
                status = STATUS_FAILED
                reason = REASON_MAX_STEPS
                break
            h_step = min(h, h_max)
            # steps no longer than the smallest positive delay: every delayed argument is known
            delay(t, q, taus)
            for j in range(n_delays):
                if taus[j] > 0.0 and taus[j] < h_step:
                    h_step = taus[j]
            tiny = 64.0 * _EPS * max(1.0, abs(t), abs(t1))
            while bp < n_bp and breakpoints[bp] <= t + tiny:
                bp += 1
            landing = False
            finishing = False
            if bp < n_bp and t + h_step >= breakpoints[bp] - tiny:
                h_step = breakpoints[bp] - t
                landing = True
            if t + h_step >= t1 - 1e-12 * abs(span):
                h_step = t1 - t
                finishing = True
                landing = False
            if h_step < 16.0 * _EPS * max(abs(t), abs(span) * 1e-3):
                status = STATUS_FAILED
                reason = REASON_STEP_UNDERFLOW
                break
            nsteps += 1

            ok = True
            for st in range(1, s_):
                combine_stages(y, h_step, A, st, st, K, work)
                ok = ok and delayed_rhs(rhs, delay, p, q, t + c[st] * h_step, work, True, t0, T, R,
                                        n_stored, ptr, taus, xd, y, K[0], t, edges, coef, linear,
                                        K[st])
            nfev += s_ - 1
            if not ok:
                status = STATUS_FAILED
                reason = REASON_NEGATIVE_DELAY
                break
            combine_stages(y, h_step, b_row, 0, s_, K, y_new)
            if all_finite(y_new) and all_finite(K[s_ - 1]):
                err = step_error(h_step, e, e3, has_e3, K, y, y_new, atol, rtol, err_vec)
            else:
                err = math.inf
            accepted, h_next, facold = propose_step(
                err, h_step, facold, expo, beta, safety, factor_min, factor_max, last_rejected
            )
            last_rejected = not accepted
            if not accepted:
                nrej += 1
                h = h_next
                continue
            nacc += 1
            if finishing:
                t_new = t1
            elif landing:
                t_new = breakpoints[bp]
            else:
                t_new = t + h_step

            # store the step's continuous extension: it is the past for later steps
            # extra stages of the extension (DOP853's 14-16): their delayed arguments lie in the
            # past already stored, like those of the step's own stages
            for st in range(s_, n_all):
                combine_stages(y, h_step, A, st, st, K, work)
                ok = ok and delayed_rhs(rhs, delay, p, q, t + c[st] * h_step, work, True, t0, T, R,
                                        n_stored, ptr, taus, xd, y, K[0], t, edges, coef, linear,
                                        K[st])
            nfev += n_all - s_
            if not ok:
                status = STATUS_FAILED
                reason = REASON_NEGATIVE_DELAY
                break
            continuous_extension(y, y_new, K[0], K[s_ - 1], K, D, hermite, h_step, R[n_stored])
            n_stored += 1
            T[n_stored] = t_new

            if landing:
                # f may jump at a breakpoint: restart from the right limit
                delayed_rhs(rhs, delay, p, q, t_new, y_new, False, t0, T, R, n_stored, ptr, taus,
                            xd, y_new, K[s_ - 1], t_new, edges, coef, linear, f_new)
                nfev += 1
            else:
                for i in range(n):
                    f_new[i] = K[s_ - 1, i]
            if not all_finite(f_new):
                status = STATUS_FAILED
                reason = REASON_NONFINITE

            if use_t_eval:
                while next_eval < t_eval.shape[0] and t_eval[next_eval] <= t_new:
                    te = t_eval[next_eval]
                    if te == t_new:
                        for i in range(n):
                            work[i] = y_new[i]
                    else:
                        interpolate(R[n_stored - 1], (te - t) / h_step, work)
                    ts[n_saved] = te
                    ys[n_saved] = work
                    es[n_saved] = energy(work, p) if has_energy else math.nan
                    n_saved += 1
                    next_eval += 1
            else:
                ts[n_saved] = t_new
                ys[n_saved] = y_new
                es[n_saved] = energy(y_new, p) if has_energy else math.nan
                n_saved += 1

            for i in range(n):
                y[i] = y_new[i]
                K[0, i] = f_new[i]
            t = t_new
            h = h_next
            if finishing:
                break
        if not need_room:
            break

    return (ts[:n_saved].copy(), ys[:n_saved].copy(), es[:n_saved].copy(), status, reason, t,
            nfev, nsteps, nacc, nrej, T[: n_stored + 1].copy(), R[:n_stored].copy())


_f8 = types.float64
_vec = types.float64[::1]
_mat = types.float64[:, ::1]
_engine = None


def dde_engine():
    """The method-of-steps loop compiled for the kernel signatures (cached on disk)."""
    global _engine
    if _engine is None:
        argtypes = (
            types.FunctionType(DDE_RHS_SIGNATURE),
            types.FunctionType(DELAY_SIGNATURE),
            types.FunctionType(ENERGY_SIGNATURE),
            _vec, _vec, types.int64, _vec, _f8, _f8,  # p q n_delays y0 t0 t1
            _vec, types.float64[:, :, ::1],  # history edges, Chebyshev coefficients
            _mat, _vec, _vec, _vec, _vec,  # A b c e e3
            _mat, types.boolean,  # D (continuous extension rows), hermite
            _f8, _f8, _f8, _f8, _f8,  # error exponent, beta, safety, factor_min, factor_max
            _f8, _f8, _f8, _vec,  # h_init, h_max, rtol, atol
            _vec, _vec, types.int64, types.boolean,  # breakpoints t_eval max_steps has_energy
            types.boolean,  # linear past
        )
        _engine = nb.njit([argtypes], cache=True)(integrate_dde)
    return _engine


# --------------------------------------------------------------------------- Python part


def _history_function(history: Callable, n: int, probe: np.ndarray) -> Callable:
    """``ts -> (n, len(ts))`` from a vectorised or scalar ``history``, its shape checked."""
    expected = (
        f"history: expected a function returning shape ({n},) for a scalar t "
        f"(or ({n}, m) for an array of m times)"
    )
    try:
        out = np.asarray(history(probe), dtype=np.float64)
    except Exception:  # a scalar-only function may fail on an array: try it per time
        out = None
    if out is not None and out.shape == (n, probe.size):
        return lambda ts: np.asarray(history(ts), dtype=np.float64).reshape(n, ts.size)
    if out is not None and n == 1 and out.shape == (probe.size,):
        return lambda ts: np.asarray(history(ts), dtype=np.float64).reshape(1, ts.size)

    def scalar_calls(ts: np.ndarray) -> np.ndarray:
        cols = []
        for tk in ts:
            v = np.asarray(history(float(tk)), dtype=np.float64)
            if v.shape != (n,) and not (n == 1 and v.size == 1):
                raise ValueError(f"{expected}; got shape {v.shape}")
            cols.append(v.reshape(n))
        return np.stack(cols, axis=1)

    try:
        scalar_calls(probe[:1])
    except ValueError:
        raise
    except Exception as exc:
        raise TypeError(f"history: calling it with a time failed: {exc!r}") from exc
    return scalar_calls


def _history_table(history: Any, n: int, t_lo: float, t0: float):
    """The history on [t_lo, t0] as uniform segments of Chebyshev interpolants:
    ``(edges (m+1,), coef (m, degree+1, n))``; a constant is one segment of degree 0."""
    if not callable(history):
        try:
            arr = np.asarray(history, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"history: expected a number, an array of shape ({n},) or a function of t"
            ) from exc
        if arr.ndim == 0:
            arr = np.full(n, float(arr))
        if arr.shape != (n,):
            raise ValueError(
                f"history: expected a constant of shape () or ({n},), got shape {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError("history: expected finite values")
        return np.array([t_lo, t0]), np.ascontiguousarray(arr.reshape(1, 1, n))
    probe = np.linspace(t_lo, t0, n + 2)
    fn = _history_function(history, n, probe)
    deg = _HISTORY_DEGREE
    kk = np.arange(deg + 1)
    nodes = np.cos(np.pi * (kk + 0.5) / (deg + 1))  # Chebyshev points of the first kind
    # c_j = 2/(D+1) sum_k v_k cos(j pi (k + 1/2) / (D+1)), c_0 halved
    dct = 2.0 / (deg + 1) * np.cos(np.outer(kk, np.pi * (kk + 0.5) / (deg + 1)))
    dct[0] *= 0.5
    test_x = np.array([-0.77, -0.31, 0.13, 0.58, 0.93])
    tv = np.cos(np.outer(np.arccos(test_x), kk))  # T_j at the test points
    m = 1
    while True:
        edges = np.linspace(t_lo, t0, m + 1)
        mid = 0.5 * (edges[:-1] + edges[1:])
        half = 0.5 * (edges[1:] - edges[:-1])
        ts = (mid[:, None] + half[:, None] * nodes[None, :]).ravel()
        vals = fn(ts).reshape(n, m, deg + 1)  # (n, segment, node)
        if not np.all(np.isfinite(vals)):
            raise ValueError("history: expected finite values on the history interval")
        coef = np.einsum("jk,nsk->sjn", dct, vals)  # (segment, degree, n)
        t_test = (mid[:, None] + half[:, None] * test_x[None, :]).ravel()
        exact = fn(t_test).reshape(n, m, test_x.size)
        approx = np.einsum("kj,sjn->nsk", tv, coef)
        err = np.max(np.abs(approx - exact)) / (1.0 + np.max(np.abs(exact)))
        if err <= 1e-13 or m >= _HISTORY_MAX_SEGMENTS:
            if err > 1e-9:
                warnings.warn(
                    f"history: not resolved by {m} Chebyshev segments (relative error "
                    f"{err:.1e}); a history with jumps or kinks before t0 is not supported",
                    stacklevel=3,
                )
            return edges, np.ascontiguousarray(coef)
        m *= 2


def _dedupe(points: np.ndarray, tol: float) -> np.ndarray:
    pts = np.sort(points)
    if pts.size == 0:
        return pts
    keep = np.concatenate([[True], np.diff(pts) > tol])
    return pts[keep]


def discontinuity_points(
    model: DelayModel, t_span: Sequence[float], levels: int = 5
) -> np.ndarray:
    """Where a jump at ``t0`` propagates through the delays: breakpoints in (t0, t1].

    Constant delays: ``t0 + sum_j k_j tau_j`` with ``1 <= sum_j k_j <= levels``. Time-varying
    delays: level by level, the first root ``t > xi`` of ``t - tau_j(t) = xi`` for every earlier
    breakpoint ``xi`` (located on a grid of the delay, then by Brent's method). At most 20000
    points are kept (the lowest levels first).
    """
    t0, t1 = _t_span(t_span)
    tol = 1e-12 * max(1.0, abs(t0), abs(t1))
    points = [np.array([t0])]
    level = np.array([t0])
    total = 0
    if model.constant_delays:
        taus = np.unique(check_delays(model.delay_params, "delays"))
        taus = taus[taus > 0]
        for _ in range(levels):
            if taus.size == 0 or level.size == 0:
                break
            level = _dedupe((level[:, None] + taus[None, :]).ravel(), tol)
            level = level[level <= t1 + tol]
            if total + level.size > _MAX_BREAKPOINTS:
                break
            total += level.size
            points.append(level)
    else:
        grid = np.linspace(t0, t1, 4001)
        alpha = grid[None, :] - model.delays(grid)  # (n_delays, grid)
        for _ in range(levels):
            found = []
            for xi in level:
                for row, a in enumerate(alpha):
                    idx = np.flatnonzero((a >= xi) & (grid > xi + tol))
                    if idx.size == 0:
                        continue
                    i = idx[0]
                    if i == 0 or a[i] == xi:
                        found.append(grid[i])
                        continue

                    def g(tt, xi=xi, row=row):
                        return tt - model.delays(tt)[row] - xi

                    lo = max(grid[i - 1], xi + tol)
                    found.append(brentq(g, lo, grid[i], xtol=tol) if g(lo) < 0 else lo)
            level = _dedupe(np.array(found), tol)
            if level.size == 0 or total + level.size > _MAX_BREAKPOINTS:
                break
            total += level.size
            points.append(level)
    allp = _dedupe(np.concatenate(points), tol)
    return np.ascontiguousarray(allp[(allp > t0 + tol) & (allp <= t1 + tol)])


def _check_delay_model(model: Any) -> DelayModel:
    if not isinstance(model, DelayModel):
        raise TypeError(
            "model: expected a delayed model (e.g. DelayedHopfield or UserDelayModel), "
            f"got {type(model).__name__}"
        )
    return model


def _largest_lag(model: DelayModel, t0: float, t1: float) -> float:
    """The largest delay over [t0, t1] (checked >= 0): how far back the history reaches."""
    if model.constant_delays:
        return float(check_delays(model.delay_params, "delays").max())
    grid = np.linspace(t0, t1, 4001)
    taus = model.delays(grid)
    if not np.all(np.isfinite(taus)):
        raise ValueError("delays: the delay kernel returned a non-finite delay on t_span")
    if np.any(taus < 0):
        k = np.unravel_index(np.argmin(taus), taus.shape)
        raise ValueError(
            f"delays: expected delays >= 0; the delay kernel gives {taus[k]:.6g} at "
            f"t={grid[k[1]]:.6g}"
        )
    # the grid may miss a maximum between its points: 5% margin
    return float(taus.max()) * 1.05


def solve_dde(
    model: DelayModel,
    t_span: Sequence[float],
    history: Any,
    y0: Any = None,
    *,
    rtol: float = 1e-6,
    atol: float | np.ndarray = 1e-9,
    t_eval: Any = None,
    first_step: float | None = None,
    max_step: float | None = None,
    max_steps: int = 1_000_000,
    discontinuity_levels: int = 5,
    dense_output: bool = False,
    energy_tol: float = 1e-9,
    past: str = "dense",
    method: str | Tableau = "dopri5",
) -> Solution:
    """Integrate the delayed ``model`` over ``t_span`` from its ``history``.

    Parameters
    ----------
    model: a :class:`~dynamics.models.delay.DelayModel` (``DelayedHopfield``,
        ``UserDelayModel``).
    t_span: (t0, t1) with t0 < t1.
    history: x(t) for t < t0: a number, a constant vector of shape (n_states,), or a function
        of t returning shape (n_states,) for a scalar t; a function vectorised over times
        (shape (n_states, m) for m times, scipy's layout) is detected and called once per
        batch. It must be smooth on [t0 - max delay, t0] (it is tabulated there once).
    y0: the state at t0 (default ``history(t0)``); a different value is a jump at t0, whose
        consequences (breakpoints at t0 + tau, ...) the solver steps onto.
    rtol, atol, t_eval, first_step, max_step, max_steps, energy_tol: as in
        :func:`dynamics.solve` (``first_step``: the first step size; default a guess
        0.01 ||y0|| / ||f0||).
    discontinuity_levels: how many levels of propagated breakpoints are stepped onto (default
        5, the order of the method; 0 switches the tracking off).
    dense_output: keep the continuous extension, ``Solution.sol(t)`` for t in t_span.
    past: "dense" (default): delayed states from the method's continuous extension
        (4th order for dopri5, 7th for dop853); "linear": from the chord through each
        step's end points -- a low-order past, there only to show how much accuracy it costs.
    method: "dopri5" (default), "bs32", "tsit5", "dop853", "auto" (chosen by ``rtol`` as in
        :func:`dynamics.solve`) or an adaptive FSAL
        :class:`~dynamics.integrate.tableaus.Tableau`; others raise ``ValueError``.

    Returns
    -------
    :class:`~dynamics.integrate.solution.Solution` with ``y`` of shape (n_states, n_times),
    ``energy`` the model's energy of the instantaneous state at the saved times (None if the
    model has none), ``method`` "<method>-dde" (e.g. "dopri5-dde"). A run that fails
    returns what it computed with status -1.
    """
    model = _check_delay_model(model)
    t0, t1 = _t_span(t_span)
    n = model.n_states
    rtol = _positive(rtol, "rtol")
    atol_arr = _atol(atol, n)
    h_init = 0.0 if first_step is None else _positive(first_step, "first_step")
    h_max = math.inf if max_step is None else _positive(max_step, "max_step")
    max_steps = _positive_int(max_steps, "max_steps")
    energy_tol = _positive(energy_tol, "energy_tol")
    if isinstance(discontinuity_levels, bool) or not isinstance(
        discontinuity_levels, (int, np.integer)
    ):
        raise TypeError("discontinuity_levels: expected an int")
    if discontinuity_levels < 0:
        raise ValueError(f"discontinuity_levels: expected >= 0, got {discontinuity_levels}")
    t_eval_arr = np.empty(0) if t_eval is None else _t_eval(t_eval, t0, t1)
    if past not in ("dense", "linear"):
        raise ValueError(f"past: expected 'dense' or 'linear', got {past!r}")
    tab = _tableau(method, rtol)
    if not (tab.adaptive and tab.fsal):
        raise ValueError(
            f"method: the delay solver needs an adaptive FSAL method (dopri5, tsit5, bs32, "
            f"dop853, auto or such a Tableau), got {tab.name!r}"
        )

    lag = _largest_lag(model, t0, t1)
    edges, coef = _history_table(history, n, t0 - (lag if lag > 0 else 1.0), t0)
    if y0 is None:
        y0_arr = np.empty(n)
        history_value(edges, coef, t0, y0_arr.reshape(1, n), 0)
    else:
        y0_arr = np.asarray(y0, dtype=np.float64)
        if y0_arr.ndim == 0:
            y0_arr = np.full(n, float(y0_arr))
        if y0_arr.shape != (n,):
            raise ValueError(f"y0: expected shape ({n},) for this model, got {y0_arr.shape}")
        if not np.all(np.isfinite(y0_arr)):
            raise ValueError("y0: expected finite values (found NaN or inf)")
    y0_arr = np.ascontiguousarray(y0_arr, dtype=np.float64)
    breakpoints = (
        discontinuity_points(model, (t0, t1), int(discontinuity_levels))
        if discontinuity_levels > 0
        else np.empty(0)
    )
    has_energy = model.energy_kernel is not None
    out = dde_engine()(
        kernel_handle(model.rhs_kernel, DDE_RHS_SIGNATURE),
        kernel_handle(model.delay_kernel, DELAY_SIGNATURE),
        kernel_handle(model.energy_kernel if has_energy else no_energy, ENERGY_SIGNATURE),
        model.kernel_params(),  # a private copy of params and the work area
        np.ascontiguousarray(model.delay_params, dtype=np.float64),
        int(model.n_delays),
        y0_arr,
        t0,
        t1,
        np.ascontiguousarray(edges),
        coef,
        tab.A,
        tab.b,
        tab.c,
        tab.e,
        tab.E3,
        tab.D,
        tab.hermite,
        tab.error_exponent,
        tab.beta,
        tab.safety,
        tab.factor_min,
        tab.factor_max,
        h_init,
        h_max,
        rtol,
        atol_arr,
        breakpoints,
        t_eval_arr,
        max_steps,
        has_energy,
        past == "linear",
    )
    ts, ys, es, status, reason, t_stop, nfev, nsteps, nacc, nrej, T, R = out
    status = int(status)
    if status == STATUS_FAILED:
        if int(reason) == REASON_NEGATIVE_DELAY:
            message = f"a delay became negative (or non-finite) near t={t_stop:.6g}"
        else:
            message = status_message(STATUS_FAILED, int(reason), float(t_stop),
                                     max_steps=max_steps)
    else:
        message = "the solver reached the end of the interval"
    increases, worst = energy_increase(es, energy_tol) if has_energy else (False, 0.0)
    return Solution(
        t=ts,
        y=np.ascontiguousarray(ys.T),
        energy=es if has_energy else None,
        status=status,
        message=message,
        nfev=int(nfev),
        nsteps=int(nsteps),
        naccepted=int(nacc),
        nrejected=int(nrej),
        method=f"{tab.name}-dde",
        sol=DenseOutput(T, R) if dense_output and R.shape[0] > 0 else None,
        energy_increases=increases,
        max_energy_increase=worst,
    )

