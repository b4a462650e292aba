"""Benchmark: the Lyapunov spectrum (k = 10) of an N = 500 random rate network, against scipy.

``dyn.lyapunov_spectrum`` (compiled Dormand-Prince 5(4) on the state and the k tangent vectors, one
matrix-matrix product per stage, Gram-Schmidt every 0.5 time units) against a straightforward
implementation of the same QR (Benettin) method: ``scipy.integrate.solve_ivp`` (RK45,
rtol, atol) on the state and the tangent vectors stacked into one vector, the
tangent dynamics written as vectorised numpy (A Q = -Q + g J (tanh'(x) Q), one matrix product
per evaluation), one solve_ivp call per renormalisation interval followed by
``numpy.linalg.qr``, at the same tolerances (rtol = 1e-4 and 1e-6, atol = rtol / 1000). Both
start from the same state on the attractor (after a transient) with
the same initial tangent vectors, run over the same span, and their exponents are printed
side by side with their errors against a fixed-step RK4 reference (dt = 0.005).

The figure of merit is wall time per unit of model time; medians of ``--repeats`` (>= 7)
repeats after a warm-up (compilation excluded), ours and the baseline called in turn in every
repeat. BLAS runs single-threaded (set before numpy loads): on a machine whose cores are
shared with other jobs a multi-threaded BLAS spins and distorts both timings.

Usage: ``python benchmarks/bench_lyapunov.py [--repeats K] [--span T]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402
from bench_integrators import cpu_model  # noqa: E402 (this folder is on sys.path)
from scipy.integrate import solve_ivp  # noqa: E402

import dynamics as dyn  # noqa: E402

N, G, K = 500, 2.0, 10
RENORM = 0.5


def scipy_benettin(W: np.ndarray, x0: np.ndarray, q0: np.ndarray, span: float,
                   rtol: float = 1e-6) -> np.ndarray:
    """The QR method with solve_ivp (RK45) per renormalisation interval and numpy's QR."""
    n, k = q0.shape

    def rhs(t, z):
        x = z[:n]
        q = z[n:].reshape(n, k)
        th = np.tanh(x)
        dx = -x + W @ th
        dq = -q + W @ ((1.0 - th * th)[:, None] * q)
        return np.concatenate([dx, dq.ravel()])

    z = np.concatenate([x0, q0.ravel()])
    logs = np.zeros(k)
    steps = int(round(span / RENORM))
    for _ in range(steps):
        sol = solve_ivp(rhs, (0.0, RENORM), z, method="RK45", rtol=rtol, atol=1e-3 * rtol)
        z = sol.y[:, -1]
        q, r = np.linalg.qr(z[n:].reshape(n, k))
        logs += np.log(np.abs(np.diag(r)))
        z = np.concatenate([z[:n], q.ravel()])
    return logs / span


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--span", type=float, default=5.0, help="model time per run")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; numpy {np.__version__}, "
          f"numba {numba.__version__}, python {platform.python_version()}, "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    net = dyn.RandomRateNetwork(N, G, seed=0)
    W = G * net.J
    rng = np.random.default_rng(1)
    start = dyn.solve(net, (0.0, 50.0), rng.normal(size=N)).y[:, -1]
    q0, _ = np.linalg.qr(rng.normal(size=(N, K)))  # orthonormal: the same start for both

    def ours(span: float, rtol: float) -> np.ndarray:
        # no transient, no alignment: the same work as the baseline, same tangent vectors
        return dyn.lyapunov_spectrum(net, start, 0.0, span, k=K, rtol=rtol, atol=1e-3 * rtol,
                                     renorm_interval=RENORM, q0=q0)

    # reference: fixed-step RK4 with a tiny step (error ~ dt^4)
    ref = dyn.lyapunov_spectrum(net, start, 0.0, args.span, k=K, method="rk4", dt=0.005,
                                renorm_interval=RENORM, q0=q0)
    print(f"Lyapunov spectrum, k = {K}, random rate network N = {N}, g = {G}, span "
          f"{args.span:g} time units, medians of {args.repeats}, interleaved; error = max "
          "|lambda - lambda_ref| against RK4 with dt = 0.005")
    print(f"{'rtol':>6} {'dynamics ms/unit':>17} {'error':>9} {'scipy ms/unit':>14} "
          f"{'error':>9} {'scipy/dynamics':>15}")
    for rtol in (1e-4, 1e-6):
        ours(RENORM, rtol)  # compile / warm up
        scipy_benettin(W, start, q0, RENORM, rtol)
        t_ours, t_scipy = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            lam_ours = ours(args.span, rtol)
            t_ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            lam_scipy = scipy_benettin(W, start, q0, args.span, rtol)
            t_scipy.append(time.perf_counter() - t0)
        per_ours = statistics.median(t_ours) / args.span
        per_scipy = statistics.median(t_scipy) / args.span
        err_ours = float(np.max(np.abs(lam_ours - ref)))
        err_scipy = float(np.max(np.abs(lam_scipy - ref)))
        print(f"{rtol:6.0e} {per_ours * 1e3:17.1f} {err_ours:9.1e} {per_scipy * 1e3:14.1f} "
              f"{err_scipy:9.1e} {per_scipy / per_ours:14.2f}x")
    print("largest exponents (short span, not converged):", np.round(ref[:3], 4))


if __name__ == "__main__":
    main()
