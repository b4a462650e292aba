"""Lyapunov spectra by the QR (Benettin) method.

Along a trajectory x(t) of dx/dt = f(t, x), k tangent vectors q_1..q_k evolve by the
variational equations dq/dt = A(t, x) q, A = df/dx. Every ``renorm_interval`` of model time
they are re-orthonormalised (Gram-Schmidt, a QR factorisation Q R), and the logarithms of
the stretch factors R_ii are accumulated; the i-th Lyapunov exponent is

    lambda_i = lim_{T -> inf} (1/T) sum_renormalisations ln R_ii

(Benettin, Galgani, Giorgilli & Strelcyn 1980, Meccanica 15, 9 and 21; Shimada & Nagashima
1979). The state and the tangent vectors are integrated together in one compiled loop, by
the Dormand-Prince 5(4) pair with step-size control over both (default) or by the classical
fourth-order Runge-Kutta method with a fixed step (``method="rk4"``). The tangent dynamics uses the
model's Jacobian kernel when it has one (one matrix-matrix product A Q per stage); otherwise
the directional derivatives A q are central differences of the vector field,
(f(x + eps q) - f(x - eps q)) / (2 eps), two evaluations of f per tangent vector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
from numba import types

from dynamics.analysis._kernels import F8, JAC_T, MAT, RHS_T, VEC, model_kernels
from dynamics.analysis.fixed_points import _check_int, _check_model, _check_positive
from dynamics.models.base import Model

__all__ = ["lyapunov_spectrum", "LyapunovSpectrum"]


@dataclass(frozen=True, eq=False)
class LyapunovSpectrum:
    """The result of :func:`lyapunov_spectrum` with ``return_history=True``.

    Attributes
    ----------
    exponents : (k,) the Lyapunov exponents (units: 1 / model time), in the order of the QR
        method, which is decreasing once the averages have converged.
    t : (m,) the model times (after the transient) of the re-orthonormalisations.
    history : (m, k) the running estimates (cumulative log-stretch / elapsed time) at ``t``.
    x_final : (n,) the state at the end.
    status : 0 on success, -1 when the state or tangent vectors became non-finite (the
        exponents are then the running estimates at the last good renormalisation).
    message : what happened, in words.
    """

    exponents: np.ndarray
    t: np.ndarray
    history: np.ndarray
    x_final: np.ndarray
    status: int
    message: str


@nb.njit(cache=True)
def _all_finite(a):
    for v in a.ravel():
        if not math.isfinite(v):
            return False
    return True


@nb.njit(cache=True)
def _tangent(rhs, jac_kernel, has_jac, t, x, T, p, jac, out, xp, fp, fm):
    """out = T A(x)^T: row c of out is A(x) applied to the tangent vector T[c]."""
    k, n = T.shape
    if has_jac:
        jac_kernel(t, x, p, jac)
        np.dot(T, jac.T, out)
        return
    xscale = 0.0
    for i in range(n):
        xscale = max(xscale, abs(x[i]))
    for c in range(k):
        qn = 0.0
        for i in range(n):
            qn = max(qn, abs(T[c, i]))
        if qn == 0.0:
            for i in range(n):
                out[c, i] = 0.0
            continue
        eps = 6.0554544523933395e-06 * (1.0 + xscale) / qn
        for i in range(n):
            xp[i] = x[i] + eps * T[c, i]
        rhs(t, xp, p, fp)
        for i in range(n):
            xp[i] = x[i] - eps * T[c, i]
        rhs(t, xp, p, fm)
        inv = 1.0 / (2.0 * eps)
        for i in range(n):
            out[c, i] = (fp[i] - fm[i]) * inv


@nb.njit(cache=True)
def _gram_schmidt(T, logs):
    """Orthonormalise the rows of T in place (modified Gram-Schmidt, applied twice for
    accuracy); add ln of the diagonal of R of the first pass to ``logs``. False if a row
    vanished."""
    k, n = T.shape
    for c in range(k):
        r_cc = 0.0
        for _ in range(2):
            for d in range(c):
                dot = 0.0
                for i in range(n):
                    dot += T[c, i] * T[d, i]
                for i in range(n):
                    T[c, i] -= dot * T[d, i]
            norm = 0.0
            for i in range(n):
                norm += T[c, i] * T[c, i]
            norm = math.sqrt(norm)
            if not (norm > 0.0 and math.isfinite(norm)):
                return False
            for i in range(n):
                T[c, i] /= norm
            if r_cc == 0.0:
                r_cc = norm
            else:
                r_cc *= norm  # the second pass only refines: its norm is 1 + O(eps)
        logs[c] += math.log(r_cc)
    return True


@nb.njit(cache=True)
def _rk4_tangent(rhs, jac_kernel, has_jac, p, x, T, t_start, h, n_steps, renorm_steps,
                 logs, times, history):
    """n_steps RK4 steps of the state and the tangent vectors (rows of T) together,
    re-orthonormalising every ``renorm_steps`` steps and at the end; the log-stretches are
    added to ``logs`` and, when ``times`` is not empty, the running estimates recorded.
    Returns (number of records, ok)."""
    n = x.shape[0]
    k = T.shape[0]
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    xs = np.empty(n)
    Ts = np.empty((k, n))
    K1 = np.empty((k, n))
    K2 = np.empty((k, n))
    K3 = np.empty((k, n))
    K4 = np.empty((k, n))
    jac = np.empty((n, n))
    xp = np.empty(n)
    fp = np.empty(n)
    fm = np.empty(n)
    record = times.shape[0] > 0
    n_rec = 0
    t = t_start
    for step in range(n_steps):
        rhs(t, x, p, k1)
        _tangent(rhs, jac_kernel, has_jac, t, x, T, p, jac, K1, xp, fp, fm)
        for i in range(n):
            xs[i] = x[i] + 0.5 * h * k1[i]
        for c in range(k):
            for i in range(n):
                Ts[c, i] = T[c, i] + 0.5 * h * K1[c, i]
        rhs(t + 0.5 * h, xs, p, k2)
        _tangent(rhs, jac_kernel, has_jac, t + 0.5 * h, xs, Ts, p, jac, K2, xp, fp, fm)
        for i in range(n):
            xs[i] = x[i] + 0.5 * h * k2[i]
        for c in range(k):
            for i in range(n):
                Ts[c, i] = T[c, i] + 0.5 * h * K2[c, i]
        rhs(t + 0.5 * h, xs, p, k3)
        _tangent(rhs, jac_kernel, has_jac, t + 0.5 * h, xs, Ts, p, jac, K3, xp, fp, fm)
        for i in range(n):
            xs[i] = x[i] + h * k3[i]
        for c in range(k):
            for i in range(n):
                Ts[c, i] = T[c, i] + h * K3[c, i]
        rhs(t + h, xs, p, k4)
        _tangent(rhs, jac_kernel, has_jac, t + h, xs, Ts, p, jac, K4, xp, fp, fm)
        for i in range(n):
            x[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0
        for c in range(k):
            for i in range(n):
                T[c, i] += h * (K1[c, i] + 2.0 * K2[c, i] + 2.0 * K3[c, i] + K4[c, i]) / 6.0
        t = t_start + (step + 1) * h
        if (step + 1) % renorm_steps == 0 or step == n_steps - 1:
            if not (_all_finite(x) and _gram_schmidt(T, logs)):
                return n_rec, False
            if record:
                elapsed = t - t_start
                times[n_rec] = elapsed
                for c in range(k):
                    history[n_rec, c] = logs[c] / elapsed
                n_rec += 1
    return n_rec, True


def _benettin(rhs, jac_kernel, has_jac, p, x0, t0, h_transient, n_align, t_total, n_steps,
              renorm_steps, T0):
    """From x0 (already through the free part of the transient): ``n_align`` steps that
    align the tangent vectors without counting, then ``n_steps`` counted steps over
    ``t_total``. Returns (logs, times, history, x, status)."""
    k = T0.shape[0]
    x = x0.copy()
    T = T0.copy()
    t = t0
    no_times = np.empty(0)
    no_history = np.empty((0, k))
    logs = np.zeros(k)
    if not _all_finite(x):
        return logs, no_times, no_history, x, -1
    if n_align > 0:
        _, ok = _rk4_tangent(rhs, jac_kernel, has_jac, p, x, T, t, h_transient, n_align,
                             renorm_steps, logs, no_times, no_history)
        if not ok:
            return np.zeros(k), no_times, no_history, x, -1
        t += n_align * h_transient
        logs[:] = 0.0
    n_rec_max = n_steps // renorm_steps + 1
    times = np.empty(n_rec_max)
    history = np.empty((n_rec_max, k))
    n_rec, ok = _rk4_tangent(rhs, jac_kernel, has_jac, p, x, T, t, t_total / n_steps, n_steps,
                             renorm_steps, logs, times, history)
    return logs, times[:n_rec], history[:n_rec], x, 0 if ok else -1


def _adaptive_tangent(rhs, jac_kernel, has_jac, p, x, T, t_start, span, renorm_interval, rtol,
                      atol, A, b, c, e, fsal, logs, times, history, max_steps):
    """An embedded Runge-Kutta pair (Dormand-Prince 5(4)) on the state and the tangent
    vectors together, the error measured over both (RMS of err / (atol + rtol |z|)), steps
    cut to land on every renormalisation time, Gram-Schmidt there. Returns
    (number of records, ok, number of steps)."""
    n = x.shape[0]
    k = T.shape[0]
    s = b.shape[0]
    KX = np.empty((s, n))
    KT = np.empty((s, k, n))
    xs = np.empty(n)
    Ts = np.empty((k, n))
    xn = np.empty(n)
    Tn = np.empty((k, n))
    jac = np.empty((n, n))
    xp = np.empty(n)
    fp = np.empty(n)
    fm = np.empty(n)
    record = times.shape[0] > 0
    n_rec = 0
    t = t_start
    t_end = t_start + span
    n_renorm = 1
    next_renorm = min(t_start + renorm_interval, t_end)
    h = min(renorm_interval, 0.01 * max(span, 1e-300), 0.1)
    fresh = True
    steps = 0
    n_dof = n + k * n
    while t < t_end:
        if fresh:
            rhs(t, x, p, KX[0])
            _tangent(rhs, jac_kernel, has_jac, t, x, T, p, jac, KT[0], xp, fp, fm)
            fresh = False
        gap = next_renorm - t
        hit = h >= gap * (1.0 - 1e-12)
        hs = gap if hit else h
        for st in range(1, s):
            for i in range(n):
                acc = x[i]
                for j in range(st):
                    acc += hs * A[st, j] * KX[j, i]
                xs[i] = acc
            for q in range(k):
                for i in range(n):
                    acc = T[q, i]
                    for j in range(st):
                        acc += hs * A[st, j] * KT[j, q, i]
                    Ts[q, i] = acc
            rhs(t + c[st] * hs, xs, p, KX[st])
            _tangent(rhs, jac_kernel, has_jac, t + c[st] * hs, xs, Ts, p, jac, KT[st], xp, fp, fm)
        err = 0.0
        for i in range(n):
            acc = x[i]
            ea = 0.0
            for j in range(s):
                acc += hs * b[j] * KX[j, i]
                ea += hs * e[j] * KX[j, i]
            xn[i] = acc
            sc = atol + rtol * max(abs(x[i]), abs(acc))
            err += (ea / sc) ** 2
        for q in range(k):
            for i in range(n):
                acc = T[q, i]
                ea = 0.0
                for j in range(s):
                    acc += hs * b[j] * KT[j, q, i]
                    ea += hs * e[j] * KT[j, q, i]
                Tn[q, i] = acc
                sc = atol + rtol * max(abs(T[q, i]), abs(acc))
                err += (ea / sc) ** 2
        err = math.sqrt(err / n_dof)
        steps += 1
        if not math.isfinite(err) or steps > max_steps:
            return n_rec, False, steps
        if err <= 1.0:
            for i in range(n):
                x[i] = xn[i]
            for q in range(k):
                for i in range(n):
                    T[q, i] = Tn[q, i]
            if fsal:
                for i in range(n):
                    KX[0, i] = KX[s - 1, i]
                for q in range(k):
                    for i in range(n):
                        KT[0, q, i] = KT[s - 1, q, i]
            else:
                fresh = True
            if hit:
                t = next_renorm
                if not _gram_schmidt(T, logs):
                    return n_rec, False, steps
                fresh = True  # the tangent vectors changed
                if record:
                    elapsed = t - t_start
                    times[n_rec] = elapsed
                    for q in range(k):
                        history[n_rec, q] = logs[q] / elapsed
                    n_rec += 1
                n_renorm += 1
                next_renorm = min(t_start + n_renorm * renorm_interval, t_end)
                if t >= t_end:
                    break
            else:
                t += hs
            factor = 0.9 * (max(err, 1e-10) ** -0.2)
            h = hs * min(5.0, max(0.2, factor)) if not hit else max(h, hs * min(5.0, factor))
        else:
            h = hs * max(0.2, 0.9 * err ** -0.2)
            if h < 1e-14 * max(1.0, abs(t)):
                return n_rec, False, steps
    return n_rec, True, steps


_compiled_adaptive: list = []


def _adaptive_engine():
    if not _compiled_adaptive:
        sig = (RHS_T, JAC_T, types.boolean, VEC, VEC, MAT, F8, F8, F8, F8, F8, MAT, VEC, VEC,
               VEC, types.boolean, VEC, VEC, MAT, types.int64)
        _compiled_adaptive.append(nb.njit([sig], cache=True)(_adaptive_tangent))
    return _compiled_adaptive[0]


_compiled: list = []


def _engine():
    if not _compiled:
        sig = (RHS_T, JAC_T, types.boolean, VEC, VEC, F8, F8, types.int64, F8, types.int64,
               types.int64, MAT)
        _compiled.append(nb.njit([sig], cache=True)(_benettin))
    return _compiled[0]


def _run_adaptive(model, rhs, jac_k, has_jac, x, t0, t_transient, t_align, t_total,
                  renorm_interval, rtol, atol, T0, max_steps=10_000_000):
    """The "dopri5" path: the free transient with :func:`dynamics.solve`, then the aligning
    and the counted spans with :func:`_adaptive_tangent`."""
    from dynamics.integrate import solve
    from dynamics.integrate.tableaus import DOPRI5

    k = T0.shape[0]
    no_times, no_history = np.empty(0), np.empty((0, k))
    t_free = t_transient - t_align
    if t_free > 0:
        sol = solve(model, (t0, t0 + t_free), x, rtol=rtol, atol=atol, save_every=10**9)
        if sol.status < 0:
            return np.zeros(k), no_times, no_history, sol.y[:, -1].copy(), -1
        x = np.ascontiguousarray(sol.y[:, -1])
    x = x.copy()
    T = T0.copy()
    tab = (DOPRI5.A, DOPRI5.b, DOPRI5.c, DOPRI5.e, DOPRI5.fsal)
    engine = _adaptive_engine()
    if t_align > 0:
        _, ok, _ = engine(rhs, jac_k, has_jac, model.kernel_params(), x, T, t0 + t_free,
                          t_align, renorm_interval, rtol, atol, *tab, np.zeros(k), no_times,
                          no_history, max_steps)
        if not ok:
            return np.zeros(k), no_times, no_history, x, -1
    logs = np.zeros(k)
    n_max = int(math.ceil(t_total / renorm_interval - 1e-9)) + 1
    times, history = np.empty(n_max), np.empty((n_max, k))
    n_rec, ok, _ = engine(rhs, jac_k, has_jac, model.kernel_params(), x, T, t0 + t_transient,
                          t_total, renorm_interval, rtol, atol, *tab, logs, times, history,
                          max_steps)
    return logs, times[:n_rec], history[:n_rec], x, 0 if ok else -1


def lyapunov_spectrum(
    model: Model,
    x0: Any,
    t_transient: float,
    t_total: float,
    k: int | None = None,
    *,
    method: str = "dopri5",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    dt: float = 0.01,
    renorm_interval: float = 0.5,
    t_align: float | None = None,
    t0: float = 0.0,
    seed: int | np.random.Generator | None = 0,
    q0: Any = None,
    return_history: bool = False,
) -> np.ndarray | LyapunovSpectrum:
    """The ``k`` largest Lyapunov exponents of ``model`` along the trajectory from ``x0``.

    Parameters
    ----------
    model: a :class:`~dynamics.models.base.Model`; its ``jacobian`` kernel is used when
        present, central differences of ``rhs`` along the tangent vectors otherwise.
    x0: the initial state, shape (n,).
    t_transient: model time integrated first, to reach the attractor (>= 0); nothing of it
        counts towards the exponents.
    t_align: the last ``t_align`` of the transient also evolves (and re-orthonormalises)
        the tangent vectors, so that they have turned into the most expanding directions
        before the counting starts (default: the whole transient; 0 for none).
    t_total: model time over which the exponents are averaged (> 0).
    k: number of exponents, 1 <= k <= n (default: all n).
    method: "dopri5" (default: the Dormand-Prince 5(4) pair with step-size control on the
        state and the tangent vectors together, tolerances ``rtol`` / ``atol``) or "rk4"
        (classical Runge-Kutta with the fixed step ``dt``).
    rtol, atol: tolerances of "dopri5" (RMS error norm over state and tangent entries).
    dt: the fixed step of "rk4", rounded down so that it divides the spans.
    renorm_interval: model time between re-orthonormalisations (rounded to whole steps).
    t0: the initial time.
    seed: int or Generator for the random orthonormal initial tangent vectors.
    q0: optional (n, k) initial tangent vectors (columns, linearly independent; they are
        orthonormalised by a QR factorisation) instead of random ones.
    return_history: return a :class:`LyapunovSpectrum` with the running estimates
        instead of the bare exponents.

    Returns
    -------
    (k,) exponents (decreasing once converged), or a :class:`LyapunovSpectrum`. If the run blows up
    the result has status -1 (``return_history=True``) or a ``RuntimeError`` is raised.
    """
    model = _check_model(model)
    n = model.n_states
    try:
        x = np.ascontiguousarray(np.asarray(x0, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"x0: expected a numeric array of shape ({n},)") from exc
    if x.shape != (n,):
        raise ValueError(f"x0: expected shape ({n},), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0: expected finite values")
    k = n if k is None else _check_int(k, "k", 1)
    if k > n:
        raise ValueError(f"k: expected at most n_states={n} exponents, got {k}")
    if isinstance(t_transient, bool) or not isinstance(
        t_transient, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"t_transient: expected a number, got {type(t_transient).__name__}")
    t_transient = float(t_transient)
    if not (math.isfinite(t_transient) and t_transient >= 0):
        raise ValueError(f"t_transient: expected a finite number >= 0, got {t_transient}")
    t_total = _check_positive(t_total, "t_total")
    dt = _check_positive(dt, "dt")
    renorm_interval = _check_positive(renorm_interval, "renorm_interval")
    if isinstance(t0, bool) or not isinstance(t0, (int, float, np.integer, np.floating)):
        raise TypeError(f"t0: expected a number, got {type(t0).__name__}")
    if seed is not None and not isinstance(seed, (int, np.integer, np.random.Generator)):
        raise TypeError(
            f"seed: expected an int or numpy.random.Generator, got {type(seed).__name__}"
        )
    if method not in ("dopri5", "rk4"):
        raise ValueError(f"method: expected 'dopri5' or 'rk4', got {method!r}")
    rtol = _check_positive(rtol, "rtol")
    atol = _check_positive(atol, "atol")
    if t_align is None:
        t_align = t_transient
    if isinstance(t_align, bool) or not isinstance(t_align, (int, float, np.integer, np.floating)):
        raise TypeError(f"t_align: expected a number, got {type(t_align).__name__}")
    t_align = float(t_align)
    if not (math.isfinite(t_align) and 0 <= t_align <= t_transient):
        raise ValueError(f"t_align: expected 0 <= t_align <= t_transient, got {t_align}")
    n_transient = math.ceil(t_transient / dt - 1e-9) if t_transient > 0 else 0
    h_transient = t_transient / n_transient if n_transient else dt
    n_align = min(n_transient, math.ceil(t_align / h_transient - 1e-9)) if t_align > 0 else 0
    n_steps = max(1, math.ceil(t_total / dt - 1e-9))
    renorm_steps = max(1, round(renorm_interval / (t_total / n_steps)))
    if q0 is None:
        q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, k)))
    else:
        try:
            q_in = np.asarray(q0, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"q0: expected a numeric array of shape ({n}, {k})") from exc
        if q_in.shape != (n, k) or not np.all(np.isfinite(q_in)):
            raise ValueError(f"q0: expected finite values of shape ({n}, {k}), got {q_in.shape}")
        q, r = np.linalg.qr(q_in)
        if np.min(np.abs(np.diag(r))) <= 1e-12 * max(1.0, np.max(np.abs(np.diag(r)))):
            raise ValueError("q0: expected linearly independent columns")
    T0 = np.ascontiguousarray(q.T)

    rhs, jac_k, has_jac = model_kernels(model)
    if method == "rk4":
        n_free = n_transient - n_align
        t_start, status = float(t0), 0
        if n_free > 0:  # the free transient: the package's RK4 with the same steps
            from dynamics.integrate import solve

            sol = solve(model, (t_start, t_start + n_free * h_transient), x, method="rk4",
                        dt=h_transient, save_every=10**9)
            x = np.ascontiguousarray(sol.y[:, -1])
            t_start += n_free * h_transient
            status = sol.status
        if status < 0:
            logs, times, history, x_final = np.zeros(k), np.empty(0), np.empty((0, k)), x
        else:
            logs, times, history, x_final, status = _engine()(
                rhs, jac_k, has_jac, model.kernel_params(), x, t_start, h_transient, n_align,
                t_total, n_steps, renorm_steps, T0,
            )
    else:
        logs, times, history, x_final, status = _run_adaptive(
            model, rhs, jac_k, has_jac, x, float(t0), t_transient, min(t_align, t_transient),
            t_total, renorm_interval, rtol, atol, T0,
        )
    status = int(status)
    if status == 0:
        exponents = logs / t_total
        message = f"{k} exponent(s) averaged over t_total={t_total:g}"
    else:
        exponents = history[-1].copy() if history.shape[0] else np.full(k, np.nan)
        message = (
            "the state or the tangent vectors became non-finite (the trajectory blew up); "
            "the exponents are the running estimates before that"
        )
    if not return_history:
        if status != 0:
            raise RuntimeError(f"lyapunov_spectrum: {message}")
        return exponents
    return LyapunovSpectrum(
        exponents=exponents, t=times.copy(), history=history.copy(), x_final=x_final,
        status=status, message=message,
    )
