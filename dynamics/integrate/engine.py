"""The compiled time loop for one trajectory: any explicit Runge-Kutta tableau, fixed or
adaptive step, dense output, events, equilibrium stop, energy at saved times.

The loop is one numba function compiled for the kernel *signatures* of the model protocol
(first-class function types), not for a particular model: every model shares the same machine
code, which numba caches on disk. Step-size control follows Hairer, Norsett & Wanner (1993),
Sec. II.4 (initial step) and the DOPRI5 code (PI controller with ``beta``; ``beta = 0`` gives
the classic controller; its constants are the tableau's). Error norm: RMS of
``err_i / (atol_i + rtol * max(|y_i|, |y_new_i|))`` (two estimates combined as in Hairer's
DOP853 for a tableau with ``e3``). The continuous extension of a step, with any extra stages,
is built only when the step needs it (see :mod:`dynamics.integrate.dense`).
"""

from __future__ import annotations

import math
import warnings

import numba as nb
import numpy as np
from numba import types
from numba.core.errors import NumbaExperimentalFeatureWarning

from dynamics.integrate.control import FACOLD_START, propose_step
from dynamics.integrate.dense import continuous_extension, interpolate, n_rows
from dynamics.integrate.status import Reason, Status
from dynamics.models.base import (
    ENERGY_SIGNATURE,
    EVENT_SIGNATURE,
    RHS_SIGNATURE,
)

# The solver passes kernels as numba first-class function values, a feature numba still labels
# experimental; its warning would be noise on every first call.
warnings.filterwarnings(
    "ignore", message="First-class function type", category=NumbaExperimentalFeatureWarning
)

STATUS_FAILED = int(Status.FAILED)
STATUS_SUCCESS = int(Status.SUCCESS)
STATUS_EQUILIBRIUM = int(Status.EQUILIBRIUM)
STATUS_TERMINAL_EVENT = int(Status.TERMINAL_EVENT)

# failure reasons (see status.Reason for their messages)
REASON_NONE = int(Reason.NONE)
REASON_NONFINITE = int(Reason.NONFINITE)
REASON_MAX_STEPS = int(Reason.MAX_STEPS)
REASON_STEP_UNDERFLOW = int(Reason.STEP_UNDERFLOW)
REASON_INITIAL_STEP = int(Reason.INITIAL_STEP)
REASON_RHS_ERROR = int(Reason.RHS_ERROR)
REASON_ENERGY_ERROR = int(Reason.ENERGY_ERROR)
REASON_EVENT_ERROR = int(Reason.EVENT_ERROR)
REASON_OUTPUT_FULL = int(Reason.OUTPUT_FULL)

_EPS = 2.220446049250313e-16


@nb.njit(ENERGY_SIGNATURE, cache=True)
def no_energy(x, p):
    """Placeholder energy kernel for models without one (never reported)."""
    return math.nan


@nb.njit(EVENT_SIGNATURE, cache=True)
def never_event(t, x, p):
    """Placeholder event kernel when no events are requested (never evaluated)."""
    return 1.0


_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def grow_rows(a, need, limit=-1):
    """``a`` with at least ``need`` rows (doubling, at most ``limit`` rows if limit >= need),
    keeping its content."""
    if need <= a.shape[0]:
        return a
    rows = max(need, 2 * a.shape[0])
    if limit >= need:
        rows = min(rows, limit)
    new = np.empty((rows,) + a.shape[1:], dtype=a.dtype)
    new[: a.shape[0]] = a
    return new


@_jit
def grow_vector(a, need, limit=-1):
    if need <= a.shape[0]:
        return a
    size = max(need, 2 * a.shape[0])
    if limit >= need:
        size = min(size, limit)
    new = np.empty(size, dtype=a.dtype)
    new[: a.shape[0]] = a
    return new


#: below this many states the stage sums run state by state (the terms of one state in the
#: inner loop: no loop set-up per term), from it term by term (the state loop vectorises);
#: both orders add the same terms in the same order, so the results are bitwise equal
#: (crossovers measured with benchmarks/profile_integrators.py: Lorenz-sized states gain ~2x)
SMALL_STAGE_SUM = 8
SMALL_ERROR_NORM = 16


@_jit
def combine_stages(y, h, A, row, n_terms, K, out):
    """out = y + h * sum_{l < n_terms} A[row, l] K[l] (indices, not row views: no refcounts)."""
    if out.shape[0] < SMALL_STAGE_SUM:
        for i in range(out.shape[0]):
            v = y[i]
            for l in range(n_terms):
                a = h * A[row, l]
                if a != 0.0:
                    v += a * K[l, i]
            out[i] = v
        return
    for i in range(out.shape[0]):
        out[i] = y[i]
    for l in range(n_terms):
        a = h * A[row, l]
        if a != 0.0:
            for i in range(out.shape[0]):
                out[i] += a * K[l, i]


@_jit
def stage_sum(h, coef, K, out):
    """out = h * sum_l coef[l] K[l]."""
    for i in range(out.shape[0]):
        out[i] = 0.0
    for l in range(coef.shape[0]):
        a = h * coef[l]
        if a != 0.0:
            for i in range(out.shape[0]):
                out[i] += a * K[l, i]


@_jit
def hold_state(ts, ys, es, n_saved, t_eval, next_eval, y, e):
    """Store the resting state ``y`` (energy ``e``) at every output time not yet reached;
    return the new counts (n_saved, next_eval)."""
    while next_eval < t_eval.shape[0]:
        ts[n_saved] = t_eval[next_eval]
        ys[n_saved] = y
        es[n_saved] = e
        n_saved += 1
        next_eval += 1
    return n_saved, next_eval


@_jit
def rms_norm(v, scale):
    acc = 0.0
    for i in range(v.shape[0]):
        r = v[i] / scale[i]
        acc += r * r
    return math.sqrt(acc / v.shape[0])


@_jit
def error_norm(err_vec, y, y_new, atol, rtol):
    """RMS of err_i / (atol_i + rtol max(|y_i|, |y_new_i|)) (Hairer's DOPRI5 norm)."""
    acc = 0.0
    n = err_vec.shape[0]
    for i in range(n):
        r = err_vec[i] / (atol[i] + rtol * max(abs(y[i]), abs(y_new[i])))
        acc += r * r
    return math.sqrt(acc / n)


@_jit
def small_error_norm(h, coef, K, y, y_new, atol, rtol):
    """:func:`error_norm` of ``h sum_l coef[l] K[l]`` (:func:`stage_sum`) state by state,
    without the error vector: the same operations in the same order, for small states."""
    acc = 0.0
    n = y.shape[0]
    for i in range(n):
        v = 0.0
        for l in range(coef.shape[0]):
            a = h * coef[l]
            if a != 0.0:
                v += a * K[l, i]
        r = v / (atol[i] + rtol * max(abs(y[i]), abs(y_new[i])))
        acc += r * r
    return math.sqrt(acc / n)


@_jit
def step_error(h, e, e3, has_e3, K, y, y_new, atol, rtol, err_vec):
    """The error of a step: the scaled RMS norm of ``h sum e_i k_i``; with a second estimate
    ``e3`` Hairer's DOP853 combination err5^2 / sqrt(err5^2 + 0.01 err3^2) (scipy's DOP853
    computes the same number)."""
    if y.shape[0] < SMALL_ERROR_NORM:
        err5 = small_error_norm(h, e, K, y, y_new, atol, rtol)
    else:
        stage_sum(h, e, K, err_vec)
        err5 = error_norm(err_vec, y, y_new, atol, rtol)
    if not has_e3:
        return err5
    if y.shape[0] < SMALL_ERROR_NORM:
        err3 = small_error_norm(h, e3, K, y, y_new, atol, rtol)
    else:
        stage_sum(h, e3, K, err_vec)
        err3 = error_norm(err_vec, y, y_new, atol, rtol)
    if err5 == 0.0 and err3 == 0.0:
        return 0.0
    return err5 * (err5 / math.sqrt(err5 * err5 + 0.01 * err3 * err3))


@_jit
def dense_step(rhs, p, t, h, y, y_new, f_old, f_new, K, A, c, s, D, hermite, r, work):
    """The interpolant of an accepted step into ``r``: first the method's extra stages
    ``s .. S-1`` (rows of ``A`` beyond the step's stages, DOP853's 14-16), then the
    coefficients (:func:`dynamics.integrate.dense.continuous_extension`). Returns the number
    of right-hand-side evaluations (S - s); the caller checks the kernel error flag."""
    n_all = A.shape[0]
    for st in range(s, n_all):
        combine_stages(y, h, A, st, st, K, work)
        rhs(t + c[st] * h, work, p, K[st])
    continuous_extension(y, y_new, f_old, f_new, K, D, hermite, h, r)
    return n_all - s


@_jit
def has_nonzero(v):
    for i in range(v.shape[0]):
        if v[i] != 0.0:
            return True
    return False


@_jit
def all_finite(v):
    for i in range(v.shape[0]):
        if not math.isfinite(v[i]):
            return False
    return True


@_jit
def max_abs(v):
    m = 0.0
    for i in range(v.shape[0]):
        a = abs(v[i])
        if a > m:
            m = a
    return m


@_jit
def step_too_small(h, t):
    """Hairer's DOPRI5 rule: a step of at most 10 ulp of ``t`` cannot advance the solution.

    Checked at the start of every adaptive step by both engines (at t = 0 only h = 0 fails).
    """
    return 0.1 * abs(h) <= abs(t) * _EPS


@_jit
def _scaled_rms(a, b, y0, rtol, atol):
    """RMS of (a_i - b_i) / (atol_i + rtol |y0_i|), computed without overflow of the squares
    (inf only when a quotient itself overflows)."""
    n = a.shape[0]
    m = 0.0
    for i in range(n):
        v = abs(a[i] - b[i]) / (atol[i] + rtol * abs(y0[i]))
        if not (v <= m):  # also catches NaN
            m = v
    if m == 0.0 or not math.isfinite(m):
        return m
    acc = 0.0
    for i in range(n):
        v = abs(a[i] - b[i]) / (atol[i] + rtol * abs(y0[i])) / m
        acc += v * v
    return m * math.sqrt(acc / n)


@_jit
def initial_step(rhs, p, t0, y0, f0, rtol, atol, order, h_max, t_span_len, work, f1):
    """Hairer, Norsett & Wanner (1993), II.4: a first step with ~0.01 relative change.

    Returns a step <= 0 when no step can be chosen (the scaled derivative overflows).
    The norms are computed so that squares cannot overflow, so a tiny ``atol`` with a zero
    state component gives a tiny first step instead of a division by zero.
    """
    for i in range(work.shape[0]):
        work[i] = 0.0
    d0 = _scaled_rms(y0, work, y0, rtol, atol)
    d1 = _scaled_rms(f0, work, y0, rtol, atol)
    if not (math.isfinite(d0) and math.isfinite(d1)):
        return -1.0
    if d0 <= 1e-5 or d1 <= 1e-5:
        h = 1e-6
    else:
        h = 0.01 * (d0 / d1)
    h = min(h, h_max, t_span_len)
    if not (h > 0.0):
        return -1.0
    for i in range(y0.shape[0]):
        work[i] = y0[i] + h * f0[i]
    rhs(t0 + h, work, p, f1)
    der2 = _scaled_rms(f1, f0, y0, rtol, atol) / h
    der12 = max(der2, d1)
    if not math.isfinite(der12):
        return 1e-6 * t_span_len
    if der12 <= 1e-15:
        h1 = max(1e-6, h * 1e-3)
    else:
        h1 = (0.01 / der12) ** (1.0 / order)
    return min(100.0 * h, h1, h_max, t_span_len)


@_jit
def locate_root(event, p, r, t_old, h, g_left, g_right, work):
    """Zero of event(t(theta), y(theta)) for theta in [0, 1] by the Illinois method.

    ``g_left`` and ``g_right`` bracket a sign change; returns the right end of the final
    bracket (a point where the crossing has happened) or an exact zero.
    """
    if g_left == 0.0:
        return 0.0
    if g_right == 0.0:
        return 1.0
    a = 0.0
    b = 1.0
    ga = g_left
    gb = g_right
    side = 0
    tol = 4.0 * _EPS * max(abs(t_old), abs(h)) / abs(h)
    for _ in range(200):
        if gb != ga:
            theta = (a * gb - b * ga) / (gb - ga)
        else:
            theta = 0.5 * (a + b)
        if not (a < theta < b):
            theta = 0.5 * (a + b)
        interpolate(r, theta, work)
        g = event(t_old + theta * h, work, p)
        if g == 0.0:
            return theta
        if not math.isfinite(g):
            return b
        if (g > 0.0) == (gb > 0.0):
            b = theta
            gb = g
            if side == -1:
                ga *= 0.5
            side = -1
        else:
            a = theta
            ga = g
            if side == 1:
                gb *= 0.5
            side = 1
        if b - a <= tol:
            break
    return b


@_jit
def crossing(g_old, g_new, zero_pending, direction):
    """Whether an event with values g_old -> g_new over a step fires (scipy's rule).

    A sign change counts in the allowed ``direction``; a value exactly zero at the start of
    the step counts when it was not recorded already (``zero_pending``), so an event that is
    zero at t0 is recorded at t0 as scipy does, and an exact zero is recorded once.
    """
    lo = g_old < 0.0 or (g_old == 0.0 and zero_pending)
    hi = g_old > 0.0 or (g_old == 0.0 and zero_pending)
    up = lo and g_new >= 0.0
    down = hi and g_new <= 0.0
    return (up and direction >= 0.0) or (down and direction <= 0.0)


def integrate_single(
    rhs,
    energy,
    events,
    p,
    y0,
    t0,
    t1,
    A,
    b,
    c,
    e,
    e3,
    D,
    hermite,
    fsal,
    adaptive,
    error_exponent,
    h_init,
    h_max,
    rtol,
    atol,
    beta,
    safety,
    factor_min,
    factor_max,
    t_eval,
    save_every,
    max_steps,
    stop_at_equilibrium,
    eq_tol,
    has_energy,
    n_events,
    ev_terminal,
    ev_direction,
    want_dense,
    err_flag,
    max_rows,
    max_dense,
):
    """Integrate one trajectory from t0 to t1; see :func:`dynamics.solve` for the meaning.

    ``err_flag[0]`` is set (by :class:`~dynamics.integrate.kernel_errors.KernelErrorTrap`)
    when a kernel raised; the loop checks it after each group of kernel calls. At most
    ``max_rows`` points are saved and ``max_dense`` dense-output steps kept (the output
    budget); reaching either ends the run with status -1.

    Returns ``(t, y, energy, status, reason, t_stop, nfev, nsteps, naccepted, nrejected,
    event_t, event_y, event_index, n_found, dense_t, dense_r, n_dense, event_nan)`` where
    ``y`` has one row per saved time.
    """
    n = y0.shape[0]
    s = b.shape[0]
    has_e3 = has_nonzero(e3)
    use_t_eval = t_eval.shape[0] > 0

    K = np.empty((A.shape[0], n))  # the step's stages, then the interpolant's extra stages
    b_row = b.reshape((1, s))  # the weights as a one-row tableau for combine_stages
    y = y0.copy()
    y_new = np.empty(n)
    work = np.empty(n)
    f_new = np.empty(n)
    err_vec = np.empty(n)
    m_rows = n_rows(D, hermite)
    r = np.empty((m_rows, n))

    cap = t_eval.shape[0] if use_t_eval else min(64, max_rows)
    ts = np.empty(max(cap, 1))
    ys = np.empty((max(cap, 1), n))
    es = np.empty(max(cap, 1))
    n_saved = 0

    ev_cap = 8
    ev_t = np.empty(ev_cap)
    ev_y = np.empty((ev_cap, n))
    ev_idx = np.empty(ev_cap, dtype=np.int64)
    n_found = 0
    g_old = np.empty(max(n_events, 1))
    g_new = np.empty(max(n_events, 1))
    roots = np.empty(max(n_events, 1))
    zero_pending = np.zeros(max(n_events, 1), dtype=np.bool_)
    ev_nan = np.zeros(max(n_events, 1), dtype=np.bool_)

    dense_cap = min(64, max_dense) if want_dense else 1
    dense_t = np.empty(dense_cap + 1)
    dense_r = np.empty((dense_cap, m_rows, n))
    n_dense = 0

    status = STATUS_SUCCESS
    reason = REASON_NONE
    nfev = 0
    nsteps = 0
    nacc = 0
    nrej = 0
    t = t0
    span = t1 - t0

    rhs(t, y, p, K[0])
    nfev += 1
    if err_flag[0] != 0:
        status = STATUS_FAILED
        reason = REASON_RHS_ERROR
    elif not all_finite(K[0]) or not all_finite(y):
        status = STATUS_FAILED
        reason = REASON_NONFINITE
    for q in range(n_events):
        g_old[q] = events[q](t, y, p)
        zero_pending[q] = g_old[q] == 0.0
        if g_old[q] != g_old[q]:
            ev_nan[q] = True
    if err_flag[0] != 0 and status == STATUS_SUCCESS:
        status = STATUS_FAILED
        reason = REASON_EVENT_ERROR

    # the initial point
    next_eval = 0
    e0 = energy(y, p) if has_energy else math.nan
    if err_flag[0] != 0 and status == STATUS_SUCCESS:
        status = STATUS_FAILED
        reason = REASON_ENERGY_ERROR
        e0 = math.nan
    if use_t_eval:
        while next_eval < t_eval.shape[0] and t_eval[next_eval] <= t0:
            ts[n_saved] = t0
            ys[n_saved] = y
            es[n_saved] = e0
            n_saved += 1
            next_eval += 1
    else:
        ts[0] = t0
        ys[0] = y
        es[0] = e0
        n_saved = 1
    y_saved = True  # whether the current state (t, y) is in the output
    last_saved_step = 0

    if status == STATUS_SUCCESS and stop_at_equilibrium and max_abs(K[0]) < eq_tol:
        status = STATUS_EQUILIBRIUM
        if use_t_eval:
            n_saved, next_eval = hold_state(ts, ys, es, n_saved, t_eval, next_eval, y, e0)

    h = h_init
    if adaptive and status == STATUS_SUCCESS:
        if h_init > 0.0:
            h = min(h_init, h_max, span)
        else:
            h = initial_step(
                rhs, p, t0, y, K[0], rtol, atol, 1.0 / error_exponent, h_max, span, work, f_new
            )
            nfev += 1
            if err_flag[0] != 0:
                status = STATUS_FAILED
                reason = REASON_RHS_ERROR
            elif not (h > 0.0):
                status = STATUS_FAILED
                reason = REASON_INITIAL_STEP
    facold = FACOLD_START
    expo = error_exponent - 0.75 * beta
    last_rejected = False

    # The step loop never reallocates: an array rebound inside the hot loop costs reference
    # counting on every step (measured: ~70 ns per step on a 3-state system). Room for what a
    # step can add (one saved row, one dense step, one crossing per event) is made here,
    # between steps, and the inner loop leaves to this outer one when it runs short.
    need_room = False
    while True:
        if need_room:
            need_room = False
            if not use_t_eval and n_saved >= ts.shape[0]:
                ts = grow_vector(ts, n_saved + 1, max_rows)
                ys = grow_rows(ys, n_saved + 1, max_rows)
                es = grow_vector(es, n_saved + 1, max_rows)
            if want_dense and n_dense >= dense_r.shape[0]:
                dense_r = grow_rows(dense_r, n_dense + 1, max_dense)
                dense_t = grow_vector(dense_t, dense_r.shape[0] + 1)
            if n_found + n_events > ev_t.shape[0]:
                ev_t = grow_vector(ev_t, n_found + n_events)
                ev_y = grow_rows(ev_y, n_found + n_events)
                ev_idx = grow_vector(ev_idx, n_found + n_events)
        while status == STATUS_SUCCESS:
            if (
                (not use_t_eval and max_rows > n_saved >= ts.shape[0])
                or (want_dense and max_dense > n_dense >= dense_r.shape[0])
                or n_found + n_events > ev_t.shape[0]
            ):
                need_room = True
                break
            if nsteps >= max_steps:
                status = STATUS_FAILED
                reason = REASON_MAX_STEPS
                break
            if adaptive and step_too_small(h, t):
                status = STATUS_FAILED
                reason = REASON_STEP_UNDERFLOW
                break
            finishing = False
            h_step = min(h, h_max)
            if t + h_step >= t1 - 1e-12 * abs(span) or t + h_step >= t1:
                h_step = t1 - t
                finishing = True
            nsteps += 1

            # stages 2..s
            for st in range(1, s):
                combine_stages(y, h_step, A, st, st, K, work)
                rhs(t + c[st] * h_step, work, p, K[st])
            nfev += s - 1
            if err_flag[0] != 0:
                status = STATUS_FAILED
                reason = REASON_RHS_ERROR
                break
            combine_stages(y, h_step, b_row, 0, s, K, y_new)
            finite = all_finite(y_new)

            if adaptive:
                if finite:
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
            else:
                h_next = h
                if not finite:
                    status = STATUS_FAILED
                    reason = REASON_NONFINITE
                    break

            # accepted: f at the new point (the last stage for FSAL methods)
            if fsal:
                for i in range(n):
                    f_new[i] = K[s - 1, i]
            else:
                rhs(t + h_step, y_new, p, f_new)
                nfev += 1
                if err_flag[0] != 0:
                    status = STATUS_FAILED
                    reason = REASON_RHS_ERROR
                    break
            if not all_finite(f_new):
                # the derivative at the new point is not finite: the state blew up
                status = STATUS_FAILED
                reason = REASON_NONFINITE
                break
            t_new = t1 if finishing else t + h_step

            # the interpolant (and any extra stages) only where this step needs one: an output
            # time inside it, dense output, or (below) an event crossing in it
            r_ready = want_dense or (
                use_t_eval and next_eval < t_eval.shape[0] and t_eval[next_eval] < t_new
            )
            if r_ready:
                nfev += dense_step(rhs, p, t, h_step, y, y_new, K[0], f_new, K, A, c, s, D,
                                   hermite, r, work)
                if err_flag[0] != 0:
                    status = STATUS_FAILED
                    reason = REASON_RHS_ERROR
                    break

            # events: sign changes of g over the step
            theta_stop = 2.0
            dense_raised = False
            if len(events) > 0 and n_events > 0:  # compiled out of the engine without events
                n_active = 0
                for q in range(n_events):
                    g_new[q] = events[q](t_new, y_new, p)
                    if g_new[q] != g_new[q]:
                        ev_nan[q] = True
                    if crossing(g_old[q], g_new[q], zero_pending[q], ev_direction[q]):
                        if err_flag[0] != 0:
                            break  # the event kernel raised: reported below
                        if not r_ready:
                            nfev += dense_step(rhs, p, t, h_step, y, y_new, K[0], f_new, K, A, c,
                                               s, D, hermite, r, work)
                            r_ready = True
                            if err_flag[0] != 0:
                                dense_raised = True
                                break
                        roots[q] = locate_root(events[q], p, r, t, h_step, g_old[q], g_new[q],
                                               work)
                        n_active += 1
                    else:
                        roots[q] = 2.0
                if err_flag[0] != 0:
                    status = STATUS_FAILED
                    reason = REASON_RHS_ERROR if dense_raised else REASON_EVENT_ERROR
                    break
                if n_active > 0:
                    for q in range(n_events):
                        if roots[q] <= 1.0 and ev_terminal[q] and roots[q] < theta_stop:
                            theta_stop = roots[q]
                    # record events in time order up to the terminal one
                    for _ in range(n_active):
                        best = -1
                        for q in range(n_events):
                            if roots[q] <= 1.0 and roots[q] <= theta_stop:
                                if best < 0 or roots[q] < roots[best]:
                                    best = q
                        if best < 0:
                            break
                        th = roots[best]
                        interpolate(r, th, work)
                        ev_t[n_found] = t + th * h_step
                        ev_y[n_found] = work
                        ev_idx[n_found] = best
                        n_found += 1
                        roots[best] = 2.0
                for q in range(n_events):
                    # an exact zero at the step's end not recorded now is recorded next step
                    zero_pending[q] = g_new[q] == 0.0 and not (
                        crossing(g_old[q], 0.0, zero_pending[q], ev_direction[q])
                    )
                    g_old[q] = g_new[q]

            if want_dense and n_dense >= dense_r.shape[0]:
                # room is made between steps while n_dense < max_dense: the budget is spent
                status = STATUS_FAILED
                reason = REASON_OUTPUT_FULL
                break
            will_save = nacc + 1 - last_saved_step >= save_every or finishing or theta_stop <= 1.0
            if not use_t_eval and will_save and n_saved >= max_rows:
                status = STATUS_FAILED
                reason = REASON_OUTPUT_FULL
                break

            nacc += 1
            rhs_failed = False
            saved_before = n_saved
            if theta_stop <= 1.0:
                # a terminal event: the step ends at the event
                t_end = t + theta_stop * h_step
                interpolate(r, theta_stop, y_new)
                rhs(t_end, y_new, p, f_new)
                nfev += 1
                status = STATUS_TERMINAL_EVENT
                if err_flag[0] != 0:
                    # y_new is the interpolated event state; only f there is unknown
                    rhs_failed = True
                    for i in range(n):
                        f_new[i] = math.nan
            else:
                t_end = t_new

            if want_dense:
                dense_t[n_dense] = t
                dense_r[n_dense] = r
                n_dense += 1
                dense_t[n_dense] = t_new

            if stop_at_equilibrium and status == STATUS_SUCCESS and max_abs(f_new) < eq_tol:
                status = STATUS_EQUILIBRIUM

            # saving
            if use_t_eval:
                while next_eval < t_eval.shape[0] and t_eval[next_eval] <= t_end:
                    te = t_eval[next_eval]
                    if te == t_end:
                        for i in range(n):
                            work[i] = y_new[i]
                    else:
                        interpolate(r, (te - t) / h_step, work)
                    ts[n_saved] = te
                    ys[n_saved] = work
                    es[n_saved] = energy(work, p) if has_energy else math.nan
                    n_saved += 1
                    next_eval += 1
                if status == STATUS_EQUILIBRIUM:
                    # the state rests at the equilibrium: it is the solution at the later times
                    e_rest = energy(y_new, p) if has_energy else math.nan
                    n_saved, next_eval = hold_state(
                        ts, ys, es, n_saved, t_eval, next_eval, y_new, e_rest
                    )
                y_saved = True
            else:
                y_saved = False
                want = nacc - last_saved_step >= save_every or finishing or status != STATUS_SUCCESS
                if want and n_saved >= max_rows:
                    # only an equilibrium stop can get here without room (see will_save)
                    status = STATUS_FAILED
                    reason = REASON_OUTPUT_FULL
                elif want:
                    ts[n_saved] = t_end
                    ys[n_saved] = y_new
                    es[n_saved] = energy(y_new, p) if has_energy else math.nan
                    n_saved += 1
                    last_saved_step = nacc
                    y_saved = True

            for i in range(n):
                y[i] = y_new[i]
                K[0, i] = f_new[i]
            t = t_end
            h = h_next
            if err_flag[0] != 0:
                # the rhs at a terminal event, or an energy kernel while saving, raised: the
                # energies saved in this step are not trusted
                status = STATUS_FAILED
                reason = REASON_RHS_ERROR if rhs_failed else REASON_ENERGY_ERROR
                for k in range(saved_before, n_saved):
                    es[k] = math.nan
                break
            if finishing and status == STATUS_SUCCESS:
                break
        if not need_room:
            break

    # on failure keep the last good state if it was not saved (and there is room)
    if status == STATUS_FAILED and not use_t_eval and not y_saved and n_saved < max_rows:
        if n_saved >= ts.shape[0]:
            ts = grow_vector(ts, n_saved + 1)
            ys = grow_rows(ys, n_saved + 1)
            es = grow_vector(es, n_saved + 1)
        e_last = math.nan
        if has_energy and reason != REASON_ENERGY_ERROR:
            e_last = energy(y, p)
        ts[n_saved] = t
        ys[n_saved] = y
        es[n_saved] = e_last
        n_saved += 1

    return (
        ts[:n_saved].copy(),
        ys[:n_saved].copy(),
        es[:n_saved].copy(),
        status,
        reason,
        t,
        nfev,
        nsteps,
        nacc,
        nrej,
        ev_t[:n_found].copy(),
        ev_y[:n_found].copy(),
        ev_idx[:n_found].copy(),
        n_found,
        dense_t[: n_dense + 1].copy(),
        dense_r[:n_dense].copy(),
        n_dense,
        ev_nan[:n_events].copy(),
    )


_f8 = types.float64
_vec = types.float64[::1]
_mat = types.float64[:, ::1]
RHS_T = types.FunctionType(RHS_SIGNATURE)
ENERGY_T = types.FunctionType(ENERGY_SIGNATURE)
EVENT_T = types.FunctionType(EVENT_SIGNATURE)

#: options of every compiled engine: cached on disk, the GIL released while the loop runs
#: (kernels take it back only to report an exception), numpy's error model (a division by
#: zero gives inf/nan, which the loop checks, instead of raising ZeroDivisionError)
ENGINE_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}

_compiled_single: dict[int, object] = {}
_entry_points: dict[int, object] = {}


@nb.njit(types.int64(ENERGY_T, _vec, _mat, _vec, types.int64[::1]), **ENGINE_OPTIONS)
def energy_rows(energy, p, X, E, err_flag):
    """E[k] = energy(X[k], p) for every row; stops at the first row whose call raised
    (``err_flag[0]`` set), leaving E[k] = NaN there, and returns k (-1 when none raised)."""
    for k in range(X.shape[0]):
        E[k] = energy(X[k], p)
        if err_flag[0] != 0:
            E[k] = math.nan
            return k
    return -1


def single_engine_entry(n_events_slots: int):
    """The machine-code entry point of :func:`single_engine` (``n_events_slots`` events).

    The engine is compiled for exactly one signature, and :func:`dynamics.solve` builds its
    arguments with exactly those types, so the call can skip numba's dispatcher, which types
    every argument on every call (for first-class function values and a tuple of them that
    costs tens of microseconds per solve). The arguments are still unboxed (converted) as
    the signature says.
    """
    entry = _entry_points.get(n_events_slots)
    if entry is None:
        engine = single_engine(n_events_slots)
        (cres,) = engine.overloads.values()
        entry = cres.entry_point
        _entry_points[n_events_slots] = entry
    return entry


def single_engine(n_events_slots: int):
    """The engine compiled for a tuple of ``n_events_slots`` event kernels (cached on disk;
    0 slots when a solve has no events: then no event kernel is passed at all)."""
    engine = _compiled_single.get(n_events_slots)
    if engine is None:
        argtypes = (
            RHS_T,
            ENERGY_T,
            types.UniTuple(EVENT_T, n_events_slots),
            _vec,  # p
            _vec,  # y0
            _f8,
            _f8,
            _mat,  # A
            _vec,
            _vec,
            _vec,
            _vec,  # b c e e3
            _mat,  # D (continuous extension rows)
            types.boolean,  # hermite
            types.boolean,
            types.boolean,
            _f8,  # error exponent
            _f8,
            _f8,  # h_init h_max
            _f8,  # rtol
            _vec,  # atol
            _f8,
            _f8,  # beta safety
            _f8,
            _f8,  # factor_min factor_max
            _vec,  # t_eval
            types.int64,
            types.int64,
            types.boolean,
            _f8,
            types.boolean,
            types.int64,
            types.boolean[::1],
            _vec,
            types.boolean,
            types.int64[::1],  # err_flag
            types.int64,  # max_rows
            types.int64,  # max_dense
        )
        engine = nb.njit([argtypes], **ENGINE_OPTIONS)(integrate_single)
        _compiled_single[n_events_slots] = engine
    return engine
