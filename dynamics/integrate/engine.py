"""The compiled time loop for one trajectory: any explicit Runge-Kutta tableau, fixed or
adaptive step, dense output, events, equilibrium stop, energy at saved times.

The loop is one numba function compiled for the kernel *signatures* of the model protocol
(first-class function types), not for a particular model: every model shares the same machine
code, which numba caches on disk. Step-size control follows Hairer, Norsett & Wanner (1993),
Sec. II.4 (initial step) and the DOPRI5 code (PI controller with ``beta``; ``beta = 0`` gives
the classic controller). Error norm: RMS of ``err_i / (atol_i + rtol * max(|y_i|, |y_new_i|))``.
"""

from __future__ import annotations

import math
import warnings

import numba as nb
import numpy as np
from numba import types
from numba.core.errors import NumbaExperimentalFeatureWarning

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

STATUS_FAILED = -1
STATUS_SUCCESS = 0
STATUS_EQUILIBRIUM = 1
STATUS_TERMINAL_EVENT = 2

# failure reasons (second element of the status pair)
REASON_NONE = 0
REASON_NONFINITE = 1
REASON_MAX_STEPS = 2
REASON_STEP_UNDERFLOW = 3

_FACTOR_MIN = 0.2  # smallest step-size factor per step (Hairer's fac1)
_FACTOR_MAX = 10.0  # largest step-size factor per step (Hairer's fac2)


@nb.njit(ENERGY_SIGNATURE, cache=True)
def no_energy(x, p):
    """Placeholder energy kernel for models without one (never reported)."""
    return math.nan


@nb.njit(EVENT_SIGNATURE, cache=True)
def never_event(t, x):
    """Placeholder event kernel when no events are requested (never evaluated)."""
    return 1.0


@nb.njit(cache=True)
def grow_rows(a, need):
    """``a`` with at least ``need`` rows (doubling), keeping its content."""
    if need <= a.shape[0]:
        return a
    new = np.empty((max(need, 2 * a.shape[0]),) + a.shape[1:], dtype=a.dtype)
    new[: a.shape[0]] = a
    return new


@nb.njit(cache=True)
def grow_vector(a, need):
    if need <= a.shape[0]:
        return a
    new = np.empty(max(need, 2 * a.shape[0]), dtype=a.dtype)
    new[: a.shape[0]] = a
    return new


@nb.njit(cache=True)
def append_point(ts, ys, es, n_saved, t, y, e):
    """Store (t, y, e) at row ``n_saved``, growing the buffers when full."""
    if n_saved >= ts.shape[0]:
        ts = grow_vector(ts, n_saved + 1)
        ys = grow_rows(ys, n_saved + 1)
        es = grow_vector(es, n_saved + 1)
    ts[n_saved] = t
    ys[n_saved] = y
    es[n_saved] = e
    return ts, ys, es


@nb.njit(cache=True)
def combine_stages(y, h, A, row, n_terms, K, out):
    """out = y + h * sum_{l < n_terms} A[row, l] K[l] (indices, not row views: no refcounts)."""
    for i in range(out.shape[0]):
        out[i] = y[i]
    for l in range(n_terms):
        a = h * A[row, l]
        if a != 0.0:
            for i in range(out.shape[0]):
                out[i] += a * K[l, i]


@nb.njit(cache=True)
def stage_sum(h, coef, K, out):
    """out = h * sum_l coef[l] K[l]."""
    for i in range(out.shape[0]):
        out[i] = 0.0
    for l in range(coef.shape[0]):
        a = h * coef[l]
        if a != 0.0:
            for i in range(out.shape[0]):
                out[i] += a * K[l, i]


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def rms_norm(v, scale):
    acc = 0.0
    for i in range(v.shape[0]):
        r = v[i] / scale[i]
        acc += r * r
    return math.sqrt(acc / v.shape[0])


@nb.njit(cache=True)
def all_finite(v):
    for i in range(v.shape[0]):
        if not math.isfinite(v[i]):
            return False
    return True


@nb.njit(cache=True)
def max_abs(v):
    m = 0.0
    for i in range(v.shape[0]):
        a = abs(v[i])
        if a > m:
            m = a
    return m


@nb.njit(cache=True)
def interpolation_coefficients(y, y_new, f_old, f_new, K, d, h, has_d, r):
    """Fill r (5, n) with the continuous-extension coefficients of one step."""
    n = y.shape[0]
    for i in range(n):
        r2 = y_new[i] - y[i]
        r3 = h * f_old[i] - r2
        r[0, i] = y[i]
        r[1, i] = r2
        r[2, i] = r3
        r[3, i] = r2 - h * f_new[i] - r3
        r[4, i] = 0.0
    if has_d:
        for s in range(d.shape[0]):
            ds = h * d[s]
            if ds != 0.0:
                for i in range(n):
                    r[4, i] += ds * K[s, i]


@nb.njit(cache=True)
def interpolate(r, theta, out):
    """The continuous extension at fraction ``theta`` of the step (see tableaus.py)."""
    t1 = 1.0 - theta
    for i in range(out.shape[0]):
        out[i] = r[0, i] + theta * (
            r[1, i] + t1 * (r[2, i] + theta * (r[3, i] + t1 * r[4, i]))
        )


@nb.njit(cache=True)
def initial_step(rhs, p, t0, y0, f0, rtol, atol, order, h_max, t_span_len, work, f1):
    """Hairer, Norsett & Wanner (1993), II.4: a first step with ~0.01 relative change."""
    n = y0.shape[0]
    dnf = 0.0
    dny = 0.0
    for i in range(n):
        sk = atol[i] + rtol * abs(y0[i])
        dnf += (f0[i] / sk) ** 2
        dny += (y0[i] / sk) ** 2
    dnf /= n
    dny /= n
    if dnf <= 1e-10 or dny <= 1e-10:
        h = 1e-6
    else:
        h = math.sqrt(dny / dnf) * 0.01
    h = min(h, h_max, t_span_len)
    for i in range(n):
        work[i] = y0[i] + h * f0[i]
    rhs(t0 + h, work, p, f1)
    der2 = 0.0
    for i in range(n):
        sk = atol[i] + rtol * abs(y0[i])
        der2 += ((f1[i] - f0[i]) / sk) ** 2
    der2 = math.sqrt(der2 / n) / h
    der12 = max(abs(der2), math.sqrt(dnf))
    if not math.isfinite(der12):
        return 1e-6 * t_span_len
    if der12 <= 1e-15:
        h1 = max(1e-6, h * 1e-3)
    else:
        h1 = (0.01 / der12) ** (1.0 / order)
    return min(100.0 * h, h1, h_max, t_span_len)


@nb.njit(cache=True)
def locate_root(event, r, t_old, h, g_left, g_right, work):
    """Zero of event(t(theta), y(theta)) for theta in [0, 1] by the Illinois method.

    ``g_left`` and ``g_right`` bracket a sign change; returns the right end of the final
    bracket (a point where the crossing has happened) or an exact zero.
    """
    if g_right == 0.0:
        return 1.0
    a = 0.0
    b = 1.0
    ga = g_left
    gb = g_right
    side = 0
    tol = 4.0 * 2.220446049250313e-16 * max(abs(t_old), abs(h)) / abs(h)
    for _ in range(200):
        if gb != ga:
            theta = (a * gb - b * ga) / (gb - ga)
        else:
            theta = 0.5 * (a + b)
        if not (a < theta < b):
            theta = 0.5 * (a + b)
        interpolate(r, theta, work)
        g = event(t_old + theta * h, work)
        if g == 0.0:
            return theta
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
    d,
    fsal,
    adaptive,
    error_exponent,
    h_init,
    h_max,
    rtol,
    atol,
    beta,
    safety,
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
):
    """Integrate one trajectory from t0 to t1; see :func:`dynamics.solve` for the meaning.

    Returns ``(t, y, energy, status, reason, t_stop, nfev, nsteps, naccepted, nrejected,
    event_t, event_y, event_index, n_found, dense_t, dense_r, n_dense)`` where ``y`` has one
    row per saved time.
    """
    n = y0.shape[0]
    s = b.shape[0]
    has_d = False
    for i in range(s):
        if d[i] != 0.0:
            has_d = True
    use_t_eval = t_eval.shape[0] > 0

    K = np.empty((s, n))
    b_row = b.reshape((1, s))  # the weights as a one-row tableau for combine_stages
    y = y0.copy()
    y_new = np.empty(n)
    work = np.empty(n)
    f_new = np.empty(n)
    err_vec = np.empty(n)
    scale = np.empty(n)
    r = np.empty((5, n))

    cap = t_eval.shape[0] if use_t_eval else 64
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

    dense_cap = 64 if want_dense else 1
    dense_t = np.empty(dense_cap + 1)
    dense_r = np.empty((dense_cap, 5, n))
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
    if not all_finite(K[0]) or not all_finite(y):
        status = STATUS_FAILED
        reason = REASON_NONFINITE
    for q in range(n_events):
        g_old[q] = events[q](t, y)

    # the initial point
    next_eval = 0
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
    last_saved_step = 0

    if status == STATUS_SUCCESS and stop_at_equilibrium and max_abs(K[0]) < eq_tol:
        status = STATUS_EQUILIBRIUM
        if use_t_eval:
            e_rest = energy(y, p) if has_energy else math.nan
            n_saved, next_eval = hold_state(ts, ys, es, n_saved, t_eval, next_eval, y, e_rest)

    if adaptive and status == STATUS_SUCCESS:
        if h_init > 0.0:
            h = min(h_init, h_max, span)
        else:
            h = initial_step(
                rhs, p, t0, y, K[0], rtol, atol, 1.0 / error_exponent, h_max, span, work, f_new
            )
            nfev += 1
    else:
        h = h_init
    facold = 1e-4
    expo = error_exponent - 0.75 * beta
    last_rejected = False
    h_min_abs = 0.0

    while status == STATUS_SUCCESS:
        if nsteps >= max_steps:
            status = STATUS_FAILED
            reason = REASON_MAX_STEPS
            break
        finishing = False
        h_step = min(h, h_max)
        if t + h_step >= t1 - 1e-12 * abs(span) or t + h_step >= t1:
            h_step = t1 - t
            finishing = True
        h_min_abs = 16.0 * 2.220446049250313e-16 * max(abs(t), abs(span) * 1e-3)
        if adaptive and h_step < h_min_abs:
            status = STATUS_FAILED
            reason = REASON_STEP_UNDERFLOW
            break
        nsteps += 1

        # stages 2..s
        for st in range(1, s):
            combine_stages(y, h_step, A, st, st, K, work)
            rhs(t + c[st] * h_step, work, p, K[st])
        nfev += s - 1
        combine_stages(y, h_step, b_row, 0, s, K, y_new)
        finite = all_finite(y_new)

        if adaptive:
            if finite:
                stage_sum(h_step, e, K, err_vec)
                for i in range(n):
                    scale[i] = atol[i] + rtol * max(abs(y[i]), abs(y_new[i]))
                err = rms_norm(err_vec, scale)
            else:
                err = math.inf
            if not math.isfinite(err):
                nrej += 1
                last_rejected = True
                h = 0.25 * h_step
                continue
            fac11 = err**expo
            fac = fac11 / facold**beta
            fac = max(1.0 / _FACTOR_MAX, min(1.0 / _FACTOR_MIN, fac / safety))
            if err > 1.0:
                nrej += 1
                h = h_step / min(1.0 / _FACTOR_MIN, fac11 / safety)
                last_rejected = True
                continue
            facold = max(err, 1e-4)
            h_next = h_step / fac
            if last_rejected:
                h_next = min(h_next, h_step)
            last_rejected = False
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
        if not all_finite(f_new):
            # the derivative at the new point is not finite: the state blew up
            status = STATUS_FAILED
            reason = REASON_NONFINITE
            break
        nacc += 1
        t_new = t1 if finishing else t + h_step

        need_interp = use_t_eval or n_events > 0 or want_dense
        if need_interp:
            interpolation_coefficients(y, y_new, K[0], f_new, K, d, h_step, has_d, r)

        # events: sign changes of g over the step
        theta_stop = 2.0
        if n_events > 0:
            n_active = 0
            for q in range(n_events):
                g_new[q] = events[q](t_new, y_new)
                up = g_old[q] < 0.0 and g_new[q] >= 0.0
                down = g_old[q] > 0.0 and g_new[q] <= 0.0
                hit = (up and ev_direction[q] >= 0.0) or (down and ev_direction[q] <= 0.0)
                if hit:
                    roots[q] = locate_root(events[q], r, t, h_step, g_old[q], g_new[q], work)
                    n_active += 1
                else:
                    roots[q] = 2.0
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
                    if n_found >= ev_t.shape[0]:
                        ev_t = grow_vector(ev_t, n_found + 1)
                        ev_y = grow_rows(ev_y, n_found + 1)
                        ev_idx = grow_vector(ev_idx, n_found + 1)
                    ev_t[n_found] = t + th * h_step
                    ev_y[n_found] = work
                    ev_idx[n_found] = best
                    n_found += 1
                    roots[best] = 2.0
            for q in range(n_events):
                g_old[q] = g_new[q]

        if theta_stop <= 1.0:
            # a terminal event: the step ends at the event
            t_end = t + theta_stop * h_step
            interpolate(r, theta_stop, y_new)
            rhs(t_end, y_new, p, f_new)
            nfev += 1
            status = STATUS_TERMINAL_EVENT
        else:
            t_end = t_new

        if want_dense:
            if n_dense >= dense_r.shape[0]:
                dense_r = grow_rows(dense_r, n_dense + 1)
            if n_dense + 2 > dense_t.shape[0]:
                dense_t = grow_vector(dense_t, n_dense + 2)
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
        else:
            if nacc - last_saved_step >= save_every or finishing or status != STATUS_SUCCESS:
                e_new = energy(y_new, p) if has_energy else math.nan
                ts, ys, es = append_point(ts, ys, es, n_saved, t_end, y_new, e_new)
                n_saved += 1
                last_saved_step = nacc

        for i in range(n):
            y[i] = y_new[i]
            K[0, i] = f_new[i]
        t = t_end
        h = h_next
        if finishing and status == STATUS_SUCCESS:
            break

    # on failure keep the last good state if it was not saved
    if status == STATUS_FAILED and not use_t_eval and last_saved_step != nacc:
        e_last = energy(y, p) if has_energy else math.nan
        ts, ys, es = append_point(ts, ys, es, n_saved, t, y, e_last)
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
    )


_f8 = types.float64
_vec = types.float64[::1]
_mat = types.float64[:, ::1]
RHS_T = types.FunctionType(RHS_SIGNATURE)
ENERGY_T = types.FunctionType(ENERGY_SIGNATURE)
EVENT_T = types.FunctionType(EVENT_SIGNATURE)

_compiled_single: dict[int, object] = {}


def single_engine(n_events_slots: int):
    """The engine compiled for a tuple of ``n_events_slots`` event kernels (cached on disk)."""
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
            _vec,  # b c e d
            types.boolean,
            types.boolean,
            _f8,  # error exponent
            _f8,
            _f8,  # h_init h_max
            _f8,  # rtol
            _vec,  # atol
            _f8,
            _f8,  # beta safety
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
        )
        engine = nb.njit([argtypes], cache=True, nogil=True)(integrate_single)
        _compiled_single[n_events_slots] = engine
    return engine
