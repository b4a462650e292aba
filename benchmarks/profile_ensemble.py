"""Profile: where the time of an ensemble solve goes (256 trajectories x N = 100 random
symmetric Hopfield, dopri5 rtol 1e-6 / atol 1e-9, t in (0, 50), 11 output times).

Each piece of the ensemble engine's work is timed in a compiled loop of its own, on the
shapes of one engine call (a chunk of ``CHUNK_ROWS`` trajectories), and multiplied by how
often the measured solve does it; the sum is compared with the measured solve:

* the batched kernel per trajectory-evaluation, split into the gain (tanh), the GEMM
  (V W^T with W^T stored row-major, and with the transposed W as the old kernel passed it)
  and the affine part; the old kernel's allocation of V on every call;
* the stage combinations ``y + h sum a_ij k_j`` and the solution update, per trajectory-step;
* the error estimate and norm, the step-size control, the finiteness checks and copies;
* interpolation to ``t_eval`` and the energy there, per saved point;
* the fixed cost of one engine call;
* the threads: the solve with ``threads=1`` and ``threads=2`` (bitwise equal results), and a
  chunk's GEMM with one and with two BLAS threads.

Usage: ``python benchmarks/profile_ensemble.py [--repeats K]`` (medians of K >= 7). Times
are CPU time of the measuring thread except the threads comparison (wall time), so that a
loaded machine disturbs them less; the threads speed-up needs a free second core.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402

import dynamics as dyn  # noqa: E402
from dynamics.activations import fast_tanh  # noqa: E402
from dynamics.integrate.engine import (  # noqa: E402
    all_finite,
    dense_coefficients,
    error_norm,
    interpolate,
    stage_sum,
)
from dynamics.integrate.ensemble import _combine_rows  # noqa: E402

N, M, T_END = 100, 256, 50.0
RTOL, ATOL = 1e-6, 1e-9


def median_time(fn, repeats: int, clock=time.thread_time) -> float:
    """Median over ``repeats`` calls of ``fn()`` (after one warm-up call) on ``clock``: by
    default the CPU time of this thread, which a loaded machine disturbs far less than the
    wall time (the pieces and the single-threaded solve run on this thread)."""
    fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


@numba.njit(cache=True)
def _loop_batch(rhs_batch, p, t, X, OUT, k):
    for _ in range(k):
        rhs_batch(t, X, p, OUT)


@numba.njit(cache=True)
def _loop_gemm(v, w, out, k):
    for _ in range(k):
        np.dot(v, w, out)


@numba.njit(cache=True)
def _loop_gemm_transposed(v, w, out, k):
    for _ in range(k):
        np.dot(v, w.T, out)


@numba.njit(cache=True, error_model="numpy")
def _loop_gain(x, v, lam, k):
    for _ in range(k):
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                v[r, i] = fast_tanh(lam * x[r, i])


@numba.njit(cache=True)
def _loop_gain_scalar(x, v, lam, k):
    """The gain as the old kernel computed it: expm1 per element, Python error model."""
    for _ in range(k):
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                z = lam * x[r, i]
                em = math.expm1(-2.0 * abs(z))
                v[r, i] = math.copysign(-em / (2.0 + em), z)


@numba.njit(cache=True)
def _loop_old_kernel(x, p, out, k):
    """The batched Hopfield kernel as it was (tanh gain only): V allocated on every call,
    the scalar expm1 gain, the product with the transposed weights."""
    n = int(p[0])
    lam = p[2]
    weights = p[3 + 3 * n : 3 + 3 * n + n * n].reshape((n, n))
    for _ in range(k):
        m = x.shape[0]
        v = np.empty((m, n))
        for r in range(m):
            for i in range(n):
                z = lam * x[r, i]
                em = math.expm1(-2.0 * abs(z))
                v[r, i] = math.copysign(-em / (2.0 + em), z)
        np.dot(v, weights.T, out)
        for r in range(m):
            for i in range(n):
                out[r, i] = out[r, i] - x[r, i]


@numba.njit(cache=True, error_model="numpy")
def _loop_affine(x, out, a, b, c, k):
    for _ in range(k):
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                out[r, i] = a[i] * (out[r, i] - b[i] * x[r, i] + c[i])


@numba.njit(cache=True)
def _loop_stage_combinations(Y, Hs, A, B, K, out, k):
    """What the engine does per step before the error control: the stage states of stages
    2..s and the new solution, for every row of the chunk."""
    s = K.shape[0]
    na = Y.shape[0]
    for _ in range(k):
        for st in range(1, s):
            _combine_rows(Y, Hs, A, st, st, K, out, na)
        _combine_rows(Y, Hs, B, 0, s, K, out, na)


@numba.njit(cache=True, error_model="numpy")
def _loop_step_control(Y, Ynew, K, e, atol, rtol, k):
    """Per row and step: the finiteness checks, the error estimate and its norm, the PI
    controller (two powers) and the copies of an accepted step (as in the engine)."""
    n = Y.shape[1]
    err_vec = np.empty(n)
    acc = 0.0
    facold = 1e-4
    for _ in range(k):
        for j in range(Y.shape[0]):
            if all_finite(Ynew[j]):
                stage_sum(0.01, e, K[:, j, :], err_vec)
                err = error_norm(err_vec, Y[j], Ynew[j], atol, rtol)
                fac11 = (err + 0.5) ** 0.17
                fac = fac11 / facold**0.04
                acc += fac
            if all_finite(K[-1, j]):
                for i in range(n):
                    K[0, j, i] = K[-1, j, i]
                for i in range(n):
                    acc += Ynew[j, i] * 0.0
    return acc


@numba.njit(cache=True, error_model="numpy")
def _loop_saving(energy, p, Y, Ynew, K, d, Q, has_q, k):
    """Per saved point: the step's dense-output coefficients, the interpolation and the
    energy at the interpolated state."""
    n = Y.shape[1]
    r = np.empty((5, n))
    work = np.empty(n)
    acc = 0.0
    for _ in range(k):
        for j in range(Y.shape[0]):
            dense_coefficients(Y[j], Ynew[j], K[0, j], K[-1, j], K[:, j, :], d, Q, 0.01,
                               True, has_q, r)
            interpolate(r, 0.5, work)
            acc += energy(work, p)
    return acc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rep = max(7, args.repeats)
    from dynamics._blas import blas_threads
    from dynamics.integrate import ensemble as ens_mod
    from dynamics.integrate.tableaus import DOPRI5

    rows = ens_mod.CHUNK_ROWS
    model = dyn.random_hopfield(N, seed=5)
    Y0 = np.random.default_rng(6).normal(0.0, 1.0, (M, N))
    t_eval = np.linspace(0.0, T_END, 11)

    def solve(threads):
        return dyn.solve_ensemble(model, (0.0, T_END), Y0, rtol=RTOL, atol=ATOL,
                                  t_eval=t_eval, threads=threads, progress=False)

    one, two = solve(1), solve(2)
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; "
          f"chunk {rows} trajectories per engine call")
    print(f"threads=1 and threads=2 bitwise equal: {np.array_equal(one.y, two.y)}")
    t1 = median_time(lambda: solve(1), rep)
    wall1 = median_time(lambda: solve(1), rep, time.perf_counter)
    wall2 = median_time(lambda: solve(2), rep, time.perf_counter)
    evals = float(np.sum(one.nfev))
    row_steps = float(np.sum(one.nsteps))
    saved = M * t_eval.size
    per = t1 / evals
    print(f"ensemble {M} x N={N}: {evals / M:.0f} evaluations and {row_steps / M:.0f} steps "
          f"per trajectory")
    print(f"  threads=1: {t1 * 1e3:.1f} ms CPU = {per * 1e6:.3f} us per trajectory-evaluation")
    print(f"  wall time: threads=1 {wall1 * 1e3:.1f} ms, threads=2 {wall2 * 1e3:.1f} ms "
          f"(speed-up {wall1 / wall2:.2f}x; on a loaded machine there may be no free core)")

    X = Y0[:rows].copy()
    OUT = np.empty_like(X)
    V = np.tanh(X)  # initialised: garbage (denormals, NaN) would slow the product down
    tv = np.zeros(rows)
    kk = 200
    lam = model.gain.lam
    w = np.ascontiguousarray(model.W)
    w_t = np.ascontiguousarray(w.T)
    p_work = model.ensemble_params(rows)
    inv = np.ones(N)
    zero = np.zeros(N)
    with blas_threads(1):
        t_kernel = median_time(lambda: _loop_batch(model.rhs_batch_kernel, p_work, tv, X,
                                                   OUT, kk), rep) / kk / rows
        t_gemm = median_time(lambda: _loop_gemm(V, w_t, OUT, kk), rep) / kk / rows
        t_gemm_tr = median_time(lambda: _loop_gemm_transposed(V, w, OUT, kk), rep) / kk / rows
        t_gain = median_time(lambda: _loop_gain(X, V, lam, kk), rep) / kk / rows
        t_gain_old = median_time(lambda: _loop_gain_scalar(X, V, lam, kk), rep) / kk / rows
        t_affine = median_time(lambda: _loop_affine(X, OUT, inv, inv, zero, kk), rep) / kk / rows
        X_all = Y0.copy()
        OUT_all = np.empty_like(X_all)
        t_old_kernel = median_time(lambda: _loop_old_kernel(X_all, model.params, OUT_all, 20),
                                   rep) / 20 / M
        wall_gemm = median_time(lambda: _loop_gemm(V, w_t, OUT, kk), rep,
                                time.perf_counter) / kk / rows
    with blas_threads(2):  # wall time: the second BLAS thread's CPU is not this thread's
        wall_gemm_2blas = median_time(lambda: _loop_gemm(V, w_t, OUT, kk), rep,
                                      time.perf_counter) / kk / rows

    # the engine's own work per trajectory-step, timed on one chunk (see ensemble.py)
    s = DOPRI5.b.shape[0]
    K = np.random.default_rng(0).normal(size=(s, rows, N))
    Y = X.copy()
    Hs = np.full(rows, 0.01)
    B = DOPRI5.b.reshape((1, s))
    atol = np.full(N, ATOL)
    t_comb = median_time(lambda: _loop_stage_combinations(
        Y, Hs, DOPRI5.A, B, K, OUT, kk), rep) / kk / rows
    t_ctrl = median_time(lambda: _loop_step_control(
        Y, OUT, K, DOPRI5.e, atol, RTOL, kk), rep) / kk / rows
    t_save = median_time(lambda: _loop_saving(
        model.energy_kernel, model.params.copy(), Y, OUT, K, DOPRI5.d, DOPRI5.Q,
        DOPRI5.has_interpolant, kk), rep) / kk / rows
    tiny = median_time(lambda: dyn.solve_ensemble(model, (0.0, 1e-9), Y0[:1], threads=1,
                                                  n_eval=2, progress=False), rep)
    n_calls = math.ceil(M / rows)

    pieces = [
        ("batched kernel (gain + GEMM + affine), per evaluation", t_kernel, evals),
        ("stage combinations + update, per step", t_comb, row_steps),
        ("error estimate, norm, control, checks, copies, per step", t_ctrl, row_steps),
        ("interpolation + energy, per saved point", t_save, saved),
        ("fixed cost of one solve_ensemble call", tiny, 1),
        (f"fixed cost of the other {n_calls - 1} engine calls", tiny, n_calls - 1),
    ]
    print(f"\nthreads=1, CPU time per trajectory ({t1 / M * 1e3:.3f} ms measured):")
    total = 0.0
    for name, t_one, count in pieces:
        total += t_one * count
        print(f"  {name:<58} {t_one * 1e6:9.3f} us x {count / M:8.1f} = "
              f"{t_one * count / M * 1e6:8.1f} us ({100 * t_one * count / t1:5.1f} %)")
    print(f"  sum of the pieces: {total / M * 1e3:.3f} ms of {t1 / M * 1e3:.3f} ms measured")
    print("\nbatched kernel per trajectory-evaluation, its pieces:")
    print(f"  kernel as called by the engine: {t_kernel * 1e6:.3f} us")
    print(f"  gain (fast_tanh): {t_gain * 1e6:.3f} us; the old scalar expm1 gain: "
          f"{t_gain_old * 1e6:.3f} us")
    print(f"  GEMM V W^T, W^T row-major: {t_gemm * 1e6:.3f} us; as np.dot(V, W.T) "
          f"(transposed packing): {t_gemm_tr * 1e6:.3f} us")
    print(f"  GEMM wall time with 1 BLAS thread {wall_gemm * 1e6:.3f} us, with 2 BLAS "
          f"threads {wall_gemm_2blas * 1e6:.3f} us")
    print(f"  affine part: {t_affine * 1e6:.3f} us")
    print(f"  the old kernel on the whole block of 256 (allocating V, scalar gain, transposed "
          f"GEMM): {t_old_kernel * 1e6:.3f} us")
    floor = t_gemm * evals / M
    print(f"\nfloor: the GEMM alone, {t_gemm * 1e6:.3f} us x {evals / M:.0f} evaluations = "
          f"{floor * 1e6:.0f} us per trajectory on one core ({floor / 2 * 1e6:.0f} us on two)")

    # the baseline on the same clock: scipy's RK45 with a numpy right-hand side, CPU time
    from scipy.integrate import solve_ivp

    w_model, b_model = model.W, model.I

    def rhs(t, u):
        return -u + w_model @ np.tanh(u) + b_model

    def scipy_loop():
        for y0 in Y0[:8]:
            solve_ivp(rhs, (0.0, T_END), y0, method="RK45", rtol=RTOL, atol=ATOL,
                      t_eval=t_eval)

    t_scipy = median_time(scipy_loop, max(3, rep // 2)) / 8
    print(f"scipy solve_ivp RK45: {t_scipy * 1e3:.3f} ms CPU per trajectory; ours on one "
          f"core {t_scipy / (t1 / M):.1f}x faster; the GEMM floor allows at most "
          f"{t_scipy / floor:.0f}x on one core, {2 * t_scipy / floor:.0f}x on two")


if __name__ == "__main__":
    main()
