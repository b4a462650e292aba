"""Benchmark: dynamics' compiled integrators against scipy's solve_ivp, measured in the same run.

Cases (each checks that both solvers end at the same state):

1. N = 100 random symmetric Hopfield network, t in (0, 50): our dopri5 vs
   ``scipy.integrate.solve_ivp(method="RK45")`` at the same rtol/atol (1e-6 / 1e-9), with the
   vector field written as vectorised numpy (``(-u + W @ tanh(u)) / tau``). Target >= 10x.
2. N = 2000: our dopri5 vs the "BLAS floor" = nfev x the time of one ``W @ v``, measured
   directly as nfev back-to-back numpy ``W @ v`` in this run. Output at 5 times only, so
   saving costs nothing. Target <= 1.3x the floor.
3. Ensemble of 256 trajectories of N = 100 (one matrix-matrix product per stage) vs looping
   solve_ivp over the initial conditions; the scipy loop is timed over a subset of 16
   trajectories and compared per trajectory. Target >= 50x.
4. Lorenz system written with the documented user-model recipe (``dyn.UserModel`` + a
   ``numba.njit`` kernel), rtol = 1e-8, atol = 1e-10, t in (0, 10), vs solve_ivp RK45 and
   DOP853 with a plain Python right-hand side. Target >= 50x. (Lorenz is chaotic: the end
   states of different methods agree only to ~ tolerance x e^(0.9 t), so the check there is
   relative 1e-3.)

Compilation is excluded (every solver is called once before timing); each time is the median
of at least 7 repeats, ours and the baseline called in turn in every repeat. BLAS runs
single-threaded by default (``--blas-threads`` to change it; it must be set before numpy
loads, so it is read from the command line first): on a machine whose cores are shared with
other jobs a multi-threaded OpenBLAS spins on busy cores and a small matrix product can get
10-50x slower, for us and for scipy alike.

Usage: ``python benchmarks/bench_integrators.py [--repeats K] [--blas-threads T]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings


def _blas_threads_from_argv() -> str:
    for k, arg in enumerate(sys.argv):
        if arg == "--blas-threads" and k + 1 < len(sys.argv):
            return sys.argv[k + 1]
        if arg.startswith("--blas-threads="):
            return arg.split("=", 1)[1]
    return "1"


for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _blas_threads_from_argv()

import numba  # noqa: E402
import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

import dynamics as dyn  # noqa: E402

RTOL, ATOL = 1e-6, 1e-9
T_END = 50.0


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def interleaved(fns: list, repeats: int, inner: list[int] | None = None):
    """Median wall time of each ``fn()``, the functions called in turn in every repeat.

    Interleaving makes a load spike from other jobs on the shared cores hit ours and the
    baseline alike, instead of whichever happened to run at that moment. In each repeat
    ``fns[k]`` is called ``inner[k]`` times back to back (default once) so that a sub-
    millisecond solve is timed with warm caches, not right after the baseline has evicted them.
    Returns the medians over all calls and the last result of each function.
    """
    inner = inner or [1] * len(fns)
    times: list[list[float]] = [[] for _ in fns]
    results: list[object] = [None] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            for _ in range(inner[k]):
                start = time.perf_counter()
                results[k] = fn()
                times[k].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times], results


def hopfield_numpy_rhs(model):
    """The vector field a numpy user would write for ``solve_ivp``."""
    w, bias, tau, lam = model.W, model.I, model.tau, model.gain.lam

    def rhs(t, u):
        return (-u + w @ np.tanh(lam * u) + bias) / tau

    return rhs


def case_single(n: int, repeats: int) -> dict:
    model = dyn.random_hopfield(n, seed=1)
    y0 = np.random.default_rng(2).normal(0.0, 1.0, n)
    rhs = hopfield_numpy_rhs(model)
    ours = lambda: dyn.solve(model, (0.0, T_END), y0, rtol=RTOL, atol=ATOL)  # noqa: E731
    scipy = lambda: solve_ivp(rhs, (0.0, T_END), y0, method="RK45", rtol=RTOL, atol=ATOL)  # noqa: E731
    ours()
    scipy()
    (t_ours, t_scipy), (sol, ref) = interleaved([ours, scipy], repeats, inner=[3, 1])
    diff = float(np.max(np.abs(sol.y[:, -1] - ref.y[:, -1])))
    return {"case": f"N={n} single trajectory, dopri5 vs solve_ivp RK45",
            "ours": t_ours, "baseline": t_scipy, "ratio": t_scipy / t_ours, "target": ">= 10x",
            "ok": t_scipy / t_ours >= 10, "diff": diff, "diff_ok": diff < 1e-4,
            "detail": f"nfev ours {sol.nfev}, scipy {ref.nfev}"}


def case_blas_floor(n: int, repeats: int) -> dict:
    model = dyn.random_hopfield(n, seed=3)
    y0 = np.random.default_rng(4).normal(0.0, 1.0, n)
    t_end = 20.0
    t_eval = np.linspace(0.0, t_end, 5)
    ours = lambda: dyn.solve(model, (0.0, t_end), y0, rtol=RTOL, atol=ATOL, t_eval=t_eval)  # noqa: E731
    sol = ours()
    w = np.ascontiguousarray(model.W)
    v = np.tanh(y0)
    out = np.empty(n)
    nfev = sol.nfev

    def blas_floor():
        # exactly the matrix-vector products the solve needs, nothing else
        for _ in range(nfev):
            np.dot(w, v, out)

    blas_floor()
    (t_ours, floor), (sol, _) = interleaved([ours, blas_floor], repeats)
    t_matvec = floor / nfev
    # reference end state from scipy (untimed)
    ref = solve_ivp(hopfield_numpy_rhs(model), (0.0, t_end), y0, method="RK45", rtol=RTOL,
                    atol=ATOL, t_eval=t_eval)
    diff = float(np.max(np.abs(sol.y[:, -1] - ref.y[:, -1])))
    return {"case": f"N={n} single trajectory vs BLAS floor (nfev x one W @ v)",
            "ours": t_ours, "baseline": floor, "ratio": t_ours / floor, "target": "<= 1.3x floor",
            "ok": t_ours / floor <= 1.3, "diff": diff, "diff_ok": diff < 1e-4,
            "detail": f"nfev {sol.nfev}; floor = {nfev} numpy W @ v timed back to back, one"
                      f" = {t_matvec * 1e6:.0f} us",
            "ratio_label": "ours/floor"}


def case_ensemble(n: int, n_traj: int, n_scipy: int, repeats: int) -> dict:
    model = dyn.random_hopfield(n, seed=5)
    Y0 = np.random.default_rng(6).normal(0.0, 1.0, (n_traj, n))
    t_eval = np.linspace(0.0, T_END, 11)
    rhs = hopfield_numpy_rhs(model)
    ours = lambda: dyn.solve_ensemble(model, (0.0, T_END), Y0, rtol=RTOL, atol=ATOL,  # noqa: E731
                                      t_eval=t_eval, progress=False)

    def scipy_loop():
        return [solve_ivp(rhs, (0.0, T_END), y0, method="RK45", rtol=RTOL, atol=ATOL,
                          t_eval=t_eval) for y0 in Y0[:n_scipy]]

    ours()
    scipy_loop()
    (t_ours, t_scipy), (ens, refs) = interleaved([ours, scipy_loop], repeats)
    per_ours, per_scipy = t_ours / n_traj, t_scipy / n_scipy
    diff = max(float(np.max(np.abs(ens.y[k, :, -1] - refs[k].y[:, -1]))) for k in range(n_scipy))
    # arithmetic floor: mean nfev x (one (m, n) x (n, n) product + tanh of (m, n)), in numpy
    w_t = np.ascontiguousarray(model.W.T)
    out, v = np.empty_like(Y0), np.empty_like(Y0)
    n_batched = int(round(float(np.mean(ens.nfev))))

    def arithmetic_floor():
        for _ in range(n_batched):
            np.tanh(Y0, v)
            np.dot(v, w_t, out)

    (_, floor_total), _ = interleaved([ours, arithmetic_floor], repeats)
    floor = floor_total / n_traj
    return {"case": f"ensemble {n_traj} x N={n}, per trajectory vs looping solve_ivp RK45",
            "ours": per_ours, "baseline": per_scipy, "ratio": per_scipy / per_ours,
            "target": ">= 50x", "ok": per_scipy / per_ours >= 50, "diff": diff,
            "diff_ok": diff < 1e-4,
            "detail": f"scipy loop timed on {n_scipy} trajectories, extrapolated per trajectory;"
                      f" mean nfev {np.mean(ens.nfev):.0f}; numpy arithmetic floor (nfev x one"
                      f" batched tanh + matmul / {n_traj}) {floor * 1e3:.3f} ms per trajectory"
                      f" = ours / {per_ours / floor:.2f}"}


@numba.njit(cache=True)
def lorenz(t, x, p, out):
    """Lorenz (1963): dx = sigma (y - x), dy = x (rho - z) - y, dz = x y - beta z."""
    sigma, rho, beta = p[0], p[1], p[2]
    out[0] = sigma * (x[1] - x[0])
    out[1] = x[0] * (rho - x[2]) - x[1]
    out[2] = x[0] * x[1] - beta * x[2]


def lorenz_python(t, x, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    return np.array([sigma * (x[1] - x[0]), x[0] * (rho - x[2]) - x[1], x[0] * x[1] - beta * x[2]])


def case_lorenz(repeats: int) -> list[dict]:
    model = dyn.UserModel(lorenz, n_states=3, params=[10.0, 28.0, 8.0 / 3.0])
    y0 = np.array([1.0, 1.0, 1.0])
    t_end, rtol, atol = 10.0, 1e-8, 1e-10
    rows = []
    for ours_method, method in (("dopri5", "RK45"), ("dopri5", "DOP853"), ("tsit5", "RK45")):
        ours = lambda om=ours_method: dyn.solve(model, (0.0, t_end), y0, method=om,  # noqa: E731
                                                rtol=rtol, atol=atol)
        ours()
        scipy = lambda m=method: solve_ivp(lorenz_python, (0.0, t_end), y0, method=m,  # noqa: E731
                                           rtol=rtol, atol=atol)
        scipy()
        (t_ours, t_scipy), (sol, ref) = interleaved([ours, scipy], repeats, inner=[10, 1])
        scale = float(np.max(np.abs(ref.y[:, -1])))
        diff = float(np.max(np.abs(sol.y[:, -1] - ref.y[:, -1]))) / scale
        rows.append({"case": f"Lorenz UserModel rtol=1e-8, {ours_method} vs solve_ivp {method}",
                     "ours": t_ours, "baseline": t_scipy, "ratio": t_scipy / t_ours,
                     "target": ">= 50x", "ok": t_scipy / t_ours >= 50, "diff": diff,
                     "diff_ok": diff < 1e-3,
                     "detail": f"nfev ours {sol.nfev}, scipy {ref.nfev}; diff relative"})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per case")
    parser.add_argument("--blas-threads", default="1", help="BLAS threads (default 1)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="First-class function type")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; numpy {np.__version__}, "
          f"numba {numba.__version__}, python {platform.python_version()}, "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"tolerances rtol={RTOL:g}, atol={ATOL:g} (Lorenz: 1e-8 / 1e-10); medians of up to "
          f"{args.repeats} repeats after a warm-up call, ours and the baseline interleaved")
    repeats = max(7, args.repeats)
    rows = [case_single(100, repeats), case_blas_floor(2000, repeats),
            case_ensemble(100, 256, 16, repeats), *case_lorenz(repeats)]
    header = (f"{'case':<66} {'ours [s]':>10} {'baseline [s]':>13} {'ratio':>20} "
              f"{'target':>14} {'met':>4} {'end-state diff':>16}")
    print(header)
    print("-" * len(header))
    for r in rows:
        ratio = f"{r.get('ratio_label', 'baseline/ours')} {r['ratio']:.1f}x"
        diff = f"{r['diff']:.1e} {'ok' if r['diff_ok'] else 'BAD'}"
        print(f"{r['case']:<66} {r['ours']:>10.4g} {r['baseline']:>13.4g} {ratio:>20} "
              f"{r['target']:>14} {'yes' if r['ok'] else 'NO':>4} {diff:>16}")
        print(f"{'':<4}{r['detail']}")
    if not all(r["diff_ok"] for r in rows):
        raise SystemExit("end states disagree beyond tolerance")


if __name__ == "__main__":
    main()
