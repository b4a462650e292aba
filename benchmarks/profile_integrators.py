"""Profile: where the time of a dopri5 solve goes, per step and per stage (N = 100 single
trajectory and an ensemble of 256 x N = 100), measured piece by piece in one run.

Each piece is timed in a compiled loop of its own (numba), on the same model and sizes as the
solve, so the pieces add up to an estimate that is compared with the measured solve:

* ``rhs`` called directly and through a first-class function pointer (what the engine does),
  split into the gain loop (tanh) and the matrix-vector product;
* ``energy`` (evaluated at every saved point when the output is every step);
* the stage combinations (``y + h sum a_ij k_j``), the error norm, the saving of one point;
* the fixed cost of one ``dyn.solve`` call (a span so short that one step ends it), split
  into the compiled engine called through numba's dispatcher (which types every argument,
  first-class function values included, on every call) and through its resolved entry point;
* the gain: the scalar ``expm1`` tanh, numba's ``np.tanh`` loop and the package's
  vectorised ``gain_values``; the energies of all saved states in one batched pass;
* for the ensemble: the batched kernel, its GEMM and its gain loop, per trajectory.

Usage: ``python benchmarks/profile_integrators.py [--repeats K]`` (medians of K >= 7).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402

import dynamics as dyn  # noqa: E402
from dynamics._small_linalg import matvec  # noqa: E402
from dynamics.activations import TANH, gain_values  # noqa: E402

N, M, T_END = 100, 256, 50.0
RTOL, ATOL = 1e-6, 1e-9


def median_time(fn, repeats: int, inner: int = 1) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


@numba.njit(cache=True)
def _loop_rhs(rhs, p, x, out, k):
    for _ in range(k):
        rhs(0.0, x, p, out)


@numba.njit(cache=True)
def _loop_energy(energy, p, x, k):
    acc = 0.0
    for _ in range(k):
        acc += energy(x, p)
    return acc


@numba.njit(cache=True)
def _loop_tanh(x, v, lam, k):
    for _ in range(k):
        for i in range(x.shape[0]):
            v[i] = np.tanh(lam * x[i])


@numba.njit(cache=True, error_model="numpy", fastmath=True)
def _loop_tanh_fast(x, v, lam, k):
    for _ in range(k):
        for i in range(x.shape[0]):
            v[i] = np.tanh(lam * x[i])


@numba.njit(cache=True)
def _loop_tanh_expm1(x, v, lam, k):
    for _ in range(k):
        for i in range(x.shape[0]):
            z = lam * x[i]
            em = np.expm1(-2.0 * abs(z))
            v[i] = np.copysign(-em / (2.0 + em), z)


@numba.njit(cache=True)
def _loop_gain_values(x, v, lam, k):
    for _ in range(k):
        gain_values(TANH, lam, x, v)


@numba.njit(cache=True)
def _loop_gemv(w, v, out, k):
    for _ in range(k):
        np.dot(w, v, out)


@numba.njit(cache=True)
def _loop_matvec(w, v, out, k):
    for _ in range(k):
        matvec(w, v, out)


def gemv_table(rep: int) -> None:
    """The compiled four-row mat-vec (``dynamics._small_linalg.matvec``) against BLAS through
    ``np.dot``, interleaved, fastest of the repeats (small pieces: min is the robust figure)."""
    rng = np.random.default_rng(0)
    print("mat-vec (n x n) per product: np.dot (BLAS) vs matvec (compiled four-row loop)")
    for n in (16, 32, 64, 100, 128, 256, 512):
        w = rng.normal(size=(n, n))
        v = rng.normal(size=n)
        out = np.empty(n)
        k = max(20, int(2e6 / (n * n)))
        _loop_gemv(w, v, out, 1)
        _loop_matvec(w, v, out, 1)
        t_dot, t_mv = [], []
        for _ in range(max(rep, 15)):
            start = time.perf_counter()
            _loop_gemv(w, v, out, k)
            t_dot.append((time.perf_counter() - start) / k)
            start = time.perf_counter()
            _loop_matvec(w, v, out, k)
            t_mv.append((time.perf_counter() - start) / k)
        print(f"  n={n:4d}: np.dot {min(t_dot) * 1e6:8.3f} us, matvec {min(t_mv) * 1e6:8.3f} us,"
              f" ratio {min(t_dot) / min(t_mv):5.2f}x")


@numba.njit(cache=True)
def _loop_stages(y, K, A, out, k):
    """The six stage combinations and the solution update of one dopri5 step, k times."""
    s = K.shape[0]
    for _ in range(k):
        for st in range(1, s):
            for i in range(y.shape[0]):
                out[i] = y[i]
            for j in range(st):
                a = 0.01 * A[st, j]
                if a != 0.0:
                    for i in range(y.shape[0]):
                        out[i] += a * K[j, i]


@numba.njit(cache=True)
def _loop_norm(err, y, y_new, atol, rtol, k):
    acc = 0.0
    for _ in range(k):
        s = 0.0
        for i in range(err.shape[0]):
            r = err[i] / (atol[i] + rtol * max(abs(y[i]), abs(y_new[i])))
            s += r * r
        acc += np.sqrt(s / err.shape[0])
    return acc


@numba.njit(cache=True)
def _loop_save(ys, y, k):
    for j in range(k):
        ys[j % ys.shape[0]] = y


@numba.njit(cache=True)
def _loop_gemm(v, w_t, out, k):
    for _ in range(k):
        np.dot(v, w_t, out)


@numba.njit(cache=True)
def _loop_gain_rows(x, v, lam, k):
    """The batched kernel's gain: the vectorised tanh row by row."""
    for _ in range(k):
        for r in range(x.shape[0]):
            gain_values(TANH, lam, x[r], v[r])


@numba.njit(cache=True)
def _loop_batch(rhs_batch, p, t, X, OUT, k):
    for _ in range(k):
        rhs_batch(t, X, p, OUT)


def _engine_call_costs(model, y0, rep: int) -> tuple[float, float]:
    """A one-step solve's engine call through the dispatcher and through its entry point
    (the arguments are captured from a real solve)."""
    import sys

    solve_module = sys.modules["dynamics.integrate.solve"]
    captured = {}
    original = solve_module._call_exact

    def spy(entry, slots, *args):
        captured["args"] = (entry, slots, args)
        return original(entry, slots, *args)

    solve_module._call_exact = spy
    try:
        dyn.solve(model, (0.0, 1e-9), y0)
    finally:
        solve_module._call_exact = original
    entry, slots, args = captured["args"]
    dispatcher = solve_module.single_engine(slots)
    t_dispatch = median_time(lambda: dispatcher(*args), rep, inner=20)
    t_entry = median_time(lambda: entry(*args), rep, inner=20)
    return t_dispatch, t_entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rep = max(7, args.repeats)
    from dynamics.integrate.tableaus import DOPRI5
    from dynamics.models.base import RHS_SIGNATURE, kernel_handle

    print(f"load average {os.getloadavg()[0]:.2f} (shared machine: figures move between runs)")
    gemv_table(rep)
    model = dyn.random_hopfield(N, seed=1)
    y0 = np.random.default_rng(2).normal(0.0, 1.0, N)
    p = model.kernel_params()  # what the engine passes: the parameters and the work area
    sol = dyn.solve(model, (0.0, T_END), y0, rtol=RTOL, atol=ATOL)
    nfev, nacc, nsteps = sol.nfev, sol.naccepted, sol.nsteps
    t_solve = median_time(lambda: dyn.solve(model, (0.0, T_END), y0, rtol=RTOL, atol=ATOL), rep)
    t_solve_teval = median_time(
        lambda: dyn.solve(model, (0.0, T_END), y0, rtol=RTOL, atol=ATOL, t_eval=[0.0, T_END]),
        rep,
    )
    t_fixed = median_time(lambda: dyn.solve(model, (0.0, 1e-9), y0), rep, inner=20)

    k = 2000
    x = y0.copy()
    out = np.empty(N)
    v = np.empty(N)
    handle = kernel_handle(model.rhs_kernel, RHS_SIGNATURE)
    t_rhs_direct = median_time(lambda: _loop_rhs(model.rhs_kernel, p, x, out, k), rep) / k
    t_rhs_ptr = median_time(lambda: _loop_rhs(handle, p, x, out, k), rep) / k
    t_energy = median_time(lambda: _loop_energy(model.energy_kernel, p, x, k), rep) / k
    lam = model.gain.lam
    t_tanh = median_time(lambda: _loop_tanh(x, v, lam, k), rep) / k
    t_tanh_fast = median_time(lambda: _loop_tanh_fast(x, v, lam, k), rep) / k
    w = np.ascontiguousarray(model.W)
    t_gemv = median_time(lambda: _loop_gemv(w, v, out, k), rep) / k
    K = np.random.default_rng(0).normal(size=(7, N))
    t_stages = median_time(lambda: _loop_stages(x, K, DOPRI5.A, out, k), rep) / k
    atol = np.full(N, ATOL)
    t_norm = median_time(lambda: _loop_norm(out, x, v, atol, RTOL, k), rep) / k
    ys = np.empty((64, N))
    t_save = median_time(lambda: _loop_save(ys, x, k), rep) / k

    t_tanh_expm1 = median_time(lambda: _loop_tanh_expm1(x, v, lam, k), rep) / k
    t_gain_values = median_time(lambda: _loop_gain_values(x, v, lam, k), rep) / k
    ys_saved = np.ascontiguousarray(sol.y.T)
    es_saved = np.empty(ys_saved.shape[0])
    if getattr(model, "energy_batch_kernel", None) is not None:
        t_energy_batch = median_time(
            lambda: model.energy_batch_kernel(ys_saved, p, es_saved), rep) / ys_saved.shape[0]
    else:
        t_energy_batch = float("nan")
    t_engine_dispatch, t_engine_entry = _engine_call_costs(model, y0, rep)

    est = {
        "rhs (through the function pointer), per evaluation": (t_rhs_ptr, nfev),
        "energies of the saved states (one batched pass)": (
            t_energy if t_energy_batch != t_energy_batch else t_energy_batch, nacc + 1),
        "stage combinations + update, per step": (t_stages, nsteps),
        "error norm, per step": (t_norm, nsteps),
        "saving one point, per accepted step": (t_save, nacc + 1),
        "fixed cost of one call": (t_fixed, 1),
    }
    print(f"N={N} single solve, dopri5 rtol={RTOL:g} atol={ATOL:g}, t in (0, {T_END:g}): "
          f"nfev {nfev}, steps {nsteps}, accepted {nacc}")
    print(f"  measured solve (every step saved): {t_solve * 1e3:.3f} ms; "
          f"with t_eval=[t0, t1] (no per-step saving/energy): {t_solve_teval * 1e3:.3f} ms")
    total = 0.0
    for name, (t_one, count) in est.items():
        total += t_one * count
        print(f"  {name:<52} {t_one * 1e6:8.3f} us x {count:5d} = {t_one * count * 1e3:7.3f} ms"
              f" ({100 * t_one * count / t_solve:5.1f} %)")
    print(f"  sum of the pieces: {total * 1e3:.3f} ms of {t_solve * 1e3:.3f} ms measured")
    print(f"  rhs split: direct call {t_rhs_direct * 1e6:.3f} us, through the pointer "
          f"{t_rhs_ptr * 1e6:.3f} us; tanh loop {t_tanh * 1e6:.3f} us (numpy error model + "
          f"fastmath: {t_tanh_fast * 1e6:.3f} us); gemv {t_gemv * 1e6:.3f} us")
    print(f"  gain of 100 neurons: scalar expm1 tanh {t_tanh_expm1 * 1e6:.3f} us, "
          f"gain_values (vectorised fast_tanh) {t_gain_values * 1e6:.3f} us")
    print(f"  energy per saved state: one at a time {t_energy * 1e6:.3f} us, "
          f"batched after the run (energy_batch) {t_energy_batch * 1e6:.3f} us")
    print(f"  one-step engine call: through numba's dispatcher {t_engine_dispatch * 1e6:.1f} us,"
          f" through the resolved entry point {t_engine_entry * 1e6:.1f} us; the rest of the "
          f"fixed cost ({(t_fixed - t_engine_entry) * 1e6:.1f} us) is Python (checks, Solution)")

    Y0 = np.random.default_rng(6).normal(0.0, 1.0, (M, N))
    t_eval = np.linspace(0.0, T_END, 11)
    ens = dyn.solve_ensemble(model, (0.0, T_END), Y0, rtol=RTOL, atol=ATOL, t_eval=t_eval)
    # the pieces below run on one thread: so does the ensemble they are compared with
    t_ens = median_time(lambda: dyn.solve_ensemble(model, (0.0, T_END), Y0, rtol=RTOL,
                                                   atol=ATOL, t_eval=t_eval, threads=1), rep)
    t_ens_threads = median_time(lambda: dyn.solve_ensemble(model, (0.0, T_END), Y0, rtol=RTOL,
                                                           atol=ATOL, t_eval=t_eval), rep)
    evals = float(np.sum(ens.nfev))  # trajectory-evaluations
    p_batch = model.ensemble_params(M)  # the private p of one engine call on M rows
    X = Y0.copy()
    OUT = np.empty_like(X)
    V = np.tanh(X)  # finite values for the GEMM (an empty array may hold NaN)
    tv = np.zeros(M)
    kk = 50
    t_batch = median_time(lambda: _loop_batch(model.rhs_batch_kernel, p_batch, tv, X, OUT, kk),
                          rep) / kk
    w_t = np.ascontiguousarray(model.W.T)
    t_gemm = median_time(lambda: _loop_gemm(V, w_t, OUT, kk), rep) / kk
    t_tanh2 = median_time(lambda: _loop_gain_rows(X, V, lam, kk), rep) / kk
    per = t_ens / evals
    print(f"\nensemble {M} x N={N}, t_eval 11 points, one thread: {t_ens * 1e3:.1f} ms, "
          f"{evals:.0f} trajectory-evaluations, {per * 1e6:.3f} us per trajectory-evaluation"
          f" (default threads: {t_ens_threads * 1e3:.1f} ms)")
    print(f"  batched kernel per trajectory: {t_batch / M * 1e6:.3f} us "
          f"({100 * t_batch / M / per:.1f} %): GEMM {t_gemm / M * 1e6:.3f} us, "
          f"gain {t_tanh2 / M * 1e6:.3f} us, rest (the affine part) "
          f"{(t_batch - t_gemm - t_tanh2) / M * 1e6:.3f} us")
    print(f"  engine bookkeeping (stages, error norm, control, swaps, interpolation): "
          f"{(per - t_batch / M) * 1e6:.3f} us per trajectory-evaluation "
          f"({100 * (per - t_batch / M) / per:.1f} %)")


if __name__ == "__main__":
    main()
