"""Profile: what one step of the compiled engine costs on a small system (Lorenz), against the
floor of any numba-compiled Runge-Kutta loop and against numbalsoda, measured in one run.

For the Lorenz system (3 states: the right-hand side is a handful of flops, so everything else
shows) at rtol = 1e-8, atol = 1e-10 on t in (0, 10), with dopri5 and dop853, this times

* ``dyn.solve`` (the whole call) and its fixed cost (a span so short that one step ends it);
  their difference over the evaluations is the engine's cost per right-hand-side evaluation,
  the step's bookkeeping included;
* a minimal adaptive Runge-Kutta loop written here in numba from the same tableau (its stage
  sums, error norm and PI controller, every step saved into a preallocated array; no events,
  no dense output, no checks), with the right-hand side compiled into the loop (the floor of
  numba code: no call overhead at all) and called through a first-class function pointer
  (what a loop compiled once for every model has to do);
* numbalsoda's dop853 (C++, right-hand side a numba cfunc), whole call, when installed.

Times per right-hand-side evaluation say where the difference between the peers lies. Medians
of K >= 7 repeats, all candidates interleaved in every repeat.

Usage: ``python benchmarks/profile_engine_step.py [--repeats K]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import types  # noqa: E402

import dynamics as dyn  # noqa: E402

T_END, RTOL, ATOL = 10.0, 1e-8, 1e-10
SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


@numba.njit(cache=True)
def lorenz(t, x, p, out):
    """Lorenz (1963): dx = sigma (y - x), dy = x (rho - z) - y, dz = x y - beta z."""
    out[0] = p[0] * (x[1] - x[0])
    out[1] = x[0] * (p[1] - x[2]) - x[1]
    out[2] = x[0] * x[1] - p[2] * x[2]


def minimal_loop(rhs, p, y0, t1, A, b, c, e, e3, has_e3, rtol, atol, h0, expo, beta, safety,
                 fmin, fmax):
    """The bare adaptive loop: FSAL stages, the scaled RMS error (DOP853's two-estimate
    combination when ``has_e3``), Hairer's PI controller, every accepted step saved. Returns
    (end state, accepted steps, evaluations)."""
    n = y0.shape[0]
    s = b.shape[0]
    K = np.empty((s, n))
    y = y0.copy()
    y_new = np.empty(n)
    w = np.empty(n)
    ys = np.empty((1 << 14, n))
    rhs(0.0, y, p, K[0])
    nfev = 1
    t, h, facold, n_acc = 0.0, h0, 1e-4, 0
    last_rejected = False
    while t < t1:
        if t + h > t1:
            h = t1 - t
        for st in range(1, s):
            for i in range(n):
                v = y[i]
                for l in range(st):
                    a = h * A[st, l]
                    if a != 0.0:
                        v += a * K[l, i]
                w[i] = v
            rhs(t + c[st] * h, w, p, K[st])
        nfev += s - 1
        err5 = 0.0
        err3 = 0.0
        for i in range(n):
            v = y[i]
            d5 = 0.0
            d3 = 0.0
            for l in range(s):
                v += h * b[l] * K[l, i]
                d5 += h * e[l] * K[l, i]
                d3 += h * e3[l] * K[l, i]
            y_new[i] = v
            sc = atol[i] + rtol * max(abs(y[i]), abs(v))
            err5 += (d5 / sc) ** 2
            err3 += (d3 / sc) ** 2
        err = math.sqrt(err5 / n)
        if has_e3:
            den = err5 + 0.01 * err3
            err = err5 / math.sqrt(den * n) if den > 0.0 else 0.0
        fac11 = err**expo
        fac = max(1.0 / fmax, min(1.0 / fmin, fac11 / facold**beta / safety))
        if err > 1.0:
            h = h / min(1.0 / fmin, fac11 / safety)
            last_rejected = True
            continue
        h_next = h / fac
        if last_rejected:
            h_next = min(h_next, h)
        last_rejected = False
        facold = max(err, 1e-4)
        t += h
        if s > 1 and c[s - 1] == 1.0 and A[s - 1, s - 2] != 0.0:  # FSAL
            for i in range(n):
                K[0, i] = K[s - 1, i]
        for i in range(n):
            y[i] = y_new[i]
        if c[s - 1] != 1.0 or A[s - 1, s - 2] == 0.0:
            rhs(t, y, p, K[0])
            nfev += 1
        ys[n_acc % ys.shape[0]] = y
        n_acc += 1
        h = h_next
    return y, n_acc, nfev


_VEC = types.float64[::1]
_MAT = types.float64[:, ::1]
_F8 = types.float64
_REST = (_VEC, _VEC, _F8, _MAT, _VEC, _VEC, _VEC, _VEC, types.boolean, _F8, _VEC, _F8, _F8, _F8,
         _F8, _F8, _F8)
# through a pointer: the kernel argument typed as a first-class function (its C wrapper)
loop_pointer = numba.njit(
    types.Tuple((_VEC, types.int64, types.int64))(types.FunctionType(dyn.RHS_SIGNATURE), *_REST),
    cache=True,
)(minimal_loop)


@numba.njit  # not cached: it refers to another dispatcher, which numba cannot cache here
def loop_direct(p, y0, t1, A, b, c, e, e3, has_e3, rtol, atol, h0, expo, beta, safety, fmin,
                fmax):
    """:func:`minimal_loop` with :func:`lorenz` compiled into it (numba inlines the call)."""
    return _minimal_direct(lorenz, p, y0, t1, A, b, c, e, e3, has_e3, rtol, atol, h0, expo,
                           beta, safety, fmin, fmax)


_minimal_direct = numba.njit(cache=True)(minimal_loop)


def _call_loop(rhs, p, K, w, repeats):
    """The kernel called on the rows of K, nothing else: the cost of a call."""
    for _ in range(repeats):
        for st in range(1, K.shape[0]):
            rhs(0.0, w, p, K[st])
    return K[1, 0]


calls_pointer = numba.njit(
    types.float64(types.FunctionType(dyn.RHS_SIGNATURE), _VEC, _MAT, _VEC, types.int64),
    cache=True,
)(_call_loop)


@numba.njit
def calls_direct(p, K, w, repeats):
    return _call_direct(lorenz, p, K, w, repeats)


_call_direct = numba.njit(cache=True)(_call_loop)


def loop_arguments(method: str, y0: np.ndarray, h0: float) -> tuple:
    tab = dyn.TABLEAUS[method]
    s = tab.b.shape[0]
    A = np.ascontiguousarray(tab.A[:s, :s])
    e3 = np.zeros(s) if tab.e3 is None else np.ascontiguousarray(tab.e3[:s], dtype=float)
    params = np.array([SIGMA, RHO, BETA])
    return (params, y0, T_END, A, np.ascontiguousarray(tab.b), np.ascontiguousarray(tab.c[:s]),
            np.ascontiguousarray(tab.e[:s]), e3, tab.e3 is not None, RTOL, np.full(3, ATOL), h0,
            tab.error_exponent - 0.75 * tab.beta, tab.beta, tab.safety, tab.factor_min,
            tab.factor_max)


def interleaved(fns: dict, repeats: int, inner: int) -> dict:
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeats):
        for k, fn in fns.items():
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            times[k].append((time.perf_counter() - start) / inner)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats (>= 7)")
    args = parser.parse_args()
    repeats = max(7, args.repeats)
    model = dyn.UserModel(lorenz, n_states=3, params=[SIGMA, RHO, BETA])
    y0 = np.array([1.0, 1.0, 1.0])
    print(f"Lorenz, rtol={RTOL:g}, atol={ATOL:g}, t in (0, {T_END:g}); medians of {repeats};"
          f" load average {os.getloadavg()[0]:.2f}")
    fixed = interleaved({"short": lambda: dyn.solve(model, (0.0, 1e-9), y0)}, repeats, 50)
    fixed_cost = fixed["short"]
    print(f"fixed cost of one dyn.solve call (one step): {fixed_cost * 1e6:.1f} us")
    peers = {}
    if importlib.util.find_spec("numbalsoda") is not None:
        from numbalsoda import dop853, lsoda_sig

        @numba.cfunc(lsoda_sig)
        def lorenz_c(t, u, du, data):
            du[0] = SIGMA * (u[1] - u[0])
            du[1] = u[0] * (RHO - u[2]) - u[1]
            du[2] = u[0] * u[1] - BETA * u[2]
            data[0] += 1.0

        counter = np.zeros(1)
        t_out = np.array([0.0, T_END])
        address = lorenz_c.address
        peers["numbalsoda dop853 (whole call)"] = (
            lambda: dop853(address, y0, t_out, data=counter, rtol=RTOL, atol=ATOL))
    # the kernel's C wrapper, the kind of pointer the engine calls (a dispatcher passed as a
    # first-class function would be called through its native entry point instead, with an
    # exception check and reference counting around every call: ~3x the cost of a call)
    rhs = numba.cfunc(dyn.RHS_SIGNATURE)(lorenz.py_func)
    K, w, reps = np.zeros((7, 3)), np.ones(3), 20000
    p3 = np.array([SIGMA, RHO, BETA])
    calls = interleaved({"pointer": lambda: calls_pointer(rhs, p3, K, w, reps),
                         "direct": lambda: calls_direct(p3, K, w, reps)}, repeats, 1)
    per_call = {k: v / reps / 6 * 1e9 for k, v in calls.items()}
    print(f"one kernel call in a tight loop: through a pointer {per_call['pointer']:.1f} ns,"
          f" compiled in {per_call['direct']:.1f} ns")
    for method in ("dopri5", "dop853"):
        sol = dyn.solve(model, (0.0, T_END), y0, method=method, rtol=RTOL, atol=ATOL)
        h0 = float(sol.t[1] - sol.t[0])  # the same first step as the engine
        largs = loop_arguments(method, y0, h0)
        fns = {
            "dyn.solve": lambda m=method: dyn.solve(model, (0.0, T_END), y0, method=m,
                                                    rtol=RTOL, atol=ATOL),
            "minimal loop, rhs through a pointer": lambda a=largs: loop_pointer(rhs, *a),
            "minimal loop, rhs compiled in": lambda a=largs: loop_direct(*a),
        }
        if method == "dop853":
            fns.update(peers)
        t = interleaved(fns, repeats, 10)
        end_p, acc_p, nfev_p = loop_pointer(rhs, *largs)
        _, _, nfev_d = loop_direct(*largs)
        counter[:] = 0.0
        if peers and method == "dop853":
            usol, _ = peers["numbalsoda dop853 (whole call)"]()
        print(f"\n{method}: ours {sol.nsteps} steps, {sol.nfev} evaluations; minimal loop"
              f" {acc_p} accepted steps, {nfev_p} evaluations, end state differs by"
              f" {np.max(np.abs(end_p - sol.y[:, -1])):.1e}")
        rows = [("dyn.solve, whole call", t["dyn.solve"], sol.nfev),
                ("dyn.solve minus its fixed cost", t["dyn.solve"] - fixed_cost, sol.nfev),
                ("minimal loop, rhs through a pointer", t["minimal loop, rhs through a pointer"],
                 nfev_p),
                ("minimal loop, rhs compiled in", t["minimal loop, rhs compiled in"], nfev_d)]
        if peers and method == "dop853":
            rows.append(("numbalsoda dop853, whole call", t["numbalsoda dop853 (whole call)"],
                         int(counter[0])))
            print(f"  numbalsoda: {int(counter[0])} evaluations, end state differs by"
                  f" {np.max(np.abs(usol[-1] - sol.y[:, -1])):.1e}")
        for name, seconds, nfev in rows:
            print(f"  {name:<40} {seconds * 1e3:8.4f} ms  {seconds / nfev * 1e9:6.1f} ns per"
                  " evaluation")


if __name__ == "__main__":
    main()
